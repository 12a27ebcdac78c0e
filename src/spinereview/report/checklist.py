"""The PRISMA 2020 checklist (27 items with sub-items) and the PRISMA 2020 for Abstracts checklist
(12 items), each item mapped to the report section, file or notebook that answers it.

Labels are short paraphrases, not the checklist's wording. A status is present, partial, not
applicable or missing, always with a reason; statuses that depend on what the user stated (registration,
funding, who extracted) or on what the run produced (risk of bias, sources of other records) are
computed, not fixed. Every report anchor named here must exist in report.html (checked on write).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spinereview.report.html import CSS, esc

PRESENT, PARTIAL, NOT_APPLICABLE, MISSING = "present", "partial", "not applicable", "missing"
STATUSES = (PRESENT, PARTIAL, NOT_APPLICABLE, MISSING)
REPORT = "report.html"
NB01 = "notebooks/01-search-and-screening.html"
NB02 = "notebooks/02-extraction-audit.html"
NB03 = "notebooks/03-meta-analysis.html"


@dataclass(frozen=True)
class Item:
    """One checklist item: where it is answered, its status and why."""

    checklist: str  # "PRISMA 2020" or "PRISMA 2020 for Abstracts"
    number: str
    section: str
    label: str
    where: tuple[str, ...]  # "report.html#anchor" or a path relative to reports/
    status: str
    reason: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"item {self.number}: unknown status {self.status!r}")
        if not self.reason.strip():
            raise ValueError(f"item {self.number}: a status needs a reason")


@dataclass(frozen=True)
class State:
    """The facts of this run that decide the computed statuses."""

    config: Mapping[str, Any]
    rob_assessed: bool
    other_sources_unrecorded: int
    agreement_reviewed: bool
    #: PubMed records esearch found but efetch withheld (the flow's "reports not retrieved")
    reports_not_retrieved: int = 0


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != "" and value != []


def _user(value: Any, key: str, what: str) -> tuple[str, str]:
    if _filled(value):
        return PRESENT, f"{what} stated in config {key}"
    return MISSING, f"config {key} is empty, so the report says “not stated” (never invented)"


def _r(*anchors: str) -> tuple[str, ...]:
    return tuple(f"{REPORT}#{a}" for a in anchors)


def items(state: State) -> list[Item]:
    """Both checklists for this run."""
    rep = state.config.get("report") or {}
    ext = rep.get("extraction") or {}
    rob = (
        (PRESENT, "RoB 2 judgements per study are drawn and feed GRADE")
        if state.rob_assessed
        else (PARTIAL, "GRADE's risk-of-bias rule is stated, but no RoB 2 sheet exists yet "
              "(data/extraction/risk_of_bias.csv), so no study has a judgement")
    )  # fmt: skip
    sources = (
        (PARTIAL, f"PubMed snapshot with its date; {state.other_sources_unrecorded} records "
         "identified by other methods have no recorded source (shown as a gap)")
        if state.other_sources_unrecorded
        else (PRESENT, "PubMed snapshot with its date and every other source named")
    )  # fmt: skip
    who = ext.get("extractors")
    collection = (
        (PRESENT, "who extracted and single or dual extraction stated in config report.extraction")
        if _filled(who) and _filled(ext.get("mode"))
        else (PARTIAL, "the extraction process and its checks are described; who extracted and "
              "whether single or dual is not stated (config report.extraction)")
    )  # fmt: skip
    selection = (
        (PRESENT, "rule-based screening described; agreement with a human screener measured")
        if state.agreement_reviewed
        else (PARTIAL, "rule-based screening and the human review sheet are described; no human "
              "screener has filled the sheet yet, so agreement is not measured")
    )  # fmt: skip
    protocol = (
        (PRESENT, "protocol location stated in config report.protocol")
        if _filled(rep.get("protocol"))
        else (PARTIAL, "config/config.yaml is the machine-readable protocol (hash in the "
              "provenance header); no registered or published protocol is stated (report.protocol)")
    )  # fmt: skip
    amendments = (
        (PRESENT, "stated with the protocol in config report.protocol")
        if _filled(rep.get("protocol"))
        else (MISSING, "config report.protocol is empty; changes to config/config.yaml are "
              "recorded only in git history and CHANGELOG.md")
    )  # fmt: skip
    p = "PRISMA 2020"
    main = [
        (p, "1", "Title", "identifies the report as a systematic review", ("report.html",), PARTIAL,
         "the title names an evidence review of trials, not the words “systematic review”"),
        (p, "2", "Abstract", "structured abstract (see the abstract checklist)", _r("abstract"),
         PRESENT, "generated from the results; see the PRISMA 2020 for Abstracts items"),
        (p, "3", "Introduction", "rationale in the context of existing knowledge", _r("rationale"),
         PRESENT, "names the published reviews the article rests on"),
        (p, "4", "Introduction", "objectives or questions", _r("objectives"), PRESENT,
         "one row per configured comparison, outcome and window"),
        (p, "5", "Methods", "eligibility criteria and grouping for syntheses",
         _r("eligibility", "objectives"), PRESENT, "PICO and design generated from the config"),
        (p, "6", "Methods", "information sources and dates searched",
         _r("information-sources", "search"), *sources),
        (p, "7", "Methods", "full search strategies", (*_r("search"), NB01), PRESENT,
         "every PubMed query term as sent; the snapshot's provenance is stated beside them"),
        (p, "8", "Methods", "selection process (who, how many, automation)",
         _r("selection"), *selection),
        (p, "9", "Methods", "data collection process", _r("data-collection"), *collection),
        (p, "10a", "Methods", "outcomes sought", _r("objectives", "sheet"), PRESENT,
         "outcomes, scales and windows per analysis; the sheet rows behind each number"),
        (p, "10b", "Methods", "other variables sought", _r("included"), PRESENT,
         "intervention, comparator, population, duration and n per study"),
        (p, "11", "Methods", "study risk-of-bias assessment methods", _r("risk-of-bias"), *rob),
        (p, "12", "Methods", "effect measures", _r("analyses", "summary"), PRESENT,
         "mean differences on 0–100 scales and risk differences in percentage points, "
         "sign stated"),
        (p, "13a", "Methods", "which studies were eligible for each synthesis",
         _r("objectives", "coverage"), PRESENT,
         "analysis filters in the config; studies and rows that reach no cell, with reasons"),
        (p, "13b", "Methods", "data preparation for synthesis", (*_r("sheet"), NB02), PRESENT,
         "every conversion per row (conversions column); README “Harmonised effects”"),
        (p, "13c", "Methods", "tabulation and display of results", _r("analyses"), PRESENT,
         "forest plot and study table per analysis"),
        (p, "13d", "Methods", "synthesis methods and software", _r("analyses", "provenance"),
         PRESENT, "τ² estimator and test per analysis; package versions in the provenance header"),
        (p, "13e", "Methods", "methods to explore heterogeneity", _r("analyses"), PRESENT,
         "subgroups with a test for differences per analysis"),
        (p, "13f", "Methods", "sensitivity analyses", _r("sensitivity"), PRESENT,
         "re-runs without uncertain rows; estimators and tests side by side"),
        (p, "14", "Methods", "reporting-bias assessment methods", _r("analyses"), PRESENT,
         "small-study checks per analysis, applicable from k ≥ 10 (stated per cell)"),
        (p, "15", "Methods", "certainty assessment methods", _r("summary"), PRESENT,
         "GRADE rules from the config, a reason per downgrade"),
        (p, "16a", "Results", "study selection with flow diagram", (*_r("prisma"), NB01), PRESENT,
         "PRISMA 2020 flow diagram and its counts" + (
             f"; {state.reports_not_retrieved} report(s) not retrieved: PMIDs esearch found but "
             "PubMed withheld (listed, counted as identified)"
             if state.reports_not_retrieved else "")),
        (p, "16b", "Results", "excluded studies that seemed eligible, with reasons",
         (*_r("excluded"), NB01), PRESENT, "every excluded record with its criterion and detail"),
        (p, "17", "Results", "characteristics of included studies", _r("included"), PRESENT,
         "classes from screening, n randomised and reports per study"),
        (p, "18", "Results", "risk of bias in studies", _r("risk-of-bias"), *rob),
        (p, "19", "Results", "results of individual studies", (*_r("analyses", "sheet"), NB02),
         PRESENT,
         "effect and CI per study and cell; the sheet row and its source"),
        (p, "20a", "Results", "characteristics and risk of bias of contributing studies",
         _r("coverage", "analyses"), PARTIAL if not state.rob_assessed else PRESENT,
         "contributing studies listed per cell" + ("" if state.rob_assessed else
                                                  "; no risk-of-bias judgements yet")),
        (p, "20b", "Results", "results of all syntheses", (*_r("summary", "analyses"), NB03),
         PRESENT,
         "every analysis × window, including cells without data"),
        (p, "20c", "Results", "investigations of heterogeneity", _r("analyses"), PRESENT,
         "subgroup tables per analysis"),
        (p, "20d", "Results", "sensitivity analyses", _r("sensitivity"), PRESENT,
         "main and sensitivity runs side by side"),
        (p, "21", "Results", "risk of reporting biases", _r("analyses"), PRESENT,
         "small-study checks per cell; not applicable below k = 10, stated where so"),
        (p, "22", "Results", "certainty of evidence", _r("summary"), PRESENT,
         "GRADE certainty for every cell with a study"),
        (p, "23a", "Discussion", "interpretation in the context of other evidence",
         _r("summary", "reviews"), PARTIAL,
         "own cells beside the published reviews' results; the report generates GRADE statements "
         "but writes no discussion prose"),
        (p, "23b", "Discussion", "limitations of the evidence", _r("limitations"), PRESENT,
         "abstract-level data, few studies per cell, risk of bias"),
        (p, "23c", "Discussion", "limitations of the review process", _r("limitations"), PRESENT,
         "rebuilt snapshot, rule-based screening, extraction set-up"),
        (p, "23d", "Discussion", "implications for practice, policy and research", _r("limitations"),
         MISSING, "the report draws no implications; the patient article does, outside this "
         "repository"),
        (p, "24a", "Other", "registration", _r("declarations"),
         *_user(rep.get("registration"), "report.registration", "registration")),
        (p, "24b", "Other", "protocol access", _r("declarations"), *protocol),
        (p, "24c", "Other", "amendments to registration or protocol", _r("declarations"),
         *amendments),
        (p, "25", "Other", "support and funders' role", _r("declarations"),
         *_user(rep.get("funding"), "report.funding", "funding")),
        (p, "26", "Other", "competing interests", _r("declarations"),
         *_user(rep.get("competing_interests"), "report.competing_interests",
                "competing interests")),
        (p, "27", "Other", "availability of data, code and materials",
         _r("provenance"), PRESENT,
         "the repository holds the snapshot, curated sheets, code and config; commit and config "
         "hash in the provenance header"),
    ]  # fmt: skip
    a = "PRISMA 2020 for Abstracts"
    abstract = [
        (a, "1", "Title", "identifies a systematic review", ("report.html",), PARTIAL,
         "the title names an evidence review, not a “systematic review”"),
        (a, "2", "Background", "objectives", _r("abstract"), PRESENT,
         "questions and comparisons"),
        (a, "3", "Methods", "eligibility criteria", _r("abstract"), PRESENT, "PICO and design"),
        (a, "4", "Methods", "information sources with dates", _r("abstract"), PRESENT,
         "PubMed snapshot date and other methods"),
        (a, "5", "Methods", "risk of bias", _r("abstract"), *rob),
        (a, "6", "Methods", "synthesis methods", _r("abstract"), PRESENT,
         "random-effects model, test, level, GRADE"),
        (a, "7", "Results", "included studies and participants", _r("abstract"), PRESENT,
         "studies, reports, participants randomised, studies in a pooled cell"),
        (a, "8", "Results", "main outcomes with effect and CI", _r("abstract"), PRESENT,
         "every cell with a study: effect, CI, k, n, certainty"),
        (a, "9", "Discussion", "limitations of evidence", _r("abstract"), PRESENT,
         "few studies, abstract-level data, rebuilt snapshot"),
        (a, "10", "Discussion", "interpretation", _r("abstract"), PARTIAL,
         "GRADE statements per cell; no further conclusion is generated"),
        (a, "11", "Other", "funding", _r("abstract"),
         *_user(rep.get("funding"), "report.funding", "funding")),
        (a, "12", "Other", "registration", _r("abstract"),
         *_user(rep.get("registration"), "report.registration", "registration")),
    ]  # fmt: skip
    return [Item(*row) for row in [*main, *abstract]]


def missing_anchors(entries: Sequence[Item], report_html: str) -> list[str]:
    """Report anchors named by the checklist that report.html lacks."""
    ids = set(re.findall(r'\sid="([^"]+)"', report_html))
    out = []
    for item in entries:
        for where in item.where:
            if where.startswith(REPORT + "#") and where.split("#", 1)[1] not in ids:
                out.append(f"{item.checklist} {item.number}: {where}")
    return out


def to_markdown(entries: Sequence[Item]) -> str:
    lines = [
        "# PRISMA 2020 checklist: where this review answers each item",
        "",
        "Generated by `spinereview write-report` from the config and this run's results. Labels "
        "are short paraphrases of the items; see the PRISMA 2020 statement for their wording.",
        "Status: present, partial, not applicable or missing, always with the reason.",
        "",
    ]
    for name in ("PRISMA 2020", "PRISMA 2020 for Abstracts"):
        rows = [i for i in entries if i.checklist == name]
        counts = ", ".join(f"{sum(i.status == s for i in rows)} {s}" for s in STATUSES)
        lines += [f"## {name} ({counts})", "", "| item | section | topic | where | status | reason |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for i in rows:
            where = ", ".join(f"[{w}]({w})" for w in i.where)
            lines.append(
                f"| {i.number} | {i.section} | {i.label} | {where} | {i.status} | "
                f"{i.reason.replace('|', '/')} |"
            )
        lines.append("")
    return "\n".join(lines)


def to_html(entries: Sequence[Item]) -> str:
    parts = []
    for name in ("PRISMA 2020", "PRISMA 2020 for Abstracts"):
        rows = [i for i in entries if i.checklist == name]
        body = "".join(
            f"<tr><td>{esc(i.number)}</td><td>{esc(i.section)}</td><td>{esc(i.label)}</td><td>"
            + "<br>".join(f'<a href="{esc(w)}">{esc(w)}</a>' for w in i.where)
            + f'</td><td class="st-{esc(i.status.replace(" ", "-"))}">{esc(i.status)}</td>'
            f"<td>{esc(i.reason)}</td></tr>"
            for i in rows
        )
        anchor = "abstracts" if "Abstracts" in name else "main"
        parts.append(
            f'<section id="{anchor}"><h2>{esc(name)}</h2><div class="scroll"><table><thead><tr>'
            "<th>item</th><th>section</th><th>topic</th><th>where</th><th>status</th>"
            f"<th>reason</th></tr></thead><tbody>{body}</tbody></table></div></section>"
        )
    css = CSS + "td.st-missing{background:#fde8e8}td.st-partial{background:#fff4e0}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>PRISMA 2020 checklist</title><style>{css}</style></head><body>"
        "<h1>PRISMA 2020 checklist: where this review answers each item</h1>"
        '<p>Generated with <a href="report.html">the report</a> from the config and this run\'s '
        "results. Labels paraphrase the items; status is present, partial, not applicable or "
        "missing, always with the reason.</p>" + "".join(parts) + "</body></html>\n"
    )
