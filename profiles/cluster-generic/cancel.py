#!/usr/bin/env python3
"""Cancel jobs started by submit.py (Snakemake's cluster-generic cancel command, on Ctrl-C):
send SIGTERM to each job's process group."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

for job_id in sys.argv[1:]:
    with contextlib.suppress(
        IndexError, ValueError, ProcessLookupError
    ):  # not ours, or already ended
        os.killpg(int(job_id.split("-")[1]), signal.SIGTERM)
