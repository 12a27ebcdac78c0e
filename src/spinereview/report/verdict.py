"""Plain-language reading of a pooled effect against the clinical-importance threshold (MCID)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def verdict(row: Mapping[str, Any], mcid: float | None) -> str:
    """One sentence on what a pooled row shows, for a reader without statistics.

    Negative values favour the injection. ``mcid`` is the threshold on the row's scale (None when no
    threshold is configured for it). The wording follows the CI, not the point estimate alone.
    """
    k = int(row["k"] or 0)
    if k == 0:
        return "No study with usable data."
    est, low, high = (float(row[c]) for c in ("estimate", "ci_low", "ci_high"))
    lead = "One study only (no pooling): " if k == 1 else ""
    if mcid is None:
        if low > 0:
            return lead + "Favours the control."
        if high < 0:
            return (
                lead
                + "Favours the injection (no threshold of clinical importance set for this scale)."
            )
        return (
            lead + "No clear difference (no threshold of clinical importance set for this scale)."
        )
    if high < -mcid:
        return lead + f"Favours the injection by more than the threshold ({mcid:g} points)."
    if low > 0:
        return lead + "Favours the control."
    if high < 0:
        return lead + (
            f"Favours the injection, but the benefit may be smaller than the threshold "
            f"({mcid:g} points)."
        )
    if low > -mcid:
        return (
            lead
            + f"No important benefit: the interval excludes a benefit of {mcid:g} points or more."
        )
    return lead + (
        f"Uncertain: the interval includes no effect and a benefit above {mcid:g} points "
        f"(point estimate {est:.1f})."
    )
