"""Fixtures shared by several test modules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from workflow_copy import copy_workflow, run_snakemake


@pytest.fixture(scope="session")
def finished_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One plain local run of the whole pipeline on a copy of the repository, shared read-only by
    the modules that only look at its outputs (test_workflow, test_profiles): a full run takes
    minutes on two cores. A test that changes files works on a copy of its own."""
    workdir = copy_workflow(tmp_path_factory.mktemp("wf"))
    return workdir, run_snakemake(workdir)
