"""The report's sections, built from the files the rules wrote (nothing is recomputed here)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinereview.meta.bounds import parse_bound
from spinereview.report.figure_files import language_figure
from spinereview.report.html import (
    Cell,
    esc,
    in_language,
    link,
    machine_columns,
    num,
    pmid_link,
    source_link,
    table,
)
from spinereview.report.verdict import verdict
from spinereview.rounding import DASH, SIGN_WORDS, effect_decimals, number


@dataclass(frozen=True)
class ReportInputs:
    """Every file the report reads."""

    config: Mapping[str, Any]
    manifest: Path
    verified: Path
    prisma: Path
    included: Path
    decisions: Path
    effects: Path
    meta_dir: Path
    reviews: Path
    figures_dir: Path
    citations_dir: Path
    findings: Path | None = None  # results/evidence/summary_of_findings.csv
    agreement: Path | None = None  # results/screening/agreement.json
    other_sources: Path | None = None  # data/screening/other_sources.csv
    overrides: Path | None = None  # data/screening/overrides.csv
    drafts: Path | None = None  # results/extraction/draft_rows.csv


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def sheet_anchor(row_id: str) -> str:
    return f"sheet-{row_id}"


def analysis_anchor(analysis_id: str, window: str | None = None) -> str:
    return f"analysis-{analysis_id}" + (f"-{window}" if window else "")


def search_section(inp: ReportInputs) -> str:
    manifest = json.loads(inp.manifest.read_text(encoding="utf-8"))
    verified = json.loads(inp.verified.read_text(encoding="utf-8"))
    rows = [
        {
            **q,
            "verified": "sha256 and PMIDs verified"
            if verified.get(q["id"], {}).get("ok")
            else "NOT verified",
        }
        for q in manifest["queries"]
    ]
    intro = (
        f"<p>Retrieval date {esc(manifest['retrieval_date'])}; provenance: "
        f"<strong>{esc(manifest['provenance'])}</strong>.</p>"
        f'<p class="note">{esc(manifest.get("provenance_detail", ""))}</p>'
    )
    return intro + table(
        rows,
        [
            ("query", "id"),
            ("PubMed term", lambda r: f"<code>{esc(r['term'])}</code>"),
            ("records", "esearch_count"),
            ("file", "file"),
            ("check", "verified"),
        ],
        numeric=["records"],
    )


PRISMA_ORDER = (
    "records_identified",
    "duplicates_removed",
    "duplicates_by_key",
    "records_screened",
    "records_excluded",
    "records_excluded_reasons",
    "reports_sought",
    "reports_not_retrieved",
    "reports_not_retrieved_reasons",  # only when there are any (records withheld by PubMed)
    "reports_assessed",
    "reports_excluded",
    "reports_excluded_reasons",
    "reports_awaiting_classification",
    "reports_included",
)


PRISMA_COLUMNS = {"databases": "databases (PubMed)", "other_methods": "other methods"}


def prisma_section(inp: ReportInputs) -> str:
    prisma = json.loads(inp.prisma.read_text(encoding="utf-8"))
    rows = []
    for column in ("databases", "other_methods"):
        for key in PRISMA_ORDER:
            if key not in prisma[column] and key == "reports_not_retrieved_reasons":
                continue
            value = prisma[column][key]
            shown = (
                "; ".join(f"{k}: {v}" for k, v in value.items())
                if isinstance(value, dict)
                else value
            )
            rows.append(
                {
                    "column": PRISMA_COLUMNS[column],
                    "box": key.replace("_", " "),
                    "count": shown,
                }
            )
    head = (
        f"<p>Included: <strong>{prisma['included']['studies']} studies</strong> in "
        f"{prisma['included']['reports']} reports. The counts are computed by the pipeline and "
        "checked to add up (results/screening/prisma.json).</p>"
    )
    alt = {"en": "PRISMA 2020 flow diagram", "de": "PRISMA-2020-Flussdiagramm"}
    fig = language_figure(inp.config, inp.figures_dir, "prisma_flow", alt)
    columns = [("records from", "column"), ("PRISMA 2020 box", "box"), ("count", "count")]
    return head + withheld_note(prisma) + fig + table(rows, columns)


def withheld_note(prisma: Mapping[str, Any]) -> str:
    """Where the PMIDs PubMed withheld stand in the flow, with the PMIDs (empty when none)."""
    withheld = prisma.get("withheld", {})
    if not withheld:
        return ""
    n = prisma["databases"]["reports_not_retrieved"]
    per_query = "; ".join(
        f"query {esc(q)}: " + ", ".join(pmid_link(p) for p in pmids)
        for q, pmids in withheld.items()
    )
    return (
        f"<p><strong>{n} PubMed record(s) not retrieved.</strong> esearch found these PMIDs, but "
        "efetch left their records out of every answer (NCBI withholds a record while it is "
        f"revised), so the live search skipped them ({per_query}). They count in records "
        "identified, so that each query's count equals its esearch count. A PMID another query "
        "also found is a duplicate; any other has no title or abstract to screen, so screening "
        "cannot exclude it: it passes screening unscreened and counts as a report sought for "
        "retrieval and not retrieved (reason: withheld by PubMed), never as assessed or "
        "included. Run the search again later to retrieve them.</p>"
    )


def included_section(inp: ReportInputs) -> str:
    titles = {d["record_id"]: d["title"] for d in read_csv(inp.decisions)}
    rows = [
        {**r, "title": titles.get(r["record_ids"].split("; ")[0], "")}
        for r in read_csv(inp.included)
    ]

    def pmids(r: Mapping[str, str]) -> str:
        return (
            " ".join(pmid_link(p) for p in r["pmids"].split("; ") if p) or "no PMID (other methods)"
        )

    def study(r: Mapping[str, str]) -> str:
        publications = r["publication_ids"]
        shown = "" if publications == r["study_id"] else f"publications: {publications}"
        return esc(r["study_id"]) + (f'<br><span class="note">{esc(shown)}</span>' if shown else "")

    def classes(r: Mapping[str, str]) -> str:
        return "<br>".join(
            f"{name}: {esc(r[name])}"
            for name in ("intervention", "comparator", "population", "duration")
            if r[name]
        )

    return table(
        rows,
        [
            ("study", study),
            ("title", "title"),
            ("PubMed", pmids),
            ("classes (screening)", classes),
            ("n randomised", "n_randomised"),
            ("reports", "reports"),
        ],
        numeric=["n randomised", "reports"],
    )


def _title(analysis: Mapping[str, Any], lang: str = "en") -> str:
    return str(analysis["title"][lang])


def _in_english(text: Any) -> str:
    """A config text given as a string or as {en, de}."""
    return str(text["en"]) if isinstance(text, Mapping) else str(text)


def summary_section(inp: ReportInputs) -> str:
    """Summary of findings: every analysis × window of the main run, against the MCID."""
    mcid = inp.config["figures"]["mcid"]
    analyses = {a["id"]: a for a in inp.config["meta"]["analyses"]}
    rows = [r for r in read_csv(inp.meta_dir / "pooled.csv") if r["run"] == "main"]

    def threshold(r: Mapping[str, str]) -> float | None:
        return float(mcid["value"]) if r["scale"] == "pain_0_100" else None

    def effect(r: Mapping[str, str]) -> str:
        if not r["k"] or r["k"] == "0":
            return ""
        d = effect_decimals(r["scale"])
        mark = " *" if r.get("clipped") else ""
        text = f"{num(r['estimate'], d)} ({num(r['ci_low'], d)} to {num(r['ci_high'], d)}){mark}"
        return link("#" + analysis_anchor(r["analysis"], r["window"]), text)

    def pi(r: Mapping[str, str]) -> str:
        # no PI below meta.prediction_interval_min_k (pooled.csv leaves it empty), none for k = 0
        if r["k"] in ("", "0"):
            return ""
        if not r["pi_low"]:
            return DASH
        d = effect_decimals(r["scale"])
        return f"{num(r['pi_low'], d)} to {num(r['pi_high'], d)}"

    def i2(r: Mapping[str, str]) -> str:
        if r["k"] in ("", "0"):
            return ""
        return number("i2", r["i2"]) if r["i2"] else DASH  # k = 1: no heterogeneity

    min_k = inp.config["meta"].get("prediction_interval_min_k", 3)
    signs = "; ".join(
        f"{esc(scale)}: {esc(words['en'])}" for scale, words in SIGN_WORDS.items()
        if any(r["scale"] == scale for r in rows)
    )  # fmt: skip
    intro = (
        f"<p>Negative values favour the injection ({signs}). Threshold: {esc(mcid['value'])} "
        f"points on the 0–100 pain scale — {esc(_in_english(mcid['kind']))}. Source of the nearest "
        f"published anchor: {esc(mcid['source'])}</p>"
        f'<p class="note">— = not defined for the cell: no prediction interval with fewer than '
        f"{esc(min_k)} studies (Cochrane Handbook 10.10.4.3), no I² for a single study. * = an "
        "interval bound beyond ±100 is shown as ±100 (pooled.csv, column clipped; the analysis "
        "JSON keeps the full value).</p>"
    )
    return intro + table(
        rows,
        [
            (
                "analysis",
                lambda r: link(
                    "#" + analysis_anchor(r["analysis"]), _title(analyses[r["analysis"]])
                ),
            ),
            ("window", "window"),
            ("scale", "scale"),
            ("k", "k"),
            ("n", "n"),
            ("effect (95% CI)", effect),
            ("95% PI", pi),
            ("I² %", i2),
            ("in plain words", lambda r: esc(verdict(r, threshold(r)))),
        ],
        numeric=["k", "n", "I² %"],
    )


def _analysis_block(
    inp: ReportInputs, analysis: Mapping[str, Any], tables: Mapping[str, list]
) -> str:
    aid = analysis["id"]
    doc = json.loads((inp.meta_dir / "analyses" / f"{aid}.json").read_text(encoding="utf-8"))
    parts = [
        f'<h3 id="{esc(analysis_anchor(aid))}">{esc(_title(analysis))}</h3>',
        f'<p class="note">German title: {in_language(_title(analysis, "de"), "de")} — τ² estimator '
        f"{esc(doc['settings']['method'])}, test {esc(doc['settings']['test'])}, "
        f"scale {esc(analysis['scale'])}.</p>",
        language_figure(
            inp.config,
            inp.figures_dir,
            f"forest_{aid}",
            {
                "en": f"Forest plot: {_title(analysis)}",
                "de": f"Forest-Plot: {_title(analysis, 'de')}",
            },
        ),
    ]
    for window, runs in doc["windows"].items():
        main = runs["main"]
        pooled = main["pooled"]
        parts.append(
            f'<h4 id="{esc(analysis_anchor(aid, window))}">{esc(window)}: k = {esc(pooled["k"])}</h4>'
        )
        if main["studies"]:
            parts.append(
                table(
                    main["studies"],
                    [
                        ("study", "study_id"),
                        ("PubMed", lambda s: pmid_link(s["pmid"])),
                        ("sheet row", lambda s: link("#" + sheet_anchor(s["row_id"]), s["row_id"])),
                        ("outcome", "outcome"),
                        ("weeks", "timepoint_weeks"),
                        ("effect", lambda s: num(s["yi"])),
                        ("95% CI", lambda s: f"{num(s['ci_low'])} to {num(s['ci_high'])}"),
                        ("weight %", lambda s: num(s["weight_percent"], 1)),
                    ],
                    numeric=["effect", "weight %"],
                )
            )
        heterogeneity = _heterogeneity(pooled)
        if heterogeneity:
            parts.append(f'<p class="note">{esc(heterogeneity)}</p>')
        for note in run_notes(runs):
            parts.append(f'<p class="note">{esc(note)}</p>')
    for name in ("loo", "subgroups", "bias"):
        rows = [r for r in tables[name] if r["analysis"] == aid]
        if rows:
            cols = machine_columns([c for c in rows[0] if c != "analysis"])
            parts.append(f"<h4>{esc(TABLE_NAMES[name])}</h4>" + table(rows, cols))
    return "\n".join(parts)


RUN_LABELS = {
    "main": "Main analysis",
    "excluding_uncertain": "Without rows flagged uncertain",
    "excluding_imputed": "Without rows with a borrowed SD",
}


def run_notes(runs: Mapping[str, Any]) -> list[str]:
    """The notes of each run of one window, each labelled with its run and k, each note once.

    A sensitivity run's note that the main run already says is not repeated, so a k = 1 note of the
    run without uncertain rows never reads as if it belonged to a k = 2 main result."""
    out, seen = [], set()
    for run, label in RUN_LABELS.items():
        pooled = (runs.get(run) or {}).get("pooled") or {}
        notes = [n for n in dict.fromkeys(str(pooled.get("notes") or "").split("; ")) if n]
        notes = [n for n in notes if n not in seen]
        seen.update(notes)
        if notes:
            out.append(f"{label} (k = {pooled.get('k', 0)}): " + "; ".join(notes))
    return out


TABLE_NAMES = {
    "loo": "Leave-one-out",
    "subgroups": "Subgroups",
    "bias": "Small-study effects and reporting bias",
}


def _heterogeneity(pooled: Mapping[str, Any]) -> str:
    """tau² and I² with their Q-profile CIs; a bound at the search limit keeps its mark (">4200").

    Rounded by the policy of ``spinereview.rounding``: tau² 2 significant digits, I² integer %."""
    bounds = [parse_bound(pooled.get(c)) for c in ("tau2_ci_low", "tau2_ci_high")]
    i2_bounds = [parse_bound(pooled.get(c)) for c in ("i2_ci_low", "i2_ci_high")]
    if None in bounds or None in i2_bounds or pooled.get("tau2") is None:
        return ""
    level = f"{float(pooled['level']) * 100:g}%"

    def ci(pair: list, quantity: str) -> str:
        low, high = (("" if b.exact else b.sign) + number(quantity, b.value) for b in pair)
        return f"{level} CI {low} to {high}"

    return (
        f"Heterogeneity: τ² = {number('tau2', pooled['tau2'])} ({ci(bounds, 'tau2')}); "
        f"I² = {number('i2', pooled['i2'])}% ({ci(i2_bounds, 'i2')})"
    )


def analyses_section(inp: ReportInputs) -> str:
    tables = {n: read_csv(inp.meta_dir / f"{n}.csv") for n in ("loo", "subgroups", "bias")}
    return "\n".join(_analysis_block(inp, a, tables) for a in inp.config["meta"]["analyses"])


def sensitivity_section(inp: ReportInputs) -> str:
    rows = read_csv(inp.meta_dir / "pooled.csv")
    pairs = []
    by_run = {(r["analysis"], r["window"], r["run"]): r for r in rows}
    labels = {"excluding_uncertain": "uncertain", "excluding_imputed": "imputed"}
    present = [run for run in labels if any(r["run"] == run for r in rows)]
    for main in (r for r in rows if r["run"] == "main" and r["k"] not in ("", "0")):
        pair = {
            "analysis": main["analysis"],
            "window": main["window"],
            "k": main["k"],
            "main": _interval(main),
        }
        for run in present:
            alt = by_run[(main["analysis"], main["window"], run)]
            pair[f"k without {labels[run]}"] = alt["k"]
            pair[f"without {labels[run]} rows"] = _interval(alt)
        pairs.append(pair)
    est = read_csv(inp.meta_dir / "estimators.csv")
    numeric = ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2")
    est_columns = machine_columns(["analysis", "window", "method", "test", "k", *numeric])
    extra = [
        c for run in present for c in (f"k without {labels[run]}", f"without {labels[run]} rows")
    ]
    pair_columns = [(c, c) for c in ("analysis", "window", "k", "main", *extra)]
    what = " and, separately, ".join(
        {
            "excluding_uncertain": "without the rows flagged uncertain in the curated sheet",
            "excluding_imputed": "without the rows whose SD was borrowed from other trials",
        }[run]
        for run in present
    )
    intro = f"<p>Each analysis re-run {what}:</p>" if present else "<p>No sensitivity run.</p>"
    return (
        intro
        + table(pairs, pair_columns)
        + "<p>Estimators and tests side by side (results/meta/estimators.csv). — = not defined: no "
        "prediction interval below the configured k, no τ² or I² for a single study; * = a bound "
        "beyond ±100 shown as ±100. Where the tests disagree on whether the CI excludes 0, the "
        "summary of findings flags the cell.</p>" + table(est, est_columns)
    )


def _estimator_effect(row: Mapping[str, str]) -> str:
    """estimators.csv is rounded by the policy already; '*' marks a bound cut to ±100."""
    if not row.get("estimate"):
        return ""
    mark = " *" if row.get("clipped") else ""
    return f"{row['estimate']} ({row['ci_low']} to {row['ci_high']}){mark}"


def _interval(row: Mapping[str, str], prefix: str = "") -> str:
    """'estimate (low to high)' with one decimal, or 'no study left' for k = 0."""
    if row["k"] in ("", "0"):
        return "no study left"
    return f"{num(row['estimate'], 1)} ({num(row['ci_low'], 1)} to {num(row['ci_high'], 1)})"


def _note(text: str) -> str:
    return f'<br><span class="note">{esc(text)}</span>' if text else ""


def _review_columns() -> list[tuple[str, Cell | str]]:
    def effect(r: Mapping[str, str]) -> str:
        if not r["estimate"]:
            return ""
        text = f"{num(r['estimate'], 2)} ({num(r['ci_low'], 2)} to {num(r['ci_high'], 2)})"
        reported = f"reported: {r['reported_estimate']} ({r['reported_ci_low']} to "
        reported += f"{r['reported_ci_high']})"
        changed = r["conversion"] and r["reported_estimate"] != r["estimate"]
        return esc(text) + (_note(reported) if changed else "")

    def classes(r: Mapping[str, str]) -> str:
        parts = (r["interventions"].replace("|", ", "), r["comparator"], r["population"])
        return esc(" / ".join(x for x in parts if x))

    def window(r: Mapping[str, str]) -> str:
        return esc(r["window"] or "–") + _note(f"{r['review_window']} ({r['window_fit'] or '–'})")

    def figure_cell(r: Mapping[str, str]) -> str:
        return "drawn" if r["in_figure"] == "true" else esc(r["figure_reason"])

    return [
        ("row", "review_row"),
        ("review", lambda r: esc(r["label_en"]) + _note(r["review_id"])),
        ("classes", classes),
        ("outcome, scale", lambda r: esc(", ".join(x for x in (r["outcome"], r["scale"]) if x))),
        ("window", window),
        ("k", "k"),
        ("n", "n"),
        ("estimate (95% CI)", effect),
        ("certainty", lambda r: esc(f"{r['certainty']} {r['certainty_system']}".strip())),
        ("status", lambda r: esc(r["status"]) + _note(r["status_reason"])),
        ("figure", figure_cell),
        (
            "source",
            lambda r: (
                source_link(r["source_url"], f"source of row {r['review_row']}")
                + _note(r["locator"])
            ),
        ),
    ]


def reviews_section(inp: ReportInputs) -> str:
    """Every row of the published reviews' results: harmonised numbers, status, why not drawn."""
    return (
        "<p>Every result of the published reviews in <code>data/evidence/reviews_pooled.csv</code>, "
        "mapped by <code>data/extraction/review_mapping.csv</code> and harmonised to this review's "
        "scale and sign (<code>results/reviews/estimates.csv</code>). Rows whose evidence note says "
        "NOT VERIFIED or UNCERTAIN are kept out of the figures; the figure column says why a row is "
        "not drawn. Several numbers come from secondary summaries, as the source column shows.</p>"
        + table(read_csv(inp.reviews), _review_columns(), numeric=["k", "n"])
    )


