"""Assemble reports/report.html (and the PRISMA 2020 checklist) from the sections; write atomically."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spinereview.extraction.run import read_effects
from spinereview.io import write_text_atomic
from spinereview.report import content as c
from spinereview.report import figure_files
from spinereview.report import review as rv
from spinereview.report.checklist import State, items, missing_anchors, to_html, to_markdown
from spinereview.report.coverage import coverage
from spinereview.report.figure_files import figure_file  # noqa: F401  (re-exported)
from spinereview.report.findings import summary_of_findings
from spinereview.report.html import page
from spinereview.report.provenance import provenance, provenance_block
from spinereview.report.screening import agreement_section

TITLE = "Spinal injections for chronic back pain — evidence review (spinereview)"
#: Alt texts of the embedded figures, per language (a figure stage's <name>.alt.<lang>.txt wins).
ALT = {
    "article_pain_by_window": {
        "en": "Effect on pain by follow-up window: published reviews and this review's pooled cells",
        "de": "Wirkung auf den Schmerz nach Nachbeobachtungszeit: veröffentlichte Übersichtsarbeiten "
        "und die eigenen gepoolten Ergebnisse",
    },
    "evidence_map": {
        "en": "Evidence map: comparison by follow-up window, coloured by certainty",
        "de": "Evidenzkarte: Vergleich nach Nachbeobachtungszeit, eingefärbt nach Vertrauenswürdigkeit",
    },
}


def language_figure(inp: c.ReportInputs, name: str, caption: bool = False) -> str:
    """An article figure or the evidence map in the report's language (see figure_files)."""
    return figure_files.language_figure(
        inp.config, inp.figures_dir, name, ALT[name], caption=caption
    )


def _fragment(html_text: str) -> str:
    """The body of an HTML document (the citation list may be a whole page); its headings are
    demoted so that the report keeps a single <h1>."""
    match = re.search(r"<body[^>]*>(.*)</body>", html_text, flags=re.S | re.I)
    body = match.group(1) if match else html_text
    return re.sub(r"<(/?)h1\b", r"<\1h3", body, flags=re.I)


def _facts(inp: c.ReportInputs, effects: list[dict]) -> rv.Facts:
    included = c.read_csv(inp.included)
    rob_index = inp.figures_dir / "rob" / "index.json"
    rob = json.loads(rob_index.read_text(encoding="utf-8")) if rob_index.exists() else {}
    rob_note = "" if rob.get("drawn") else "no RoB 2 sheet (data/extraction/risk_of_bias.csv)"
    return rv.Facts(
        config=inp.config,
        manifest=rv.read_json(inp.manifest),
        prisma=rv.read_json(inp.prisma),
        decisions=c.read_csv(inp.decisions),
        included=included,
        effects=effects,
        findings=c.read_csv(inp.findings) if inp.findings else [],
        reviews=c.read_csv(inp.reviews),
        coverage=coverage(included, effects, inp.config["meta"]["analyses"], inp.meta_dir),
        window_labels=_window_labels(inp.config),
        rob_note=rob_note,
        drafts=len(c.read_csv(inp.drafts)) if inp.drafts else None,
    )


