#!/usr/bin/env python3
"""Status of a job started by submit.py, as Snakemake's cluster-generic status command expects:
prints ``running``, ``success`` or ``failed`` for the job id given."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def status(job_id: str) -> str:
    state = Path(os.environ.get("SPINEREVIEW_LOCAL_CLUSTER_DIR", ".snakemake/local-cluster"))
    exit_file = state / f"{job_id}.exit"
    if not exit_file.exists():
        try:
            os.kill(int(job_id.split("-")[1]), 0)
            return "running"
        except PermissionError:
            return "running"  # alive, under another user (cannot be ours; a scheduler would know)
        except (IndexError, ValueError, ProcessLookupError):
            pass  # gone: it wrote its exit file before it ended, unless it was killed
    if not exit_file.exists():
        return "failed"
    return "success" if exit_file.read_text(encoding="utf-8").split("\t")[0] == "0" else "failed"


if __name__ == "__main__":
    print(status(sys.argv[1]))
