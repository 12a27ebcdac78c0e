"""Checks around a Snakemake run: missing inputs before any job, and the failed steps' messages after.

Two gaps of Snakemake itself are closed here (issue 13):

* A source file (one no rule writes) that is missing is silently tolerated by Snakemake when the
  outputs of the job that reads it still exist from an earlier run: the job is dropped from the DAG and
  "Nothing to be done" is reported on stale results. ``missing_inputs_message`` names every missing
  file and the config key that points to it, so that the workflow can stop before any job.
* A failing job's one-line message goes to its log; Snakemake prints "check log file(s)" after the
  whole shell command. ``failure_summary`` reads the run's Snakemake log, finds each failed job's log
  and returns its message, printed by the workflow's ``onerror`` handler at the end of the console.
* Snakemake deletes a job's outputs before it runs and again when it fails, so a failing step used to
  lose its previous good outputs while later steps kept theirs. Every output of the workflow is
  flagged ``update()``: Snakemake keeps it, backs it up, and restores the backup when the job fails.
  The restored copy gets a new modification time, which would make the next run skip the step on
  unchanged (still bad) input; ``mark_failed_outputs_out_of_date`` dates each failed job's outputs
  before its newest input, so the next run redoes that step, and fails again until the input is fixed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

_ERROR_IN_RULE = re.compile(r"^Error in rule (\S+):\s*$")
_LOG_LINE = re.compile(r"^\s+log: (.*?)(?: \(check log file\(s\) for error details\))?\s*$")
_JOB_START = re.compile(r"^(?:local)?rule (\S+):\s*$")
_WARNING = re.compile(r"^WARNING (?:\S+: )?(.*)$")
_FILES_LINE = re.compile(r"^\s+(input|output): (.*?)\s*$")
# Flags after a path, "x.csv (update)"; with a default storage provider the path is the storage
# query and the annotations name the storage too: "/store/x.csv (update, send to storage)".
_FLAG = r"(?:update|directory|report|temp|protected|send to storage|retrieve from storage)"
_FLAG_SUFFIX = re.compile(rf" \({_FLAG}(?:, {_FLAG})*\)")
#: at most this many lines of a failed job's log are shown when none starts with "error:"
TAIL_LINES = 3


def _string_leaves(node: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """(dotted key, value) for every string in a nested config (list items as ``key[i]``)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _string_leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _string_leaves(value, f"{prefix}[{i}]")
    elif isinstance(node, str):
        yield prefix, node


def config_keys_for(path: str, config: Mapping[str, Any]) -> list[str]:
    """Config keys whose value is ``path`` or, failing that, the deepest folder that contains it."""
    norm = Path(path).as_posix()
    exact = [
        key for key, value in _string_leaves(config) if value and Path(value).as_posix() == norm
    ]
    if exact:
        return exact
    best: list[str] = []
    best_len = 0
    for key, value in _string_leaves(config):
        folder = Path(value).as_posix().rstrip("/") if value else ""
        if folder and norm.startswith(folder + "/") and len(folder) >= best_len:
            if len(folder) > best_len:
                best, best_len = [], len(folder)
            best.append(key)
    return best


def missing_inputs_message(
    missing: Mapping[str, Iterable[str]], config: Mapping[str, Any], config_file: str
) -> str:
    """One line per missing source file (with its config key and the rules that read it)."""
    lines = [
        f"{len(missing)} input file(s) missing; nothing was run (any files in results/ and reports/ "
        "are from an earlier run and do not reflect the current inputs):"
    ]
    for path in sorted(missing):
        keys = config_keys_for(path, config)
        where = (
            f"set by {', '.join(keys)} in {config_file} or --config"
            if keys
            else "a fixed path of the workflow (workflow/rules/)"
        )
        rules = ", ".join(sorted(set(missing[path])))
        lines.append(f"  {path}: no such file ({where}; read by rule {rules})")
    lines.append("Restore the file(s), or point the config key at the right path, then run again.")
    return "\n".join(lines)


def _job_blocks(log_text: str, start: re.Pattern[str]) -> list[tuple[str, dict[str, list[str]]]]:
    """(rule, {"input"|"output"|"log": [paths]}) for every block of a Snakemake log that begins with
    a line matching ``start`` (group 1: the rule), in order; a block ends at the first line that is
    not indented.

    Snakemake lists a job's files comma-separated and annotates flags (``x.csv (update)``); the
    annotations are removed. Paths that contain "," are not supported (the workflow has none).
    """
    blocks: list[tuple[str, dict[str, list[str]]]] = []
    files: dict[str, list[str]] | None = None
    for line in log_text.splitlines():
        match = start.match(line)
        if match:
            files = {"input": [], "output": [], "log": []}
            blocks.append((match.group(1), files))
            continue
        if files is None:
            continue
        if not line.startswith(" "):
            files = None
            continue
        listed = _FILES_LINE.match(line)
        kind, paths = (listed.group(1), listed.group(2)) if listed else ("", "")
        log = _LOG_LINE.match(line)
        if log:
            kind, paths = "log", log.group(1)
        if kind:
            names = (p.strip() for p in _FLAG_SUFFIX.sub("", paths).split(","))
            files[kind].extend(n for n in names if n)
    return blocks


