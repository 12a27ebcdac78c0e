"""The report's PRISMA 2020 sections: abstract, rationale, objectives, eligibility, sources, selection,
data collection, studies that reach no pooled cell, excluded records, limitations and declarations.

Every number comes from a file a rule wrote or from the config; statements only the review team can
make (registration, protocol, funding, competing interests, who extracted) come from the config's
``report`` block and read "not stated" when it is empty — they are never invented.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinereview.report.coverage import Coverage
from spinereview.report.html import esc, num, table

NOT_STATED = "not stated"
SOURCE_NOT_RECORDED = "source not recorded"


@dataclass(frozen=True)
class Facts:
    """What the sections read, loaded once."""

    config: Mapping[str, Any]
    manifest: Mapping[str, Any]
    prisma: Mapping[str, Any]
    decisions: Sequence[Mapping[str, str]]
    included: Sequence[Mapping[str, str]]
    effects: Sequence[Mapping[str, Any]]
    findings: Sequence[Mapping[str, str]]
    reviews: Sequence[Mapping[str, str]]
    coverage: Coverage
    window_labels: Mapping[str, str]
    rob_note: str  # what the risk-of-bias figure stage says ('' when it drew one)
    drafts: int | None = None  # rows of results/extraction/draft_rows.csv (None: not read)


def stated(value: Any) -> str:
    """A user-filled statement, or a visible "not stated"."""
    text = "" if value is None else str(value).strip()
    return esc(text) if text else f'<span class="gap">{NOT_STATED}</span>'


def report_settings(config: Mapping[str, Any]) -> Mapping[str, Any]:
    return config.get("report") or {}


def _words(class_id: str) -> str:
    return class_id.replace("_", " ")


def _list(ids: Sequence[str]) -> str:
    return ", ".join(_words(i) for i in ids)


def participants(included: Sequence[Mapping[str, str]]) -> tuple[int, int]:
    """(sum of n randomised, studies that report it) over the included studies."""
    numbers = [int(float(r["n_randomised"])) for r in included if r.get("n_randomised")]
    return sum(numbers), len(numbers)


def _cells(facts: Facts) -> list[Mapping[str, str]]:
    """Own cells with at least one study, in config order of analyses and windows."""
    return [r for r in facts.findings if r.get("k") not in (None, "", "0")]


def _cell_line(r: Mapping[str, str], labels: Mapping[str, str]) -> str:
    effect = f"{num(r['estimate'], 1)} ({num(r['ci_low'], 1)} to {num(r['ci_high'], 1)})"
    certainty = r.get("certainty", "").replace("_", " ") or "not assessed"
    n = f", n = {r['n']}" if r.get("n") else ""
    return (
        f"{esc(r['title_en'])}, {esc(labels.get(r['window'], r['window']))}: {esc(effect)} "
        f"(k = {esc(r['k'])}{esc(n)}; certainty {esc(certainty)})"
    )


def abstract_section(facts: Facts) -> str:
    """A structured abstract (PRISMA 2020 for Abstracts), generated from the results."""
    cfg, prisma = facts.config, facts.prisma
    rep = report_settings(cfg)
    sc = cfg["screening"]
    n_total, n_with = participants(facts.included)
    cov = facts.coverage
    cells = _cells(facts)
    lines = "".join(f"<li>{_cell_line(r, facts.window_labels)}</li>" for r in cells)
    meta = cfg["meta"]
    other = prisma["identification"]["other_methods"]
    db = prisma["identification"]["databases"]
    db_total = sum(sum(q.values()) for q in db.values())
    not_recorded = sum(n for k, n in other.items() if k in ("not recorded", "not_recorded", ""))
    parts = [
        (
            "Background and objectives",
            "To check the evidence behind a German patient article on spinal injections for chronic "
            "back pain: how much facet-joint, epidural (including periradicular/transforaminal) and "
            "sacroiliac corticosteroid injections change pain, disability and the proportion of "
            f"responders, against placebo, sham or local anaesthetic, over time "
            f"({len(meta['analyses'])} configured comparisons).",
        ),
        (
            "Eligibility",
            f"Randomised trials ({esc(', '.join(sc['publication_type']['include']))}) of "
            f"{esc(_list(sc['intervention']['eligible']))} injections with "
            f"{esc(_list(sc['drug']['eligible']))} drug, against "
            f"{esc(_list(sc['comparator']['eligible']))}, in "
            f"{esc(_list(sc['population']['eligible']))}; duration "
            f"{esc(_list(sc['duration']['eligible']))}.",
        ),
        (
            "Information sources",
            f"PubMed, {len(facts.manifest['queries'])} queries, snapshot dated "
            f"{esc(facts.manifest.get('retrieval_date', NOT_STATED))} "
            f"({esc(facts.manifest.get('provenance', ''))}; {db_total} records); "
            f"{sum(other.values())} records identified by other methods"
            + (f" ({not_recorded} without a recorded source)" if not_recorded else "")
            + ".",
        ),
        (
            "Risk of bias",
            "Risk of bias enters through GRADE's risk-of-bias domain; "
            + (
                esc(f"no RoB 2 assessment of the studies yet ({facts.rob_note}).")
                if facts.rob_note
                else "RoB 2 judgements per study (risk-of-bias figure)."
            ),
        ),
        (
            "Synthesis",
            f"Random-effects meta-analysis per comparison and follow-up window (τ² estimator "
            f"{esc(meta['method'])}, test {esc(meta['test'])}, "
            f"{float(meta['level']) * 100:g}% intervals); GRADE certainty per cell.",
        ),
        (
            "Included studies",
            f"{prisma['included']['studies']} studies in {prisma['included']['reports']} reports; "
            f"{n_total} participants randomised in the {n_with} studies that report it. "
            f"{len(cov.contributing)} of {len(cov.included)} included studies contribute to a "
            "pooled cell.",
        ),
        (
            "Synthesis of results",
            "Negative values favour the injection (0–100 scales; responders as risk difference in "
            f"percentage points). Cells with at least one study:<ul>{lines}</ul>"
            if cells
            else "No cell has a study with usable data.",
        ),
        (
            "Limitations of evidence",
            "Few studies per cell and mostly abstract-level numbers; the search snapshot was "
            "rebuilt from verified bibliographic facts, not by running the queries (see "
            '<a href="#limitations">Limitations</a>).',
        ),
        (
            "Interpretation",
            "The statements per cell are GRADE's plain-language statements, generated from the "
            'certainty (see <a href="#summary">Summary of findings</a>); this report draws no '
            "further conclusion.",
        ),
        ("Funding", stated(rep.get("funding"))),
        ("Registration", stated(rep.get("registration"))),
    ]
    return "".join(f"<p><strong>{esc(head)}.</strong> {body}</p>" for head, body in parts)


def rationale_section(facts: Facts) -> str:
    reviews = sorted({r["review_id"] for r in facts.reviews if r.get("review_id")})
    return (
        "<p>Spinal injections (facet-joint injections, periradicular/transforaminal nerve-root "
        "injections, epidural steroid injections) are widely offered for chronic back pain. A German "
        "patient article argues that they bring at most short-lived relief. The article rests on "
        f"published reviews and guidelines ({esc('; '.join(reviews)) or 'none listed'}); these "
        "differ in scope, time windows and comparators, and none matches the article's question "
        "exactly. This review re-runs the path from search to pooled numbers in the open, so that "
        "every number behind the article can be checked and regenerated, and sets its own pooled "
        'cells beside the published reviews\' results (<a href="#reviews">What published reviews '
        "found</a>).</p>"
    )


def objectives_section(facts: Facts) -> str:
    cfg = facts.config
    rows = [
        {
            "analysis": a["title"]["en"],
            "interventions": _list(a["interventions"]),
            "comparators": _list(a["comparators"]),
            "outcomes": f"{_list(a['outcomes'])} ({_words(a['scale'])})",
            "windows": ", ".join(facts.window_labels.get(w, w) for w in a["windows"]),
        }
        for a in cfg["meta"]["analyses"]
    ]
    return (
        "<p>For each comparison configured in <code>meta.analyses</code>, to estimate the effect "
        "of the injection against its control on the outcome named, in each follow-up window, "
        "and to rate the certainty of each estimate with GRADE:</p>"
        + table(
            rows,
            [
                ("comparison", "analysis"),
                ("interventions (P, I)", "interventions"),
                ("comparators (C)", "comparators"),
                ("outcomes (O)", "outcomes"),
                ("follow-up windows", "windows"),
            ],
        )
    )


def eligibility_section(facts: Facts) -> str:
    """PICO and design in words, from ``screening`` in the config."""
    sc = facts.config["screening"]
    outcomes = sorted({o for a in facts.config["meta"]["analyses"] for o in a["outcomes"]})
    windows = facts.window_labels
    rows = [
        ("Population", f"adults with {_list(sc['population']['eligible'])}; symptom duration "
         f"{_list(sc['duration']['eligible'])} (chronic: at least "
         f"{sc['duration']['numeric']['chronic_weeks']} weeks); region {_list(sc['region']['eligible'])}"),
        ("Intervention", f"{_list(sc['intervention']['eligible'])} injection with "
         f"{_list(sc['drug']['eligible'])} drug (any arm with a corticosteroid keeps the trial)"),
        ("Comparator", f"{_list(sc['comparator']['eligible'])}"),
        ("Outcomes", f"{_list(outcomes)}; windows: "
         + ", ".join(windows.values())),
        ("Study design", "randomised trials: publication types "
         + ", ".join(sc["publication_type"]["include"])
         + "; excluded types: " + ", ".join(sc["publication_type"]["exclude"])),
        ("Order of checks", "criteria checked in the order " + ", ".join(sc["criteria"])
         + "; the first criterion with positive evidence against a record is its reason for "
         "exclusion, and a record the text does not settle waits for a human"),
    ]  # fmt: skip
    return (
        "<p>Generated from <code>screening</code> in <code>config/config.yaml</code> "
        "(class names as the protocol spells them).</p>"
        + table(
            [{"element": k, "criterion": v} for k, v in rows],
            [("element", "element"), ("criterion", "criterion")],
        )
    )


def other_source_cell(r: Mapping[str, str]) -> str:
    """How a record identified by other methods was found (columns ``method`` and ``found_in`` of
    data/screening/other_sources.csv); anything not recorded is shown as a gap, never guessed."""
    method = (r.get("method") or "").strip()
    if not method or method in ("not recorded", "not_recorded"):
        return f'<span class="gap">{SOURCE_NOT_RECORDED}</span>'
    detail = (r.get("found_in") or "").strip()
    if not detail:  # a method without the review, registry or journal it names is a gap too
        return esc(_words(method)) + ': <span class="gap">which one not recorded</span>'
    return esc(_words(method)) + f": {esc(detail)}"


def sources_section(facts: Facts, other_sources: Sequence[Mapping[str, str]]) -> str:
    """Information sources with dates: the PubMed snapshot and the other methods, each named."""
    m = facts.manifest
    queries = "".join(
        f"<li>{esc(q['id'])}: {esc(q['esearch_count'])} records, retrieved "
        f"{esc(q.get('retrieval_date', m.get('retrieval_date', NOT_STATED)))}</li>"
        for q in m["queries"]
    )
    rows = [
        {
            "study": r["study_id"],
            "doi": r.get("doi", ""),
            "method": r.get("method", ""),
            "found_in": r.get("found_in", ""),
        }
        for r in other_sources
    ]

    gaps = sum(1 for r in rows if "gap" in other_source_cell(r))
    warn = (
        f'<p class="warn">{gaps} of {len(rows)} records identified by other methods have no '
        "recorded source (<code>data/screening/other_sources.csv</code>, columns "
        "<code>method</code> and <code>found_in</code>): which review's reference list, registry "
        "or hand search found them is not known to this repository, so it is shown as a gap, not "
        "guessed.</p>"
        if gaps
        else ""
    )
    return (
        f"<p><strong>PubMed</strong> (database), searched through the frozen snapshot "
        f"<code>{esc(facts.config['search']['snapshot_dir'])}</code>, dated "
        f"{esc(m.get('retrieval_date', NOT_STATED))}; provenance: "
        f"<strong>{esc(m.get('provenance', NOT_STATED))}</strong>. The query terms are in "
        f'<a href="#search">Search</a>.</p><ul>{queries}</ul>'
        "<p>No other database, trial registry or grey-literature source was searched "
        "electronically. <strong>Other methods</strong>: verified publications without a verified "
        "PMID, from the team's evidence collection (<code>data/evidence/studies.csv</code>):</p>"
        + warn
        + table(
            rows,
            [("study", "study"), ("DOI", "doi"), ("how it was identified", other_source_cell)],
        )
    )


def selection_intro(facts: Facts, overrides: int) -> str:
    dedup = ", ".join(facts.config["screening"]["deduplicate"])
    return (
        "<p>Records were de-duplicated (keys, in order: "
        f"{esc(dedup)}), then screened by coded rules from the protocol: curated study "
        "characteristics (<code>data/evidence/studies.csv</code>, read from each paper by the "
        "team) where a record is a known study, otherwise MeSH terms, title, abstract and keywords "
        "(README, “Screening”). No record was screened by two independent people; "
        f"{overrides} decision(s) were set by a human in "
        "<code>data/screening/overrides.csv</code>. Agreement with a human screener is measured "
        "below once the review sheet is filled in.</p>"
    )


def data_collection_section(facts: Facts) -> str:
    """Who extracted (config), single or dual, and what the pipeline checks."""
    ext = report_settings(facts.config).get("extraction") or {}
    people = ", ".join(ext.get("extractors") or [])
    mode = ext.get("mode")
    mode_text = {
        "single": "single extraction (one person)",
        "dual": "dual extraction (two people independently, disagreements resolved)",
    }.get(mode or "", "")
    rows = len(facts.effects)
    uncertain = sum(1 for e in facts.effects if e.get("uncertain"))
    return (
        f"<p><strong>Extracted by:</strong> {stated(people)}. "
        f"<strong>Single or dual:</strong> {stated(mode_text)}. "
        f"<strong>Checks of the extracted numbers:</strong> "
        f"{stated(ext.get('verification'))}. (Config <code>report.extraction</code>.)</p>"
        f"<p>The curated sheet <code>{esc(facts.config['extraction']['sheet'])}</code> holds "
        f"{rows} effect rows, each with the page it was read on and where; {uncertain} carry an "
        "UNCERTAIN note. The pipeline validates every row (schema, estimate inside its CI, "
        "known classes) and cross-checks it against effect statements found automatically in the "
        "abstracts (<code>results/extraction/crosscheck.csv</code>); the automatic extraction "
        f"never supplies a pooled number.{_drafts_sentence(facts)}</p>"
    )


def _drafts_sentence(facts: Facts) -> str:
    """What results/extraction/draft_rows.csv holds (never pooled; a curator copies accepted rows
    into the sheet)."""
    drafts = facts.drafts
    if drafts is None:
        return ""
    where = "<code>results/extraction/draft_rows.csv</code>"
    if drafts == 0:
        live = facts.manifest.get("provenance") == "NCBI E-utilities"
        why = "" if live else " (the embedded snapshot has no abstracts)"
        return (
            f" No draft sheet rows ({where}): no abstract of this run holds an effect "
            f"statement{why}."
        )
    return (
        f" {drafts} draft sheet row{'s' if drafts != 1 else ''} from the abstracts await a curator "
        f"({where}); a draft is never pooled until a curator copies it into the sheet."
    )


def coverage_section(facts: Facts) -> str:
    """'x of N included studies contribute to a pooled cell', the others and why; poolable rows
    that reach no analysis."""
    cov = facts.coverage
    contributing = ", ".join(cov.contributing)
    head = (
        f"<p><strong>{len(cov.contributing)} of {len(cov.included)} included studies contribute "
        f"to a pooled cell</strong> ({esc(contributing)}). The other "
        f"{len(cov.not_contributing)}, and why (computed from the curated sheet and the "
        "analyses' inputs):</p>"
    )
    studies = table(
        cov.not_contributing,
        [
            ("study", "study"),
            ("classes (screening)", "classes"),
            ("sheet rows", "rows"),
            ("why no pooled cell", "reason"),
        ],
        numeric=["sheet rows"],
    )
    rows_head = (
        f'<h3 id="rows-not-pooled">Poolable rows not in any analysis ({len(cov.rows_not_pooled)})'
        "</h3><p>Every sheet row that is eligible, poolable and represents its window, but is "
        "pooled in no configured analysis, with the reason. A row that no analysis takes needs a "
        "new entry in <code>meta.analyses</code> to count.</p>"
    )
    rows = table(
        cov.rows_not_pooled,
        [
            ("sheet row", "row"),
            ("study", "study"),
            ("classes", "classes"),
            ("outcome (scale)", "outcome"),
            ("window", "window"),
            ("why not pooled", "reason"),
        ],
    )
    return head + studies + rows_head + rows


def excluded_section(facts: Facts) -> str:
    """Every excluded record with its reason (PRISMA 2020 item 16b)."""
    rows = [d for d in facts.decisions if d["decision"] == "excluded"]

    def record(d: Mapping[str, str]) -> str:
        pmid = d.get("pmid", "")
        label = f"PMID {pmid}" if pmid else d["record_id"]
        return esc(label) + (
            f' <span class="note">{esc(d["study_id"])}</span>' if d.get("study_id") else ""
        )

    return (
        f"<p>{len(rows)} records were excluded, each for the first criterion with evidence against "
        "it (<code>results/screening/decisions.csv</code>; the phrase and its position in the "
        "record are in the columns <code>evidence_phrase</code> and <code>evidence_span</code>).</p>"
        + table(
            rows,
            [
                ("record", record),
                ("year", "year"),
                ("title", "title"),
                ("stage", "stage"),
                ("reason", "reason"),
                ("detail", "reason_detail"),
            ],
        )
    )


def rob_section(facts: Facts) -> str:
    if facts.rob_note:
        return (
            f'<p class="warn">No study-level risk-of-bias assessment yet: {esc(facts.rob_note)}. '
            "GRADE's risk-of-bias domain treats such cells as not assessed "
            f"(<code>grade.risk_of_bias.not_assessed_levels</code> = "
            f"{esc(facts.config['grade']['risk_of_bias']['not_assessed_levels'])}), as the "
            'downgrade reasons in the <a href="#summary">Summary of findings</a> show.</p>'
        )
    return (
        "<p>RoB 2 judgements per study and domain are drawn in the risk-of-bias figure "
        "(<code>reports/figures/rob/</code>) and enter GRADE's risk-of-bias domain.</p>"
    )


def limitations_section(facts: Facts, other_gaps: int, agreement: Mapping[str, Any]) -> str:
    """Limitations of the evidence and of the review process, from the facts of this run."""
    m = facts.manifest
    ext = report_settings(facts.config).get("extraction") or {}
    uncertain = sum(1 for e in facts.effects if e.get("uncertain"))
    mode = ext.get("mode")
    extraction = {
        "single": "Data were extracted by one person (single extraction, config "
        "report.extraction.mode), so extraction errors are not caught by a second extractor.",
        "dual": "Data were extracted by two people independently (config report.extraction.mode).",
    }.get(
        mode or "",
        "Whether data were extracted by one person or by two independently is not stated (config "
        "report.extraction.mode); the sheet carries no second extraction or agreement measure.",
    )
    screening = (
        f"{agreement.get('reviewed', 0)} records were checked by a human screener (see Selection "
        "process)."
        if agreement.get("status") == "reviewed"
        else "No human screener's decisions have been compared with the rules yet."
    )
    items = [
        (
            "Rebuilt search snapshot",
            f"The PubMed snapshot ({m.get('retrieval_date', NOT_STATED)}) was "
            f"{m.get('provenance', NOT_STATED)}: {m.get('provenance_detail', '')} It reproduces "
            "the records of the team's evidence collection, not the result of running the "
            "queries; a live search (make search) is needed to find trials outside it.",
        ),
        (
            "Abstract-level data",
            "Most numbers were read from abstracts and secondary summaries, not from full-text "
            f"tables; {uncertain} of {len(facts.effects)} sheet rows carry an UNCERTAIN note "
            "(derived values, inferred time points, unclear scales).",
        ),
        ("Extraction", extraction),
        ("Screening", "Records were screened by coded rules, not by two independent people. "
         + screening),
        (
            "Few studies per cell",
            f"{len(facts.coverage.contributing)} of {len(facts.coverage.included)} included "
            "studies contribute to any pooled cell; most cells rest on one or two studies, so "
            "heterogeneity and small-study effects cannot be assessed there.",
        ),
        (
            "Risk of bias",
            "No study-level RoB 2 assessment yet." if facts.rob_note else "RoB 2 assessed.",
        ),
    ]  # fmt: skip
    if other_gaps:
        items.append(
            (
                "Other methods",
                f"For {other_gaps} records identified by other methods the source (review "
                "reference list, registry, hand search) is not recorded.",
            )
        )
    return (
        "<ul>"
        + "".join(f"<li><strong>{esc(h)}.</strong> {esc(t)}</li>" for h, t in items)
        + "</ul>"
    )


def declarations_section(facts: Facts) -> str:
    """Registration and protocol, funding, competing interests: only as the config states them."""
    rep = report_settings(facts.config)
    rows = [
        ("Registration (24a)", "report.registration", rep.get("registration")),
        ("Protocol and amendments (24b, 24c)", "report.protocol", rep.get("protocol")),
        ("Funding and the funders' role (25)", "report.funding", rep.get("funding")),
        ("Competing interests (26)", "report.competing_interests", rep.get("competing_interests")),
    ]
    body = "".join(
        f'<dt>{esc(label)}</dt><dd>{stated(value)} <span class="note">(config '
        f"<code>{esc(key)}</code>)</span></dd>"
        for label, key, value in rows
    )
    return (
        f'<dl>{body}</dl><p class="note">These statements come only from the config; an empty '
        "field is shown as “not stated”. The machine-readable protocol is "
        "<code>config/config.yaml</code> (its sha256 is in the provenance header).</p>"
    )


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
