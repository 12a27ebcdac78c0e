"""What the extractor finds in one sentence, in the shapes the style tests compare."""

from __future__ import annotations

from spinereview.extraction.candidates import extract_candidates


def effects(text: str) -> list[tuple]:
    """(kind, measure, estimate, ci_low, ci_high, ci_level) of each effect or estimate with CI."""
    return [
        (c.kind, c.measure, c.estimate, c.ci_low, c.ci_high, c.ci_level)
        for c in extract_candidates(text)
        if c.kind in ("effect", "estimate_ci")
    ]


def values_of(text: str, kind: str) -> list[dict]:
    """The set values of each candidate of ``kind``."""
    return [
        {k: v for k, v in c.values().items() if v is not None}
        for c in extract_candidates(text)
        if c.kind == kind
    ]
