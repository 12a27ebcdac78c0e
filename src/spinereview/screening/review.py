"""The human reviewer's screening sheet: which records it lists, reading it back, agreement with the rules.

The sheet (``results/screening/to_review.csv``) lists every record awaiting classification and a
reproducible random sample of the exclusions the rules made from the record's text (not from curated
characteristics). A reviewer copies it to the configured sheet path and fills in
``reviewer_decision`` (include or exclude). The filled-in sheet is an **agreement measure only**: it
never changes a decision. A reviewer decision is applied by adding it to
``data/screening/overrides.csv``; ``agreement.json`` lists the reviewed records whose decision has not
been applied that way.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinereview.errors import InputError
from spinereview.io import read_table, write_csv_atomic, write_json_atomic
from spinereview.screening.agreement import cohen_kappa, contingency

#: Columns of results/screening/to_review.csv; the last four are the reviewer's.
REVIEW_COLUMNS = (
    "record_id",
    "pmid",
    "year",
    "title",
    "listed_because",
    "rules_decision",
    "rules_reason",
    "rules_detail",
    "rules_evidence",
    "reviewer_decision",
    "reviewer_reason",
    "reviewer",
    "note",
)
REVIEWER_DECISIONS = ("include", "exclude")
AWAITING = "awaiting_classification"
LISTED_AWAITING = "awaiting classification"
LISTED_SAMPLE = "sample of text-decided exclusions"
#: The rules' three outcomes and the reviewer's two, as the rows and columns of the 3-way table.
THREE_WAY = ("include", "awaiting", "exclude")
#: Binary: a record the rules include or hold for a human is kept; only an exclusion drops it.
BINARY = ("include or awaiting", "exclude")
_RULES_CATEGORY = {"included": "include", AWAITING: "awaiting", "excluded": "exclude"}


def rules_decision(row: Mapping[str, str]) -> str:
    """The rules' own decision of a decisions.csv row (included, excluded, awaiting_classification).

    For a record a reviewer overrode, ``decision`` is the reviewer's; the rules' decision is then
    the first word of ``rules_decision`` (e.g. "excluded (comparator)").
    """
    if row["reason"] == "reviewer_override" and row.get("rules_decision", "").strip():
        return row["rules_decision"].split()[0]
    return row["decision"]


def is_text_decided_exclusion(row: Mapping[str, str]) -> bool:
    """An exclusion the rules made at the screening stage, i.e. from the record's text and indexing.

    Exclusions at the eligibility stage rest on curated characteristics (data/evidence/studies.csv,
    read from the paper) or on a reviewer override; they are not sampled.
    """
    return (
        row["decision"] == "excluded"
        and row["stage"] == "screening"
        and row["reason"] != "reviewer_override"
    )


def sample_ids(ids: Sequence[str], k: int, seed: int) -> list[str]:
    """A random sample of ``k`` ids (all when fewer), reproducible byte for byte: sorted by id.

    Each id's random key is SHA-256 of ``"<seed>:<id>"``; the ``k`` smallest keys are the sample.
    Unlike ``random.sample`` this does not depend on the Python version or on the input order, and
    a record added to the search leaves the rest of the sample in place unless its key is smaller.
    """
    if k < 0:
        raise ValueError("sample size must not be negative")

    def key(record_id: str) -> str:
        return hashlib.sha256(f"{seed}:{record_id}".encode()).hexdigest()

    return sorted(sorted(set(ids), key=key)[:k])


def _evidence(row: Mapping[str, str]) -> str:
    """The decisions table's evidence columns (named ``evidence*``) as "name: value" parts."""
    return "; ".join(
        f"{name}: {value}" for name, value in row.items() if name.startswith("evidence") and value
    )


def review_rows(
    decisions: Sequence[Mapping[str, str]], sample_excluded: int, seed: int
) -> list[dict[str, str]]:
    """Rows of to_review.csv: awaiting records, then the sample of text-decided exclusions.

    Within each group rows are ordered by record id. The reviewer's columns are empty.
    """
    awaiting = sorted(
        (r for r in decisions if r["decision"] == AWAITING), key=lambda r: r["record_id"]
    )
    candidates = {r["record_id"]: r for r in decisions if is_text_decided_exclusion(r)}
    sampled = [candidates[i] for i in sample_ids(list(candidates), sample_excluded, seed)]
    out = []
    for listed, rows in ((LISTED_AWAITING, awaiting), (LISTED_SAMPLE, sampled)):
        for r in rows:
            out.append(
                {
                    "record_id": r["record_id"],
                    "pmid": r["pmid"],
                    "year": r["year"],
                    "title": r["title"],
                    "listed_because": listed,
                    "rules_decision": r["decision"],
                    "rules_reason": r["reason"],
                    "rules_detail": r["reason_detail"],
                    "rules_evidence": _evidence(r),
                    **{c: "" for c in REVIEW_COLUMNS[-4:]},
                }
            )
    return out


