"""Draft sheet rows: effect candidates of abstracts laid out as rows of the curated sheet.

A draft row has the columns of ``data/extraction/effects.csv`` (empty where the abstract does not
say) plus ``draft_id``, ``candidate_ids``, ``confidence`` and ``status`` (always ``draft``). It
holds numbers, codes and character offsets only — never a sentence of the abstract. Drafts are
never pooled: pooling reads the curated sheet alone. A curator who accepts a draft copies its sheet
columns into the sheet with a new ``row_id``; the cross-check then shows its candidate as
``agrees`` (README, "The curation loop").
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema

from spinereview.config import SCHEMA_DIR, load_yaml
from spinereview.extraction.candidates import Candidate, extract_candidates, link_candidates
from spinereview.extraction.sheet import COLUMNS, MEASURES, OUTCOMES
from spinereview.extraction.text_linking import EffectStatement

#: The curated sheet's header, in the order of data/extraction/effects.csv.
SHEET_HEADER = COLUMNS
DRAFT_ONLY = ("draft_id", "candidate_ids", "confidence", "status")
DRAFT_COLUMNS = (*SHEET_HEADER, *DRAFT_ONLY)

#: Instrument words whose range is fixed by the instrument itself; a VAS may be 0–10 or 0–100,
#: so a curator reads the range in the paper.
INSTRUMENTS = {"NRS": "NRS_0_10", "ODI": "ODI_0_100", "RMDQ": "RMDQ_0_24"}
HIGHER_BETTER = frozenset({"responder"})
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def number(value: float | None, digits: int = 6) -> str:
    """A number as the sheet writes it: plain decimal, no exponent, no trailing zeros."""
    if value is None or not math.isfinite(value):
        return ""
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def section_of(sections: Sequence[Mapping[str, Any]] | None, offset: int) -> str | None:
    """The label of the abstract section that holds ``offset`` of the joined abstract.

    The parser joins sections as ``LABEL: text`` lines (``spinereview.pubmed.parse``); a section
    without a label is its text alone.
    """
    position = 0
    for section in sections or ():
        label = section.get("label")
        length = len(f"{label}: " if label else "") + len(section.get("text") or "")
        if offset < position + length:
            return str(label).capitalize() if label else None
        position += length + 1  # the newline between sections
    return None


def locator(start: int, end: int, section: str | None) -> str:
    """Where in the abstract: section (when labelled) and character offsets, e.g. 'abstract
    (Results), chars 412–447'."""
    where = f"abstract ({section})" if section else "abstract"
    return f"{where}, chars {start}–{end}"


def _confidence(problems: list[str]) -> str:
    return "high" if not problems else "medium" if len(problems) == 1 else "low"


def draft_row(
    pmid: str,
    statement: EffectStatement,
    indices: Mapping[int, int],
    study_id: str,
    section: str | None,
) -> dict[str, str]:
    """One draft row from one linked effect statement (``indices``: candidate id → index in
    candidates.csv for this PMID)."""
    eff = statement.effect
    problems: list[str] = []
    measure = eff.measure if eff.measure in MEASURES else ""
    if not measure:
        problems.append(f"measure {eff.measure or 'unnamed'} is not a sheet measure")
    outcome = statement.outcome_code if statement.outcome_code in OUTCOMES else ""
    if not outcome:
        problems.append("outcome not linked")
    instrument = ""
    if statement.instrument is not None:
        instrument = INSTRUMENTS.get(statement.instrument.code or "", "")
        if not instrument:
            problems.append(f"{statement.instrument.code}: range not stated")
    elif outcome != "responder":
        problems.append("instrument not linked")
    weeks = statement.followup.weeks if statement.followup is not None else None
    if weeks is None:
        problems.append("timepoint not linked")
    if eff.ci_low is None:
        problems.append("no CI")
    elif eff.ci_level not in (None, 95.0):
        problems.append(f"{number(eff.ci_level)}% CI, not 95%")
    if not study_id:
        problems.append("PMID not in data/evidence/studies.csv")
    problems += [f"flag {f}" for f in eff.flags]
    exact_p = eff.p_value if eff.p_comparator == "=" and eff.ci_low is None else None
    if exact_p is not None and not 0 < exact_p < 1:
        exact_p = None
    linked = [eff, statement.followup, statement.outcome, statement.instrument]
    ids = sorted({indices[id(c)] for c in linked if c is not None and id(c) in indices})
    row = dict.fromkeys(DRAFT_COLUMNS, "")
    row.update(
        study_id=study_id,
        pmid=pmid,
        outcome=outcome,
        instrument=instrument,
        timepoint_weeks=number(weeks, 2),
        measure=measure,
        estimate=number(eff.estimate),
        ci_low=number(eff.ci_low),
        ci_high=number(eff.ci_high),
        source_url=PUBMED_URL.format(pmid=pmid),
        locator=locator(eff.start, eff.end, section),
        note="draft from an abstract candidate" + "".join(f"; {p}" for p in problems),
        p_value=number(exact_p, 12),
        direction=(
            "" if not outcome else "higher_better" if outcome in HIGHER_BETTER else "lower_better"
        ),
        uncertain="no" if not problems else "yes",
        draft_id=f"D{pmid}-{indices[id(eff)]:03d}",
        candidate_ids=";".join(f"{pmid}:{i}" for i in ids),
        confidence=_confidence(problems),
        status="draft",
    )
    return row