def sheet_section(inp: ReportInputs, effects: Sequence[Mapping[str, Any]]) -> str:
    """Every pooled row of the curated sheet with its source (targets of the 'sheet row' links)."""
    pooled_ids = set()
    for analysis in inp.config["meta"]["analyses"]:
        doc = json.loads(
            (inp.meta_dir / "analyses" / f"{analysis['id']}.json").read_text(encoding="utf-8")
        )
        for runs in doc["windows"].values():
            pooled_ids.update(s["row_id"] for s in runs["main"]["studies"])
    rows = [e for e in effects if e["row_id"] in pooled_ids]
    return table(
        rows,
        [
            (
                "row",
                lambda e: f'<span id="{esc(sheet_anchor(e["row_id"]))}">{esc(e["row_id"])}</span>',
            ),
            ("sheet line", lambda e: esc(int(e["sheet_row"]) + 1)),  # header = line 1
            ("study", "study_id"),
            ("PubMed", lambda e: pmid_link(e["pmid"])),
            ("outcome", "outcome"),
            ("instrument", "instrument"),
            ("weeks", "timepoint_weeks"),
            ("yi", lambda e: num(e["yi"])),
            ("se", lambda e: num(e["se"])),
            ("conversions", "conversions"),
            ("uncertain", "uncertain"),
            (
                "source",
                lambda e: (
                    source_link(e["source_url"], f"source of {e['row_id']}")
                    + " "
                    + esc(e["locator"])
                ),
            ),
        ],
    )


def audit_section(inp: ReportInputs) -> str:
    path = inp.citations_dir / "audit.json"
    if not path.exists():
        return '<p class="warn">Reference audit not available (reports/citations/audit.json).</p>'
    audit = json.loads(path.read_text(encoding="utf-8"))
    entries = audit["references"] if isinstance(audit, dict) and "references" in audit else audit
    return table(
        entries,
        [
            ("reference", "id"),
            ("cited as", "cited_as"),
            ("verdict", "verdict"),
            ("reasons", lambda a: "<br>".join(esc(r) for r in a.get("reasons", []))),
        ],
    )


def citations_section(inp: ReportInputs) -> str:
    path = inp.citations_dir / "included.html"
    if not path.exists():
        return '<p class="warn">Citation list not available (reports/citations/included.html).</p>'
    return path.read_text(encoding="utf-8")
