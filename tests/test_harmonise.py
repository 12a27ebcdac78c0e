"""Harmonisation: scale, sign, SE, windows and the per-window selection, on hand-computed cases."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from spinereview.config import load_config
from spinereview.errors import InputError
from spinereview.extraction.harmonise import (
    Comparison,
    harmonise_row,
    select_per_window,
    window_of,
    windows_from_config,
)
from spinereview.extraction.sheet import NUMERIC, SheetRow

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = load_config(ROOT / "config/config.yaml")["extraction"]
WINDOWS = windows_from_config(SETTINGS["windows"])
Z = 1.959963984540054
COMP = Comparison(
    "S1",
    "S1",
    True,
    {
        "intervention": "epidural_caudal",
        "comparator": "placebo_sham",
        "population": "radicular_pain",
        "duration": "chronic",
    },
)


def make(
    row_id: str = "E001",
    *,
    outcome="leg_pain",
    instrument="VAS_0_100",
    measure="MD",
    direction="lower_better",
    uncertain=False,
    pooling="",
    **values: float,
) -> SheetRow:
    full = {name: None for name in NUMERIC} | values
    return SheetRow(
        1,
        row_id,
        "S1",
        "1",
        outcome,
        instrument,
        measure,
        full,
        "u",
        "l",
        "n",
        direction,
        uncertain,
        pooling,
    )


def harmonise(row: SheetRow) -> dict:
    return harmonise_row(row, COMP, WINDOWS, 0.95, 0.5)


@pytest.mark.parametrize(
    ("weeks", "window"),
    [
        (0, "immediate"),
        (2, "immediate"),
        (3, "short"),
        (13, "short"),
        (26, "intermediate"),
        (51.9, "intermediate"),
        (52, "long"),
        (104, "long"),
    ],
)
def test_default_windows(weeks: float, window: str) -> None:
    assert window_of(weeks, WINDOWS) == window


def test_windows_must_increase_and_only_the_last_may_be_open() -> None:
    with pytest.raises(InputError, match="must strictly increase"):
        windows_from_config(
            [
                {"id": "a", "max_weeks": 10, "target_weeks": 5},
                {"id": "b", "max_weeks": 5, "target_weeks": 5},
                {"id": "c", "target_weeks": 9},
            ]
        )
    with pytest.raises(InputError, match="only the last"):
        windows_from_config([{"id": "a", "target_weeks": 5}, {"id": "b", "target_weeks": 9}])


def test_windows_with_equal_bounds_overlap() -> None:
    """Two windows ending at the same week overlap: the second can never hold a timepoint.

    On main the check was ``bounds != sorted(bounds)``, which accepts equal bounds.
    """
    with pytest.raises(InputError, match="overlaps window 'a'") as info:
        windows_from_config(
            [
                {"id": "a", "max_weeks": 13, "target_weeks": 6},
                {"id": "b", "max_weeks": 13, "target_weeks": 10},
                {"id": "c", "target_weeks": 52},
            ],
            source="config/config.yaml",
        )
    assert info.value.field == "extraction.windows.1.max_weeks"


def test_md_with_ci_on_a_0_10_scale_is_rescaled_and_se_taken_from_the_ci() -> None:
    out = harmonise(
        make(instrument="NRS_0_10", estimate=-1.26, ci_low=-2.79, ci_high=0.27, timepoint_weeks=6)
    )
    se = (0.27 - -2.79) / (2 * Z) * 10
    assert (out["yi"], out["se"], out["scale"], out["window"]) == (
        pytest.approx(-12.6),
        pytest.approx(se),
        "pain_0_100",
        "short",
    )
    assert out["ci_low"] == pytest.approx(-12.6 - Z * se) and out["poolable"]
    assert "x 10 to the 0-100 scale" in out["conversions"]


def test_rmdq_is_rescaled_to_0_100() -> None:
    out = harmonise(
        make(
            outcome="disability",
            instrument="RMDQ_0_24",
            estimate=-1.0,
            ci_low=-2.1,
            ci_high=0.1,
            timepoint_weeks=6,
        )
    )
    assert out["yi"] == pytest.approx(-100 / 24) and out["scale"] == "disability_0_100"


def test_responders_flip_sign_so_negative_favours_injection() -> None:
    out = harmonise(
        make(
            outcome="responder",
            instrument="other:success",
            measure="RD",
            direction="higher_better",
            estimate=15.5,
            ci_low=-5.4,
            ci_high=36.3,
            timepoint_weeks=3,
        )
    )
    assert out["yi"] == pytest.approx(-15.5) and out["sign_flipped"]
    assert out["se"] == pytest.approx(41.7 / (2 * Z))
    assert "sign flipped" in out["conversions"]


def test_rd_from_counts_with_a_zero_cell_uses_the_continuity_correction() -> None:
    out = harmonise(
        make(
            outcome="responder",
            instrument="other:x",
            measure="arms",
            direction="higher_better",
            events_treat=5,
            n_treat=6,
            events_ctrl=0,
            n_ctrl=7,
            timepoint_weeks=4,
        )
    )
    p1, p2 = 5.5 / 7, 0.5 / 8
    assert out["yi"] == pytest.approx(-(p1 - p2) * 100)
    assert out["vi"] == pytest.approx((p1 * (1 - p1) / 7 + p2 * (1 - p2) / 8) * 1e4)
    assert "0.5 added to every cell" in out["conversions"]


def test_arms_give_md_and_hedges_g() -> None:
    out = harmonise(
        make(
            measure="arms",
            mean_treat=31.4,
            sd_treat=26.6,
            n_treat=54,
            mean_ctrl=34.0,
            sd_ctrl=27.5,
            n_ctrl=56,
            timepoint_weeks=26,
        )
    )
    assert out["yi"] == pytest.approx(-2.6) and out["vi"] == pytest.approx(
        26.6**2 / 54 + 27.5**2 / 56
    )
    assert out["smd_yi"] == pytest.approx(-0.0954064188381722, abs=1e-10)  # escalc, tests/data


def test_ci_midpoint_is_used_when_no_estimate_is_reported() -> None:
    out = harmonise(make(ci_low=-3.0, ci_high=4.0, timepoint_weeks=26))
    assert out["yi"] == pytest.approx(0.5) and "midpoint" in out["conversions"]


def test_log_ratio_from_a_reported_rr() -> None:
    out = harmonise(
        make(
            outcome="responder",
            instrument="other:x",
            measure="RR",
            estimate=0.62,
            ci_low=0.41,
            ci_high=0.92,
            timepoint_weeks=8,
        )
    )
    assert out["scale"] == "log_rr" and out["yi"] == pytest.approx(math.log(0.62))
    assert out["se"] == pytest.approx((math.log(0.92) - math.log(0.41)) / (2 * Z))


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (make(estimate=13.5, timepoint_weeks=26), "no measure of precision"),
        (
            make(
                instrument="other:leg pain, scale not stated",
                estimate=1,
                ci_low=0,
                ci_high=2,
                timepoint_weeks=6,
            ),
            "no common scale",
        ),
        (make(measure="arms", timepoint_weeks=6), "no effect estimate"),
        (
            make(estimate=1, ci_low=0, ci_high=2, timepoint_weeks=6, pooling="subset only"),
            "excluded by curator: subset only",
        ),
    ],
)
def test_rows_that_cannot_be_pooled_say_why(row: SheetRow, reason: str) -> None:
    out = harmonise(row)
    assert not out["poolable"] and out["not_poolable_reason"].startswith(reason)


def test_one_row_represents_each_window_by_the_documented_rule() -> None:
    rows = [
        harmonise(make("E001", estimate=1, ci_low=0, ci_high=2, timepoint_weeks=12)),
        harmonise(make("E002", estimate=1, ci_low=0, ci_high=2, timepoint_weeks=6, uncertain=True)),
        harmonise(make("E003", estimate=1, ci_low=0, ci_high=2, timepoint_weeks=4)),
        harmonise(make("E004", estimate=1, timepoint_weeks=6)),  # not poolable
        harmonise(make("E005", estimate=1, ci_low=0, ci_high=2, timepoint_weeks=52)),
    ]
    select_per_window(rows, WINDOWS, SETTINGS["instrument_priority"])
    chosen = {r["row_id"] for r in rows if r["selected"]}
    # short window: E002 is closest to 6 weeks but uncertain; E003 (4 wk) is closer than E001 (12 wk)
    assert chosen == {"E003", "E005"}
    assert rows[0]["selection_note"] == "short window represented by E003 (4 weeks)"


def test_se_from_an_exact_p_value_is_flagged() -> None:
    out = harmonise(make(estimate=-5.0, p_value=0.05, timepoint_weeks=6))
    assert out["se"] == pytest.approx(5 / Z) and out["precision"] == "SE from p-value (flagged)"