@dataclass(frozen=True)
class ReviewedRecord:
    """One decided row of the reviewer's sheet."""

    row: int
    record_id: str
    decision: str  # include | exclude
    reviewer: str
    reason: str
    sheet_rules_decision: str  # what the sheet said the rules decided (may be stale or empty)


@dataclass(frozen=True)
class ReviewSheet:
    """The reviewer's sheet as read: decided rows and the number of rows still undecided."""

    path: str
    reviewed: tuple[ReviewedRecord, ...]
    pending: int


def read_review_sheet(path: str | Path, decisions: Sequence[Mapping[str, str]]) -> ReviewSheet:
    """Read and check a filled-in sheet; errors name the file, the row and the field.

    Required columns: record_id, reviewer_decision, reviewer. A row with an empty
    ``reviewer_decision`` is not yet reviewed. Errors: a record id that is not a screened record or is
    a duplicate record, a decision other than include/exclude (case and surrounding blanks do not
    matter), a record listed twice, a decision without a reviewer.
    """
    path = Path(path)
    by_id = {r["record_id"]: r for r in decisions}
    reviewed: list[ReviewedRecord] = []
    first_row: dict[str, int] = {}
    pending = 0
    rows = read_table(path, ("record_id", "reviewer_decision", "reviewer"))
    for number, row in enumerate(rows, start=1):
        record_id = row["record_id"].strip()
        if not record_id:
            raise InputError(path, "value is required", row=number, field="record_id")
        if record_id not in by_id:
            raise InputError(
                path,
                f"record_id {record_id!r} is not a screened record",
                row=number,
                field="record_id",
            )
        if by_id[record_id]["decision"] == "duplicate":
            raise InputError(
                path,
                f"{record_id} is a duplicate ({by_id[record_id]['reason_detail']}); review the "
                "record it repeats",
                row=number,
                field="record_id",
            )
        if record_id in first_row:
            raise InputError(
                path,
                f"{record_id} is listed twice (first on line {first_row[record_id] + 1})",
                row=number,
                field="record_id",
            )
        first_row[record_id] = number
        decision = row["reviewer_decision"].strip().casefold()
        if not decision:
            pending += 1
            continue
        if decision not in REVIEWER_DECISIONS:
            raise InputError(
                path,
                f"reviewer_decision {row['reviewer_decision']!r} must be one of "
                f"{', '.join(REVIEWER_DECISIONS)} (or empty: not yet reviewed)",
                row=number,
                field="reviewer_decision",
            )
        if not row["reviewer"].strip():
            raise InputError(
                path, "a decided row needs the reviewer's name", row=number, field="reviewer"
            )
        reviewed.append(
            ReviewedRecord(
                number,
                record_id,
                decision,
                row["reviewer"].strip(),
                row.get("reviewer_reason", "").strip(),
                row.get("rules_decision", "").strip(),
            )
        )
    return ReviewSheet(str(path), tuple(reviewed), pending)


