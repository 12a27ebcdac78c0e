"""The HTML report: self-contained, escaped, linked; rendered in headless Chromium."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from browser import dump_dom
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
