"""A record PubMed withholds, end to end in live mode (issue 17): the loopback E-utilities server
never sends one PMID; search, parse, screening, the PRISMA figure, the report, its checklist and
notebook 01 count it as identified (= the esearch count) and as a report not retrieved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from eutils_server import SMALL_TERM, shared_corpus, small, standard_server
from workflow_copy import copy_workflow

pytestmark = pytest.mark.workflow

DATE = "2026-03-01"


@pytest.fixture(scope="module")
def live_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """The whole pipeline in live mode with one withheld PMID; returns (workdir, PMID, stderr)."""
    tmp = tmp_path_factory.mktemp("live-withheld")
    server = standard_server()
    withheld = sorted(shared_corpus().matching(small))[3]
    server.withheld.add(withheld)
    try:
        workdir = copy_workflow(tmp)
        extra = {
            "search": {
                "mode": "live",
                "queries": [{"id": "small", "term": SMALL_TERM}],
                "live": {"out_root": "data/pubmed", "date": DATE},
                "eutils": {
                    "base_url": server.url,
                    "email": "ci@example.org",
                    "rate_state": str(tmp / "rate"),
                    "max_retries": 1,
                    "backoff_base": 0.01,
                    "backoff_max": 0.05,
                },
            }
        }
        (workdir / "live.yaml").write_text(yaml.safe_dump(extra))
        env = {k: v for k, v in os.environ.items() if k != "NCBI_API_KEY"}
        proc = subprocess.run(
            [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "live.yaml"],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=900,
            env=env,
        )
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stderr[-3000:]
    return workdir, withheld, proc.stderr


def test_prisma_counts_the_withheld_record_as_not_retrieved(live_run) -> None:
    workdir, withheld, stderr = live_run
    manifest = json.loads((workdir / f"data/pubmed/{DATE}/manifest.json").read_text())
    query = manifest["queries"][0]
    assert query["withheld"] == [str(withheld)]
    esearch = len(shared_corpus().matching(small))
    assert query["esearch_count"] == esearch == len(query["pmids"]) + 1
    prisma = json.loads((workdir / "results/screening/prisma.json").read_text())
    db = prisma["databases"]
    assert prisma["identification"]["databases"]["PubMed"] == {"small": esearch}
    assert db["records_identified"] == esearch
    assert db["duplicates_removed"] == 0
    assert db["records_screened"] == esearch
    assert db["reports_not_retrieved"] == 1
    assert db["reports_not_retrieved_reasons"] == {"withheld_by_pubmed": 1}
    assert db["reports_sought"] - db["reports_not_retrieved"] == db["reports_assessed"]
    assert prisma["withheld"] == {"small": [str(withheld)]}
    decisions = (workdir / "results/screening/decisions.csv").read_text(encoding="utf-8")
    assert f"pmid:{withheld}," not in decisions  # no record, so no screening decision
    assert f"query small: PMID(s) {withheld} withheld by efetch" in stderr


def test_figure_report_checklist_and_notebook_show_it(live_run) -> None:
    workdir, withheld, _ = live_run
    alt = (workdir / "reports/figures/prisma_flow.alt.en.txt").read_text(encoding="utf-8")
    assert "1 reports not retrieved (withheld by PubMed)." in alt
    report = (workdir / "reports/report.html").read_text(encoding="utf-8")
    assert "1 PubMed record(s) not retrieved." in report
    assert str(withheld) in report and "withheld_by_pubmed: 1" in report
    checklist = (workdir / "reports/prisma_checklist.md").read_text(encoding="utf-8")
    assert "1 report(s) not retrieved" in checklist
    notebook = (workdir / "reports/notebooks/01-search-and-screening.html").read_text(
        encoding="utf-8"
    )
    assert f"query small: withheld by PubMed, not retrieved: {withheld}" in notebook
    assert "All PRISMA counts add up." in notebook
