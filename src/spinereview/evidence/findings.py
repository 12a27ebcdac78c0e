"""The summary of findings: every own pooled cell with its GRADE certainty, from the pipeline's tables.

Reads the main run of ``results/meta/pooled.csv``, the studies (with their weights) of each analysis
JSON, the screening classes of each pooled row (``results/extraction/effects.csv``), Egger's test
(``results/meta/bias.csv``) and the optional RoB 2 sheet, and rates every cell with k ≥ 1 by the
rules of ``grade:`` (``spinereview.evidence.grade``). A k = 0 cell is listed with "no study with
usable data" and no certainty. Output: ``results/evidence/summary_of_findings.csv``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spinereview.errors import InputError
from spinereview.evidence.grade import DOMAINS, CellEvidence, StudyEvidence, rate_cell
from spinereview.evidence.rules import GradeRules
from spinereview.io import read_table

FINDINGS_COLUMNS = (
    "analysis",
    "title_en",
    "title_de",
    "window",
    "scale",
    "k",
    "n",
    "estimate",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "i2",
    "studies",
    "certainty",
    "downgrades",
    *(f"{d}_{part}" for d in DOMAINS for part in ("levels", "reason_en", "reason_de")),
    "size",
    "statement_en",
    "statement_de",
    "notes_en",
    "notes_de",
)
NO_DATA = {"en": "No study with usable data.", "de": "Keine Studie mit verwertbaren Daten."}


def _float(text: str | None) -> float | None:
    return float(text) if text not in (None, "") else None


def read_rob_overall(path: Path | None) -> dict[str, str]:
    """study id → RoB 2 overall judgement (low, some_concerns, high) from the optional sheet."""
    if path is None or not path.is_file():
        return {}
    from spinereview.figures.rob import read_rob_sheet

    out: dict[str, str] = {}
    for row in read_rob_sheet(path):
        study = row.label.split(" (")[0]
        judgement = row.judgements[-1]
        if judgement != "no_information":
            # the worst judgement over a study's outcomes rules the study
            order = ("low", "some_concerns", "high")
            if study not in out or order.index(judgement) > order.index(out[study]):
                out[study] = judgement
    return out


def _egger(bias_rows: Sequence[Mapping[str, str]]) -> dict[tuple[str, str], float]:
    return {
        (r["analysis"], r["window"]): float(r["p"])
        for r in bias_rows
        if r["check"] == "egger" and r["applicable"] == "True" and r["p"]
    }


def _names(analysis: Mapping[str, Any], source: str) -> tuple[dict[str, str], dict[str, str]]:
    statement = analysis.get("statement")
    if not statement:
        raise InputError(
            source, f"analysis {analysis['id']!r} has no statement names",
            field=f"meta.analyses.{analysis['id']}.statement",
        )  # fmt: skip
    return dict(statement["intervention"]), dict(statement["outcome"])


def summarise(
    config: Mapping[str, Any],
    pooled_path: Path,
    analyses_dir: Path,
    effects_path: Path,
    bias_path: Path,
    rob_sheet: Path | None = None,
    source: str = "config/config.yaml",
) -> list[dict[str, Any]]:
    """One row per configured analysis × window (main run), certainty for every cell with k ≥ 1."""
    rules = GradeRules.from_config(
        config["grade"],
        float(config["figures"]["mcid"]["value"]),
        windows=[w["id"] for w in config["extraction"]["windows"]],
        source=source,
    )
    pooled = [
        r for r in read_table(pooled_path, ("analysis", "run", "window", "k")) if r["run"] == "main"
    ]
    classes = {
        r["row_id"]: r for r in read_table(effects_path, ("row_id", "population", "duration"))
    }
    egger = _egger(read_table(bias_path, ("analysis", "window", "check", "applicable", "p")))
    rob = read_rob_overall(rob_sheet)
    out = []
    for analysis in config["meta"]["analyses"]:
        intervention, outcome = _names(analysis, source)
        doc_path = analyses_dir / f"{analysis['id']}.json"
        try:
            doc = json.loads(doc_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(doc_path, "file not found") from None
        rows = {r["window"]: r for r in pooled if r["analysis"] == analysis["id"]}
        for window in analysis["windows"]:
            row = rows.get(window)
            if row is None:
                raise InputError(pooled_path, f"no main-run row for {analysis['id']} / {window}")
            base = {
                "analysis": analysis["id"],
                "title_en": analysis["title"]["en"],
                "title_de": analysis["title"]["de"],
                "window": window,
                **{c: row.get(c, "") for c in ("scale", "k", "n", "estimate", "ci_low", "ci_high",
                                               "pi_low", "pi_high", "i2", "studies")},
            }  # fmt: skip
            if int(row["k"]) == 0 or not row.get("estimate"):
                out.append({**base, "statement_en": NO_DATA["en"], "statement_de": NO_DATA["de"]})
                continue
            studies = doc["windows"][window]["main"]["studies"]
            cell = _cell(analysis, window, row, studies, classes, egger, rob, effects_path)
            certainty = rate_cell(cell, rules, intervention=intervention, outcome=outcome)
            by_domain = {d.domain: d for d in certainty.downgrades}
            result = {
                **base,
                "certainty": certainty.level,
                "downgrades": "; ".join(
                    f"{d.domain} -{d.levels}" for d in certainty.downgrades if d.levels
                ),
                "size": certainty.size,
                "statement_en": certainty.statement_en,
                "statement_de": certainty.statement_de,
                "notes_en": " ".join(certainty.notes_en),
                "notes_de": " ".join(certainty.notes_de),
            }
            for domain in DOMAINS:
                d = by_domain[domain]
                result[f"{domain}_levels"] = d.levels
                result[f"{domain}_reason_en"] = d.reason_en
                result[f"{domain}_reason_de"] = d.reason_de
            out.append(result)
    return out


def _cell(
    analysis: Mapping[str, Any],
    window: str,
    row: Mapping[str, str],
    studies: Sequence[Mapping[str, Any]],
    classes: Mapping[str, Mapping[str, str]],
    egger: Mapping[tuple[str, str], float],
    rob: Mapping[str, str],
    effects_path: Path,
) -> CellEvidence:
    evidence = []
    for s in studies:
        if s["row_id"] not in classes:
            raise InputError(effects_path, f"row {s['row_id']} of {analysis['id']} is missing",
                             field="row_id")  # fmt: skip
        extra = classes[s["row_id"]]
        evidence.append(
            StudyEvidence(
                study_id=s["study_id"],
                weight_percent=s.get("weight_percent"),
                intervention=s.get("intervention", ""),
                comparator=s.get("comparator", ""),
                population=extra["population"],
                duration=extra["duration"],
                rob_overall=rob.get(s["study_id"]),
                uncertain=bool(s.get("uncertain")),
            )
        )
    n = _float(row.get("n"))
    return CellEvidence(
        analysis_id=analysis["id"],
        window=window,
        scale=row["scale"],
        k=int(row["k"]),
        n=None if n is None else int(n),
        estimate=float(row["estimate"]),
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        pi_low=_float(row.get("pi_low")) if int(row["k"]) > 1 else None,
        pi_high=_float(row.get("pi_high")) if int(row["k"]) > 1 else None,
        i2=_float(row.get("i2")) if int(row["k"]) > 1 else None,
        egger_p=egger.get((analysis["id"], window)),
        studies=tuple(evidence),
        question={
            "intervention": tuple(analysis["interventions"]),
            "comparator": tuple(analysis["comparators"]),
        },
    )
