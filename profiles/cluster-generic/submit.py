#!/usr/bin/env python3
"""A local stand-in for a batch system's submit command (sbatch, qsub), for the cluster-generic
profile: start the job script as a separate background process in its own session and print a
job id, as a scheduler would. Used to exercise Snakemake's submission path without a cluster
(tests/test_profiles.py), or to spread jobs over processes of one big machine.

Snakemake calls ``submit.py --rule R --mem-mb M --runtime T --cpus C JOBSCRIPT``. Each submission
appends one line to ``<state>/submissions.tsv`` (job id, rule, resources, job script); the job's
exit status and peak memory go to ``<state>/<id>.exit`` when it ends. ``<state>`` is
``$SPINEREVIEW_LOCAL_CLUSTER_DIR`` or ``.snakemake/local-cluster`` in the working directory.
status.py and cancel.py read the same folder. Nothing here limits memory or runtime: the
resources are logged, not enforced.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
from pathlib import Path


def state_dir() -> Path:
    path = Path(os.environ.get("SPINEREVIEW_LOCAL_CLUSTER_DIR", ".snakemake/local-cluster"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def submit(args: argparse.Namespace) -> None:
    state = state_dir()
    token = secrets.token_hex(4)  # with the pid: unique even when the system reuses a pid
    # The jobs' stdout and stderr (Snakemake's own output for each job) go to jobs.log.
    with open(state / "jobs.log", "ab") as log:
        runner = subprocess.Popen(
            [sys.executable, __file__, "--run", token, args.jobscript],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # own process group: cancel.py stops the job and its children
        )
    job_id = f"local-{runner.pid}-{token}"
    fields = [job_id, args.rule, args.mem_mb, args.runtime, args.cpus, args.jobscript]
    with open(state / "submissions.tsv", "a", encoding="utf-8") as fh:
        fh.write("\t".join(map(str, fields)) + "\n")
    print(job_id)


def run(token: str, jobscript: str) -> None:
    """The background process: run the job script, then record its exit status and peak memory."""
    state = state_dir()
    job_id = f"local-{os.getpid()}-{token}"
    rc = subprocess.call(["/bin/sh", jobscript])
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    tmp = state / f"{job_id}.exit.tmp"
    tmp.write_text(f"{rc}\t{peak_kib}\n", encoding="utf-8")
    os.replace(tmp, state / f"{job_id}.exit")  # status.py never sees half a file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", metavar="TOKEN", help=argparse.SUPPRESS)
    parser.add_argument("--rule", default="?")
    parser.add_argument("--mem-mb", default="?")
    parser.add_argument("--runtime", default="?")
    parser.add_argument("--cpus", default="?")
    parser.add_argument("jobscript")
    args = parser.parse_args()
    if args.run:
        run(args.run, args.jobscript)
    else:
        submit(args)


if __name__ == "__main__":
    main()
