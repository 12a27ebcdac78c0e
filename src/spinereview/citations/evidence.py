"""Pooled evidence a claim is compared with: reviews_pooled.csv rows and this review's pooled.csv."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinereview.citations.article import COMPARATORS, INTERVENTIONS, POPULATIONS, Term
from spinereview.io import read_table

REVIEW_COLUMNS = (
    "review_id",
    "pmid",
    "doi",
    "comparison",
    "outcome",
    "timepoint",
    "k_studies",
    "n_participants",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
)
POOLED_COLUMNS = ("analysis", "run", "window", "scale", "k", "estimate", "ci_low", "ci_high")


@dataclass(frozen=True)
class TableRow:
    """A CSV row with its 1-based data-row number (the header is not counted)."""

    number: int
    data: Mapping[str, str]

    def value(self, name: str) -> str:
        return (self.data.get(name) or "").strip()


def read_rows(path: str | Path, columns: Sequence[str]) -> list[TableRow]:
    return [TableRow(n, row) for n, row in enumerate(read_table(path, columns), start=1)]


def review_rows(rows: Sequence[TableRow], resolved: Mapping[str, Any]) -> list[TableRow]:
    """Rows of reviews_pooled.csv that belong to the resolved review: by CD number, the journal
    version's PMID, or any of its DOIs."""
    if resolved.get("kind") != "systematic_review":
        return []
    review_id = str(resolved["review_id"])
    journal_version = resolved.get("journal_version") or {}
    dois = {str(v["doi"]).lower() for v in resolved.get("versions") or [] if v.get("doi")}
    if journal_version.get("doi"):
        dois.add(str(journal_version["doi"]).lower())
    pmid = str(journal_version.get("pmid") or "")
    out = []
    for row in rows:
        row_dois = {d.strip().lower() for d in row.value("doi").split("|") if d.strip()}
        if (
            review_id in row.value("review_id")
            or review_id in row.value("doi")
            or (pmid and row.value("pmid") == pmid)
            or row_dois & dois
        ):
            out.append(row)
    return out


def _not_pooled(measure: str) -> bool:
    return "no meta-analysis" in measure or measure == "none pooled"


def not_pooled_markers(rows: Sequence[TableRow]) -> list[TableRow]:
    """Rows saying outright that nothing was pooled ('none pooled', 'count (no meta-analysis)')."""
    return [r for r in rows if _not_pooled(r.value("measure").lower())]


def pooled_rows(rows: Sequence[TableRow]) -> list[TableRow]:
    """Rows holding a pooled result: an effect measure (not a count) over two or more trials, or
    with an estimate when the number of trials is not given."""
    out = []
    for row in rows:
        measure = row.value("measure").lower()
        if not measure or measure.startswith(("count", "none")) or _not_pooled(measure):
            continue
        k = row.value("k_studies")
        if k.isdigit() and int(k) < 2:
            continue
        if row.value("estimate") or (k.isdigit() and int(k) >= 2):
            out.append(row)
    return out


def _mentions(text: str, term: Term) -> bool:
    return any(word in text for word in term.words)


def rows_about(
    rows: Sequence[TableRow], intervention: Term, comparator: Term | None = None
) -> list[TableRow]:
    """Rows whose comparison or outcome names ``intervention`` (and ``comparator``, if given)."""
    out = []
    for row in rows:
        text = f"{row.value('comparison')} {row.value('outcome')}".lower()
        if _mentions(text, intervention) and (comparator is None or _mentions(text, comparator)):
            out.append(row)
    return out


def _num(text: str) -> str:
    return f"{float(text):.3g}" if text else "?"


def _review_result(row: TableRow) -> str:
    ci = f" ({row.value('ci_low')} to {row.value('ci_high')})" if row.value("ci_low") else ""
    size = ", ".join(
        f"{name}={row.value(col)}"
        for name, col in (("k", "k_studies"), ("n", "n_participants"))
        if row.value(col)
    )
    return (
        f"{row.value('review_id')}: {row.value('outcome')}, {row.value('timepoint')}: "
        f"{row.value('measure')} {row.value('estimate')}{ci}"
        + (f", {size}" if size else "")
        + f" (reviews_pooled.csv line {row.number + 1})"
    )


def _review_context(
    claim: Mapping[str, Any], reviews: Sequence[TableRow], exclude: set[int]
) -> list[tuple[str, str]]:
    intervention = INTERVENTIONS[claim["intervention"]]
    comparator = COMPARATORS.get(claim.get("comparator") or "")
    about = [r for r in rows_about(reviews, intervention, comparator) if r.number not in exclude]
    results = [r for r in pooled_rows(about) if r.value("estimate")]
    out = [("review_result", _review_result(r)) for r in results]
    populations = [
        term.label
        for term in POPULATIONS.values()
        if term.words and any(_mentions(r.value("comparison").lower(), term) for r in results)
    ]
    if populations:
        out.append(
            (
                "review_population",
                f"published pooled results on {intervention.label} "
                f"concern {', '.join(populations)}",
            )
        )
    return out


def _pooled_context(claim: Mapping[str, Any], pooled: Sequence[TableRow]) -> list[tuple[str, str]]:
    tokens = [INTERVENTIONS[claim["intervention"]].analysis_token]
    if claim.get("comparator"):
        tokens.append(COMPARATORS[claim["comparator"]].analysis_token)
    if None in tokens:
        return []
    rows = [
        r
        for r in pooled
        if r.value("run") in ("", "main")
        and all(str(t) in r.value("analysis").split("_") for t in tokens)
    ]
    out = []
    for analysis in sorted({r.value("analysis") for r in rows}):
        fitted = [
            r for r in rows if r.value("analysis") == analysis and r.value("k") not in ("", "0")
        ]
        if not fitted:
            out.append(("this_review", f"this review, {analysis}: no study with poolable data"))
        for r in fitted:
            out.append(
                (
                    "this_review",
                    f"this review, {analysis}, {r.value('window')} window: "
                    f"k={r.value('k')}, {_num(r.value('estimate'))} ({_num(r.value('ci_low'))} to "
                    f"{_num(r.value('ci_high'))}) on {r.value('scale')} (pooled.csv line {r.number + 1})",
                )
            )
    return out


def context_checks(
    claim: Mapping[str, Any],
    reviews: Sequence[TableRow],
    pooled: Sequence[TableRow],
    own_rows: Sequence[TableRow],
) -> list[tuple[str, str]]:
    """What published reviews (other than the cited one) and this review's own pooling say about
    the claim's intervention and comparator: (code, message) pairs, reported but never decisive."""
    exclude = {r.number for r in own_rows}
    return _review_context(claim, reviews, exclude) + _pooled_context(claim, pooled)
