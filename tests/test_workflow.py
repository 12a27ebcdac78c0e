"""The Snakemake workflow end to end on a copy of the repository: run, re-run, lint, bad input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from workflow_copy import break_sheet_row, copy_workflow, run_snakemake

from spinereview.screening.review import REVIEW_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def executed(finished_run) -> tuple[Path, subprocess.CompletedProcess[str]]:
    return finished_run  # the session's plain local run (tests/conftest.py), read only


def _manifest_pmids(workdir: Path) -> dict[str, list[str]]:
    manifest = json.loads((workdir / "data/pubmed/snapshot/manifest.json").read_text())
    return {q["id"]: q["pmids"] for q in manifest["queries"]}


def test_run_writes_every_snapshot_pmid_exactly_once(executed) -> None:
    workdir, proc = executed
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = pq.read_table(workdir / "results/records.parquet").to_pylist()
    pmids = [row["pmid"] for row in table]
    per_query = _manifest_pmids(workdir)
    assert len(pmids) == len(set(pmids))
    assert set(pmids) == set().union(*map(set, per_query.values()))
    for row in table:
        expected = [q for q, ids in per_query.items() if row["pmid"] in ids]
        assert row["query_ids"] == expected
    csv_lines = (workdir / "results/records.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0].startswith('"pmid","doi"')
    assert (workdir / "logs/parse/parse_records.log").exists()


def test_run_screens_every_record(executed) -> None:
    workdir, proc = executed
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = workdir / "results/screening"
    prisma = json.loads((out / "prisma.json").read_text())
    decisions = (out / "decisions.csv").read_text(encoding="utf-8").splitlines()
    screened = sum(prisma[c]["records_identified"] for c in ("databases", "other_methods"))
    assert len(decisions) - 1 == screened - prisma["databases"]["duplicates_removed"]
    assert (out / "included.csv").exists() and (out / "duplicates.csv").exists()


def test_run_writes_the_review_sheet_and_says_not_yet_reviewed(executed) -> None:
    import yaml

    workdir, proc = executed
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = workdir / "results/screening"
    with open(out / "decisions.csv", encoding="utf-8", newline="") as fh:
        decisions = list(csv.DictReader(fh))
    awaiting = sum(r["decision"] == "awaiting_classification" for r in decisions)
    text_excluded = sum(
        r["decision"] == "excluded" and r["stage"] == "screening" for r in decisions
    )
    with open(out / "to_review.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        sheet = list(reader)
    assert tuple(reader.fieldnames or ()) == REVIEW_COLUMNS
    sample = yaml.safe_load((workdir / "config/config.yaml").read_text(encoding="utf-8"))
    sample = sample["screening"]["human_review"]["sample_excluded"]
    assert len(sheet) == awaiting + min(sample, text_excluded) > 0
    agreement = json.loads((out / "agreement.json").read_text(encoding="utf-8"))
    assert agreement["status"] == "not_reviewed" and "binary" not in agreement
    assert agreement["sheet"] == "data/screening/human_review.csv"
    for name in ("write_review_sheet", "measure_agreement"):
        assert (workdir / f"logs/screen/{name}.log").exists()
    report = (workdir / "reports/report.html").read_text(encoding="utf-8")
    assert "Not yet reviewed by a human screener" in report and "PRISMA 2020 item 8" in report


def test_filled_review_sheet_gives_kappa_without_rescreening(tmp_path: Path) -> None:
    """Only the screening targets run (a few seconds): the sheet, then a filled copy, then a bad one."""
    workdir = copy_workflow(tmp_path)
    target = "results/screening/agreement.json"
    first = run_snakemake(workdir, target)
    assert first.returncode == 0, first.stderr[-3000:]
    with open(workdir / "results/screening/to_review.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows):  # the reviewer includes the first record, excludes the rest
        row.update(reviewer_decision="include" if i == 0 else "exclude", reviewer="AB")
    sheet = workdir / "data/screening/human_review.csv"
    with open(sheet, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    second = run_snakemake(workdir, target)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "rule measure_agreement" in second.stdout + second.stderr
    assert "rule screen_records" not in second.stdout + second.stderr  # a sheet never re-screens
    agreement = json.loads((workdir / target).read_text(encoding="utf-8"))
    assert agreement["status"] == "reviewed" and agreement["reviewed"] == len(rows)
    assert agreement["binary"]["n"] == len(rows)
    assert agreement["reviewers"] == {"AB": len(rows)}

    text = sheet.read_text(encoding="utf-8").replace(",exclude,", ",perhaps,", 1)
    sheet.write_text(text, encoding="utf-8")
    third = run_snakemake(workdir, target)
    assert third.returncode != 0
    log = (workdir / "logs/screen/measure_agreement.log").read_text(encoding="utf-8")
    assert "data/screening/human_review.csv, line 3, field 'reviewer_decision'" in log


def test_run_harmonises_the_sheet_and_writes_candidates(executed) -> None:
    workdir, proc = executed
    assert proc.returncode == 0, proc.stderr[-3000:]
    effects = pq.read_table(workdir / "results/extraction/effects.parquet").to_pylist()
    sheet_rows = (workdir / "data/extraction/effects.csv").read_text(encoding="utf-8").splitlines()
    assert [e["row_id"] for e in effects] == [line.split(",")[0] for line in sheet_rows[1:]]
    usable = [e for e in effects if e["poolable"] and e["included"] and e["selected"]]
    assert usable and all(e["yi"] is not None and e["se"] > 0 for e in usable)
    log = (workdir / "logs/extract/extract_candidates.log").read_text()
    assert "no record has an abstract" in log  # the rebuilt snapshot has none; said, not hidden
    header = (workdir / "results/extraction/crosscheck.csv").read_text().splitlines()
    assert header == ["pmid,row_id,status,candidate_index,detail"]
    # no abstract, no draft sheet row: the header alone, said once in the log (no warning flood)
    drafts = (workdir / "results/extraction/draft_rows.csv").read_text().splitlines()
    assert drafts == [sheet_rows[0] + ",draft_id,candidate_ids,confidence,status"]
    assert log.count("WARNING") <= 1 and "0 draft sheet rows" in log
    report = (workdir / "reports/report.html").read_text(encoding="utf-8")
    assert report.count("No draft sheet rows") == 1


def test_draft_rows_are_never_pooled(tmp_path: Path) -> None:
    """A draft row in results/extraction/draft_rows.csv changes no pooled number: pooling reads
    the curated sheet alone (issue 15, must have 3)."""
    workdir = copy_workflow(tmp_path)
    targets = ("results/meta/pooled.csv", "results/extraction/draft_rows.csv")
    first = run_snakemake(workdir, *targets)
    assert first.returncode == 0, first.stderr[-3000:]
    pooled = (workdir / "results/meta/pooled.csv").read_bytes()
    drafts = workdir / "results/extraction/draft_rows.csv"
    with open(drafts, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    with open(workdir / "data/extraction/effects.csv", encoding="utf-8", newline="") as fh:
        curated = next(csv.DictReader(fh))  # E001, an included study's poolable row
    draft = {k: curated.get(k, "") for k in header} | {
        "row_id": "", "estimate": "-40", "ci_low": "-50", "ci_high": "-30", "uncertain": "no",
        "draft_id": f"D{curated['pmid']}-000", "candidate_ids": f"{curated['pmid']}:0",
        "confidence": "high", "status": "draft",
    }  # fmt: skip
    with open(drafts, "a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, header, lineterminator="\n").writerow(draft)
    second = run_snakemake(workdir, *targets, "--forcerun", "pool_effects")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "rule pool_effects" in second.stdout + second.stderr  # pooled again, draft present
    assert "rule extract_candidates" not in second.stdout + second.stderr
    assert (workdir / "results/meta/pooled.csv").read_bytes() == pooled


def test_second_run_does_no_work(executed) -> None:
    workdir, first = executed
    assert first.returncode == 0
    again = run_snakemake(workdir)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Nothing to be done" in again.stdout + again.stderr


def test_lint_is_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Lints for" not in proc.stdout + proc.stderr


def test_corrupted_snapshot_fails_and_writes_nothing(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    xml = workdir / "data/pubmed/snapshot/epidural.xml"
    data = bytearray(xml.read_bytes())
    data[-20] = ord("X") if data[-20] != ord("X") else ord("Y")
    xml.write_bytes(bytes(data))
    proc = run_snakemake(workdir)
    assert proc.returncode != 0
    log = (workdir / "logs/search/verify_snapshot.log").read_text()
    assert "epidural.xml" in log and "SHA-256 mismatch" in log
    assert not (workdir / "results/records.parquet").exists()
    assert not (workdir / "results/pubmed/snapshot_verified.json").exists()


def test_invalid_config_override_stops_before_any_job(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    proc = run_snakemake(workdir, "--config", "search={mode: online}")
    assert proc.returncode != 0
    assert "invalid configuration" in proc.stderr
    assert "field 'search.mode'" in proc.stderr
    assert not (workdir / "results").exists()


def test_run_pools_every_configured_analysis(executed) -> None:
    workdir, proc = executed
    assert proc.returncode == 0, proc.stderr[-3000:]
    import yaml

    config = yaml.safe_load((workdir / "config/config.yaml").read_text())
    lines = (workdir / "results/meta/pooled.csv").read_text(encoding="utf-8").splitlines()
    cells = sum(len(a["windows"]) for a in config["meta"]["analyses"])
    assert len(lines) - 1 == cells * 2  # main + excluding_uncertain
    for analysis in config["meta"]["analyses"]:
        assert (workdir / f"results/meta/analyses/{analysis['id']}.json").exists()


def test_live_mode_searches_the_loopback_server_then_runs_the_pipeline(tmp_path: Path) -> None:
    """`search.mode: live` end to end against the fake E-utilities server: new dated snapshot,
    verified, parsed, screened; the committed snapshot untouched; the key in no file."""
    import os

    import yaml
    from eutils_server import SMALL_TERM, shared_corpus, small, standard_server

    key = "workflow-test-key-51c2"
    server = standard_server(api_key=key)
    # Three found records get a RESULTS section (invented sentences): two with effect statements,
    # one with numbers but no effect; the others keep their generated background only.
    with_effect, no_effect, second = shared_corpus().matching(small)[:3]
    server.results = {
        with_effect: "At 6 weeks, disability (ODI) was lower after injection: mean difference "
        "-4.2 (95% CI -8.0 to -0.4).",
        no_effect: "Of 60 patients randomised, 55 were followed up for 12 months.",
        second: "Responders at 3 months: risk ratio 1.30 (95% CI 0.90 to 1.88).",
    }
    try:
        workdir = copy_workflow(tmp_path)
        committed = {p.name: p.read_bytes() for p in (workdir / "data/pubmed/snapshot").iterdir()}
        extra = {"search": {"mode": "live", "queries": [{"id": "small", "term": SMALL_TERM}],
                            "live": {"out_root": "data/pubmed", "date": "2026-03-01"},
                            "eutils": {"base_url": server.url, "email": "ci@example.org",
                                       "rate_state": str(tmp_path / "rate")}}}  # fmt: skip
        (workdir / "live.yaml").write_text(yaml.safe_dump(extra))
        env = {**os.environ, "NCBI_API_KEY": key}
        proc = subprocess.run(
            [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "live.yaml"],
            cwd=workdir, capture_output=True, text=True, timeout=600, env=env,
        )  # fmt: skip
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stderr[-3000:]
    new = workdir / "data/pubmed/2026-03-01"
    manifest = json.loads((new / "manifest.json").read_text())
    assert manifest["queries"][0]["provenance"] == "NCBI E-utilities"
    records = pq.read_table(workdir / "results/records.parquet").column("pmid").to_pylist()
    assert sorted(records, key=int) == manifest["queries"][0]["pmids"]
    assert {
        p.name: p.read_bytes() for p in (workdir / "data/pubmed/snapshot").iterdir()
    } == committed
    assert json.loads((workdir / "results/pubmed/diff.json").read_text())["small"]["added"]
    with open(workdir / "results/extraction/draft_rows.csv", encoding="utf-8", newline="") as fh:
        drafts = list(csv.DictReader(fh))  # draft rows for the abstracts with effect statements
    assert [(d["pmid"], d["measure"], d["estimate"]) for d in drafts] == sorted(
        [(str(with_effect), "MD", "-4.2"), (str(second), "RR", "1.3")], key=lambda d: int(d[0])
    )
    by_pmid = {d["pmid"]: d for d in drafts}
    md = by_pmid[str(with_effect)]
    assert (md["outcome"], md["instrument"], md["timepoint_weeks"]) == (
        "disability",
        "ODI_0_100",
        "6",
    )
    assert md["study_id"] == "" and md["status"] == "draft"  # a new record: no curated study yet
    assert md["source_url"] == f"https://pubmed.ncbi.nlm.nih.gov/{with_effect}/"
    assert md["locator"].startswith("abstract (Results), chars ")
    rr = by_pmid[str(second)]
    assert (rr["outcome"], rr["timepoint_weeks"], rr["ci_high"]) == ("responder", "13", "1.88")
    checks = (workdir / "results/extraction/crosscheck.csv").read_text(encoding="utf-8")
    assert checks.count("candidate_not_in_sheet") == 2
    for path in workdir.rglob("*"):
        if path.is_file() and ".snakemake" not in path.parts:
            assert key.encode() not in path.read_bytes(), path
    assert key not in proc.stdout + proc.stderr


def test_run_writes_figures_citations_report_and_notebooks(executed) -> None:
    workdir, proc = executed
    assert proc.returncode == 0, proc.stderr[-3000:]
    reports = workdir / "reports"
    for name in ("article_pain_by_window", "prisma_flow"):
        for lang in ("de", "en"):  # one run writes both languages
            for fmt in ("svg", "png", "pdf"):
                assert (reports / "figures" / f"{name}.{lang}.{fmt}").stat().st_size > 0
            assert (reports / "figures" / f"{name}.alt.{lang}.txt").stat().st_size > 0
    audit = json.loads((reports / "citations/audit.json").read_text())
    verdicts = {r["id"]: r["verdict"] for r in audit["references"]}
    assert verdicts == {
        "nice-ng59": "partial",
        "cochrane-cd001824": "mismatch",
        "daeb-2020": "unresolved",
    }
    html_text = (reports / "report.html").read_text(encoding="utf-8")
    assert (
        html_text.count("data:image/png;base64,") >= 8
    )  # PRISMA, article figure, six forest plots
    for number in ("01", "02", "03", "04"):
        assert list((reports / "notebooks").glob(f"{number}-*.html"))


# The second run differs in everything that must not matter: hash seed, locale, time zone.
OTHER_ENVIRONMENT = {
    "PYTHONHASHSEED": "4242",
    "LC_ALL": "C",
    "LANG": "de_DE.UTF-8",
    "TZ": "Pacific/Auckland",
}


def test_two_clean_runs_in_different_environments_give_byte_identical_files(
    executed, tmp_path: Path
) -> None:
    """Every file under results/ and reports/ (figures, citations, report, notebooks, tables) is
    reproducible byte for byte across PYTHONHASHSEED, LC_ALL and TZ (issue 13, must have 5)."""
    import hashlib
    import os

    first, proc = executed
    assert proc.returncode == 0, proc.stderr[-3000:]
    second = copy_workflow(tmp_path)
    again = run_snakemake(second, env={**os.environ, **OTHER_ENVIRONMENT})
    assert again.returncode == 0, again.stderr[-3000:]

    def hashes(root: Path) -> dict[str, str]:
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in ("results", "reports")
            for p in sorted((root / folder).rglob("*"))
            if p.is_file()
        }

    one, two = hashes(first), hashes(second)
    assert sorted(one) == sorted(two) and len(one) > 80
    assert [name for name in one if one[name] != two[name]] == []


def test_snakemake_report_works_with_captions(executed, tmp_path: Path) -> None:
    workdir, proc = executed
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "snakemake-report.html"
    report = run_snakemake(workdir, "--report", str(out))
    assert report.returncode == 0, report.stderr[-3000:]
    text = out.read_text(encoding="utf-8", errors="replace")
    assert "prisma_flow.de.png" in text and "article_pain_by_window.en.svg" in text


def test_bad_sheet_row_stops_the_run_naming_file_row_and_field(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    break_sheet_row(workdir)  # E003: CI misses estimate
    # extract_candidates reads the sheet too and may fail first; --keep-going lets harmonise_effects
    # run whatever the job order (without it, which error the run shows depends on the scheduler)
    proc = run_snakemake(workdir, "--keep-going")
    assert proc.returncode != 0
    log = (workdir / "logs/extract/harmonise_effects.log").read_text(encoding="utf-8")
    assert "data/extraction/effects.csv, line 4, field 'estimate'" in log
    assert not (workdir / "results/extraction/effects.parquet").exists()
    assert not (workdir / "reports/report.html").exists()
