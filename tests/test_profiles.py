"""profiles/: the local default, SLURM, Kubernetes and cluster-generic (issue 16, must have 4).

Dry runs with every profile (no sbatch, no Kubernetes cluster needed), and real runs through
snakemake-executor-plugin-cluster-generic with the local submit script of
profiles/cluster-generic/, which starts every job as a separate background process.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from browser import debian_command
from workflow_copy import ROOT, break_sheet_row, copy_workflow, run_snakemake

PROFILES = ROOT / "profiles"
CLUSTER_PROFILES = ("slurm", "kubernetes", "cluster-generic")
RESOURCES = ("mem_mb", "runtime", "cpus_per_task")


def _profile(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text(encoding="utf-8"))


def _snakemake(workdir: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 900):
    """``python -m snakemake <args>`` in ``workdir`` (no --cores: the profiles decide)."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def _job_stats(text: str) -> Counter[str]:
    """The "Job stats" table Snakemake prints before it starts (or in a dry run), without total."""
    block = text[text.index("Job stats:") :].splitlines()[3:]
    jobs: Counter[str] = Counter()
    for line in block:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        if parts[0] != "total":
            jobs[parts[0]] = int(parts[1])
    return jobs


def _job_resources(text: str, rule: str) -> dict[str, str]:
    """The ``resources:`` line of the first job of ``rule`` in Snakemake's console output."""
    block = re.search(rf"^(?:local)?rule {rule}:\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    assert block, f"no job of {rule} in the output"
    line = re.search(r"^\s+resources: (.*)$", block.group(1), re.M)
    assert line, block.group(0)
    return dict(item.split("=", 1) for item in line.group(1).split(", "))


def _rule_names(workdir: Path, *args: str) -> set[str]:
    proc = _snakemake(workdir, "--list-rules", *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return set(proc.stdout.split())


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository without results: every dry run lists the whole pipeline."""
    return copy_workflow(tmp_path_factory.mktemp("profiles"))


@pytest.fixture(scope="module")
def local_jobs(copy: Path) -> Counter[str]:
    proc = _snakemake(copy, "-n", "--workflow-profile", "none")
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = _job_stats(proc.stdout + proc.stderr)
    assert jobs["parse_records"] == 1 and jobs["all"] == 1 and jobs["render_notebook"] >= 1
    return jobs


def test_default_profile_is_read_by_a_plain_run(copy: Path, local_jobs: Counter[str]) -> None:
    """`snakemake` alone (no --cores) runs locally with the default profile; it lists the same jobs."""
    proc = _snakemake(copy, "-n")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    assert "Using workflow specific profile profiles/default" in out
    assert _job_stats(out) == local_jobs


def test_default_profile_sets_no_key_of_a_cluster_profile() -> None:
    """Snakemake applies profiles/default on top of any --profile, key by key: a key it shares
    with a cluster profile would silently replace that profile's value."""
    default = _profile("default")
    assert default == {"cores": "all"}
    for name in CLUSTER_PROFILES:
        assert not set(default) & set(_profile(name)), name


def test_makefile_runs_are_unchanged() -> None:
    """`make run` passes its own --cores (which wins over the default profile) and no profile."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\t$(SNAKEMAKE) --cores $(CORES)\n" in makefile
    assert "--profile" not in makefile and "--workflow-profile" not in makefile


@pytest.mark.parametrize("name", CLUSTER_PROFILES)
@pytest.mark.parametrize("flag", ["--workflow-profile", "--profile"])
def test_dry_run_with_each_cluster_profile(
    name: str, flag: str, copy: Path, local_jobs: Counter[str]
) -> None:
    """The dry run needs neither sbatch nor a Kubernetes cluster: Snakemake plans with its dry-run
    executor and never starts the plugin's. Kubernetes implies that the pods share no file
    system, so Snakemake insists on a default storage provider even for a dry run, and the
    storage must hold the inputs: the minimal setting is a storage prefix that is this copy of
    the repository itself (snakemake-storage-plugin-fs reads it as a local folder)."""
    assert shutil.which("sbatch") is None or name != "slurm"  # here: no SLURM installed
    extra = ["--default-storage-prefix", str(copy)] if name == "kubernetes" else []
    proc = _snakemake(copy, "-n", flag, f"profiles/{name}", *extra)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert _job_stats(out) == local_jobs
    profile = _profile(name)
    for rule in ("parse_records", "verify_snapshot"):
        wanted = {**profile["default-resources"], **profile["set-resources"].get(rule, {})}
        got = _job_resources(out, rule)
        assert {k: got[k] for k in RESOURCES} == {k: str(wanted[k]) for k in RESOURCES}, rule


def test_profiles_ask_for_the_same_resources_and_name_real_rules(copy: Path) -> None:
    """One set of figures for every executor, and no entry for a rule that does not exist (Snakemake
    ignores such an entry without a word)."""
    slurm = _profile("slurm")
    rules = _rule_names(copy) | _rule_names(copy, "--config", "search={mode: live}")
    assert set(slurm["set-resources"]) <= rules
    for name in ("kubernetes", "cluster-generic"):
        other = _profile(name)
        assert other["set-resources"] == slurm["set-resources"], name
        for key in RESOURCES:
            assert other["default-resources"][key] == slurm["default-resources"][key], name
    for key in ("slurm_partition", "slurm_account"):  # the user's to fill in, never invented
        assert key not in slurm["default-resources"]
        assert f"# {key}: <" in (PROFILES / "slurm/config.yaml").read_text(encoding="utf-8")


LOCAL_RULES = """
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, ResourceSettings
overwrite = {"search": {"mode": "live"}} if sys.argv[1] == "live" else {}
with SnakemakeApi() as api:
    workflow = api.workflow(
        resource_settings=ResourceSettings(cores=1),
        config_settings=ConfigSettings(config=overwrite),
        snakefile=Path("Snakefile"),
    )._workflow
    print(json.dumps(sorted(workflow._localrules)))
"""


def test_eutils_steps_are_local_rules_in_live_mode() -> None:
    """The one job that owns the E-utilities traffic (fetch_pubmed) and the ECitMatch look-ups of
    audit_references run on the submit host in live mode; offline no step is tied to it."""

    def local_rules(mode: str) -> list[str]:
        proc = subprocess.run(
            [sys.executable, "-c", LOCAL_RULES, mode], cwd=ROOT, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.splitlines()[-1])

    assert local_rules("live") == ["audit_references", "fetch_pubmed"]
    assert local_rules("snapshot") == []


def _submissions(state: Path) -> list[dict[str, str]]:
    names = ["job_id", "rule", "mem_mb", "runtime", "cpus", "jobscript"]
    with open(state / "submissions.tsv", encoding="utf-8", newline="") as fh:
        return [dict(zip(names, row, strict=True)) for row in csv.reader(fh, delimiter="\t")]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for folder in ("results", "reports")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


def _warnings(text: str) -> list[str]:
    """The onsuccess handler's block of the steps' warnings, at the end of the console, sorted
    (the steps' order depends on which parallel job ended first)."""
    start = text.index("The run finished with")
    return sorted(line for line in text[start:].splitlines() if line.startswith(("The", "  ")))


@pytest.mark.workflow
def test_cluster_generic_run_submits_every_job_and_matches_a_local_run(
    finished_run: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    """The whole pipeline through the cluster-generic executor: every job but the target goes
    through submit.py as a process of its own, and results/ and reports/ come out byte for byte as
    in a plain local run."""
    local_dir, local = finished_run
    assert local.returncode == 0, local.stderr[-3000:]
    (tmp_path / "wf").mkdir()
    workdir = copy_workflow(tmp_path / "wf")
    state = tmp_path / "cluster"
    env = {**os.environ, "SPINEREVIEW_LOCAL_CLUSTER_DIR": str(state)}
    proc = _snakemake(workdir, "--workflow-profile", "profiles/cluster-generic", env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]

    planned = _job_stats(out)
    assert planned == _job_stats(local.stdout + local.stderr)
    submitted = _submissions(state)
    expected = planned - Counter(all=1)  # `all` only gathers: Snakemake never submits it
    assert Counter(s["rule"] for s in submitted) == expected
    assert len({s["job_id"] for s in submitted}) == len(submitted)
    for s in submitted:  # each job ran as its own process and ended well
        assert s["job_id"] in out, s  # Snakemake tracked the id the script printed
        exit_status = (state / f"{s['job_id']}.exit").read_text(encoding="utf-8").split("\t")
        assert exit_status[0] == "0", s
    profile = _profile("cluster-generic")
    parse = next(s for s in submitted if s["rule"] == "parse_records")
    wanted = {**profile["default-resources"], **profile["set-resources"]["parse_records"]}
    assert (parse["mem_mb"], parse["runtime"], parse["cpus"]) == tuple(
        str(wanted[k]) for k in RESOURCES
    )

    assert _files(workdir) == _files(local_dir)
    assert _warnings(out) == _warnings(local.stdout + local.stderr)  # onsuccess saw the jobs' logs
    again = run_snakemake(workdir)  # Snakemake's metadata of the submitted jobs is complete
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Nothing to be done" in again.stdout + again.stderr


@pytest.mark.workflow
def test_cluster_generic_live_search_runs_on_the_submit_host(tmp_path: Path) -> None:
    """Live mode against the loopback E-utilities server: fetch_pubmed is never submitted (it runs
    where Snakemake runs, alone with the network), the steps after it are."""
    from eutils_server import SMALL_TERM, standard_server

    server = standard_server()
    try:
        workdir = copy_workflow(tmp_path)
        extra = {"search": {"mode": "live", "queries": [{"id": "small", "term": SMALL_TERM}],
                            "live": {"out_root": "data/pubmed", "date": "2026-03-01"},
                            "eutils": {"base_url": server.url, "email": "ci@example.org",
                                       "rate_state": str(tmp_path / "rate")}}}  # fmt: skip
        (workdir / "live.yaml").write_text(yaml.safe_dump(extra))
        state = tmp_path / "cluster"
        env = {**os.environ, "SPINEREVIEW_LOCAL_CLUSTER_DIR": str(state)}
        env.pop("NCBI_API_KEY", None)
        targets = ("results/pubmed/diff.json", "results/records.parquet")
        proc = _snakemake(
            workdir, *targets, "--workflow-profile", "profiles/cluster-generic",
            "--configfile", "live.yaml", env=env,
        )  # fmt: skip
        requests = len(server.log)
    finally:
        server.stop()
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "localrule fetch_pubmed:" in out
    rules = Counter(s["rule"] for s in _submissions(state))
    # every step after the search is submitted (one parse job per shard; scale.shards is 1 here)
    assert rules == Counter(["diff_pubmed", "verify_snapshot", "parse_shard", "parse_records"])
    assert requests > 0 and (workdir / "data/pubmed/2026-03-01/manifest.json").exists()
    assert (workdir / "results/records.parquet").exists()


@pytest.mark.workflow
def test_cluster_generic_failure_is_reported_like_a_local_one(tmp_path: Path) -> None:
    """A step that fails in its submitted process: status.py says so, the run stops, and the
    onerror handler prints what the failed step wrote to its log, as after a local failure."""
    workdir = copy_workflow(tmp_path)
    break_sheet_row(workdir)  # E003: the CI misses the estimate
    state = tmp_path / "cluster"
    env = {**os.environ, "SPINEREVIEW_LOCAL_CLUSTER_DIR": str(state)}
    target = "results/extraction/effects.csv"
    proc = _snakemake(workdir, "--workflow-profile", "profiles/cluster-generic", target, env=env)
    assert proc.returncode != 0
    console = (proc.stdout + proc.stderr).splitlines()
    bad_row = "error: data/extraction/effects.csv, line 4, field 'estimate'"
    assert any(bad_row in line for line in console[-12:]), "\n".join(console[-30:])
    (failed,) = [s for s in _submissions(state) if s["rule"] == "harmonise_effects"]
    assert (state / f"{failed['job_id']}.exit").read_text(encoding="utf-8").split("\t")[0] != "0"


#: What Snakemake counts as the workflow's sources (the Snakefile, its includes, the conda file,
#: the configfile; it ships them to remote jobs) and the profiles; everything else is an input.
SOURCES = ("Snakefile", "environment.yml", "workflow", "config", "profiles")
#: The inputs that no rule writes, as they lie in the storage (the configuration is read by a
#: notebook job as a declared input too).
STORED_INPUTS = ("data", "notebooks", "config")


@pytest.mark.workflow
def test_run_through_the_fs_storage_provider_reads_only_declared_inputs(
    finished_run: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    """What the Kubernetes profile relies on, short of a cluster: the whole pipeline run locally
    with a default storage provider, from a folder that holds only the workflow's sources while
    the inputs lie only in the storage. Every job then gets its files as local copies of its
    declared inputs (.snakemake/storage/fs/<prefix>/...): a step that read a file by a path of
    its own would not find it. results/ and reports/ land in the storage, byte for byte as in a
    plain local run, the run ends with the same warnings (a path in one names the local copy), and
    a second run has nothing to do."""
    debian_command("rsync", "rsync", "rsync (snakemake-storage-plugin-fs copies with it)")
    local_dir, local = finished_run
    assert local.returncode == 0, local.stderr[-3000:]
    workdir, store = tmp_path / "wf", tmp_path / "store"
    for dest, names in ((workdir, SOURCES), (store, STORED_INPUTS)):
        dest.mkdir()
        for name in names:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("*.ipynb"))
            else:
                shutil.copy2(ROOT / name, dest / name)
    storage = ("--default-storage-provider", "fs", "--default-storage-prefix", str(store))
    proc = run_snakemake(workdir, *storage)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert _job_stats(out) == _job_stats(local.stdout + local.stderr)
    assert "retrieve from storage" in out and "send to storage" in out
    for name in ("data", "notebooks", "results", "reports"):
        assert not (workdir / name).exists(), name
    assert _files(store) == _files(local_dir)
    # the steps' warnings, read from the stored logs; a step names its input by the local copy
    copies = f".snakemake/storage/fs/{str(store).lstrip('/')}/"
    assert _warnings(out.replace(copies, "")) == _warnings(local.stdout + local.stderr)
    again = run_snakemake(workdir, *storage)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Nothing to be done" in again.stdout + again.stderr
