"""Assemble reports/report.html from the sections and write it atomically."""

from __future__ import annotations

import re
from pathlib import Path

from spinereview.extraction.run import read_effects
from spinereview.figures import names
from spinereview.io import write_text_atomic
from spinereview.report import content as c
from spinereview.report.findings import summary_of_findings
from spinereview.report.html import page
from spinereview.report.screening import agreement_section

TITLE = "Spinal injections for chronic back pain — evidence review (spinereview)"


def _fragment(html_text: str) -> str:
    """The body of an HTML document (the citation list may be a whole page)."""
    match = re.search(r"<body[^>]*>(.*)</body>", html_text, flags=re.S | re.I)
    return match.group(1) if match else html_text


def build_report(inp: c.ReportInputs) -> str:
    """The whole report as one self-contained HTML string."""
    effects = read_effects(inp.effects).to_pylist()
    sections = [
        ("summary", "Summary of findings", _summary(inp)),
        ("search", "Search", c.search_section(inp)),
        ("prisma", "PRISMA 2020 flow", c.prisma_section(inp)),
        *_agreement(inp),
        ("included", "Included studies", c.included_section(inp)),
        (
            "article-figure",
            "The article figure",
            c.reader_figure(
                inp,
                names.ARTICLE,
                "Effect on pain by window: published reviews and this review's pooled cells",
                _caption(inp),
            ),
        ),
        (
            "evidence-map",
            "Evidence map",
            c.reader_figure(
                inp,
                names.EVIDENCE_MAP,
                "Evidence map: comparison by window, coloured by certainty",
                "Every configured comparison and every drawn published-review estimate by follow-up "
                "window: the estimate and k in each cell, this review's GRADE certainty as its colour "
                "(hatched: the certainty the review reported); grey cells have no data.",
            ),
        ),
        (
            "analyses",
            "Analyses: forest plots, studies, leave-one-out, subgroups, bias",
            c.analyses_section(inp),
        ),
        ("sensitivity", "Sensitivity analyses", c.sensitivity_section(inp)),
        ("reviews", "What published reviews found", c.reviews_section(inp)),
        ("sheet", "Curated sheet rows behind the pooled numbers", c.sheet_section(inp, effects)),
        ("audit", "The article's references: audit", c.audit_section(inp)),
        ("citations", "Included studies: citation list", _fragment(c.citations_section(inp))),
    ]
    return page(TITLE, sections)


def _agreement(inp: c.ReportInputs) -> list[tuple[str, str, str]]:
    """The screening-agreement section, when the agreement file is given."""
    if inp.agreement is None:
        return []
    title = "Screening: agreement with a human screener"
    return [("screening-agreement", title, agreement_section(inp.config, inp.agreement))]


def _summary(inp: c.ReportInputs) -> str:
    """GRADE summary of findings beside the published reviews; the older verdict table without it."""
    if inp.findings is None:
        return c.summary_section(inp)
    windows = inp.config["extraction"]["windows"]
    labels = {
        w: w.replace("_", " ") + (f" ({b})" if b else "") for w, b in _bounds(windows).items()
    }
    return summary_of_findings(inp.config, inp.findings, inp.reviews, labels)


def _bounds(windows: list[dict]) -> dict[str, str]:
    from spinereview.figures.i18n import window_bounds

    out = window_bounds(windows, "en")
    return {w["id"]: out.get(w["id"], "") for w in windows}


def _caption(inp: c.ReportInputs) -> str:
    language = names.reader_language(names.languages_of(inp.config["figures"]))
    path = inp.figures_dir / names.caption_name(language)
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


def write_report(inp: c.ReportInputs, out: Path) -> None:
    write_text_atomic(out, build_report(inp))
