"""Pooling the configured analyses: which rows enter, and that the pipeline reports the engine's fit."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from spinereview.config import load_config
from spinereview.meta import ConvergenceError, MetaAnalysis
from spinereview.meta.bounds import parse_bound
from spinereview.pooling import run as pooling_run
from spinereview.pooling.run import run_analysis, run_pooling
from spinereview.pooling.select import select_rows
from spinereview.rounding import significant

ROOT = Path(__file__).resolve().parents[1]
META = load_config(ROOT / "config/config.yaml")["meta"]
DEFAULTS = {k: v for k, v in META.items() if k != "analyses"} | {"randomised": {}}
ANALYSIS = {
    "id": "a",
    "interventions": ["epidural_caudal", "epidural_unspecified"],
    "comparators": ["placebo_sham"],
    "outcomes": ["leg_pain", "back_pain"],
    "scale": "pain_0_100",
    "windows": ["short", "long"],
    "subgroups": ["intervention"],
}


def effect(row_id: str, study: str, yi: float, vi: float, **over) -> dict:
    base = {
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
        "vi": vi,
        "se": vi**0.5,
        "ci_low": None,
        "ci_high": None,
        "n_treat": 50.0,
        "n_ctrl": 50.0,
        "included": True,
        "poolable": True,
        "selected": True,
        "uncertain": False,
        "intervention": "epidural_caudal",
        "comparator": "placebo_sham",
        "source_url": "u",
        "locator": "l",
    }
    return base | over


EFFECTS = [
    effect("E001", "S1", -10.0, 16.0),
    effect("E002", "S2", -2.0, 9.0, intervention="epidural_unspecified"),
    effect("E003", "S2", -30.0, 9.0, outcome="back_pain"),  # S2 has leg pain, which has priority
    effect("E004", "S3", -5.0, 4.0, uncertain=True),
    effect("E005", "S4", -5.0, 4.0, comparator="local_anaesthetic"),  # other comparator
    effect("E006", "S5", -5.0, 4.0, included=False),  # failed screening
    effect("E007", "S6", -5.0, 4.0, selected=False),  # does not represent its window
    effect("E008", "S7", -5.0, 4.0, scale="disability_0_100", outcome="disability"),
    effect("E009", "S8", -8.0, 25.0, comparison_id="S8a"),
    effect("E010", "S8", -9.0, 25.0, comparison_id="S8b"),  # shares S8a's control arm
]


def test_selection_rules() -> None:
    sel = select_rows(EFFECTS, ANALYSIS, "short")
    assert [r["row_id"] for r in sel.rows] == ["E001", "E002", "E004", "E009"]
    assert sel.notes == ["S8: comparison S8b not pooled beside S8a (shared control arm)"]
    sensitivity = select_rows(EFFECTS, ANALYSIS, "short", exclude_uncertain=True)
    assert [r["row_id"] for r in sensitivity.rows] == ["E001", "E002", "E009"]
    assert "uncertain rows left out: E004" in sensitivity.notes
    assert select_rows(EFFECTS, ANALYSIS, "long").rows == []


def test_pooled_row_reports_the_engine_fit_and_weights() -> None:
    tables = run_analysis(EFFECTS, ANALYSIS, DEFAULTS)
    main_short = next(r for r in tables["pooled"] if r["run"] == "main" and r["window"] == "short")
    fit = MetaAnalysis(
        [-10.0, -2.0, -5.0, -8.0], [16.0, 9.0, 4.0, 25.0], method="REML", test="knha"
    ).fit()
    assert main_short["estimate"] == pytest.approx(fit.result.estimate, abs=1e-12)
    assert main_short["ci_low"] == pytest.approx(fit.result.ci_low, abs=1e-12)
    assert main_short["pi_high"] == pytest.approx(fit.result.pi_high, abs=1e-12)
    assert (main_short["k"], main_short["n"], main_short["studies"]) == (4, 400, "S1; S2; S3; S8")
    doc = tables["json"][0]
    weights = [s["weight_percent"] for s in doc["windows"]["short"]["main"]["studies"]]
    assert sum(weights) == pytest.approx(100)


def test_common_effect_matches_the_hand_computed_inverse_variance_average() -> None:
    tables = run_analysis(EFFECTS[:2], ANALYSIS, DEFAULTS | {"method": "EE", "test": "z"})
    row = next(r for r in tables["pooled"] if r["run"] == "main" and r["window"] == "short")
    w1, w2 = 1 / 16, 1 / 9
    assert row["estimate"] == pytest.approx((-10 * w1 + -2 * w2) / (w1 + w2))
    assert row["se"] == pytest.approx((w1 + w2) ** -0.5)


def test_empty_window_is_reported_not_dropped_and_small_k_checks_say_not_applicable() -> None:
    tables = run_analysis(EFFECTS, ANALYSIS, DEFAULTS)
    long_main = next(r for r in tables["pooled"] if r["run"] == "main" and r["window"] == "long")
    assert long_main["k"] == 0 and "no study with poolable data" in long_main["notes"]
    assert {(b["check"], b["applicable"]) for b in tables["bias"]} == {
        ("egger", False),
        ("trim_and_fill", False),
    }
    assert all("k < 10" in b["reason"] for b in tables["bias"])
    assert len([r for r in tables["loo"] if r["applicable"]]) == 4
    groups = {(s["factor"], s["group"]) for s in tables["subgroups"]}
    assert ("intervention", "epidural_unspecified") in groups


def test_non_convergence_is_recorded_not_hidden(monkeypatch) -> None:
    def failing(*args, **kwargs):
        raise ConvergenceError("REML did not converge in 1 iteration")

    monkeypatch.setattr(pooling_run, "_fit", failing)
    row, result = pooling_run.pooled_row(
        ANALYSIS, "main", "short", select_rows(EFFECTS, ANALYSIS, "short"), DEFAULTS
    )
    assert result is None and row["converged"] is False and "did not converge" in row["notes"]


def test_run_pooling_on_the_snapshot_effects(tmp_path: Path) -> None:
    from spinereview.extraction.run import harmonise_sheet
    from spinereview.pubmed.records import merge_query_files, write_records
    from spinereview.screening.run import ScreeningInputs, run_screening

    cfg = load_config(ROOT / "config/config.yaml")
    snap = ROOT / cfg["search"]["snapshot_dir"]
    files = [(q["id"], snap / f"{q['id']}.xml") for q in cfg["search"]["queries"]]
    write_records(merge_query_files(files), tmp_path / "r.parquet", tmp_path / "r.csv")
    inputs = ScreeningInputs(
        ROOT / "data/evidence/studies.csv",
        ROOT / "data/screening/other_sources.csv",
        ROOT / "data/screening/study_links.csv",
        ROOT / "data/screening/overrides.csv",
    )
    run_screening(tmp_path / "r.parquet", inputs, cfg["screening"], tmp_path / "s")
    effects = harmonise_sheet(
        ROOT / "data/extraction/effects.csv",
        ROOT / "data/evidence/studies.csv",
        tmp_path / "s/comparisons.csv",
        cfg["extraction"],
    )
    pooled = run_pooling(effects, cfg["meta"], tmp_path / "m", {"LESS": 400, "Cohen2012": 84})
    assert len(pooled) == sum(len(a["windows"]) for a in cfg["meta"]["analyses"]) * 2
    cell = next(
        r
        for r in pooled
        if r["analysis"] == "pain_epidural_local_anaesthetic"
        and r["window"] == "short"
        and r["run"] == "main"
    )
    assert cell["studies"] == "Cohen2012; LESS" and cell["row_ids"] == "E017; E010"
    # Cohen 2012 has three arms (84 randomised): n counts its steroid and saline arms (28 + 30,
    # the sheet and arm_statistics.csv A006/A008), LESS its two arms (400)
    assert cell["n"] == 28 + 30 + 400 and "Cohen2012 28 + 30 (row E0" in cell["notes"]
    chosen = [e for e in effects if e["row_id"] in ("E017", "E010")]
    chosen.sort(key=lambda e: e["study_id"])
    fit = MetaAnalysis(
        [e["yi"] for e in chosen], [e["vi"] for e in chosen], method="REML", test="knha"
    ).fit()
    assert cell["estimate"] == pytest.approx(fit.result.estimate, abs=1e-12)
    with open(tmp_path / "m/pooled.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    shown = next(r for r in rows if r["row_ids"] == "E017; E010")
    assert shown["estimate"] == f"{cell['estimate']:.1f}"  # the CSV rounds, the JSON keeps all
    doc = json.loads((tmp_path / "m/analyses/pain_epidural_local_anaesthetic.json").read_text())
    studies = doc["windows"]["short"]["main"]["studies"]
    assert [s["row_id"] for s in studies] == ["E017", "E010"] and studies[0]["source_url"]


# The responder cell of the embedded snapshot (tests/data/metafor/qprofile_limit.json, responders_k3):
# REML's Q-profile upper bound for tau² lies beyond metafor's default limit 10·tau² = 4167.29;
# metafor with control = list(tau2.max = 1e6) finds it at 19,454.853390953776 (I² 99.4987…).
LIMIT_REF = json.loads((ROOT / "tests/data/metafor/qprofile_limit.json").read_text())
K3 = LIMIT_REF["designs"]["responders_k3"]
K3_RAISED = next(c for c in LIMIT_REF["cases"] if c["id"] == "responders_k3/REML/raised/rma")
K3_EFFECTS = [
    effect(f"E10{i}", f"T{i}", float(y), float(v))
    for i, (y, v) in enumerate(zip(K3["yi"], K3["vi"], strict=True))
]
K3_ANALYSIS = ANALYSIS | {"id": "k3", "windows": ["short"], "subgroups": []}


def _short_main(pooled: list[dict]) -> dict:
    return next(r for r in pooled if r["run"] == "main" and r["window"] == "short")


def test_bound_beyond_the_default_limit_is_written_as_a_lower_limit(tmp_path: Path) -> None:
    meta = DEFAULTS | {"analyses": [K3_ANALYSIS]}
    run_pooling(K3_EFFECTS, meta, tmp_path)
    with open(tmp_path / "pooled.csv", encoding="utf-8", newline="") as fh:
        row = _short_main(list(csv.DictReader(fh)))
    assert row["tau2_ci_high"].startswith(">") and row["i2_ci_high"].startswith(">")
    assert "shown as >4167.29" in row["notes"]
    doc = json.loads((tmp_path / "analyses/k3.json").read_text())
    window = doc["windows"]["short"]["main"]
    full = window["pooled"]  # the JSON row keeps full precision; the CSV rounds (2 significant)
    tau2 = float(full["tau2"])
    high = parse_bound(full["tau2_ci_high"])
    assert high is not None and high.sign == ">" and full["tau2_ci_high"].startswith(">")
    assert high.value == pytest.approx(10 * tau2, abs=1e-9)  # metafor's default limit
    low = parse_bound(full["tau2_ci_low"])
    assert low is not None and low.exact
    assert low.value == pytest.approx(float(K3_RAISED["confint"]["tau2"]["lb"]), abs=1e-6)
    assert row["tau2_ci_high"] == ">" + significant(high.value, 2)
    assert row["tau2"] == significant(tau2, 2)
    fit = window["fit"]
    assert fit["tau2_ci_signs"] == ["", ">"] and fit["tau2_ci"][1] == pytest.approx(high.value)
    assert fit["tau2_ci_search"] == [0.0, pytest.approx(10 * tau2)]
    assert doc["settings"]["tau2_max"] is None


def test_raised_limit_in_the_config_gives_metafors_bound(tmp_path: Path) -> None:
    meta = DEFAULTS | {"tau2_max": 1_000_000, "analyses": [K3_ANALYSIS]}
    pooled = run_pooling(K3_EFFECTS, meta, tmp_path)
    row = _short_main(pooled)
    ref = K3_RAISED["confint"]
    assert isinstance(row["tau2_ci_high"], float)  # exact: a plain number
    assert row["tau2_ci_high"] == pytest.approx(float(ref["tau2"]["ub"]), abs=1e-6)
    assert row["i2_ci_high"] == pytest.approx(float(ref["I2"]["ub"]), abs=1e-6)
    assert row["tau2_ci_high"] == pytest.approx(19454.853390953776, abs=1e-6)
    assert "search limit" not in row["notes"]
    doc = json.loads((tmp_path / "analyses/k3.json").read_text())
    assert doc["windows"]["short"]["main"]["fit"]["tau2_ci_signs"] == ["", ""]
    assert doc["settings"]["tau2_max"] == 1_000_000


def test_an_analysis_sets_its_own_limit_for_every_fit() -> None:
    """The analysis' tau2_max beats the default and reaches the estimator comparison (PM) too."""
    low = K3_ANALYSIS | {"tau2_max": 40}
    tables = run_analysis(K3_EFFECTS, low, DEFAULTS | {"tau2_max": 1_000_000})
    row = _short_main(tables["pooled"])
    assert (row["tau2_ci_low"], row["tau2_ci_high"]) == (">40.0", ">40.0")
    pm = [e for e in tables["estimators"] if e["method"] == "PM"]
    assert pm and all(e["converged"] is False and "tau2_max = 40" in e["note"] for e in pm)
    assert tables["json"][0]["settings"]["tau2_max"] == 40


def test_null_set_interval_is_marked_below_zero() -> None:
    same = [effect(f"E20{i}", f"U{i}", 0.2, v) for i, v in enumerate((0.01, 0.02, 0.04, 0.08))]
    row = _short_main(run_analysis(same, K3_ANALYSIS, DEFAULTS)["pooled"])
    assert (row["tau2_ci_low"], row["tau2_ci_high"]) == ("<0.0", "<0.0")
    assert (row["i2_ci_low"], row["i2_ci_high"]) == ("<0.0", "<0.0")
    assert "null set" in row["notes"]
