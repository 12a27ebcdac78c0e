"""Issue 13, items 1, 4 and 7 end to end: missing inputs after a good run, the failed step's message at
the end of the console (through `make run`), and `make recover` after SIGKILL."""

from __future__ import annotations

import hashlib
import os
import re
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
    failed_job_files,
    failed_jobs,
    failure_summary,
    mark_failed_outputs_out_of_date,
    remove_stale_temp_files,
    warnings_summary,
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
    # both steps that read the sheet fail on it; whichever fails first ends the run
    shown = "\n".join(console[-12:])
    assert "harmonise_effects.log" in shown or "extract_candidates.log" in shown, shown


def test_every_rule_shows_its_log_on_failure() -> None:
    """Each shell command writes stderr to its log and, when it fails, copies the log to the console."""
    for smk in sorted((ROOT / "workflow/rules").glob("*.smk")):
        text = smk.read_text(encoding="utf-8")
        n_logs = text.count("2> {log:q}")
        assert n_logs == text.count("2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"), (
            smk.name
        )
        assert text.count("log:\n") == n_logs + text.count("tee {log:q}"), smk.name


# -- item 7: a failing step keeps its previous good outputs, and the next run redoes it


def test_every_output_of_every_rule_is_kept_when_its_job_fails(tmp_path: Path) -> None:
    """Each output is flagged update(): Snakemake backs it up and restores it on failure."""
    workdir = _copy(tmp_path)
    proc = run_snakemake(workdir, "--dry-run", "--forceall")
    assert proc.returncode == 0, proc.stderr[-2000:]
    outputs = [
        item.strip()
        for line in proc.stdout.splitlines()
        if line.strip().startswith("output: ")
        for item in line.strip().removeprefix("output: ").split(", ")
    ]
    assert len(outputs) > 50
    assert [o for o in outputs if not o.endswith("(update)")] == []


def test_a_failing_step_keeps_every_earlier_output_and_fails_again_until_fixed(
    clean_run: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "w"
    shutil.copytree(clean_run, workdir, symlinks=True)
    before = _hashes(workdir, "results", "reports")
    sheet = workdir / "data/extraction/effects.csv"
    good = sheet.read_bytes()
    break_sheet_row(workdir)

    first = run_snakemake(workdir)
    assert first.returncode != 0 and BAD_ROW in first.stderr
    assert _hashes(workdir, "results", "reports") == before  # nothing deleted or overwritten

    again = run_snakemake(workdir)  # same bad sheet: never "Nothing to be done" on kept outputs
    console = again.stdout + again.stderr
    assert again.returncode != 0 and "Nothing to be done" not in console
    assert BAD_ROW in console
    assert _hashes(workdir, "results", "reports") == before

    sheet.write_bytes(good)
    fixed = run_snakemake(workdir)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert "harmonise_effects" in fixed.stdout + fixed.stderr  # redone, not skipped
    assert _hashes(workdir, "results", "reports") == before


# A full disk, simulated on write: every job of the run imports this sitecustomize (PYTHONPATH),
# which makes fsync fail with ENOSPC for files whose name contains $FAKE_ENOSPC (the atomic writer
# fsyncs its temporary file `.<name>.<random>.tmp` before the rename).
FULL_DISK = """\
import errno, os
_MATCH = os.environ.get("FAKE_ENOSPC")
if _MATCH:
    _fsync = os.fsync
    def _full(fd):
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            name = ""
        if _MATCH in name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return _fsync(fd)
    os.fsync = _full
"""


def test_a_full_disk_keeps_the_previous_outputs_and_says_what_to_do(
    clean_run: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "w"
    shutil.copytree(clean_run, workdir, symlinks=True)
    before = _hashes(workdir, "results", "reports")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(FULL_DISK, encoding="utf-8")
    env = {
        **os.environ,
        "FAKE_ENOSPC": "pooled.csv",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])),
    }
    full = run_snakemake(workdir, "--forcerun", "pool_effects", env=env)
    console = full.stdout + full.stderr
    assert full.returncode != 0
    tail = "\n".join(console.splitlines()[-14:])
    assert (
        "error: results/meta/pooled.csv: cannot write the file (No space left on device); "
        "its previous version is unchanged. Free disk space" in tail
    ), tail
    assert "Traceback" not in console
    assert _hashes(workdir, "results", "reports") == before  # nothing lost, nothing half-written
    assert not list((workdir / "results").rglob("*.tmp"))

    space = run_snakemake(workdir)  # space freed: the step is redone and the run completes
    assert space.returncode == 0, space.stderr[-3000:]
    assert "pool_effects" in space.stdout + space.stderr
    assert _hashes(workdir, "results", "reports") == before


