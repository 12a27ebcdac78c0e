"""The HTML report: self-contained, escaped, linked; rendered in headless Chromium."""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import re
from pathlib import Path

import pytest
from browser import dump_dom, pdf_text, print_pdf
from workflow_copy import copy_workflow, run_snakemake

from spinereview.config import load_config
from spinereview.meta.bounds import parse_bound
from spinereview.pooling.run import run_pooling
from spinereview.report.build import build_report
from spinereview.report.content import ReportInputs, analyses_section, summary_section
from spinereview.report.verdict import verdict

ROOT = Path(__file__).resolve().parents[1]
XSS = "<script>document.body.setAttribute('data-xss','ran')</script> & <b>bold</b>"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tmp copy of the workflow, run to the report; one record title carries markup."""
    work = copy_workflow(tmp_path_factory.mktemp("report"))
    proc = run_snakemake(work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    decisions = work / "results/screening/decisions.csv"
    with open(decisions, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    first_included = next(r for r in rows if r["decision"] == "included")
    first_included["title"] = XSS
    with open(decisions, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return work


def inputs(work: Path) -> ReportInputs:
    return ReportInputs(
        config=load_config(work / "config/config.yaml"),
        manifest=work / "data/pubmed/snapshot/manifest.json",
        verified=work / "results/pubmed/snapshot_verified.json",
        prisma=work / "results/screening/prisma.json", included=work / "results/screening/included.csv",
        decisions=work / "results/screening/decisions.csv",
        effects=work / "results/extraction/effects.parquet", meta_dir=work / "results/meta",
        reviews=work / "results/reviews/estimates.csv", figures_dir=work / "reports/figures",
        citations_dir=work / "reports/citations",
        findings=work / "results/evidence/summary_of_findings.csv",
        agreement=work / "results/screening/agreement.json",
        other_sources=work / "data/screening/other_sources.csv",
        overrides=work / "data/screening/overrides.csv",
    )  # fmt: skip


def test_report_is_self_contained_escaped_and_linked(results: Path) -> None:
    html_text = build_report(inputs(results))
    assert "<script" not in html_text.lower().replace("&lt;script", "")
    assert "&lt;script&gt;document.body.setAttribute" in html_text
    assert not re.search(r'(src|href)="(?!#|data:|https://pubmed|https?://[^"]+")', html_text)
    assert not re.search(r'<(img|link|script)[^>]+(src|href)="https?://', html_text)
    # every pooled number links to its analysis; every pooled study row to its sheet row
    for anchor in re.findall(r'href="#(analysis-[^"]+|sheet-E\d+)"', html_text):
        assert f'id="{anchor}"' in html_text, anchor
    assert (
        'href="#sheet-E010"' in html_text
        and "https://pubmed.ncbi.nlm.nih.gov/24988555/" in html_text
    )
    assert build_report(inputs(results)) == html_text  # deterministic


def test_report_renders_in_headless_chromium(results: Path, tmp_path: Path) -> None:
    html_text = build_report(inputs(results))
    probe = (
        "<script>window.addEventListener('load',()=>{const i=[...document.images];"
        "document.body.setAttribute('data-images',i.length);"
        "document.body.setAttribute('data-images-ok',i.every(x=>x.complete&&x.naturalWidth>0));"
        "document.body.setAttribute('data-tables',document.querySelectorAll('table').length);"
        "const wide=[...document.querySelectorAll('table')].filter(t=>t.getBoundingClientRect()"
        ".right>document.documentElement.clientWidth+1).map(t=>t.closest('section').id);"
        "document.body.setAttribute('data-overflow',wide.join(' ')||'none');});"
        "</script>"
    )  # added by the test only: the report itself has no script
    page = tmp_path / "report.html"
    page.write_text(html_text.replace("</body>", probe + "</body>"), encoding="utf-8")
    dom = dump_dom(page, tmp_path / "profile")
    assert 'data-images-ok="true"' in dom
    expected_images = html_text.count("<img ")
    assert f'data-images="{expected_images}"' in dom
    assert 'data-xss="ran"' not in dom  # the title's script was shown as text, not run
    assert "&lt;script&gt;document.body.setAttribute" in dom
    tables = int(re.search(r'data-tables="(\d+)"', dom).group(1))
    assert tables >= 10
    # at 1,400 px no table runs beyond the window (the right-hand columns stay visible)
    assert 'data-overflow="none"' in dom, re.search(r'data-overflow="([^"]*)"', dom).group(1)


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"k": "0"}, "No study"),
        ({"k": "3", "estimate": "-2", "ci_low": "-6", "ci_high": "2"}, "No important benefit"),
        ({"k": "3", "estimate": "-8", "ci_low": "-20", "ci_high": "4"}, "Uncertain"),
        (
            {"k": "2", "estimate": "-25", "ci_low": "-30", "ci_high": "-15"},
            "more than the threshold",
        ),
        ({"k": "2", "estimate": "-6", "ci_low": "-12", "ci_high": "-1"}, "may be smaller than"),
        ({"k": "2", "estimate": "5", "ci_low": "1", "ci_high": "9"}, "Favours the control"),
        ({"k": "1", "estimate": "-1.3", "ci_low": "-13.3", "ci_high": "10.7"}, "One study only"),
    ],
)
def test_plain_language_verdicts(row: dict, words: str) -> None:
    assert words in verdict(row, 10.0)


def test_report_marks_every_bound_at_the_search_limit(results: Path) -> None:
    """No Q-profile bound that pooled.csv marks as beyond the search limit shows as a plain number."""
    html_text = build_report(inputs(results))
    with open(results / "results/meta/pooled.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["run"] == "main"]
    for row in rows:
        for column in ("tau2_ci_high", "i2_ci_high"):
            bound = parse_bound(row[column])
            if bound is not None and not bound.exact:  # rounded by the policy: ">4200", ">98"
                assert f"to {row[column].replace('>', '&gt;')})" in html_text, (row, column)
                assert f"to {bound.value:g})" not in html_text, (row, column)


def test_report_shows_a_bound_beyond_the_limit_as_greater_than(tmp_path: Path) -> None:
    """The pinned k = 3 responder cell: default limit → '>4167.3'; meta.tau2_max raised → 19454.9."""
    ref = json.loads((ROOT / "tests/data/metafor/qprofile_limit.json").read_text())
    k3 = ref["designs"]["responders_k3"]
    effects = [
        {
            "row_id": f"E00{i}", "sheet_row": i, "study_id": f"T{i}", "comparison_id": f"T{i}",
            "publication_id": f"T{i}", "pmid": "", "outcome": "responder", "instrument": "",
            "scale": "responder_rd_pp", "window": "short", "timepoint_weeks": 6.0,
            "yi": float(y), "vi": float(v), "se": float(v) ** 0.5, "ci_low": None,
            "ci_high": None, "n_treat": 50.0, "n_ctrl": 50.0, "included": True, "poolable": True,
            "selected": True, "uncertain": False, "intervention": "epidural_caudal",
            "comparator": "placebo_sham", "source_url": "u", "locator": "l",
        }
        for i, (y, v) in enumerate(zip(k3["yi"], k3["vi"], strict=True), start=1)
    ]  # fmt: skip
    config = load_config(ROOT / "config/config.yaml")
    analysis = {
        "id": "k3", "title": {"en": "k3", "de": "k3"}, "interventions": ["epidural_caudal"],
        "comparators": ["placebo_sham"], "outcomes": ["responder"], "scale": "responder_rd_pp",
        "windows": ["short"],
    }  # fmt: skip
    for limit, expected in ((None, "95% CI 46 to &gt;4200"), (1_000_000, "46 to 19000")):
        meta = {**config["meta"], "tau2_max": limit, "analyses": [analysis]}
        out = tmp_path / str(limit)
        run_pooling(effects, meta, out)
        unused = tmp_path / "unused"  # the analyses section reads only config and meta_dir
        inp = ReportInputs(
            {**config, "meta": meta}, unused, unused, unused, unused, unused, unused, out,
            unused, tmp_path / "figures", unused,
        )  # fmt: skip
        section = analyses_section(inp)
        assert expected in section
        assert "I² = 81% (95% CI 32 to " + ("&gt;98" if limit is None else "99") in section


def test_numbers_never_show_a_negative_zero() -> None:
    from spinereview.report.html import num

    assert (num(-0.04, 1), num(-0.0, 1), num("-1.25", 1), num("", 1)) == ("0.0", "0.0", "-1.2", "")


def test_summary_of_findings_shows_ratios_and_smds_as_reported(tmp_path: Path) -> None:
    from spinereview.evidence.reviews import ESTIMATE_COLUMNS, Protocol, harmonise
    from spinereview.report.findings import summary_of_findings

    config = load_config(ROOT / "config/config.yaml")
    rows = harmonise(ROOT / config["reviews"]["evidence"], ROOT / config["reviews"]["mapping"],
                     Protocol.from_config(config))  # fmt: skip
    reviews = tmp_path / "estimates.csv"
    with open(reviews, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ESTIMATE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: {True: "true", False: "false", None: ""}.get(v, v)
                             if isinstance(v, bool) or v is None else v for k, v in r.items()})  # fmt: skip
    findings = tmp_path / "sof.csv"
    findings.write_text(
        "analysis,title_en,window,scale,k,n,estimate,ci_low,ci_high,certainty,statement_en\n"
        "pain_epidural_placebo,Epidural vs placebo: pain,short,pain_0_100,0,,,,,,"
        "No study with usable data.\n",
        encoding="utf-8",
    )
    html_text = summary_of_findings(config, findings, reviews, {})
    assert "RR 0.62 (0.41 to 0.92)" in html_text  # Chou 2015, surgery: not on the log scale
    assert "SMD -0.33 (-0.56 to -0.09)" in html_text
    assert (
        "-6.2 (-9.4 to -3.0)" in html_text and "moderate (AHRQ strength of evidence)" in html_text
    )
    assert "This review: no study with usable data (Epidural vs placebo: pain)" in html_text


def test_notes_carry_their_run_and_are_not_repeated() -> None:
    from spinereview.report.content import run_notes

    runs = {
        "main": {"pooled": {"k": 2, "notes": "k = 2 note; no study with poolable data"}},
        "excluding_uncertain": {
            "pooled": {
                "k": 1,
                "notes": "uncertain rows left out: E1; k=1: no pooling possible; "
                "no study with poolable data",
            }
        },
    }
    notes = run_notes(runs)
    assert notes[0] == "Main analysis (k = 2): k = 2 note; no study with poolable data"
    assert notes[1] == (
        "Without rows flagged uncertain (k = 1): uncertain rows left out: E1; "
        "k=1: no pooling possible"
    )
    assert sum(n.count("no study with poolable data") for n in notes) == 1


def test_summary_shows_a_dash_for_statistics_a_small_cell_does_not_have(tmp_path: Path) -> None:
    config = load_config(ROOT / "config/config.yaml")
    aid = config["meta"]["analyses"][0]["id"]
    rows = [
        {"analysis": aid, "run": "main", "window": "short", "scale": "pain_0_100", "k": "1",
         "n": "116", "estimate": "-1.3", "ci_low": "-13.3", "ci_high": "10.7", "pi_low": "",
         "pi_high": "", "i2": "", "clipped": ""},
        {"analysis": aid, "run": "main", "window": "long", "scale": "responder_rd_pp", "k": "2",
         "n": "178", "estimate": "-14.9", "ci_low": "-100.0", "ci_high": "74.6", "pi_low": "",
         "pi_high": "", "i2": "1", "clipped": "ci_low"},
    ]  # fmt: skip
    meta = tmp_path / "meta"
    meta.mkdir()
    with open(meta / "pooled.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    unused = tmp_path / "unused"
    inp = ReportInputs(config, unused, unused, unused, unused, unused, unused, meta, unused,
                       unused, unused)  # fmt: skip
    html_text = summary_section(inp)
    cells = re.findall(r"<tr>(.*?)</tr>", html_text, flags=re.S)
    single = next(c for c in cells if "-1.3 (-13.3 to 10.7)" in c)
    assert single.count("<td>—</td>") + single.count(">—</td>") >= 2  # PI and I²
    assert "<td>0</td>" not in single
    assert "-14.9 (-100.0 to 74.6) *" in html_text
    assert "negative = less pain with the injection" in html_text
    assert "negative = more responders with the injection" in html_text


def test_summary_of_findings_flags_a_conclusion_that_depends_on_the_method(tmp_path: Path) -> None:
    from spinereview.report.findings import summary_of_findings

    config = load_config(ROOT / "config/config.yaml")
    reviews = tmp_path / "estimates.csv"
    reviews.write_text("kind,estimate\n", encoding="utf-8")
    row = {
        "analysis": "disability_epidural", "title_en": "Epidural: disability", "window": "short",
        "scale": "disability_0_100", "k": "2", "n": "558", "estimate": "-3.3", "ci_low": "-13.9",
        "ci_high": "7.2", "certainty": "very_low", "statement_en": "Very uncertain.",
        "notes_en": "Other note. The conclusion depends on the method: DL/z, REML/z: favours "
        "injection; DL/knha, REML/knha: uncertain (results/meta/estimators.csv). With two studies "
        "the Knapp-Hartung (HKSJ) interval uses a t distribution with 1 degree of freedom "
        "(critical value 12.7 instead of 1.96), so it is very wide.",
        "conclusion_differs": "true", "clipped": "",
    }  # fmt: skip
    findings = tmp_path / "sof.csv"
    with open(findings, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    html_text = summary_of_findings(config, findings, reviews, {})
    assert "⚑ conclusion depends on the method" in html_text
    assert "REML/z: favours injection; DL/knha, REML/knha: uncertain" in html_text
    assert "t distribution with 1 degree of freedom" in html_text
    assert "negative = less disability with the injection" in html_text


# --- issue 14: PRISMA 2020 completeness, provenance, a report that prints and reads ---------------

PRISMA_ITEMS = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10a", "10b", "11", "12", "13a", "13b", "13c",
    "13d", "13e", "13f", "14", "15", "16a", "16b", "17", "18", "19", "20a", "20b", "20c", "20d",
    "21", "22", "23a", "23b", "23c", "23d", "24a", "24b", "24c", "25", "26", "27",
]  # fmt: skip


def _with_report(work: Path, **report: object) -> ReportInputs:
    inp = inputs(work)
    config = {**inp.config, "report": {**inp.config.get("report", {}), **report}}
    return dataclasses.replace(inp, config=config)


def test_pipeline_writes_the_prisma_checklist_and_every_anchor_exists(results: Path) -> None:
    from spinereview.report.checklist import STATUSES

    html_text = (results / "reports/report.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'\sid="([^"]+)"', html_text))
    md = (results / "reports/prisma_checklist.md").read_text(encoding="utf-8")
    page = (results / "reports/prisma_checklist.html").read_text(encoding="utf-8")
    for text in (md, page):
        for anchor in re.findall(r"report\.html#([\w-]+)", text):
            assert anchor in ids, anchor
        notebooks = set(re.findall(r"notebooks/[\w-]+\.html", text))
        assert len(notebooks) == 3
        for notebook in notebooks:  # paths relative to reports/, as the checklist sits there
            assert (results / "reports" / notebook).exists(), notebook
    rows = [line.split(" | ") for line in md.splitlines() if re.match(r"\| \d", line)]
    assert [r[0].strip("| ") for r in rows] == PRISMA_ITEMS + [str(i) for i in range(1, 13)]
    for r in rows:
        status, reason = r[4], r[5].rstrip(" |")
        assert status in STATUSES and reason.strip(), r
    assert "| missing | " in md  # registration etc. are empty in the shipped config


def test_checklist_items_carry_reasons_and_user_statements_are_never_invented(
    results: Path,
) -> None:
    from spinereview.report.build import build
    from spinereview.report.checklist import MISSING, PRESENT, Item

    html_text, entries = build(inputs(results))
    by = {(i.checklist, i.number): i for i in entries}
    assert all(i.reason.strip() for i in entries)
    assert by[("PRISMA 2020", "24a")].status == MISSING
    declarations = re.search(r'<section id="declarations">.*?</section>', html_text, re.S).group(0)
    assert declarations.count('<span class="gap">not stated</span>') == 4
    filled = _with_report(
        results, registration="PROSPERO CRD42099000001", funding="none", competing_interests="none",
        extraction={"extractors": ["A. Reviewer"], "mode": "single", "verification": "none"},
    )  # fmt: skip
    html2, entries2 = build(filled)
    by2 = {(i.checklist, i.number): i for i in entries2}
    assert "PROSPERO CRD42099000001" in html2 and "A. Reviewer" in html2
    assert "single extraction (one person)" in html2
    assert "extracted by one person" in html2  # the limitation follows the config
    for number in ("24a", "25", "26", "9"):
        assert by2[("PRISMA 2020", number)].status == PRESENT, number
    with pytest.raises(ValueError, match="needs a reason"):
        Item("PRISMA 2020", "99", "x", "x", (), MISSING, " ")


def test_report_has_every_prisma_section(results: Path) -> None:
    html_text = build_report(inputs(results))
    for anchor in ("abstract", "rationale", "objectives", "eligibility", "information-sources",
                   "selection", "data-collection", "excluded", "coverage", "limitations",
                   "declarations", "provenance", "rows-not-pooled"):  # fmt: skip
        assert f'id="{anchor}"' in html_text, anchor
    with open(results / "results/screening/decisions.csv", encoding="utf-8", newline="") as fh:
        excluded = [r for r in csv.DictReader(fh) if r["decision"] == "excluded"]
    section = re.search(r'<section id="excluded">.*?</section>', html_text, re.S).group(0)
    assert section.count("<tr>") == len(excluded) + 1
    manifest = json.loads((results / "data/pubmed/snapshot/manifest.json").read_text())
    assert f"dated {manifest['retrieval_date']}" in html_text
    abstract = re.search(r'<section id="abstract">.*?</section>', html_text, re.S).group(0)
    prisma = json.loads((results / "results/screening/prisma.json").read_text())
    assert f"{prisma['included']['studies']} studies in {prisma['included']['reports']}" in abstract


def test_provenance_header_names_commit_config_snapshot_and_versions(
    results: Path, tmp_path: Path
) -> None:
    import subprocess

    from spinereview.report.provenance import NOT_GIT, config_hash, git_commit

    inp = inputs(results)
    html_text = (results / "reports/report.html").read_text(encoding="utf-8")
    header = re.search(r'<section class="prov" id="provenance".*?</section>', html_text, re.S)
    assert header and html_text.index("<h1>") < header.start() < html_text.index("<nav")
    text = header.group(0)
    assert NOT_GIT in text  # the tmp copy is no git checkout
    assert "2026-11-27" in text
    for name in ("python", "pandas", "numpy", "matplotlib", "snakemake"):
        assert re.search(rf"\b{name} \d", text), name
    # the rule's effective config hashes the same as the config file it came from, less its
    # execution settings (scale.shards changes no result, so neither the report's bytes)
    assert config_hash({k: v for k, v in inp.config.items() if k != "scale"}) in text
    assert "without its execution settings (scale)" in text
    assert config_hash({"b": 1, "a": [1, 2]}) == config_hash({"a": [1, 2], "b": 1})
    git = [
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.org",
        "-c",
        "commit.gpgsign=false",
    ]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("x")
    subprocess.run([*git, "-C", str(tmp_path), "add", "f"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "m"], check=True)
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    assert git_commit(tmp_path) == head
    (tmp_path / "f").write_text("y")
    assert git_commit(tmp_path) == head + " + uncommitted changes to tracked files"
    assert git_commit(tmp_path / "f") == NOT_GIT or git_commit(tmp_path.parent) == NOT_GIT


def test_report_counts_contributing_studies_and_explains_the_rest(results: Path) -> None:
    from spinereview.extraction.run import read_effects

    html_text = build_report(inputs(results))
    with open(results / "results/meta/pooled.csv", encoding="utf-8", newline="") as fh:
        pooled = [r for r in csv.DictReader(fh) if r["run"] == "main" and r["studies"]]
    contributing = {s for r in pooled for s in r["studies"].split("; ")}
    with open(results / "results/screening/included.csv", encoding="utf-8", newline="") as fh:
        included = [r["study_id"] for r in csv.DictReader(fh)]
    assert contributing <= set(included)
    n, total = len(contributing), len(included)
    assert f"{n} of {total} included studies contribute to a pooled cell" in html_text
    section = re.search(r'<section id="coverage">.*?</section>', html_text, re.S).group(0)
    for study in set(included) - contributing:
        assert f"<td>{study}</td>" in section, study
    # every eligible, poolable row that represents its window is pooled or listed with a reason
    pooled_rows = {x for r in pooled for x in r["row_ids"].split("; ")}
    rows = read_effects(results / "results/extraction/effects.parquet").to_pylist()
    ready = {e["row_id"] for e in rows if e["included"] and e["poolable"] and e["selected"]}
    listed = set(re.findall(r"<tr><td>(E\d+)</td>", section))
    assert ready - pooled_rows == listed
    e029 = re.search(r"<tr><td>E029</td>.*?</tr>", section).group(0)
    assert "no configured analysis of facet_intraarticular vs placebo_sham" in e029


def test_other_methods_without_a_recorded_source_show_a_visible_gap(results: Path) -> None:
    html_text = build_report(inputs(results))
    with open(results / "data/screening/other_sources.csv", encoding="utf-8", newline="") as fh:
        unrecorded = [r for r in csv.DictReader(fh) if r["method"] == "not recorded"]
    section = re.search(r'<section id="information-sources">.*?</section>', html_text, re.S)
    assert section.group(0).count('<span class="gap">source not recorded</span>') == len(unrecorded)


def test_report_markup_reads_well(results: Path) -> None:
    html_text = build_report(inputs(results))
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html_text
    assert html_text.count("<h1") == 1
    assert html_text.count('lang="en"') == 1  # the page's; English blocks need no mark
    analyses = load_config(results / "config/config.yaml")["meta"]["analyses"]
    for a in analyses:  # every German title is marked German
        assert f'<span lang="de">{html.escape(a["title"]["de"])}</span>' in html_text
    links = re.findall(r'<a href="([^"]*)">([^<]*)</a>', html_text)
    texts: dict[str, set[str]] = {}
    for href, text in links:
        assert text.strip().lower() not in {"page", "here", "link", "source", "more"}, text
        texts.setdefault(text, set()).add(href)
    assert {t: h for t, h in texts.items() if len(h) > 1} == {}  # one text, one target


def test_column_headers_are_human_with_machine_names_as_titles(results: Path) -> None:
    html_text = build_report(inputs(results))
    headers = re.findall(r"<th(?: title=\"([^\"]*)\")?[^>]*>([^<]*)</th>", html_text)
    assert headers
    for _title, label in headers:
        assert not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", label), label
    assert '<th title="qm_p">p (test of moderators)</th>' in html_text
    assert '<th title="tau2">τ²</th>' in html_text


CANARY = (
    '<div class="scroll"><table style="width:2400px"><thead><tr>'
    + "".join(f"<th>wide column {i}</th>" for i in range(12))
    + "<th>CANARYLAST</th></tr></thead><tbody><tr>"
    + "".join(f"<td>{'several words of text ' * 3}</td>" for i in range(12))
    + "<td>canary cell</td></tr></tbody></table></div>"
)


def _flat(text: str) -> str:
    """Text without tags and white space (a PDF breaks lines anywhere)."""
    return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", text))).replace("\u00ad", "")


def _printed(html_text: str, tmp_path: Path, name: str) -> str:
    page = tmp_path / f"{name}.html"
    page.write_text(html_text, encoding="utf-8")
    text = pdf_text(print_pdf(page, tmp_path / f"{name}.pdf", tmp_path / "profile"))
    return re.sub(r"\s+", "", text).replace("\u00ad", "")


def test_report_prints_every_table_whole(results: Path, tmp_path: Path) -> None:
    """Printed to PDF in Chromium, every table's last column (header and first row) is on the page.

    pdftotext drops text outside the page, so a clipped column is missing from the text. A canary
    table 2,400 px wide shows the check works: without the print CSS its last column is lost."""
    html_text = build_report(inputs(results)).replace("</body>", CANARY + "</body>")
    flat = _printed(html_text, tmp_path, "report")
    tables = re.findall(r"<table.*?</table>", html_text, re.S)
    assert len(tables) >= 20
    for t in tables:
        heads = re.findall(r"<th[^>]*>(.*?)</th>", t, re.S)
        assert _flat(heads[-1]) in flat, (heads[-1], t[:200])
        first = re.search(r"<tbody><tr>(.*?)</tr>", t, re.S)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", first.group(1), re.S) if first else []
        if len(cells) == len(heads) and 0 < len(_flat(cells[-1])) <= 20:  # one line
            assert _flat(cells[-1]) in flat, (cells[-1], t[:200])
    start = html_text.index("@media print")
    unprinted = html_text[:start] + html_text[html_text.index("\n}\n", start) + 3 :]
    assert "CANARYLAST" not in _printed(unprinted, tmp_path, "without-print-css")


def test_figures_follow_the_report_language(results: Path, tmp_path: Path) -> None:
    from spinereview.report.build import figure_file, language_figure

    figures = tmp_path / "figures"
    figures.mkdir()
    png = next((results / "reports/figures").glob("*.png")).read_bytes()
    assert figure_file(figures, "article_pain_by_window", "de") == (
        figures / "article_pain_by_window.de.png"
    )
    (figures / "article_pain_by_window.de.png").write_bytes(png)
    (figures / "article_pain_by_window.alt.de.txt").write_text("Deutscher Alternativtext\n\nKurz.")
    base = inputs(results)
    for lang in ("de", "en"):  # only German drawn: German shown, marked, with a note in English
        config = {**base.config, "figures": {**base.config["figures"], "languages": ["de"]},
                  "report": {"language": lang}}  # fmt: skip
        out = language_figure(dataclasses.replace(base, config=config, figures_dir=figures),
                              "article_pain_by_window")  # fmt: skip
        assert '<figure lang="de">' in out and "Deutscher Alternativtext" in out
        assert ("drawn only in de" in out) == (lang == "en")
    (figures / "article_pain_by_window.en.png").write_bytes(png)
    (figures / "article_pain_by_window.caption.en.txt").write_text("English caption")
    config = {**base.config, "figures": {**base.config["figures"], "languages": ["de", "en"]},
              "report": {"language": "en"}}  # fmt: skip
    out = language_figure(dataclasses.replace(base, config=config, figures_dir=figures),
                          "article_pain_by_window", caption=True)  # fmt: skip
    assert "<figure><img" in out and "English caption" in out and "drawn only" not in out


def test_other_source_cell_names_the_source_or_shows_the_gap() -> None:
    from spinereview.report.review import other_source_cell

    gap = '<span class="gap">source not recorded</span>'
    assert other_source_cell({"method": "not recorded", "found_in": ""}) == gap
    assert other_source_cell({"method": "", "found_in": "Staal 2009"}) == gap
    assert "which one not recorded" in other_source_cell({"method": "review reference list"})
    cell = other_source_cell({"method": "review reference list", "found_in": "Staal 2009 <ref>"})
    assert cell == "review reference list: Staal 2009 &lt;ref&gt;"


@pytest.mark.parametrize(
    ("report", "field"),
    [
        ({"language": "fr"}, "report.language"),
        ({"extraction": {"mode": "triple"}}, "report.extraction.mode"),
        ({"funding": 3}, "report.funding"),
        ({"sponsor": "x"}, "report.sponsor"),
    ],
)
def test_report_config_fields_are_checked_at_load(report: dict, field: str) -> None:
    from spinereview.config import check_config
    from spinereview.errors import InputError

    config = load_config(ROOT / "config/config.yaml")
    assert config["report"]["registration"] is None  # shipped empty: the team fills it in
    with pytest.raises(InputError) as info:
        check_config({**config, "report": report}, source="cfg.yaml")
    assert info.value.field == field


def test_prisma_section_and_checklist_show_records_withheld_by_pubmed(
    results: Path, tmp_path: Path
) -> None:
    """Issue 17: PMIDs esearch found but efetch withheld are shown as reports not retrieved, with
    their reason and PMIDs, in the PRISMA section; checklist item 16a counts them. Without any
    (the shipped run) neither says a word about them."""
    from spinereview.report.build import build

    plain_html, plain_items = build(inputs(results))
    assert "withheld" not in plain_html.lower()
    prisma = json.loads((results / "results/screening/prisma.json").read_text(encoding="utf-8"))
    db = prisma["databases"]
    for key in ("records_identified", "records_screened", "reports_sought"):
        db[key] += 1
    db["reports_not_retrieved"] = 1
    db["reports_not_retrieved_reasons"] = {"withheld_by_pubmed": 1}
    prisma["identification"]["databases"]["PubMed"]["epidural"] += 1
    prisma["withheld"] = {"epidural": ["99999999"]}
    path = tmp_path / "prisma.json"
    path.write_text(json.dumps(prisma), encoding="utf-8")
    html_text, entries = build(dataclasses.replace(inputs(results), prisma=path))
    section = re.search(r'<section id="prisma">.*?</section>', html_text, re.S).group(0)
    assert "1 PubMed record(s) not retrieved." in section
    assert "query epidural: " in section and "99999999" in section
    assert "reports not retrieved reasons" in section and "withheld_by_pubmed: 1" in section
    by = {(i.checklist, i.number): i for i in entries}
    plain = {(i.checklist, i.number): i for i in plain_items}
    assert "1 report(s) not retrieved" in by[("PRISMA 2020", "16a")].reason
    assert "not retrieved" not in plain[("PRISMA 2020", "16a")].reason