def agreement_summary(
    decisions: Sequence[Mapping[str, str]],
    sheet: ReviewSheet | None,
    sheet_path: str,
    listed: Mapping[str, int],
) -> dict[str, Any]:
    """The content of agreement.json.

    ``status`` is ``not_reviewed`` (no sheet, or no decided row) or ``reviewed``. The statistics
    compare the rules' own decision (before any override) with the reviewer's: ``binary`` (rules'
    include or awaiting vs exclude; the reviewer's include vs exclude) and ``three_way`` (rules'
    include / awaiting / exclude; the reviewer never answers "awaiting", so every awaiting record is
    a disagreement there).
    """
    out: dict[str, Any] = {
        "sheet": sheet_path,
        "listed_in_to_review": {k: listed.get(k, 0) for k in (LISTED_AWAITING, LISTED_SAMPLE)},
        "method": {
            "kappa": "Cohen 1960: (p_o - p_e) / (1 - p_e)",
            "se": "Fleiss, Cohen & Everitt 1969 large-sample (non-null) standard error",
            "ci": "kappa +- 1.96 SE (Wald), cut to [-1, 1]",
            "rules": "the rules' own decision, before reviewer overrides",
        },
    }
    if sheet is None or not sheet.reviewed:
        pending = sheet.pending if sheet is not None else 0
        message = (
            f"not yet reviewed: no file {sheet_path}"
            if sheet is None
            else f"not yet reviewed: {sheet_path} has {pending} row(s), none with a decision"
        )
        return {**out, "status": "not_reviewed", "message": message, "pending": pending}

    by_id = {r["record_id"]: r for r in decisions}
    pairs3, pairs2, missed, not_applied, stale = [], [], [], [], []
    for rec in sheet.reviewed:
        row = by_id[rec.record_id]
        rules = rules_decision(row)
        category = _RULES_CATEGORY[rules]
        pairs3.append((category, rec.decision))
        pairs2.append((BINARY[1] if category == "exclude" else BINARY[0], _binary(rec.decision)))
        if category == "exclude" and rec.decision == "include":
            missed.append(
                {
                    "record_id": rec.record_id,
                    "rules_reason": row["rules_decision"] or row["reason"],
                    "reviewer": rec.reviewer,
                    "reviewer_reason": rec.reason,
                }
            )
        final = _RULES_CATEGORY.get(row["decision"], row["decision"])
        if final != rec.decision:
            not_applied.append(
                {
                    "record_id": rec.record_id,
                    "decision": row["decision"],
                    "reviewer_decision": rec.decision,
                }
            )
        if rec.sheet_rules_decision and rec.sheet_rules_decision != rules:
            stale.append(
                {"record_id": rec.record_id, "sheet": rec.sheet_rules_decision, "now": rules}
            )
    binary = cohen_kappa(contingency(pairs2, BINARY), BINARY)
    three = cohen_kappa(contingency(pairs3, THREE_WAY), THREE_WAY)
    return {
        **out,
        "status": "reviewed",
        "message": f"{len(sheet.reviewed)} record(s) reviewed, {sheet.pending} not yet",
        "reviewed": len(sheet.reviewed),
        "pending": sheet.pending,
        "reviewers": dict(sorted(Counter(r.reviewer for r in sheet.reviewed).items())),
        "binary": binary.as_dict(),
        "three_way": three.as_dict(),
        "missed_by_rules": missed,
        "not_applied": not_applied,
        "rules_changed_since_sheet": stale,
    }


def contingency_rows(stats: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The table of one agreement.json statistic as rows: ``rules`` and one count per reviewer
    category the reviewer can use (the 3-way table has no "awaiting" column: a reviewer decides)."""
    categories = stats["categories"]
    columns = [c for c in categories if c != "awaiting"]
    return [{"rules": r, **{c: stats["table"][r][c] for c in columns}} for r in categories]


def _binary(reviewer_decision: str) -> str:
    return BINARY[0] if reviewer_decision == "include" else BINARY[1]


def write_review_sheet(
    decisions_csv: str | Path, out: str | Path, sample_excluded: int, seed: int
) -> list[dict[str, str]]:
    """Write results/screening/to_review.csv atomically; return its rows."""
    rows = review_rows(read_table(decisions_csv, _DECISION_FIELDS), sample_excluded, seed)
    write_csv_atomic(out, rows, REVIEW_COLUMNS)
    return rows


def measure_agreement(
    decisions_csv: str | Path, to_review_csv: str | Path, sheet_path: str | Path, out: str | Path
) -> dict[str, Any]:
    """Read the reviewer's sheet if it exists; write agreement.json atomically; return its content."""
    decisions = read_table(decisions_csv, _DECISION_FIELDS)
    listed = Counter(r["listed_because"] for r in read_table(to_review_csv, ("listed_because",)))
    sheet = read_review_sheet(sheet_path, decisions) if Path(sheet_path).exists() else None
    summary = agreement_summary(decisions, sheet, str(sheet_path), listed)
    write_json_atomic(out, summary)
    return summary


_DECISION_FIELDS = (
    "record_id",
    "pmid",
    "year",
    "title",
    "decision",
    "stage",
    "reason",
    "reason_detail",
    "rules_decision",
)
