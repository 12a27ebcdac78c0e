"""Candidates from abstracts and their cross-check against curated rows (hand-written abstracts)."""

from __future__ import annotations

import pytest

from spinereview.extraction.abstracts import candidate_rows, crosscheck
from spinereview.extraction.sheet import NUMERIC, SheetRow

# Invented placeholder abstracts (not from any paper).
ABSTRACTS = [
    {
        "pmid": "11",
        "abstract": "At 6 weeks leg pain (VAS) was lower with steroid: MD −12.6 "
        "(95% CI −27.9 to 2.7). Disability: MD −4.0 (95% CI −9.0 to 1.0).",
    },
    {"pmid": "12", "abstract": "Back pain at 3 months: MD 1.3 (95% CI −10.7 to 13.3)."},
    {"pmid": "13", "abstract": None},
]


def row(row_id: str, pmid: str, measure: str = "MD", **values: float) -> SheetRow:
    full = {name: None for name in NUMERIC} | values
    return SheetRow(
        1,
        row_id,
        "S",
        pmid,
        "leg_pain",
        "VAS_0_100",
        measure,
        full,
        "",
        "",
        "",
        "lower_better",
        False,
        "",
    )


@pytest.fixture(scope="module")
def candidates() -> list[dict]:
    return candidate_rows(ABSTRACTS)


def test_candidates_carry_offsets_into_the_abstract_not_text(candidates) -> None:
    effects = [c for c in candidates if c["kind"] == "effect"]
    assert [(c["pmid"], c["estimate"]) for c in effects] == [
        ("11", -12.6),
        ("11", -4.0),
        ("12", 1.3),
    ]
    first = effects[0]
    assert ABSTRACTS[0]["abstract"][first["value_start"] : first["value_end"]] == "−12.6"
    assert first["linked_weeks"] == 6 and first["linked_outcome"] == "leg_pain"
    assert "text" not in first and all(
        not isinstance(v, str) or len(v) < 40 for v in first.values()
    )


def test_crosscheck_statuses(candidates) -> None:
    sheet = [
        row("E1", "11", estimate=-12.6, ci_low=-27.9, ci_high=2.7),  # agrees
        row("E2", "12", estimate=-1.3, ci_low=-13.3, ci_high=10.7),  # other subtraction order
        row("E3", "11", estimate=-2.0, ci_low=-5.0, ci_high=1.0),  # not in the abstract
        row("E4", "13", estimate=1.0, ci_low=0.0, ci_high=2.0),  # no abstract: not compared
        row("E5", "11", "arms", mean_treat=1.0),  # arm rows are not compared with effects
    ]
    checks = crosscheck(sheet, candidates, {"11", "12"})
    status = {(c["row_id"], c["status"]) for c in checks}
    assert status == {
        ("E1", "agrees"),
        ("E2", "sign_reversed"),
        ("E3", "not_found"),
        ("", "candidate_not_in_sheet"),
    }
    unmatched = [c for c in checks if c["status"] == "candidate_not_in_sheet"]
    assert len(unmatched) == 1 and '"estimate": -4.0' in unmatched[0]["detail"]


def test_rounding_tolerance_accepts_rounded_numbers_only(candidates) -> None:
    near = crosscheck(
        [row("E1", "11", estimate=-12.64, ci_low=-27.93, ci_high=2.7)], candidates, {"11"}
    )
    far = crosscheck(
        [row("E1", "11", estimate=-12.8, ci_low=-27.9, ci_high=2.7)], candidates, {"11"}
    )
    assert near[0]["status"] == "agrees" and far[0]["status"] == "not_found"
