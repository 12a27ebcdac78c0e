"""Benchmark: a clean `make run` and a no-op re-run, with Snakemake's own start-up as the anchor.

Run with `.venv/bin/python benchmarks/bench_run.py [--cores 2] [--repeat 3] [--repo CHECKOUT]`. Each
repeat copies the tracked files (`git ls-files`, as on disk) of this repository (or of --repo, e.g.
a checkout of main for a before/after) into a new temporary folder and runs there, with the
Snakemake of this interpreter's environment and PYTHONPATH=<copy>/src (so the rules' `python -m
spinereview` runs the copied code):

1. clean run: `snakemake --cores N` on the embedded snapshot (results/, reports/ with figures, the
   executed notebooks and their HTML), as `make run` does;
2. no-op re-run: the same command again, which must report "Nothing to be done";
3. anchor: `snakemake -n --cores 1` on a Snakefile of one rule, in an empty folder: Snakemake's own
   start-up (its imports, plugin discovery, argument parsing), the floor of any no-op run.

Prints the machine, each repeat, and the medians, the clean run's CPU time too (user + system of
Snakemake and every job it started: it holds on a loaded machine where wall times do not, and on N
cores a clean run cannot take less than CPU / N), with the clean and no-op times also as multiples
of the anchor (the ratios hold better than seconds on a shared machine). Targets of issue 16: clean
run <= 20 s and no-op re-run <= 2 s on 2 cores. Writes nothing outside temporary folders.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLEAN_TARGET = 20.0
NOOP_TARGET = 2.0
ONE_RULE = 'rule one:\n    output:\n        "one.txt"\n    shell:\n        "touch {output}"\n'


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}"
    )


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def copy_repository(repo: Path, dest: Path) -> None:
    """The tracked files of ``repo`` (no results/, reports/, .snakemake/ or .venv), as on disk."""
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = repo / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str, float]:
    """(wall seconds, output, CPU seconds of the command and all its child processes)."""
    cpu = children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    cpu = children_cpu() - cpu
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd} (exit {proc.returncode})")
    return elapsed, proc.stdout + proc.stderr, cpu


def run_once(repo: Path, snakemake: str, cores: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        work, anchor_dir = Path(tmp) / "repo", Path(tmp) / "anchor"
        work.mkdir()
        anchor_dir.mkdir()
        copy_repository(repo, work)
        (anchor_dir / "Snakefile").write_text(ONE_RULE, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(work / "src")}
        env["PATH"] = f"{Path(snakemake).parent}{os.pathsep}{env.get('PATH', '')}"
        anchor, _, _ = timed([snakemake, "-n", "--cores", "1"], anchor_dir, env)
        clean, _, clean_cpu = timed([snakemake, "--cores", str(cores)], work, env)
        noop, output, _ = timed([snakemake, "--cores", str(cores)], work, env)
        if "Nothing to be done" not in output:
            raise SystemExit(f"the re-run was not a no-op:\n{output}")
    return {"anchor": anchor, "clean": clean, "noop": noop, "clean_cpu": clean_cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", type=int, default=2, help="snakemake --cores (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="repeats (default 3; medians shown)")
    parser.add_argument(
        "--snakemake",
        default=str(Path(sys.executable).parent / "snakemake"),
        help="the snakemake to run (default: beside this interpreter)",
    )
    parser.add_argument(
        "--repo",
        type=Path,
        default=ROOT,
        help="the checkout to copy and run (default: this one; another to compare before/after)",
    )
    args = parser.parse_args(argv)
    print(f"machine: {machine()}; snakemake {args.snakemake}, --cores {args.cores}")
    print(f"repository: {args.repo.resolve()}")
    runs = []
    for i in range(args.repeat):
        before = load()
        run = run_once(args.repo.resolve(), args.snakemake, args.cores)
        runs.append(run)
        print(
            f"run {i + 1}: clean {run['clean']:.1f} s ({run['clean_cpu']:.1f} s CPU), no-op {run['noop']:.2f} s, anchor "
            f"{run['anchor']:.2f} s (clean {run['clean'] / run['anchor']:.1f} x anchor, no-op "
            f"{run['noop'] / run['anchor']:.2f} x anchor; load average before {before})"
        )
    med = {
        key: statistics.median(r[key] for r in runs)
        for key in ("anchor", "clean", "noop", "clean_cpu")
    }
    ratio = {
        key: statistics.median(r[key] / r["anchor"] for r in runs) for key in ("clean", "noop")
    }
    for key, target in (("clean", CLEAN_TARGET), ("noop", NOOP_TARGET)):
        verdict = "met" if med[key] <= target else "not met"
        print(
            f"median {key}: {med[key]:.2f} s = {ratio[key]:.2f} x anchor "
            f"(target <= {target:g} s: {verdict})"
        )
    print(
        f"median CPU of the clean run (user + system, every process): {med['clean_cpu']:.1f} s, "
        f"{med['clean_cpu'] / args.cores:.1f} s per core of {args.cores}"
    )
    print(f"median anchor (snakemake -n, one rule): {med['anchor']:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
