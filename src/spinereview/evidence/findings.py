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
from spinereview.pooling.run import human_row, small_k
from spinereview.rounding import sign_words

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
    "clipped",
    "conclusion_differs",
    "sign_en",
    "sign_de",
)
#: A conclusion that depends on the estimator or test (estimators.csv), in words.
DIFFERS = {
    "en": "The conclusion depends on the method: {detail} (results/meta/estimators.csv).",
    "de": "Die Schlussfolgerung hängt von der Methode ab: {detail} (results/meta/estimators.csv).",
}
K2_HKSJ = {
    "en": "With two studies the Knapp-Hartung (HKSJ) interval uses a t distribution with 1 degree of "
    "freedom (critical value 12.7 instead of 1.96), so it is very wide.",
    "de": "Bei zwei Studien nutzt das Knapp-Hartung-Intervall (HKSJ) eine t-Verteilung mit 1 "
    "Freiheitsgrad (kritischer Wert 12,7 statt 1,96) und ist deshalb sehr breit.",
}
CLIPPED = {
    "en": "Interval bounds beyond ±100 are shown as ±100 (the full values are in the analysis JSON).",
    "de": "Intervallgrenzen jenseits von ±100 sind als ±100 gezeigt (die vollen Werte stehen im "
    "JSON der Analyse).",
}
NO_DATA = {"en": "No study with usable data.", "de": "Keine Studie mit verwertbaren Daten."}


def _float(text: Any) -> float | None:
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
    # bias.csv rounds p ("< 0.001" reads as 0.001, an upper bound); the analysis JSON has it exactly
    return {
        (r["analysis"], r["window"]): float(str(r["p"]).lstrip("< "))
        for r in bias_rows
        if r["check"] == "egger" and r["applicable"] in ("True", True) and r["p"] not in ("", None)
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
    settings = config["meta"]
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
            main = doc["windows"][window].get("main") or {}
            row = _full_row(row, main.get("pooled"), settings)
            shown = human_row(row, row["scale"])
            base = {
                "analysis": analysis["id"],
                "title_en": analysis["title"]["en"],
                "title_de": analysis["title"]["de"],
                "window": window,
                **{c: shown.get(c, "") for c in ("scale", "k", "n", "estimate", "ci_low", "ci_high",
                                                 "pi_low", "pi_high", "i2", "studies", "clipped")},
                "sign_en": sign_words(row["scale"], "en"),
                "sign_de": sign_words(row["scale"], "de"),
            }  # fmt: skip
            if int(row["k"]) == 0 or row.get("estimate") in (None, ""):
                out.append({**base, "statement_en": NO_DATA["en"], "statement_de": NO_DATA["de"]})
                continue
            studies = main["studies"]
            egger.update(_egger([b for b in doc.get("bias", []) if b.get("window") == window]))
            cell = _cell(analysis, window, row, studies, classes, egger, rob, effects_path)
            certainty = rate_cell(cell, rules, intervention=intervention, outcome=outcome)
            by_domain = {d.domain: d for d in certainty.downgrades}
            scale_rule = rules.scales.get(row["scale"])
            fits = [e for e in doc.get("estimators", []) if e.get("window") == window]
            threshold = None if scale_rule is None else scale_rule.threshold
            differs = conclusion_differs(fits, threshold)
            extra: dict[str, list[str]] = {lang: [] for lang in ("en", "de")}
            for lang in extra:
                if differs:
                    detail = conclusion_differs(fits, threshold, lang)
                    extra[lang].append(DIFFERS[lang].format(detail=detail))
                test = row.get("test") or analysis.get("test") or settings["test"]
                if int(row["k"]) == 2 and test in ("knha", "hksj"):
                    extra[lang].append(K2_HKSJ[lang])
                if row.get("clipped"):
                    extra[lang].append(CLIPPED[lang])
            result = {
                **base,
                "certainty": certainty.level,
                "downgrades": "; ".join(
                    f"{d.domain} -{d.levels}" for d in certainty.downgrades if d.levels
                ),
                "size": certainty.size,
                "statement_en": certainty.statement_en,
                "statement_de": certainty.statement_de,
                "notes_en": " ".join([*certainty.notes_en, *extra["en"]]),
                "notes_de": " ".join([*certainty.notes_de, *extra["de"]]),
                "conclusion_differs": bool(differs),
            }
            for domain in DOMAINS:
                d = by_domain[domain]
                result[f"{domain}_levels"] = d.levels
                result[f"{domain}_reason_en"] = d.reason_en
                result[f"{domain}_reason_de"] = d.reason_de
            out.append(result)
    return out


def _number(value: Any) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value  # a marked bound (">4167.3")
    return value


def _full_row(
    row: Mapping[str, Any], full: Mapping[str, Any] | None, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """The pooled row at full precision: the analysis JSON's copy where it has one, else the CSV's;
    the small-k rules applied (no PI below the configured k, no I² for a single study)."""
    out: dict[str, Any] = {c: _number(v) for c, v in row.items()}
    out.update({c: v for c, v in (full or {}).items() if c in out or c == "clipped"})
    for c in ("analysis", "run", "window", "scale", "studies", "test", "method"):
        if c in row:
            out[c] = row[c]
    out["k"] = int(row["k"] or 0)
    out["clipped"] = ""
    if out["k"]:
        small_k(out, settings, str(row["scale"]))
    return out


def conclusion(low: float, high: float, threshold: float | None) -> str:
    """What an interval says, in the categories of the report's plain-language verdict."""
    if low > 0:
        return "favours control"
    if threshold is not None and high < -threshold:
        return "important benefit"
    if high < 0:
        return "favours injection"
    if threshold is not None and low > -threshold:
        return "no important benefit"
    return "uncertain"


#: The conclusions of ``conclusion`` in German.
CONCLUSION_DE = {
    "favours control": "zugunsten der Kontrolle",
    "important benefit": "wichtiger Nutzen",
    "favours injection": "zugunsten der Injektion",
    "no important benefit": "kein wichtiger Nutzen",
    "uncertain": "unsicher",
}


def conclusion_differs(
    rows: Sequence[Mapping[str, Any]], threshold: float | None, lang: str = "en"
) -> str:
    """'' when every estimator × test of one cell reaches the same conclusion, else which says what
    ("REML/knha, DL/knha: uncertain; REML/z: favours injection"), in ``lang`` (en or de)."""
    by: dict[str, list[str]] = {}
    for r in rows:
        low, high = r.get("ci_low"), r.get("ci_high")
        if not isinstance(low, int | float) or not isinstance(high, int | float):
            continue
        if int(r.get("k") or 0) < 2:
            continue
        by.setdefault(conclusion(float(low), float(high), threshold), []).append(
            f"{r['method']}/{r['test']}"
        )
    if len(by) < 2:
        return ""
    words = CONCLUSION_DE if lang == "de" else {}
    return "; ".join(f"{', '.join(names)}: {words.get(what, what)}" for what, names in by.items())


def _cell(
    analysis: Mapping[str, Any],
    window: str,
    row: Mapping[str, Any],
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
        pi_low=_float(row.get("pi_low")),
        pi_high=_float(row.get("pi_high")),
        i2=_float(row.get("i2")) if int(row["k"]) > 1 else None,
        egger_p=egger.get((analysis["id"], window)),
        studies=tuple(evidence),
        question={
            "intervention": tuple(analysis["interventions"]),
            "comparator": tuple(analysis["comparators"]),
        },
    )
