"""Honest small-k statistics (issue 14, must have 2): PI from k >= 3, no heterogeneity for k = 1,
bounds clipped to the scale, one rounding policy for the CSV tables, windows in time order."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from test_pooling import ANALYSIS, DEFAULTS, effect

from spinereview.meta import MetaAnalysis
from spinereview.pooling.run import run_analysis, run_pooling
from spinereview.rounding import DASH, number, p_text, round_row, shown

PAIR = [effect("E001", "S1", -10.0, 16.0), effect("E002", "S2", -2.0, 9.0)]
TRIO = [*PAIR, effect("E003", "S3", -5.0, 4.0)]


def _row(tables: dict, window: str = "short", run: str = "main") -> dict:
    return next(r for r in tables["pooled"] if r["run"] == run and r["window"] == window)


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_prediction_interval_only_from_three_studies() -> None:
    two = _row(run_analysis(PAIR, ANALYSIS, DEFAULTS))
    assert two["k"] == 2 and two["pi_low"] is None and two["pi_high"] is None
    assert "no prediction interval for k = 2 < 3" in two["notes"]
    three = _row(run_analysis(TRIO, ANALYSIS, DEFAULTS))
    fit = MetaAnalysis([-10.0, -2.0, -5.0], [16.0, 9.0, 4.0], method="REML", test="knha").fit()
    assert three["pi_low"] == pytest.approx(fit.result.pi_low, abs=1e-12)
    estimators = run_analysis(PAIR, ANALYSIS, DEFAULTS)["estimators"]
    assert estimators and all(e["pi_low"] is None and e["pi_high"] is None for e in estimators)


def test_prediction_interval_threshold_is_configurable() -> None:
    two = _row(run_analysis(PAIR, ANALYSIS, DEFAULTS | {"prediction_interval_min_k": 2}))
    assert two["pi_low"] is not None
    doc = run_analysis(PAIR, ANALYSIS, DEFAULTS)["json"][0]
    assert doc["settings"]["prediction_interval_min_k"] == 3


def test_single_study_has_no_heterogeneity_statistics(tmp_path: Path) -> None:
    tables = run_analysis(PAIR[:1], ANALYSIS, DEFAULTS)
    one = _row(tables)
    for column in ("tau2", "i2", "h2", "q", "q_df", "q_p", "pi_low", "pi_high", "i2_ci_low"):
        assert one[column] is None, column
    assert one["ci_low"] is not None
    for e in tables["estimators"]:
        assert (e["tau2"], e["i2"], e["pi_low"], e["pi_high"]) == (None, None, None, None)
    run_pooling(PAIR[:1], DEFAULTS | {"analyses": [ANALYSIS]}, tmp_path)
    row = next(
        r for r in _csv(tmp_path / "pooled.csv") if r["window"] == "short" and r["run"] == "main"
    )
    assert (row["i2"], row["q"], row["q_p"], row["tau2"], row["pi_low"]) == ("", "", "", "", "")
    assert shown(row["i2"]) == DASH


def test_risk_difference_bounds_are_clipped_and_marked(tmp_path: Path) -> None:
    rd = {**ANALYSIS, "id": "rd", "scale": "responder_rd_pp", "outcomes": ["responder"]}
    rows = [
        effect("E001", "S1", -60.0, 100.0, scale="responder_rd_pp", outcome="responder"),
        effect("E002", "S2", 10.0, 150.0, scale="responder_rd_pp", outcome="responder"),
    ]
    run_pooling(rows, DEFAULTS | {"analyses": [rd]}, tmp_path)
    row = next(
        r for r in _csv(tmp_path / "pooled.csv") if r["window"] == "short" and r["run"] == "main"
    )
    assert float(row["ci_low"]) == -100.0 and float(row["ci_high"]) == 100.0
    assert row["clipped"] == "ci_low; ci_high"
    full = json.loads((tmp_path / "analyses/rd.json").read_text())["windows"]["short"]["main"]
    assert full["pooled"]["ci_low"] < -100 and full["pooled"]["ci_high"] > 100  # JSON keeps them
    assert full["pooled"]["clipped"] == "ci_low; ci_high"
    est = [r for r in _csv(tmp_path / "estimators.csv") if r["test"] == "knha"]
    assert est and all(float(r["ci_low"]) >= -100 and "ci_low" in r["clipped"] for r in est)


def test_every_csv_follows_the_rounding_policy(tmp_path: Path) -> None:
    """No raw float like -12.899999999999999 in any table meant for people."""
    rows = [
        *TRIO,
        effect("E004", "S4", -12.9, 9.0, window="long", intervention="epidural_unspecified"),
    ]
    rows += [effect("E005", "S5", -3.3, 4.0, window="long")]
    run_pooling(rows, DEFAULTS | {"analyses": [ANALYSIS]}, tmp_path)
    for name in ("pooled", "loo", "subgroups", "bias", "estimators"):
        for row in _csv(tmp_path / f"{name}.csv"):
            for column, value in row.items():
                if column in ("notes", "note", "reason", "studies", "row_ids"):
                    continue
                if column == "p" or column.endswith("_p"):  # 3 significant digits
                    assert re.fullmatch(r"|< 0\.001|0\.0*[1-9]\d{0,2}|1\.00", value), value
                    continue
                assert not re.search(r"\.\d{4,}", value), (name, column, value)
    pooled = _row(run_analysis(TRIO, ANALYSIS, DEFAULTS))
    shown_row = round_row(pooled)
    assert shown_row["estimate"] == f"{pooled['estimate']:.1f}"
    assert shown_row["i2"] == f"{pooled['i2']:.0f}"
    assert shown_row["tau2"] == number("tau2", pooled["tau2"])


def test_rounding_rules_per_quantity() -> None:
    assert number("effect", -12.899999999999999, "pain_0_100") == "-12.9"
    assert number("effect", -0.3456, "smd") == "-0.35"
    assert number("effect", -0.04, "pain_0_100") == "0.0"  # no "-0.0"
    assert number("i2", 37.425) == "37"
    assert number("tau2", 21.0253865) == "21"
    assert number("tau2", ">4167.286987129042") == ">4200"
    assert number("tau2", 0.0123456) == "0.012"
    assert p_text(0.00021) == "< 0.001" and p_text(0.61685) == "0.617"
    assert number("p", 0.2061) == "0.206"


def test_window_subgroups_in_time_order(tmp_path: Path) -> None:
    analysis = {**ANALYSIS, "windows": ["immediate", "short", "intermediate", "long"]}
    rows = [
        effect("E001", "S1", -10.0, 16.0, window="immediate"),
        effect("E002", "S2", -2.0, 9.0, window="short"),
        effect("E003", "S3", -5.0, 4.0, window="intermediate"),
        effect("E004", "S4", -4.0, 4.0, window="long"),
    ]
    tables = run_analysis(rows, analysis, DEFAULTS)
    groups = [s["group"] for s in tables["subgroups"] if s["factor"] == "window"]
    assert groups == ["immediate", "short", "intermediate", "long"]


def test_k2_hksj_is_explained_and_adhoc_is_available_per_analysis() -> None:
    two = _row(run_analysis(PAIR, ANALYSIS, DEFAULTS))
    assert "t distribution with 1 degree of freedom" in two["notes"]
    adhoc = _row(run_analysis(PAIR, ANALYSIS | {"test": "adhoc"}, DEFAULTS))
    fit = MetaAnalysis([-10.0, -2.0], [16.0, 9.0], method="REML", test="adhoc").fit().result
    assert adhoc["test"] == "adhoc" and adhoc["ci_low"] == pytest.approx(fit.ci_low, abs=1e-12)
    knha = MetaAnalysis([-10.0, -2.0], [16.0, 9.0], method="REML", test="knha").fit().result
    assert adhoc["ci_high"] - adhoc["ci_low"] >= knha.ci_high - knha.ci_low - 1e-12


def test_notes_are_not_repeated() -> None:
    tables = run_analysis(PAIR[:1], ANALYSIS, DEFAULTS)
    for row in tables["pooled"]:
        parts = [p for p in str(row["notes"] or "").split("; ") if p]
        assert len(parts) == len(set(parts)), row["notes"]


def test_n_counts_only_the_compared_arms() -> None:
    """A three-arm trial: n is the two compared arms (28 + 30) from another row of the comparison
    (as arm_statistics.csv gives them for Cohen 2012), not all 84 randomised."""
    no_arms = {"n_treat": None, "n_ctrl": None}
    rows = [
        effect("E001", "T3", -10.0, 16.0, **no_arms),
        effect("E002", "T3", -5.0, 9.0, outcome="responder", n_treat=28.0, n_ctrl=30.0),
        effect("E003", "S2", -2.0, 9.0),
    ]
    defaults = DEFAULTS | {"randomised": {"T3": 84, "S9": 116}}
    row = _row(run_analysis(rows, ANALYSIS, defaults))
    assert row["n"] == 58 + 100
    assert "T3 28 + 30 (row E002)" in row["notes"]
    alone = [effect("E004", "S9", -1.0, 9.0, **no_arms)]
    row = _row(run_analysis(alone, ANALYSIS, defaults))
    assert row["n"] == 116  # no arm sizes anywhere: the total, and a note that says so
    assert "arm sizes of the compared arms are not in the data" in row["notes"]


def test_effects_csv_is_rounded_and_the_parquet_keeps_full_precision(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from spinereview.extraction.run import EFFECTS_SCHEMA, rounded_for_people

    names = EFFECTS_SCHEMA.names
    row = dict.fromkeys(names)
    row.update(row_id="E005", scale="pain_0_100", yi=-0.2, ci_low=-12.899999999999999,
               ci_high=12.5, se=6.479710902943105, vi=41.98665360501567)  # fmt: skip

    table = pa.Table.from_pylist([row], schema=EFFECTS_SCHEMA)
    shown = rounded_for_people(table).to_pylist()[0]
    assert (shown["yi"], shown["ci_low"], shown["ci_high"]) == ("-0.2", "-12.9", "12.5")
    assert (shown["se"], shown["vi"]) == ("6.48", "42.0")
    pq.write_table(table, tmp_path / "e.parquet")
    assert pq.read_table(tmp_path / "e.parquet").to_pylist()[0]["ci_low"] == -12.899999999999999