def _log_texts(snakemake_logs: Iterable[str | Path]) -> Iterator[str]:
    """The text of every readable Snakemake log."""
    for snakemake_log in snakemake_logs:
        try:
            yield Path(snakemake_log).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue


def failed_jobs(log_text: str) -> list[tuple[str, list[str]]]:
    """(rule, [its log files]) for every "Error in rule" block of a Snakemake log, in order."""
    return [(rule, files["log"]) for rule, files in _job_blocks(log_text, _ERROR_IN_RULE)]


def failed_job_files(log_text: str) -> list[tuple[str, list[str], list[str]]]:
    """(rule, inputs, outputs) for every "Error in rule" block of a Snakemake log, in order."""
    return [
        (rule, files["input"], files["output"])
        for rule, files in _job_blocks(log_text, _ERROR_IN_RULE)
    ]


def mark_failed_outputs_out_of_date(
    snakemake_logs: Iterable[str | Path], workdir: Path | None = None
) -> list[Path]:
    """Date every existing output of each failed job at least one second before its newest input.

    The content stays the previous good version (restored by Snakemake); only the modification time
    changes, so the next run sees the step as out of date and runs it again. An output whose
    inputs are all missing is dated at the epoch. Returns every existing output of the failed jobs,
    as named in the log (relative to the working directory).
    """
    base = workdir or Path.cwd()
    marked: list[Path] = []
    for text in _log_texts(snakemake_logs):
        for _rule, inputs, outputs in failed_job_files(text):
            input_times = [(base / p).stat().st_mtime for p in inputs if (base / p).exists()]
            stamp = max(max(input_times) - 1.0, 0.0) if input_times else 0.0
            for name in outputs:
                path = base / name
                if not path.exists():
                    continue
                if path.stat().st_mtime > stamp:
                    os.utime(path, (stamp, stamp))
                marked.append(Path(name))
    return marked


def job_message(log_path: Path) -> list[str]:
    """The lines of a failed job's log that say why: its ``error:`` lines, else its last lines."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return [f"(log not readable: {exc.strerror})"]
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    return errors or lines[-TAIL_LINES:] or ["(the log is empty)"]


def failure_summary(snakemake_logs: Iterable[str | Path], workdir: Path | None = None) -> str:
    """What every failed job of the run said, for the end of the console; "" if nothing is known."""
    base = workdir or Path.cwd()
    seen: set[tuple[str, tuple[str, ...]]] = set()
    out: list[str] = []
    for text in _log_texts(snakemake_logs):
        for rule, logs in failed_jobs(text):
            if (rule, tuple(logs)) in seen:
                continue
            seen.add((rule, tuple(logs)))
            out.append(f"  rule {rule} ({', '.join(logs) or 'no log'}):")
            for log in logs:
                out.extend(f"    {line}" for line in job_message(base / log))
    if not out:
        return ""
    return "\n".join(
        [
            "The run failed. What the failed step(s) said:",
            *out,
            "Fix the input named above and run again (`make run`). The failed step's earlier outputs",
            "were kept and marked out of date, so the next run redoes it; until a run ends without",
            "error, results/ and reports/ may hold outputs of the previous run for the later steps.",
            "After an interrupted run (killed, power loss, 'LockException'): `make recover`.",
        ]
    )


def warnings_summary(snakemake_logs: Iterable[str | Path], workdir: Path | None = None) -> str:
    """The warnings that the steps of this run wrote to their logs, for the end of the console.

    A step's log is shown on the console only when it fails, so a warning (a header-only sheet,
    no abstract to extract from) would otherwise stay in ``logs/``. Returns "" when there is none.
    """
    base = workdir or Path.cwd()
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    for text in _log_texts(snakemake_logs):
        for rule, files in _job_blocks(text, _JOB_START):
            for name in files["log"]:
                try:
                    lines = (base / name).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                for entry in lines.splitlines():
                    warning = _WARNING.match(entry)
                    if warning and (rule, warning.group(1)) not in seen:
                        seen.add((rule, warning.group(1)))
                        out.append(f"  {rule}: {warning.group(1)}")
    if not out:
        return ""
    noun = "warning" if len(out) == 1 else "warnings"
    return "\n".join([f"The run finished with {len(out)} {noun} (see logs/):", *out])


def remove_stale_temp_files(folders: Iterable[str | Path]) -> list[Path]:
    """Delete the ``.<name>.<random>.tmp`` files that ``io.atomic_path`` leaves when a run is killed.

    Called when a run starts (under Snakemake's lock, before any job), so that a run after a kill
    leaves exactly the files a clean run writes. Returns the removed paths.
    """
    removed: list[Path] = []
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob(".*.tmp")):
            if path.is_file() and path.name.count(".") >= 3:
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed
