"""Issue 13, items 1, 4 and 7 end to end: missing inputs after a good run, the failed step's message at
the end of the console (through `make run`), and `make recover` after SIGKILL."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workflow_copy import ROOT, break_sheet_row, copy_workflow, run_snakemake

from spinereview.runcheck import (
    config_keys_for,
    failed_jobs,
    failure_summary,
    remove_stale_temp_files,
)

pytestmark = pytest.mark.workflow

BAD_ROW = "error: data/extraction/effects.csv, line 4, field 'estimate'"


def _copy(dest: Path) -> Path:
    copy_workflow(dest)
    shutil.copy2(ROOT / "Makefile", dest / "Makefile")
    return dest


def _make(workdir: Path, target: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """`make <target>` in the copy, with this interpreter's venv (never reinstalled from the copy)."""
    venv = Path(sys.prefix)
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            f"{venv}/.installed",
            target,
            f"VENV={venv}",
            "CORES=2",
        ],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, in the order the user reads it
        text=True,
        timeout=timeout,
    )


def _hashes(workdir: Path, *folders: str) -> dict[str, str]:
    return {
        str(p.relative_to(workdir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in folders
        for p in sorted((workdir / folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = _copy(tmp_path_factory.mktemp("clean"))
    proc = run_snakemake(workdir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return workdir


# -- item 1: a missing input after a good run is an error naming the file, never "Nothing to be done"

SNAP = "data/pubmed/snapshot"
EXTR = "data/extraction"
MISSING = [
    # (file moved away, --config override, file named in the message, config key named)
    (f"{SNAP}/epidural.xml", None, f"{SNAP}/epidural.xml", "search.snapshot_dir"),
    (f"{SNAP}/manifest.json", None, f"{SNAP}/manifest.json", "search.snapshot_dir"),
    (f"{EXTR}/effects.csv", None, f"{EXTR}/effects.csv", "extraction.sheet"),
    (f"{EXTR}/arm_statistics.csv", None, f"{EXTR}/arm_statistics.csv", "extraction.arm_statistics"),
    (f"{EXTR}/review_mapping.csv", None, f"{EXTR}/review_mapping.csv", "reviews.mapping"),
    ("data/screening/overrides.csv", None, "data/screening/overrides.csv", "fixed path"),
    (None, f"extraction={{sheet: {EXTR}/renamed.csv}}", f"{EXTR}/renamed.csv", "extraction.sheet"),
    (None, "search={snapshot_dir: /etc}", "/etc/manifest.json", "search.snapshot_dir"),
    (
        None,
        "search={snapshot_dir: data/pubmed/x}",
        "data/pubmed/x/epidural.xml",
        "search.snapshot_dir",
    ),
]


@pytest.mark.parametrize(("moved", "override", "named", "key"), MISSING, ids=lambda v: str(v))
def test_missing_input_after_a_good_run_stops_naming_file_and_key(
    clean_run: Path, moved: str | None, override: str | None, named: str, key: str
) -> None:
    before = _hashes(clean_run, "results")
    away = clean_run / "moved-away"
    if moved:
        (clean_run / moved).rename(away)
    try:
        proc = run_snakemake(clean_run, *(["--config", override] if override else []))
    finally:
        if moved:
            away.rename(clean_run / moved)
    console = proc.stdout + proc.stderr
    assert proc.returncode != 0, console[-2000:]
    assert "Nothing to be done" not in console
    assert f"{named}: no such file" in console and key in console
    assert _hashes(clean_run, "results") == before  # nothing ran


def test_a_renamed_input_reruns_the_steps_that_read_it(clean_run: Path) -> None:
    renamed = clean_run / "data/extraction/effects_v2.csv"
    shutil.copy2(clean_run / "data/extraction/effects.csv", renamed)
    try:
        proc = run_snakemake(
            clean_run, "--dry-run", "--config", "extraction={sheet: data/extraction/effects_v2.csv}"
        )
    finally:
        renamed.unlink()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "harmonise_effects" in proc.stdout and "Nothing to be done" not in proc.stdout


# -- item 4: the failed step's one-line message is the last thing `make run` shows


def test_make_run_ends_with_the_failed_steps_message(tmp_path: Path) -> None:
    workdir = _copy(tmp_path)
    break_sheet_row(workdir)  # E003: CI misses estimate
    proc = _make(workdir, "run")
    assert proc.returncode != 0
    console = proc.stdout.splitlines()
    last_shell = max(i for i, line in enumerate(console) if line.strip() == "shell:")
    tail = console[last_shell:]
    assert any(line.strip().startswith(BAD_ROW) for line in tail), "\n".join(console[-30:])
    assert any(BAD_ROW in line for line in console[-12:]), "\n".join(console[-30:])
    assert "harmonise_effects.log" in "\n".join(console[-12:])


def test_every_rule_shows_its_log_on_failure() -> None:
    """Each shell command writes stderr to its log and, when it fails, copies the log to the console."""
    for smk in sorted((ROOT / "workflow/rules").glob("*.smk")):
        text = smk.read_text(encoding="utf-8")
        n_logs = text.count("2> {log:q}")
        assert n_logs == text.count("2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"), (
            smk.name
        )
        assert text.count("log:\n") == n_logs + text.count("tee {log:q}"), smk.name


# -- item 7: SIGKILL mid-run, then `make recover`, gives the same files as a clean run


@pytest.mark.parametrize(
    "kill_when", ["results/screening/decisions.csv", "results/meta/pooled.csv"]
)
def test_make_recover_after_sigkill_matches_a_clean_run(
    clean_run: Path, tmp_path: Path, kill_when: str
) -> None:
    workdir = _copy(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "2"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while not (workdir / kill_when).exists() and proc.poll() is None:
        assert time.monotonic() < deadline, f"{kill_when} never appeared"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # snakemake and the jobs it runs, as a power loss would
    proc.wait()
    assert not (workdir / "reports/report.html").exists(), "the run finished before the kill"
    assert (workdir / ".snakemake/locks").exists() and any((workdir / ".snakemake/locks").iterdir())

    blocked = run_snakemake(workdir)
    assert blocked.returncode != 0  # what the user meets without the recovery command

    recovered = _make(workdir, "recover")
    assert recovered.returncode == 0, recovered.stdout[-3000:]
    assert _hashes(workdir, "results", "reports") == _hashes(clean_run, "results", "reports")


# -- the helpers, without Snakemake

SNAKEMAKE_LOG = """\
[Mon Nov 30 14:44:38 2026]
Error in rule harmonise_effects:
    message: None
    jobid: 6
    input: data/extraction/effects.csv, data/evidence/studies.csv
    output: results/extraction/effects.parquet, results/extraction/effects.csv
    log: logs/extract/harmonise_effects.log (check log file(s) for error details)
    shell:
        python -m spinereview harmonise-effects 2> logs/extract/harmonise_effects.log
        (command exited with non-zero exit code)
Error in rule draw_figures:
    message: None
    jobid: 9
    log: logs/figures/a.log, logs/figures/b.log (check log file(s) for error details)
Shutting down, this might take some time.
"""


def test_failed_jobs_reads_rule_and_logs_from_the_snakemake_log() -> None:
    assert failed_jobs(SNAKEMAKE_LOG) == [
        ("harmonise_effects", ["logs/extract/harmonise_effects.log"]),
        ("draw_figures", ["logs/figures/a.log", "logs/figures/b.log"]),
    ]


def test_failure_summary_prints_error_lines_else_the_tail(tmp_path: Path) -> None:
    (tmp_path / "logs/extract").mkdir(parents=True)
    (tmp_path / "logs/figures").mkdir(parents=True)
    (tmp_path / "logs/extract/harmonise_effects.log").write_text(
        "INFO spinereview: reading\nerror: data/extraction/effects.csv, line 4, field 'estimate': bad\n"
    )
    (tmp_path / "logs/figures/a.log").write_text("Traceback\n  File x\nKeyError: 'k'\n\n")
    snakemake_log = tmp_path / "run.log"
    snakemake_log.write_text(SNAKEMAKE_LOG)
    summary = failure_summary([snakemake_log], workdir=tmp_path).splitlines()
    assert "    error: data/extraction/effects.csv, line 4, field 'estimate': bad" in summary
    assert "INFO spinereview: reading" not in "\n".join(summary)
    assert "    KeyError: 'k'" in summary
    assert "  rule draw_figures (logs/figures/a.log, logs/figures/b.log):" in summary
    assert any("log not readable" in line for line in summary)
    assert failure_summary([tmp_path / "absent.log"]) == ""


def test_config_keys_for_prefers_the_exact_value_then_the_deepest_folder() -> None:
    config = {
        "search": {"snapshot_dir": "data/pubmed/snapshot", "live": {"out_root": "data/pubmed"}},
        "extraction": {"sheet": "data/extraction/effects.csv"},
        "results_dir": "results",
    }
    assert config_keys_for("data/extraction/effects.csv", config) == ["extraction.sheet"]
    assert config_keys_for("data/pubmed/snapshot/x.xml", config) == ["search.snapshot_dir"]
    assert config_keys_for("data/pubmed/other/x.xml", config) == ["search.live.out_root"]
    assert config_keys_for("data/evidence/studies.csv", config) == []


def test_remove_stale_temp_files_removes_only_the_atomic_writers_leftovers(tmp_path: Path) -> None:
    (tmp_path / "results/screening").mkdir(parents=True)
    stale = tmp_path / "results/screening/.duplicates.csv.rjf42td4.tmp"
    stale.write_bytes(b"")
    keep = [tmp_path / "results/screening/duplicates.csv", tmp_path / "results/.hidden.tmp"]
    for path in keep:
        path.write_text("x")
    assert remove_stale_temp_files([tmp_path / "results", tmp_path / "absent"]) == [stale]
    assert not stale.exists() and all(path.exists() for path in keep)
