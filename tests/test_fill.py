"""Precision recovery applied: sheet rows filled from arm statistics, flags, steps, pooling.

All rows and numbers are synthetic (tests only).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy.stats import t

from spinereview.config import load_config
from spinereview.errors import InputError
from spinereview.extraction.arm_statistics import ArmStat
from spinereview.extraction.fill import Recovery, fill_row, needs_sd, sd_donors
from spinereview.extraction.harmonise import Comparison, harmonise_row, windows_from_config
from spinereview.extraction.recover import mean_sd_from_fivenum, sd_change
from spinereview.extraction.sheet import NUMERIC, SheetRow
from spinereview.pooling.run import run_analysis
from spinereview.pooling.select import select_rows

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "config/config.yaml")
WINDOWS = windows_from_config(CONFIG["extraction"]["windows"])
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


def row(
    row_id: str = "E001",
    *,
    study="S1",
    outcome="leg_pain",
    instrument="VAS_0_100",
    measure="arms",
    pooling="",
    **values: float,
) -> SheetRow:
    full = {name: None for name in NUMERIC} | {"timepoint_weeks": 6.0} | values
    return SheetRow(
        1, row_id, study, "1", outcome, instrument, measure, full, "u", "l", "", "lower_better",
        False, pooling,
    )  # fmt: skip


def arm(row_id: str, arm_name: str, derivation: str = "", **values: float) -> dict[str, ArmStat]:
    out = {}
    for i, (name, value) in enumerate(values.items(), start=1):
        text = repr(value)
        decimals = len(text.split(".")[1]) if "." in text and not text.endswith(".0") else 0
        out[name] = ArmStat(
            "arm_statistics.csv", i, f"A{i:03d}", row_id, arm_name, name, value, decimals,
            derivation if name == "n" else "", "u", "l", "",
        )  # fmt: skip
    return out


def harmonise(sheet_row: SheetRow, stats=None, recovery=None, donors=None) -> dict:
    return harmonise_row(
        sheet_row, COMP, WINDOWS, 0.95, 0.5, stats=stats, recovery=recovery, donors=donors
    )


def test_a_row_without_arm_statistics_is_unchanged_and_not_flagged() -> None:
    plain = row(measure="MD", estimate=-5.0, ci_low=-9.0, ci_high=-1.0)
    out = harmonise(plain)
    assert out["derived"] is False and out["imputed"] is False
    assert fill_row(plain, None, Recovery()).row is plain


def test_rd_without_ci_becomes_poolable_from_percentages_and_arm_sizes() -> None:
    sheet_row = row(outcome="responder", instrument="other:responders", measure="RD", estimate=25.0)
    before = harmonise(sheet_row)
    assert not before["poolable"] and "no measure of precision" in before["not_poolable_reason"]
    stats = {
        "treat": arm("E001", "treat", percent=75.0, n=28.0),
        "ctrl": arm("E001", "ctrl", percent=50.0, n=30.0),
    }
    out = harmonise(sheet_row, stats)
    assert out["poolable"] and out["derived"] and not out["imputed"]
    p1, p2 = 21 / 28, 15 / 30
    assert out["yi"] == pytest.approx((p1 - p2) * 100)
    assert out["vi"] == pytest.approx((p1 * (1 - p1) / 28 + p2 * (1 - p2) / 30) * 100**2)
    assert (out["n_treat"], out["n_ctrl"]) == (28.0, 30.0)
    assert "events_treat = 21 = round(75% x n 28), ties to even" in out["conversions"]
    assert out["conversions"].index("events_ctrl") < out["conversions"].index("RD = a/n1")


def test_md_without_ci_becomes_poolable_from_arm_sds_recovered_from_se_and_ci() -> None:
    sheet_row = row(measure="MD", estimate=-5.0)
    stats = {
        "treat": arm("E001", "treat", n=25.0, se=2.0),
        "ctrl": arm("E001", "ctrl", n=24.0, ci_low=30.0, ci_high=50.0),
    }
    out = harmonise(sheet_row, stats)
    sd_t = 2.0 * math.sqrt(25)
    sd_c = math.sqrt(24) * 20 / (2 * t.ppf(0.975, 23))
    assert out["poolable"] and out["derived"] and out["yi"] == -5.0
    assert out["vi"] == pytest.approx(sd_t**2 / 25 + sd_c**2 / 24)
    assert out["precision"] == "variance from arm SDs"
    assert "sd_ctrl" in out["conversions"] and "t(23 df)" in out["conversions"]


def test_arms_row_gets_mean_and_sd_from_median_and_iqr() -> None:
    sheet_row = row(mean_treat=30.0, sd_treat=10.0, n_treat=40.0, n_ctrl=40.0)
    stats = {"ctrl": arm("E001", "ctrl", median=40.0, q1=32.0, q3=49.0)}
    out = harmonise(sheet_row, stats)
    est = mean_sd_from_fivenum(40, 40.0, q1=32.0, q3=49.0)
    assert out["yi"] == pytest.approx(30.0 - est.mean)
    assert out["vi"] == pytest.approx(10.0**2 / 40 + est.sd**2 / 40)
    assert "Luo et al. 2018" in out["conversions"] and "Wan et al. 2014" in out["conversions"]


def test_skewed_median_summary_is_not_converted_and_says_why() -> None:
    sheet_row = row(mean_treat=30.0, sd_treat=10.0, n_treat=30.0, n_ctrl=30.0)
    stats = {"ctrl": arm("E001", "ctrl", median=4.0, q1=3.0, q3=5.0, min=2.0, max=30.0)}
    out = harmonise(sheet_row, stats)
    assert not out["poolable"] and "skewed" in out["conversions"]


def test_change_score_sd_uses_the_configured_correlation() -> None:
    sheet_row = row(mean_treat=-20.0, mean_ctrl=-12.0, n_treat=30.0, n_ctrl=30.0)
    stats = {
        "treat": arm("E001", "treat", sd_baseline=18.0, sd_followup=22.0),
        "ctrl": arm("E001", "ctrl", sd_baseline=17.0, sd_followup=21.0),
    }
    for r in (0.5, 0.8):
        out = harmonise(sheet_row, stats, Recovery(change_correlation=r))
        expected = sd_change(18, 22, r) ** 2 / 30 + sd_change(17, 21, r) ** 2 / 30
        assert out["vi"] == pytest.approx(expected) and f"r = {r:g}" in out["conversions"]


def test_reported_beats_derived_and_sheet_beats_arm_statistics() -> None:
    sheet_row = row(mean_treat=30.0, mean_ctrl=40.0, n_treat=25.0, n_ctrl=25.0, sd_ctrl=9.0)
    stats = {
        "treat": arm("E001", "treat", sd=8.0, se=100.0, median=1.0, q1=0.0, q3=2.0),
        "ctrl": arm("E001", "ctrl", se=100.0),
    }
    filled = fill_row(sheet_row, stats, Recovery())
    assert filled.row.get("sd_treat") == 8.0 and filled.row.get("sd_ctrl") == 9.0
    assert not filled.derived  # a reported SD from the table is not derived


def test_hand_derived_arm_size_flags_the_row_as_derived() -> None:
    sheet_row = row(measure="MD", estimate=-2.0, ci_low=-6.0, ci_high=2.0)
    stats = {"treat": arm("E001", "treat", "allocation 2:1 of 90 (synthetic)", n=60.0)}
    out = harmonise(sheet_row, stats)
    assert out["derived"] and out["n_treat"] == 60.0
    assert "derived by hand: allocation 2:1 of 90 (synthetic)" in out["conversions"]


def test_a_percentage_that_no_count_of_n_gives_derives_nothing_and_says_why() -> None:
    sheet_row = row(outcome="responder", instrument="other:r", measure="RD", estimate=5.0)
    stats = {"treat": arm("E001", "treat", percent=33.0, n=10.0)}
    out = harmonise(sheet_row, stats)
    assert not out["poolable"] and out["n_treat"] == 10.0
    assert "treat arm: no events from" in out["conversions"]
    assert "not a whole count" in out["conversions"]


def _borrowing_rows() -> list[SheetRow]:
    sds = {"sd_treat": 12.0, "sd_ctrl": 14.0}
    means = {"mean_treat": 1.0, "mean_ctrl": 2.0}
    return [
        row("E001", study="S1", mean_treat=30.0, mean_ctrl=40.0, n_treat=20.0, n_ctrl=20.0),
        row("E002", study="S2", **means, **sds, n_treat=30.0, n_ctrl=31.0),
        # excluded by the curator, the row's own trial, another instrument: none donates
        row(
            "E003",
            study="S3",
            **means,
            sd_treat=20.0,
            sd_ctrl=22.0,
            n_treat=10.0,
            n_ctrl=10.0,
            pooling="exclude: duplicate",
        ),
        row("E004", study="S1", **means, sd_treat=99.0, sd_ctrl=99.0, n_treat=10.0, n_ctrl=10.0),
        row("E005", study="S4", instrument="NRS_0_10", **means, **sds, n_treat=10.0, n_ctrl=10.0),
    ]


def test_borrowed_sd_is_off_by_default_and_pools_other_trials_of_the_same_instrument() -> None:
    rows = _borrowing_rows()
    donors = sd_donors(rows, {}, {"S1": "S1", "S2": "S2", "S3": "S3", "S4": "S4"})
    assert not harmonise(rows[0], donors=donors)["poolable"]  # borrow_sd is false by default
    out = harmonise(rows[0], recovery=Recovery(borrow_sd=True), donors=donors)
    # only S2 donates: S3 is excluded by the curator, E004 is the row's own trial, E005 another scale
    pooled = math.sqrt((29 * 12.0**2 + 30 * 14.0**2) / 59)
    assert out["poolable"] and out["imputed"] and out["derived"]
    assert out["vi"] == pytest.approx(pooled**2 / 20 * 2)
    assert "borrowed: pooled SD of 2 arm(s) of 1 other trial(s)" in out["conversions"]


def test_no_donor_means_no_borrowed_sd() -> None:
    rows = _borrowing_rows()
    donors = sd_donors(rows[:1], {}, {})
    out = harmonise(rows[0], recovery=Recovery(borrow_sd=True), donors=donors)
    assert not out["poolable"] and not out["imputed"] and "not borrowed" in out["conversions"]


def test_only_rows_without_other_precision_borrow() -> None:
    assert needs_sd(row(mean_treat=1.0, mean_ctrl=2.0))
    assert needs_sd(row(measure="MD", estimate=-1.0))
    assert not needs_sd(row(measure="MD", estimate=-1.0, ci_low=-2.0, ci_high=0.0))
    assert not needs_sd(row(measure="MD", estimate=-1.0, p_value=0.04))
    assert not needs_sd(row(outcome="responder", instrument="other:r"))
    assert not needs_sd(row(mean_treat=1.0, mean_ctrl=2.0, pooling="exclude: duplicate"))


def test_recovery_settings_from_config_defaults() -> None:
    block = CONFIG["extraction"]["recovery"]
    assert block == {"change_correlation": 0.5, "borrow_sd": False}
    assert Recovery.from_config(block) == Recovery() == Recovery.from_config(None)


ANALYSIS = {
    "id": "a",
    "interventions": ["epidural_caudal"],
    "comparators": ["placebo_sham"],
    "outcomes": ["leg_pain"],
    "scale": "pain_0_100",
    "windows": ["short"],
}


def _effect(row_id: str, study: str, yi: float, imputed: bool) -> dict:
    return {
        "row_id": row_id,
        "sheet_row": int(row_id[1:]),
        "study_id": study,
        "comparison_id": study,
        "publication_id": study,
        "pmid": "",
        "outcome": "leg_pain",
        "instrument": "VAS_0_100",
        "scale": "pain_0_100",
        "window": "short",
        "timepoint_weeks": 6.0,
        "yi": yi,
        "vi": 9.0,
        "se": 3.0,
        "ci_low": None,
        "ci_high": None,
        "n_treat": 50.0,
        "n_ctrl": 50.0,
        "included": True,
        "poolable": True,
        "selected": True,
        "uncertain": False,
        "derived": imputed,
        "imputed": imputed,
        "intervention": "epidural_caudal",
        "comparator": "placebo_sham",
        "source_url": "u",
        "locator": "l",
    }


def test_borrow_sd_adds_a_sensitivity_run_without_imputed_rows() -> None:
    meta = CONFIG["meta"]
    defaults = {k: v for k, v in meta.items() if k != "analyses"} | {"randomised": {}}
    effects = [
        _effect("E001", "S1", -10.0, False),
        _effect("E002", "S2", -4.0, True),
        _effect("E003", "S3", -6.0, False),
    ]
    plain = run_analysis(effects, ANALYSIS, defaults)
    assert [r["run"] for r in plain["pooled"]] == ["main", "excluding_uncertain"]
    tables = run_analysis(effects, ANALYSIS, defaults, exclude_imputed=True)
    runs = {r["run"]: r for r in tables["pooled"]}
    assert list(runs) == ["main", "excluding_uncertain", "excluding_imputed"]
    assert runs["main"]["k"] == 3 and runs["excluding_imputed"]["k"] == 2
    assert "rows with a borrowed SD left out: E002" in runs["excluding_imputed"]["notes"]
    sel = select_rows(effects, ANALYSIS, "short", exclude_imputed=True)
    assert [r["row_id"] for r in sel.rows] == ["E001", "E003"]


def test_harmonise_sheet_validates_the_arm_statistics_against_the_sheet(tmp_path: Path) -> None:
    from spinereview.extraction.run import harmonise_sheet

    path = tmp_path / "arm_statistics.csv"
    path.write_text(
        "stat_id,row_id,arm,statistic,value,derivation,source_url,locator,note\n"
        "A001,E999,treat,n,10,,https://example.org/synthetic,Table 1,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        harmonise_sheet(
            ROOT / "data/extraction/effects.csv",
            ROOT / "data/evidence/studies.csv",
            tmp_path / "comparisons.csv",
            CONFIG["extraction"],
            path,
        )
    assert (info.value.path, info.value.row, info.value.field) == (str(path), 1, "row_id")
