"""PRISMA 2020 flow counts computed from the screening decisions, and a check that they add up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from spinereview.errors import SpinereviewError

COLUMNS = ("databases", "other_methods")


class PrismaError(SpinereviewError):
    """The PRISMA counts do not reconcile (a bug or inconsistent inputs, never silently ignored)."""


#: The reason a PubMed record counts as "report not retrieved": esearch listed its PMID, but
#: efetch left the record out of every answer (NCBI withholds a record while it is revised).
WITHHELD_REASON = "withheld_by_pubmed"


def _column(
    rows: Sequence[Mapping[str, Any]],
    identified: int,
    cross_query_dups: int,
    not_retrieved: int = 0,
) -> dict[str, Any]:
    """Counts of one PRISMA column (databases or other methods).

    ``not_retrieved`` records have no row: PMIDs esearch found (so they are identified) whose record
    efetch never sent. With no title or abstract to screen they cannot be excluded at screening, so
    they pass it, are sought for retrieval and are counted as reports not retrieved (PRISMA 2020),
    with the reason ``WITHHELD_REASON``. The reason key is written only when there are any.
    """
    duplicates = Counter(r["reason"] for r in rows if r["decision"] == "duplicate")
    kept = [r for r in rows if r["decision"] != "duplicate"]
    screening_excl = [r for r in kept if r["stage"] == "screening" and r["decision"] == "excluded"]
    awaiting_screen = [
        r for r in kept if r["stage"] == "screening" and r["decision"] == "awaiting_classification"
    ]
    assessed = [r for r in kept if r["stage"] == "eligibility"]
    excluded = [r for r in assessed if r["decision"] == "excluded"]
    awaiting = [r for r in assessed if r["decision"] == "awaiting_classification"] + awaiting_screen
    dup_total = sum(duplicates.values()) + cross_query_dups
    counts: dict[str, Any] = {
        "records_identified": identified,
        "duplicates_removed": dup_total,
        "duplicates_by_key": dict(
            sorted({**duplicates, "duplicate_pmid_across_queries": cross_query_dups}.items())
        ),
        "records_screened": len(kept) + not_retrieved,
        "records_excluded": len(screening_excl),
        "records_excluded_reasons": dict(
            sorted(Counter(r["reason"] for r in screening_excl).items())
        ),
        "reports_sought": len(kept) - len(screening_excl) + not_retrieved,
        "reports_not_retrieved": not_retrieved,
    }
    if not_retrieved:
        counts["reports_not_retrieved_reasons"] = {WITHHELD_REASON: not_retrieved}
    return counts | {
        "reports_assessed": len(kept) - len(screening_excl),
        "reports_excluded": len(excluded),
        "reports_excluded_reasons": dict(sorted(Counter(r["reason"] for r in excluded).items())),
        "reports_awaiting_classification": len(awaiting),
        "reports_included": sum(r["decision"] == "included" for r in kept),
    }


def prisma_counts(
    rows: Sequence[Mapping[str, Any]],
    per_query: Mapping[str, int],
    other_methods: Mapping[str, int],
    withheld: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """All counts of the PRISMA 2020 flow diagram for new systematic reviews (databases + other methods).

    ``per_query`` gives the records each PubMed query returned (before merging PMIDs found by several
    queries); ``other_methods`` the records identified by each other method. ``withheld`` gives per
    query the PMIDs esearch found but efetch never sent (the snapshot manifest's ``withheld``):
    they count in the query's records identified (which then equal its esearch count), a PMID also
    found by another query (as a record or withheld again) is a duplicate, and each remaining one
    is a report not retrieved (see ``_column``). They are listed under the top-level key
    ``withheld`` (per query, only when there are any).
    """
    db_rows = [r for r in rows if r["source"] == "pubmed"]
    other_rows = [r for r in rows if r["source"] == "other"]
    withheld = {q: list(p) for q, p in (withheld or {}).items() if p}
    found = dict(per_query)
    for query_id, pmids in withheld.items():
        found[query_id] = found.get(query_id, 0) + len(pmids)
    retrieved = {str(r["pmid"]) for r in db_rows}
    missing = {p for pmids in withheld.values() for p in pmids} - retrieved
    identified = sum(found.values())
    counts: dict[str, Any] = {
        "identification": {
            "databases": {"PubMed": found},
            "other_methods": dict(other_methods),
        },
        "databases": _column(
            db_rows, identified, identified - len(db_rows) - len(missing), len(missing)
        ),
        "other_methods": _column(other_rows, sum(other_methods.values()), 0),
    }
    if withheld:
        counts["withheld"] = dict(sorted(withheld.items()))
    included = [r for r in rows if r["decision"] == "included"]
    counts["included"] = {
        "studies": len({r["study_id"] for r in included}),
        "reports": len(included),
    }
    check_prisma(counts)
    return counts


def check_prisma(counts: Mapping[str, Any]) -> None:
    """Raise PrismaError unless every box of the flow adds up."""
    problems = []
    for name in COLUMNS:
        c = counts[name]
        pairs = [
            (
                "identified - duplicates = screened",
                c["records_identified"] - c["duplicates_removed"],
                c["records_screened"],
            ),
            (
                "screened - excluded = sought",
                c["records_screened"] - c["records_excluded"],
                c["reports_sought"],
            ),
            (
                "sought - not retrieved = assessed",
                c["reports_sought"] - c["reports_not_retrieved"],
                c["reports_assessed"],
            ),
            (
                "assessed - excluded - awaiting = included",
                c["reports_assessed"]
                - c["reports_excluded"]
                - c["reports_awaiting_classification"],
                c["reports_included"],
            ),
            (
                "excluded reasons sum",
                sum(c["reports_excluded_reasons"].values()),
                c["reports_excluded"],
            ),
            (
                "screening reasons sum",
                sum(c["records_excluded_reasons"].values()),
                c["records_excluded"],
            ),
            (
                "not retrieved reasons sum",
                sum(c.get("reports_not_retrieved_reasons", {}).values()),
                c["reports_not_retrieved"],
            ),
            (
                "duplicates by key sum",
                sum(c["duplicates_by_key"].values()),
                c["duplicates_removed"],
            ),
        ]
        problems += [f"{name}: {label} ({a} != {b})" for label, a, b in pairs if a != b]
    total = sum(counts[n]["reports_included"] for n in COLUMNS)
    if total != counts["included"]["reports"]:
        problems.append(f"included reports {counts['included']['reports']} != columns' sum {total}")
    if counts["included"]["studies"] > counts["included"]["reports"]:
        problems.append("more included studies than included reports")
    if problems:
        raise PrismaError("PRISMA counts do not reconcile: " + "; ".join(problems))
