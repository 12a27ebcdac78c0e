"""Summary of findings: certainty for every cell with k >= 1 from the pipeline's tables, k = 0 said."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

import pytest

from spinereview.cli import main
from spinereview.config import load_config
from spinereview.errors import InputError
from spinereview.evidence.findings import FINDINGS_COLUMNS, read_rob_overall, summarise

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "config/config.yaml")
WINDOWS = ("immediate", "short", "intermediate", "long")


def one_analysis_config() -> dict[str, Any]:
    config = copy.deepcopy(CONFIG)
    config["meta"]["analyses"] = [
        a for a in config["meta"]["analyses"] if a["id"] == "pain_epidural_placebo"
    ]
    return config


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def tables(tmp_path: Path, *, population: str = "radicular_pain") -> dict[str, Path]:
    """Synthetic pipeline tables: the short window has k = 2 (two trials, 300 patients)."""
    pooled = []
    for window in WINDOWS:
        row = {"analysis": "pain_epidural_placebo", "run": "main", "window": window,
               "scale": "pain_0_100", "k": "0", "n": "", "estimate": "", "ci_low": "",
               "ci_high": "", "pi_low": "", "pi_high": "", "i2": "", "studies": ""}  # fmt: skip
        if window == "short":
            row.update(k="2", n="300", estimate="-12.0", ci_low="-16.0", ci_high="-8.0",
                       pi_low="-40", pi_high="16", i2="0.0", studies="A; B")  # fmt: skip
        pooled.append(row)
        pooled.append({**row, "run": "excluding_uncertain"})
    studies = [
        {"study_id": s, "row_id": r, "weight_percent": w, "intervention": "epidural_caudal",
         "comparator": "placebo_sham", "uncertain": s == "B"}
        for s, r, w in (("A", "E900", 60.0), ("B", "E901", 40.0))
    ]  # fmt: skip
    doc = {"windows": {w: {"main": {"studies": studies if w == "short" else []}} for w in WINDOWS}}
    analyses = tmp_path / "analyses"
    analyses.mkdir()
    (analyses / "pain_epidural_placebo.json").write_text(json.dumps(doc), encoding="utf-8")
    effects = [
        {"row_id": r, "population": population, "duration": "chronic"} for r in ("E900", "E901")
    ]
    bias = [{"analysis": "pain_epidural_placebo", "window": "short", "check": "egger",
             "applicable": "False", "p": ""}]  # fmt: skip
    return {
        "pooled": write_csv(tmp_path / "pooled.csv", pooled),
        "analyses": analyses,
        "effects": write_csv(tmp_path / "effects.csv", effects),
        "bias": write_csv(tmp_path / "bias.csv", bias),
    }


def run(config: dict, paths: dict[str, Path], rob: Path | None = None) -> dict[str, dict]:
    rows = summarise(config, paths["pooled"], paths["analyses"], paths["effects"], paths["bias"],
                     rob)  # fmt: skip
    return {r["window"]: r for r in rows}


def test_cells_with_studies_get_a_certainty_and_empty_cells_say_so(tmp_path) -> None:
    rows = run(one_analysis_config(), tables(tmp_path))
    assert list(rows) == list(WINDOWS)
    short = rows["short"]
    # not assessed risk of bias -1; CI -16 to -8 crosses -10 (an important benefit) -1
    assert short["certainty"] == "low"
    assert short["risk_of_bias_levels"] == 1 and "not assessed" in short["risk_of_bias_reason_en"]
    assert short["imprecision_levels"] == 1 and "−10" in short["imprecision_reason_en"]
    assert short["indirectness_levels"] == 0 and short["publication_bias_levels"] == 0
    assert short["downgrades"] == "risk_of_bias -1; imprecision -1"
    assert short["size"] == "important_benefit"
    assert short["statement_en"].startswith(
        "Epidural steroid injection compared with placebo or sham"
    )
    assert "may reduce pain" in short["statement_en"]
    assert "verringert" in short["statement_de"] and "möglicherweise" in short["statement_de"]
    assert "B" in short["notes_en"]  # the curator-flagged study is named, not downgraded
    for window in ("immediate", "intermediate", "long"):
        assert "certainty" not in rows[window]
        assert rows[window]["statement_en"] == "No study with usable data."


def test_an_indirect_population_downgrades_and_names_the_studies(tmp_path) -> None:
    short = run(one_analysis_config(), tables(tmp_path, population="spinal_stenosis"))["short"]
    assert (
        short["indirectness_levels"] == 1 and "spinal_stenosis" in short["indirectness_reason_en"]
    )
    assert short["certainty"] == "very_low"
    assert short["statement_en"].startswith("The evidence is very uncertain")


def test_a_rob_sheet_replaces_not_assessed(tmp_path) -> None:
    sheet = tmp_path / "risk_of_bias.csv"
    sheet.write_text("study_id,D1,D2,D3,D4,D5,overall\nA,low,low,low,low,low,low\n"
                     "B,low,low,low,low,low,low\n", encoding="utf-8")  # fmt: skip
    assert read_rob_overall(sheet) == {"A": "low", "B": "low"}
    short = run(one_analysis_config(), tables(tmp_path), sheet)["short"]
    assert short["risk_of_bias_levels"] == 0 and short["certainty"] == "moderate"
    assert "probably reduces pain" in short["statement_en"]
    assert read_rob_overall(tmp_path / "missing.csv") == {}


def test_missing_names_or_tables_are_named(tmp_path) -> None:
    paths = tables(tmp_path)
    config = one_analysis_config()
    del config["meta"]["analyses"][0]["statement"]
    with pytest.raises(InputError) as info:
        run(config, paths)
    assert info.value.field == "meta.analyses.pain_epidural_placebo.statement"
    (paths["analyses"] / "pain_epidural_placebo.json").unlink()
    with pytest.raises(InputError, match=r"pain_epidural_placebo\.json: file not found"):
        run(one_analysis_config(), paths)


def test_cli_writes_every_column_and_nothing_on_error(tmp_path, capsys) -> None:
    paths = tables(tmp_path)
    out = tmp_path / "sof.csv"
    args = ["summarise-findings", "--config-json", json.dumps(one_analysis_config()),
            "--pooled", str(paths["pooled"]), "--analyses-dir", str(paths["analyses"]),
            "--effects", str(paths["effects"]), "--bias", str(paths["bias"]), "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == FINDINGS_COLUMNS and [r["certainty"] for r in rows] == [
        "",
        "low",
        "",
        "",
    ]
    paths["effects"].write_text("row_id,population,duration\n", encoding="utf-8")
    out.unlink()
    assert main(args) == 1
    assert "E900" in capsys.readouterr().err and not out.exists()


def test_small_k_cells_show_no_prediction_interval_and_say_their_sign(tmp_path) -> None:
    rows = run(one_analysis_config(), tables(tmp_path))
    short = rows["short"]  # k = 2: no prediction interval (k >= 3), I² as an integer percent
    assert (short["pi_low"] or "", short["pi_high"] or "") == ("", "")
    assert short["i2"] == "0" and short["estimate"] == "-12.0"
    assert short["sign_en"] == "negative = less pain with the injection"
    assert short["sign_de"].startswith("negativ = weniger Schmerz")
    assert "t distribution with 1 degree of freedom" in short["notes_en"]
    assert "t-Verteilung mit 1 Freiheitsgrad" in short["notes_de"]
    assert short["conclusion_differs"] is False


def test_a_conclusion_that_depends_on_the_method_is_flagged(tmp_path) -> None:
    paths = tables(tmp_path)
    doc_path = paths["analyses"] / "pain_epidural_placebo.json"
    doc = json.loads(doc_path.read_text())
    base = {"analysis": "pain_epidural_placebo", "window": "short", "k": 2, "method": "REML"}
    doc["estimators"] = [
        {**base, "test": "z", "ci_low": -6.6, "ci_high": -0.1},
        {**base, "test": "knha", "ci_low": -13.9, "ci_high": 7.2},
    ]
    doc_path.write_text(json.dumps(doc), encoding="utf-8")
    short = run(one_analysis_config(), paths)["short"]
    assert short["conclusion_differs"] is True
    assert "REML/z: favours injection" in short["notes_en"]
    assert "REML/knha: uncertain" in short["notes_en"]
    assert "hängt von der Methode ab" in short["notes_de"]
    assert "REML/z: zugunsten der Injektion" in short["notes_de"]


def test_single_study_cell_has_no_i2(tmp_path) -> None:
    paths = tables(tmp_path)
    with open(paths["pooled"], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["window"] == "short":
            r.update(k="1", studies="A", i2="0.0", pi_low="-16.0", pi_high="-8.0")
    write_csv(paths["pooled"], rows)
    doc_path = paths["analyses"] / "pain_epidural_placebo.json"
    doc = json.loads(doc_path.read_text())
    doc["windows"]["short"]["main"]["studies"] = doc["windows"]["short"]["main"]["studies"][:1]
    doc_path.write_text(json.dumps(doc), encoding="utf-8")
    short = run(one_analysis_config(), paths)["short"]
    assert (short["i2"] or "", short["pi_low"] or "") == ("", "")