def drafts_for_record(
    record: Mapping[str, Any],
    studies_by_pmid: Mapping[str, str],
    in_sheet: Mapping[tuple[str, int], str] | None = None,
) -> list[dict[str, str]]:
    """Draft rows for one record: one per effect candidate of its abstract (none without one).

    Arm statistics (mean ± SD, events/n) get no draft row: a candidate does not say which arm a
    number belongs to, and a between-group effect is never computed here.
    """
    pmid = str(record.get("pmid"))
    out = []
    for index, row in indexed_drafts(record, studies_by_pmid):
        out.append(mark_in_sheet(row, (in_sheet or {}).get((pmid, index))))
    return out


def indexed_drafts(
    record: Mapping[str, Any], studies_by_pmid: Mapping[str, str]
) -> list[tuple[int, dict[str, str]]]:
    """``drafts_for_record`` before the cross-check: each draft row with the index of its effect
    candidate (the per-record part, which a per-shard job computes)."""
    text = record.get("abstract") or ""
    if not text:
        return []
    pmid = str(record["pmid"])
    found: list[Candidate] = extract_candidates(text)
    indices = {id(c): i for i, c in enumerate(found)}
    sections = record.get("abstract_sections")
    out = []
    for statement in link_candidates(text, found):
        if statement.effect.kind != "effect":
            continue
        section = section_of(sections, statement.effect.start)
        row = draft_row(pmid, statement, indices, studies_by_pmid.get(pmid, ""), section)
        out.append((indices[id(statement.effect)], row))
    return out


def mark_in_sheet(row: dict[str, str], row_id: str | None) -> dict[str, str]:
    """The draft's note says so when the cross-check matched its candidate with sheet row ``row_id``."""
    if row_id:
        row["note"] += f"; already in the sheet as {row_id}"
    return row


def draft_rows(
    records: Sequence[Mapping[str, Any]],
    studies_by_pmid: Mapping[str, str],
    in_sheet: Mapping[tuple[str, int], str] | None = None,
) -> list[dict[str, str]]:
    """Draft rows of every record with an abstract, in record order; validated (see ``check``).

    ``in_sheet`` maps (PMID, candidate index) to the sheet row the cross-check matched it with;
    such a draft says so in its note (a curator need not copy it again).
    """
    rows = [
        row for record in records for row in drafts_for_record(record, studies_by_pmid, in_sheet)
    ]
    check(rows)
    return rows


@functools.cache
def _cell_validators() -> dict[str, jsonschema.Draft202012Validator]:
    schema = load_yaml(SCHEMA_DIR / "effects_sheet.schema.yaml")
    out = {}
    for name, prop in schema["properties"].items():
        sub = {"$defs": schema.get("$defs", {}), **prop}
        out[name] = jsonschema.Draft202012Validator(sub)
    return out


def check(
    rows: Sequence[Mapping[str, str]], source: str | Path = "draft rows", start: int = 1
) -> None:
    """Every filled sheet cell of every draft row against effects_sheet.schema.yaml (empty cells
    are what a curator still has to fill). A broken cell is a bug here, so it raises. ``start`` is
    the number of the first row (rows checked a batch at a time)."""
    validators = _cell_validators()
    for number_, row in enumerate(rows, start=start):
        if row.get("status") != "draft":
            raise ValueError(f"{source}, row {number_}: status must be 'draft'")
        for name in SHEET_HEADER:
            value = row.get(name, "")
            if value == "":
                continue
            error = jsonschema.exceptions.best_match(validators[name].iter_errors(value))
            if error is not None:
                raise ValueError(
                    f"{source}, row {number_} ({row.get('draft_id')}), field {name!r}: "
                    f"{error.message}"
                )


def sheet_cells(draft: Mapping[str, str], row_id: str) -> dict[str, str]:
    """The sheet columns of an accepted draft with its new ``row_id`` (what a curator copies)."""
    return {name: draft[name] for name in SHEET_HEADER} | {"row_id": row_id}
