"""Which harmonised rows enter an analysis × window: one row per study, reasons for the rest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Selection:
    """The rows pooled in one analysis × window, and notes on rows left out."""

    rows: list[Mapping[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def select_rows(
    effects: Sequence[Mapping[str, Any]],
    analysis: Mapping[str, Any],
    window: str,
    *,
    exclude_uncertain: bool = False,
    exclude_imputed: bool = False,
) -> Selection:
    """Pick the rows of one analysis and window.

    A row qualifies when its comparison passed screening, it is poolable and represents its window
    (``selected``), its classes are among the analysis's interventions and comparators, and it is on
    the analysis's scale. Sensitivity runs leave out rows flagged uncertain (``exclude_uncertain``)
    or rows with a borrowed SD (``exclude_imputed``). Per comparison the first outcome of
    ``outcomes`` that has a qualifying row is used. When one study contributes several comparisons
    (e.g. two active arms against one shared control arm), only the first comparison is pooled so
    that the control arm is not counted twice.
    """
    out = Selection()
    candidates = [
        e
        for e in effects
        if e["included"]
        and e["poolable"]
        and e["selected"]
        and e["window"] == window
        and e["intervention"] in analysis["interventions"]
        and e["comparator"] in analysis["comparators"]
        and e["scale"] == analysis["scale"]
        and e["outcome"] in analysis["outcomes"]
    ]
    if exclude_uncertain:
        dropped = sorted(e["row_id"] for e in candidates if e["uncertain"])
        if dropped:
            out.notes.append(f"uncertain rows left out: {', '.join(dropped)}")
        candidates = [e for e in candidates if not e["uncertain"]]
    if exclude_imputed:
        dropped = sorted(e["row_id"] for e in candidates if e["imputed"])
        if dropped:
            out.notes.append(f"rows with a borrowed SD left out: {', '.join(dropped)}")
        candidates = [e for e in candidates if not e["imputed"]]
    priority = {name: i for i, name in enumerate(analysis["outcomes"])}
    by_comparison: dict[str, Mapping[str, Any]] = {}
    for row in sorted(candidates, key=lambda e: (priority[e["outcome"]], e["row_id"])):
        by_comparison.setdefault(row["comparison_id"], row)
    by_study: dict[str, Mapping[str, Any]] = {}
    for comparison_id in sorted(by_comparison):
        row = by_comparison[comparison_id]
        kept = by_study.setdefault(row["study_id"], row)
        if kept is not row:
            out.notes.append(
                f"{row['study_id']}: comparison {comparison_id} not pooled beside "
                f"{kept['comparison_id']} (shared control arm)"
            )
    out.rows = [by_study[s] for s in sorted(by_study)]
    return out
