"""Automatic candidates from abstracts, and their cross-check against the curated sheet."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from spinereview.extraction.candidates import Candidate, extract_candidates, link_candidates
from spinereview.extraction.sheet import SheetRow
from spinereview.extraction.text_model import VALUE_FIELDS

CANDIDATE_COLUMNS = (
    "pmid",
    "index",
    "kind",
    "start",
    "end",
    "value_start",
    "value_end",
    *VALUE_FIELDS,
    "flags",
    "linked_outcome",
    "linked_weeks",
    "linked_instrument",
)
CROSSCHECK_COLUMNS = ("pmid", "row_id", "status", "candidate_index", "detail")
#: Reported numbers are rounded; estimates closer than this (in the sheet's units) agree.
ROUNDING = 0.051


def candidate_rows(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per candidate found in any record's abstract (offsets into that abstract)."""
    out = []
    for record in records:
        text = record.get("abstract") or ""
        if not text:
            continue
        found = extract_candidates(text)
        links = {id(s.effect): s for s in link_candidates(text, found)}
        for index, cand in enumerate(found):
            link = links.get(id(cand))
            out.append(
                {
                    "pmid": record["pmid"],
                    "index": index,
                    "kind": cand.kind,
                    "start": cand.start,
                    "end": cand.end,
                    "value_start": cand.value_start,
                    "value_end": cand.value_end,
                    **cand.values(),
                    "flags": ";".join(cand.flags),
                    "linked_outcome": link.outcome_code if link else None,
                    "linked_weeks": link.followup.weeks if link and link.followup else None,
                    "linked_instrument": link.instrument.code if link and link.instrument else None,
                }
            )
    return out


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= ROUNDING


def _compare(row: SheetRow, cand: Mapping[str, Any]) -> str | None:
    """'agrees', 'sign_reversed' or None when the candidate is not this row's result."""
    est, low, high = row.get("estimate"), row.get("ci_low"), row.get("ci_high")
    if cand["measure"] != row.measure:
        return None
    if _close(est, cand["estimate"]) and (low is None or _close(low, cand["ci_low"])):
        return "agrees"
    if (
        est is not None
        and _close(-est, cand["estimate"])
        and (low is None or _close(-low, cand["ci_high"]))
    ):
        return "sign_reversed"
    if est is None and _close(low, cand["ci_low"]) and _close(high, cand["ci_high"]):
        return "agrees"  # a row with a CI but no reported estimate
    return None


def crosscheck(
    sheet: Sequence[SheetRow],
    candidates: Sequence[Mapping[str, Any]],
    pmids_with_abstract: set[str],
) -> list[dict[str, Any]]:
    """Compare curated effect rows with the effects found in the same PMID's abstract.

    Statuses: ``agrees``, ``sign_reversed`` (same numbers, opposite subtraction), ``not_found``
    (the abstract has no candidate with these numbers), ``candidate_not_in_sheet`` (an effect in the
    abstract that no curated row matches — for a curator to look at; candidates are never pooled).
    The rows of the sheet come first (``crosscheck_sheet``), then the unmatched effects in PMID
    order as text (``unmatched_effects``).
    """
    effects = effects_by_pmid(candidates)
    out, matched = crosscheck_sheet(sheet, effects, pmids_with_abstract)
    in_order = (cand for _pmid, cands in sorted(effects.items()) for cand in cands)
    return out + list(unmatched_effects(in_order, matched))


def effects_by_pmid(candidates: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """The effect candidates (not arm statistics) by PMID, each PMID's in their order."""
    effects: dict[str, list[Mapping[str, Any]]] = {}
    for cand in candidates:
        if cand["kind"] == "effect":
            effects.setdefault(cand["pmid"], []).append(cand)
    return effects


def crosscheck_sheet(
    sheet: Sequence[SheetRow],
    effects: Mapping[str, Sequence[Mapping[str, Any]]],
    pmids_with_abstract: set[str],
) -> tuple[list[dict[str, Any]], set[tuple[str, int]]]:
    """The cross-check row of every curated effect row whose PMID has an abstract, and the
    (PMID, candidate index) of the candidates they matched. ``effects`` needs only the sheet's
    PMIDs (``effects_by_pmid``)."""
    out, matched = [], set()
    for row in sheet:
        if row.measure == "arms" or row.pmid not in pmids_with_abstract:
            continue
        hits = [(c, s) for c in effects.get(row.pmid, []) if (s := _compare(row, c))]
        if hits:
            cand, status = hits[0]
            matched.add((cand["pmid"], cand["index"]))
            out.append(
                {
                    "pmid": row.pmid,
                    "row_id": row.row_id,
                    "status": status,
                    "candidate_index": cand["index"],
                    "detail": "",
                }
            )
        else:
            out.append(
                {
                    "pmid": row.pmid,
                    "row_id": row.row_id,
                    "status": "not_found",
                    "candidate_index": None,
                    "detail": f"{row.measure} {row.get('estimate')} not among "
                    f"{len(effects.get(row.pmid, []))} effect candidates",
                }
            )
    return out, matched


def unmatched_effects(
    candidates: Iterable[Mapping[str, Any]], matched: set[tuple[str, int]]
) -> Iterator[dict[str, Any]]:
    """A ``candidate_not_in_sheet`` row for each effect candidate no curated row matched, in the
    order of ``candidates`` (arm statistics are skipped)."""
    for cand in candidates:
        if cand["kind"] == "effect" and (cand["pmid"], cand["index"]) not in matched:
            values = {k: cand[k] for k in ("measure", "estimate", "ci_low", "ci_high")}
            yield {
                "pmid": cand["pmid"],
                "row_id": "",
                "status": "candidate_not_in_sheet",
                "candidate_index": cand["index"],
                "detail": json.dumps(values),
            }


__all__ = ["Candidate", "candidate_rows", "crosscheck"]