def test_mark_failed_outputs_out_of_date_dates_outputs_before_the_newest_input(
    tmp_path: Path,
) -> None:
    for name in ("data/extraction/effects.csv", "data/evidence/studies.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    (tmp_path / "results/extraction").mkdir(parents=True)
    for name in ("effects.parquet", "effects.csv"):
        (tmp_path / "results/extraction" / name).write_text("kept\n")
    os.utime(tmp_path / "data/evidence/studies.csv", (1_000_000, 1_000_000))
    os.utime(tmp_path / "data/extraction/effects.csv", (2_000_000, 2_000_000))
    log = tmp_path / "snakemake.log"
    # the sample log, with the flag annotations Snakemake adds to update() outputs
    log.write_text(
        SNAKEMAKE_LOG.replace(
            "effects.parquet, results/extraction/effects.csv",
            "effects.parquet (update), results/extraction/effects.csv (update)",
        ),
        encoding="utf-8",
    )
    marked = mark_failed_outputs_out_of_date([log], workdir=tmp_path)
    assert marked == [
        Path("results/extraction/effects.parquet"),
        Path("results/extraction/effects.csv"),
    ]
    for path in marked:
        assert (tmp_path / path).stat().st_mtime == 1_999_999
        assert (tmp_path / path).read_text() == "kept\n"
    assert failed_job_files(log.read_text())[0][1] == [
        "data/extraction/effects.csv",
        "data/evidence/studies.csv",
    ]


# -- item 7: SIGKILL mid-run, then `make recover`, gives the same files as a clean run


@pytest.mark.parametrize(
    "kill_when",
    [
        "results/records.csv",
        "results/screening/decisions.csv",
        "results/meta/pooled.csv",
        "reports/figures/prisma_flow.en.svg",
        "logs/notebooks/01-search-and-screening.log",  # a notebook starts rendering
    ],
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
    assert proc.poll() is None, f"the run ended before {kill_when} appeared"
    os.killpg(proc.pid, signal.SIGKILL)  # snakemake and the jobs it runs, as a power loss would
    proc.wait()
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


def test_a_header_only_sheet_runs_and_ends_with_a_warning_on_the_console(
    clean_run: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "w"
    shutil.copytree(clean_run, workdir, symlinks=True)
    for name in ("effects.csv", "arm_statistics.csv"):  # arm statistics name sheet rows
        sheet = workdir / "data/extraction" / name
        sheet.write_text(sheet.read_text(encoding="utf-8").splitlines(keepends=True)[0], "utf-8")
    proc = run_snakemake(workdir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    tail = "\n".join(proc.stderr.splitlines()[-12:])
    assert re.search(r"The run finished with \d+ warnings? \(see logs/\):", tail), tail
    assert "harmonise_effects: data/extraction/effects.csv has a header but no data rows" in tail, (
        tail
    )


def test_warnings_summary_lists_each_steps_warnings_once(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs/a.log").write_text(
        "INFO spinereview: 3 rows\nWARNING spinereview.cli: no rows\nWARNING spinereview.cli: no rows\n"
    )
    (tmp_path / "logs/b.log").write_text("INFO spinereview: fine\n")
    log = tmp_path / "run.log"
    log.write_text(
        "localrule harmonise_effects:\n    input: x\n    log: logs/a.log\n    jobid: 1\n"
        "rule pool_effects:\n    log: logs/b.log\n"
    )
    assert warnings_summary([log], workdir=tmp_path) == (
        "The run finished with 1 warning (see logs/):\n  harmonise_effects: no rows"
    )
    (tmp_path / "logs/a.log").write_text("INFO spinereview: 3 rows\n")
    assert warnings_summary([log], workdir=tmp_path) == ""


def test_warnings_summary_reads_the_logs_of_a_run_with_a_storage_provider(tmp_path: Path) -> None:
    """With --default-storage-provider fs Snakemake names a log by its place in the storage and
    annotates it; the summary reads it there (tests/test_profiles.py runs the whole workflow so)."""
    store = tmp_path / "store"
    (store / "logs").mkdir(parents=True)
    (store / "logs/a.log").write_text("WARNING spinereview.cli: no rows\n")
    log = tmp_path / "run.log"
    log.write_text(
        f"localrule harmonise_effects:\n    input: {store}/data/x.csv (retrieve from storage)\n"
        f"    output: {store}/results/y.csv (update, send to storage)\n"
        f"    log: {store}/logs/a.log (send to storage)\n    jobid: 1\n"
    )
    assert warnings_summary([log], workdir=tmp_path) == (
        "The run finished with 1 warning (see logs/):\n  harmonise_effects: no rows"
    )
    assert failed_job_files(log.read_text().replace("localrule", "Error in rule")) == [
        ("harmonise_effects", [f"{store}/data/x.csv"], [f"{store}/results/y.csv"])
    ]
