"""A tmp copy of the repository's workflow, and Snakemake run on it (shared by the workflow tests)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_workflow(dest: Path) -> Path:
    """Copy what a pipeline run needs (not results/ or reports/) into ``dest``; return ``dest``."""
    for name in ("Snakefile", "environment.yml"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("config", "workflow", "data", "notebooks", "profiles"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("*.ipynb"))
    return dest


def run_snakemake(
    workdir: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """``python -m snakemake --cores 2 <args>`` in ``workdir`` with this interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def break_sheet_row(workdir: Path) -> None:
    """Make sheet row 3 (E003) invalid in a workflow copy: its estimate -31.3 lies outside its CI."""
    sheet = workdir / "data/extraction/effects.csv"
    lines = sheet.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",-1.3,-13.3,10.7,", ",-31.3,-13.3,10.7,")
    sheet.write_text("".join(lines), encoding="utf-8")