def build(inp: c.ReportInputs) -> tuple[str, list]:
    """The report as one self-contained HTML string, and the checklist items for it."""
    effects = read_effects(inp.effects).to_pylist()
    facts = _facts(inp, effects)
    others = c.read_csv(inp.other_sources) if inp.other_sources else []
    gaps = sum(1 for r in others if r.get("method", "").strip() in ("", "not recorded"))
    overrides = len(c.read_csv(inp.overrides)) if inp.overrides else 0
    agreement = rv.read_json(inp.agreement) if inp.agreement else {}
    sections = [
        ("abstract", "Structured abstract", rv.abstract_section(facts)),
        ("rationale", "Rationale", rv.rationale_section(facts)),
        ("objectives", "Objectives", rv.objectives_section(facts)),
        ("eligibility", "Eligibility criteria", rv.eligibility_section(facts)),
        ("information-sources", "Information sources", rv.sources_section(facts, others)),
        ("search", "Search strategy", c.search_section(inp)),
        ("selection", "Selection process", _selection(inp, facts, overrides)),
        ("data-collection", "Data collection", rv.data_collection_section(facts)),
        ("risk-of-bias", "Risk of bias in studies", rv.rob_section(facts)),
        ("summary", "Summary of findings", _summary(inp)),
        ("prisma", "PRISMA 2020 flow", c.prisma_section(inp)),
        ("excluded", "Excluded records, with reasons", rv.excluded_section(facts)),
        ("included", "Included studies", c.included_section(inp)),
        ("coverage", "Which included studies reach a pooled cell", rv.coverage_section(facts)),
        (
            "article-figure",
            "The article figure",
            language_figure(inp, "article_pain_by_window", caption=True),
        ),
        (
            "evidence-map",
            "Evidence map",
            language_figure(inp, "evidence_map")
            + '<p class="note">Every configured comparison and every drawn published-review '
            "estimate by follow-up window: the estimate and k in each cell, this review's GRADE "
            "certainty as its colour (hatched: the certainty the review reported); grey cells "
            "have no data.</p>",
        ),
        (
            "analyses",
            "Analyses: forest plots, studies, leave-one-out, subgroups, bias",
            c.analyses_section(inp),
        ),
        ("sensitivity", "Sensitivity analyses", c.sensitivity_section(inp)),
        ("reviews", "What published reviews found", c.reviews_section(inp)),
        ("sheet", "Curated sheet rows behind the pooled numbers", c.sheet_section(inp, effects)),
        ("limitations", "Limitations", rv.limitations_section(facts, gaps, agreement)),
        (
            "declarations",
            "Registration, protocol, funding and competing interests",
            rv.declarations_section(facts),
        ),
        ("audit", "The article's references: audit", c.audit_section(inp)),
        ("citations", "Included studies: citation list", _fragment(c.citations_section(inp))),
    ]
    header = provenance_block(provenance(inp.config, inp.manifest))
    html_text = page(TITLE, sections, header=header)
    state = State(
        config=inp.config,
        rob_assessed=not facts.rob_note,
        other_sources_unrecorded=gaps,
        agreement_reviewed=agreement.get("status") == "reviewed",
        reports_not_retrieved=int(facts.prisma["databases"].get("reports_not_retrieved", 0)),
    )
    return html_text, items(state)


def build_report(inp: c.ReportInputs) -> str:
    """The whole report as one self-contained HTML string."""
    return build(inp)[0]


def _selection(inp: c.ReportInputs, facts: rv.Facts, overrides: int) -> str:
    """Selection process: de-duplication, rules, overrides, and agreement with a human screener."""
    body = rv.selection_intro(facts, overrides)
    if inp.agreement is not None:
        body += '<h3 id="screening-agreement">Agreement with a human screener</h3>'
        body += agreement_section(inp.config, inp.agreement)
    return body


def _summary(inp: c.ReportInputs) -> str:
    """GRADE summary of findings beside the published reviews; the older verdict table without it."""
    if inp.findings is None:
        return c.summary_section(inp)
    return summary_of_findings(inp.config, inp.findings, inp.reviews, _window_labels(inp.config))


def _window_labels(config: Mapping[str, Any]) -> dict[str, str]:
    from spinereview.figures.i18n import window_bounds

    windows = config["extraction"]["windows"]
    bounds = window_bounds(windows, "en")
    return {
        w["id"]: w["id"].replace("_", " ")
        + (f" ({bounds[w['id']]})" if bounds.get(w["id"]) else "")
        for w in windows
    }


def write_report(
    inp: c.ReportInputs,
    out: Path,
    checklist_md: Path | None = None,
    checklist_html: Path | None = None,
) -> None:
    """Write report.html and, when asked, the PRISMA 2020 checklist beside it. A checklist entry
    pointing to a section the report lacks stops the run before anything is written."""
    html_text, entries = build(inp)
    broken = missing_anchors(entries, html_text)
    if broken:
        raise ValueError(
            "PRISMA checklist points to sections the report lacks: " + "; ".join(broken)
        )
    write_text_atomic(out, html_text)
    if checklist_md is not None:
        write_text_atomic(checklist_md, to_markdown(entries) + "\n")
    if checklist_html is not None:
        write_text_atomic(checklist_html, to_html(entries))
