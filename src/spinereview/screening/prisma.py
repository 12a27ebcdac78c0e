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


#: (decision, stage, reason) of decision rows → how many rows have it
Tally = Counter[tuple[str, str, str]]


def _column(
    rows: Tally,
    identified: int,
    cross_query_dups: int,
    not_retrieved: int = 0,
) -> dict[str, Any]:
    """Counts of one PRISMA column (databases or other methods), from its rows' tally.

    ``not_retrieved`` records have no row: PMIDs esearch found (so they are identified) whose record
    efetch never sent. With no title or abstract to screen they cannot be excluded at screening, so
    they pass it, are sought for retrieval and are counted as reports not retrieved (PRISMA 2020),
    with the reason ``WITHHELD_REASON``. The reason key is written only when there are any.
    """
    duplicates: Counter[str] = Counter()
    screening_excl: Counter[str] = Counter()
    excluded: Counter[str] = Counter()
    kept = awaiting = included = 0
    for (decision, stage, reason), n in rows.items():
        if decision == "duplicate":
            duplicates[reason] += n
            continue
        kept += n
        included += n if decision == "included" else 0
        if stage == "screening" and decision == "excluded":
            screening_excl[reason] += n
        elif stage == "screening" and decision == "awaiting_classification":
            awaiting += n
        elif stage == "eligibility" and decision == "excluded":
            excluded[reason] += n
        elif stage == "eligibility" and decision == "awaiting_classification":
            awaiting += n
    n_screening_excl = sum(screening_excl.values())
    dup_total = sum(duplicates.values()) + cross_query_dups
    counts: dict[str, Any] = {
        "records_identified": identified,
        "duplicates_removed": dup_total,
        "duplicates_by_key": dict(
            sorted({**duplicates, "duplicate_pmid_across_queries": cross_query_dups}.items())
        ),
        "records_screened": kept + not_retrieved,
        "records_excluded": n_screening_excl,
        "records_excluded_reasons": dict(sorted(screening_excl.items())),
        "reports_sought": kept - n_screening_excl + not_retrieved,
        "reports_not_retrieved": not_retrieved,
    }
    if not_retrieved:
        counts["reports_not_retrieved_reasons"] = {WITHHELD_REASON: not_retrieved}
    return counts | {
        "reports_assessed": kept - n_screening_excl,
        "reports_excluded": sum(excluded.values()),
        "reports_excluded_reasons": dict(sorted(excluded.items())),
        "reports_awaiting_classification": awaiting,
        "reports_included": included,
    }


class PrismaTally:
    """What the PRISMA counts read of the decision rows, added one row at a time (``add``).

    Keeps per source the number of rows of each (decision, stage, reason), the included rows'
    study ids and, of the ``withheld`` PMIDs, those that have a row.

    ``withheld`` gives per query the PMIDs esearch found but efetch never sent (the snapshot
    manifest's ``withheld``): they count in the query's records identified (which then equal its
    esearch count), a PMID also found by another query (as a record or withheld again) is a
    duplicate, and each remaining one is a report not retrieved (see ``_column``). They are listed
    under the top-level key ``withheld`` of the counts (per query, only when there are any).
    """

    def __init__(self, withheld: Mapping[str, Sequence[str]] | None = None) -> None:
        self.withheld = {q: list(p) for q, p in (withheld or {}).items() if p}
        self._withheld_pmids = {p for pmids in self.withheld.values() for p in pmids}
        self._retrieved: set[str] = set()
        self._rows: dict[str, Tally] = {"pubmed": Counter(), "other": Counter()}
        self._included_studies: set[Any] = set()
        self._included_reports = 0

    def add(self, row: Mapping[str, Any]) -> None:
        """Count one decision row."""
        tally = self._rows.get(row["source"])
        if tally is not None:
            tally[(row["decision"], row["stage"], row["reason"])] += 1
        if row["source"] == "pubmed" and str(row["pmid"]) in self._withheld_pmids:
            self._retrieved.add(str(row["pmid"]))
        if row["decision"] == "included":
            self._included_studies.add(row["study_id"])
            self._included_reports += 1

    def counts(
        self, per_query: Mapping[str, int], other_methods: Mapping[str, int]
    ) -> dict[str, Any]:
        """All counts of the PRISMA 2020 flow diagram for new systematic reviews (databases and
        other methods) of the rows added.

        ``per_query`` gives the records each PubMed query returned (before merging PMIDs found by
        several queries); ``other_methods`` the records identified by each other method.
        """
        found = dict(per_query)
        for query_id, pmids in self.withheld.items():
            found[query_id] = found.get(query_id, 0) + len(pmids)
        missing = self._withheld_pmids - self._retrieved
        identified = sum(found.values())
        db_rows = self._rows["pubmed"]
        n_db = sum(db_rows.values())
        counts: dict[str, Any] = {
            "identification": {
                "databases": {"PubMed": found},
                "other_methods": dict(other_methods),
            },
            "databases": _column(
                db_rows, identified, identified - n_db - len(missing), len(missing)
            ),
            "other_methods": _column(self._rows["other"], sum(other_methods.values()), 0),
        }
        if self.withheld:
            counts["withheld"] = dict(sorted(self.withheld.items()))
        counts["included"] = {
            "studies": len(self._included_studies),
            "reports": self._included_reports,
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
