"""Which included studies and poolable sheet rows reach a pooled cell, and why the others do not.

Computed from the files the rules wrote: results/screening/included.csv (the included studies),
results/extraction/effects (every harmonised sheet row with its flags) and results/meta/analyses/
<id>.json (the rows each configured analysis pooled in its main run). The filter that decides
whether a row fits an analysis is the pooling stage's own (spinereview.pooling.select).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Coverage:
    """Included studies and pooled rows, with a reason for every study and row left out."""

    included: list[str]  # study ids in included.csv order
    contributing: dict[str, list[str]]  # study id -> "analysis window" cells it is pooled in
    not_contributing: list[dict[str, str]]  # study, classes, sheet rows, reason
    rows_not_pooled: list[dict[str, str]]  # poolable rows pooled in no analysis, with the reason


def pooled_cells(meta_dir: Path, analyses: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Sheet row id -> the 'analysis window' cells whose main run pooled it."""
    out: dict[str, list[str]] = {}
    for analysis in analyses:
        path = meta_dir / "analyses" / f"{analysis['id']}.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        for window, runs in doc["windows"].items():
            for study in runs["main"]["studies"]:
                out.setdefault(study["row_id"], []).append(f"{analysis['id']} {window}")
    return out


def _fits(row: Mapping[str, Any], analysis: Mapping[str, Any]) -> dict[str, bool]:
    return {
        "intervention": row["intervention"] in analysis["interventions"],
        "comparator": row["comparator"] in analysis["comparators"],
        "outcome": row["outcome"] in analysis["outcomes"] and row["scale"] == analysis["scale"],
        "window": row["window"] in analysis["windows"],
    }


def why_no_analysis(row: Mapping[str, Any], analyses: Sequence[Mapping[str, Any]]) -> str:
    """Why a poolable row fits no configured analysis ('' when one fits it)."""
    fits = {a["id"]: _fits(row, a) for a in analyses}
    if any(all(f.values()) for f in fits.values()):
        return ""
    pair = f"{row['intervention']} vs {row['comparator']}"
    same_pair = [a for a, f in fits.items() if f["intervention"] and f["comparator"]]
    if not same_pair:
        return f"no configured analysis compares {pair} (meta.analyses)"
    same_outcome = [a for a in same_pair if fits[a]["outcome"]]
    if not same_outcome:
        return (
            f"no configured analysis of {pair} takes outcome {row['outcome']} on scale "
            f"{row['scale']} (analyses of this pair: {', '.join(same_pair)})"
        )
    return f"window {row['window'] or 'none'} is not among the windows of {', '.join(same_outcome)}"


def _row_reason(
    row: Mapping[str, Any],
    analyses: Sequence[Mapping[str, Any]],
    pooled: Mapping[str, list[str]],
    same_study: set[str],
) -> str:
    """Why one sheet row of an included study is not pooled."""
    if not row["included"]:
        return "its comparison was excluded at screening"
    if not row["poolable"]:
        return f"not poolable: {row['not_poolable_reason'] or 'no reason given'}"
    if not row["selected"]:
        return "another row of the same study, outcome and window represents the window"
    reason = why_no_analysis(row, analyses)
    if reason:
        return reason
    cells = [f"{a['id']} {row['window']}" for a in analyses if all(_fits(row, a).values())]
    instead = sorted(
        {
            other
            for other, where in pooled.items()
            if other in same_study and set(where) & set(cells)
        }
    )
    used = f": {', '.join(instead)} of the same study was pooled instead" if instead else ""
    return (
        f"fits {', '.join(cells)}{used} (one row per study and cell; the outcome listed first "
        "in the analysis's outcomes wins, and a shared control arm is pooled once)"
    )


def coverage(
    included: Sequence[Mapping[str, str]],
    effects: Sequence[Mapping[str, Any]],
    analyses: Sequence[Mapping[str, Any]],
    meta_dir: Path,
) -> Coverage:
    """See the module docstring."""
    pooled = pooled_cells(meta_dir, analyses)
    by_study: dict[str, list[Mapping[str, Any]]] = {}
    for row in effects:
        by_study.setdefault(row["study_id"], []).append(row)
    contributing: dict[str, list[str]] = {}
    others = []
    for study in included:
        sid = study["study_id"]
        rows = by_study.get(sid, [])
        cells = sorted({c for r in rows for c in pooled.get(r["row_id"], [])})
        if cells:
            contributing[sid] = cells
            continue
        reasons: dict[str, list[str]] = {}
        for r in rows:
            reason = _row_reason(r, analyses, pooled, set())
            reasons.setdefault(reason, []).append(r["row_id"])
        if not rows:
            why = "no effect data in the curated sheet (data/extraction/effects.csv)"
        else:
            why = "; ".join(f"{', '.join(ids)}: {text}" for text, ids in reasons.items())
        others.append(
            {
                "study": sid,
                "classes": f"{study['intervention']} vs {study['comparator']}",
                "rows": str(len(rows)),
                "reason": why,
            }
        )
    study_rows = {sid: {r["row_id"] for r in rows} for sid, rows in by_study.items()}
    left = []
    for row in effects:
        if row["row_id"] in pooled or not (row["included"] and row["poolable"] and row["selected"]):
            continue
        left.append(
            {
                "row": row["row_id"],
                "study": row["study_id"],
                "classes": f"{row['intervention']} vs {row['comparator']}",
                "outcome": f"{row['outcome']} ({row['scale']})",
                "window": row["window"] or "",
                "reason": _row_reason(row, analyses, pooled, study_rows[row["study_id"]]),
            }
        )
    return Coverage([s["study_id"] for s in included], contributing, others, left)
