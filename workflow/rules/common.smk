# Shared values for all rules: the validated configuration and how rules call the package.
import json
import os
import re
import sys

from spinereview.config import check_config
from spinereview.figures import names as fignames
from spinereview.errors import InputError
from spinereview.shards import DEFAULT_SHARDS, shard_names

# Schema and semantic checks (ids exist and are unique, windows do not overlap) on the merged config,
# before any job. Values from --config arrive as strings; check_config re-reads those the schema
# rejects (batch_size: "100" -> 100). An error names config/config.yaml, the key path and its line.
try:
    check_config(
        config,
        source=CONFIGFILE,
        lines=CONFIG_LINES,
        overrides=workflow.config_settings.overwrite_config,
    )
except InputError as exc:
    raise WorkflowError(f"invalid configuration: {exc}") from None

# Wildcards: Snakemake expands `{name}` in every string param, so a config string with braces (a
# search term "{x}") must not reach a param as such. config_json() writes braces inside JSON strings
# as \u007b and \u007d: the same JSON to the package, nothing for Snakemake to expand. Paths with
# braces are refused by check_config.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def config_json(value, **kwargs):
    """json.dumps(value, **kwargs) with no `{` or `}` inside its strings."""
    text = json.dumps(value, **kwargs)
    return _JSON_STRING.sub(
        lambda m: m.group(0).replace("{", "\\u007b").replace("}", "\\u007d"), text
    )

# The configuration without the execution settings (scale), which change no result: what the steps
# that read the whole configuration get, so that a new number of shards re-runs none of them and the
# report's config hash stays that of the review protocol.
REVIEW_CONFIG_JSON = config_json(
    {k: v for k, v in config.items() if k != "scale"}, sort_keys=True, ensure_ascii=False
)
RESULTS = config["results_dir"]
# Parsing, screening and candidate extraction run once per shard of the records, and rules gather
# the shards into the same tables one job would write (spinereview.shards; README, "Configuration").
SHARDS = shard_names(config.get("scale", {}).get("shards", DEFAULT_SHARDS))
SHARD_PATTERN = r"[1-9][0-9]*-of-[1-9][0-9]*"
SNAPSHOT = config["search"]["snapshot_dir"]  # replaced below in live mode
QUERY_IDS = [q["id"] for q in config["search"]["queries"]]
QUERIES_JSON = config_json(config["search"]["queries"], ensure_ascii=False)
# The optional RoB 2 sheet lives beside the curated effect sheet; without it the RoB figure is a note
# and the certainty rules rate risk of bias as "not assessed".
ROB_SHEET = os.path.join(os.path.dirname(config["extraction"]["sheet"]), fignames.ROB_SHEET)
# The screening protocol passed to screen_records, without the human-review settings, so that
# changing the sample size or the sheet does not re-screen (and re-run everything after screening).
SCREENING_PROTOCOL = config_json(
    {k: v for k, v in config["screening"].items() if k != "human_review"},
    ensure_ascii=False,
    sort_keys=True,
)
# The human reviewer's filled-in screening sheet: optional; without it agreement is "not yet reviewed".
REVIEW_SHEET = config["screening"]["human_review"]["sheet"]
# The package's CLI, run with the interpreter that runs Snakemake (the project's .venv).
SPINEREVIEW = f"{sys.executable} -m spinereview"

# All outputs of the workflow are flagged update(), so Snakemake neither deletes one before its job
# nor after a failure, but backs it up and restores it when the job fails. A failing step so keeps
# its previous good outputs (the writers are atomic), and onerror (print_failure_summary) dates them
# before their newest input so that the next run redoes the step. tests/test_run_reliability.py
# checks that no output lacks the flag. (The live snapshot folder is the exception: each is new.)

# Live mode searches PubMed into a new dated snapshot and reads that; snapshot mode reads the
# committed one. The date is fixed when the workflow is parsed, so one run uses one folder.
LIVE = config["search"]["mode"] == "live"
if LIVE:
    import datetime

    LIVE_DATE = config["search"]["live"].get("date") or datetime.date.today().isoformat()
    SNAPSHOT = f"{config['search']['live']['out_root']}/{LIVE_DATE}"


def snapshot_files(wildcards):
    """Inputs that stand for the snapshot: its files, or the live search's folder."""
    if LIVE:
        return {"snapshot": rules.fetch_pubmed.output.snapshot}
    return {
        "manifest": f"{SNAPSHOT}/manifest.json",
        "xml": expand(f"{SNAPSHOT}/{{query}}.xml", query=QUERY_IDS),
    }


def snapshot_manifest(wildcards):
    """The input that holds the snapshot's manifest.json: the file, or the live search's folder."""
    return rules.fetch_pubmed.output.snapshot if LIVE else f"{SNAPSHOT}/manifest.json"


# Steps get every file they read through their declared inputs: with a default storage provider
# (profiles/kubernetes) a job's inputs are local copies under .snakemake/storage/, so a path built
# here from the configuration would name a file the job does not have. These params functions
# derive the paths from the job's inputs; in a plain local run they are the same paths as before.
def snapshot_dir(wildcards, input):
    """The snapshot folder of the job's inputs (unpack(snapshot_files))."""
    return input.snapshot if LIVE else os.path.dirname(input.manifest)


def manifest_path(wildcards, input):
    """The manifest.json of the job's input ``manifest`` (snapshot_manifest)."""
    return os.path.join(input.manifest, "manifest.json") if LIVE else input.manifest


def workflow_path(path):
    """A rule's input or output path as the workflow names it. With a default storage provider a
    rule's files carry their storage object and read as its local copy (.snakemake/storage/...);
    this gives back the path the storage query was made from."""
    if getattr(path, "is_storage", False):
        prefix = workflow.storage_settings.default_storage_prefix or ""
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        query = path.storage_object.query
        if query.startswith(prefix):
            return query[len(prefix) :]
    return str(path)


def optional_input(path):
    """[path] if the optional file exists, else []. With a default storage provider the inputs
    live in the storage, so the file is looked for there, not in this folder."""
    from snakemake.io import get_flag_value, is_flagged

    if workflow.storage_settings.default_storage_provider is not None:
        stored = workflow.modifier.path_modifier.apply_default_storage(path)
        if is_flagged(stored, "storage_object"):
            return [path] if get_flag_value(stored, "storage_object").exists() else []
    return [path] if os.path.exists(path) else []


def previous_snapshot_input():
    """Live mode: [the snapshot the new one is compared with], or [] when there is none. With a
    default storage provider on a file system (fs) it is looked for in the storage; other
    providers cannot be listed here, so there the diff finds none."""
    from spinereview.pubmed.live import previous_snapshot

    out_root = config["search"]["live"]["out_root"]
    where = out_root
    if workflow.storage_settings.default_storage_provider == "fs":
        where = os.path.join(workflow.storage_settings.default_storage_prefix or "", out_root)
    elif workflow.storage_settings.default_storage_provider is not None:
        return []
    found = previous_snapshot(where, before=LIVE_DATE)
    return [os.path.join(out_root, found.name)] if found else []


def optional_path(name, default):
    """A params function: the optional input ``name`` as the job has it, else ``default`` (a path
    that does not exist, which the step reads as "not there")."""
    return lambda wildcards, input: input[name][0] if input[name] else default



def notebook_root(input):
    """The folder above the notebook job's input notebooks/<name>.py, which holds its other inputs as
    in the repository (results/, reports/, config/, data/): "." here; under a storage provider, their local copy in .snakemake/storage/.
    The kernel runs there, so the parameters' relative paths lead to the job's inputs."""
    return os.path.dirname(os.path.dirname(input.notebook)) or "."


def check_inputs():
    """Stop before any job if an input that no rule writes is missing (called at the end of the
    Snakefile, when every rule is known). Without this, Snakemake drops the job that reads a deleted
    file when that job's outputs exist from an earlier run, and says "Nothing to be done" on stale
    results (issue 13). Input functions are evaluated without wildcards; those that need wildcards
    (the notebooks) are skipped, and optional inputs (RoB sheet, review sheet) return [] when absent."""
    from snakemake.io import is_callable
    from snakemake.iocontainers import Wildcards
    from spinereview.runcheck import missing_inputs_message

    missing = {}
    for step in workflow.rules:
        try:
            files = list(step.expand_input(Wildcards())[0])
        except Exception:  # an input needs wildcards (the notebooks): check the static ones
            files = [f for f in step.input if not is_callable(f) and not f.contains_wildcard()]
        # With a default storage provider (the Kubernetes profile) inputs live in the storage,
        # not here: Snakemake checks those itself.
        paths = [str(f) for f in files if not getattr(f, "is_storage", False)]
        for path in paths:
            if os.path.exists(path) or any(r.is_producer(path) for r in workflow.rules):
                continue
            missing.setdefault(path, []).append(step.name)
    if missing:
        raise WorkflowError(missing_inputs_message(missing, config, "config/config.yaml"))


def print_failure_summary(log):
    """onerror: mark the failed steps' kept outputs out of date, then print each failed job's
    one-line message as the last thing on the console."""
    from spinereview.runcheck import failure_summary, mark_failed_outputs_out_of_date

    from snakemake.io import IOFile

    logs = log if isinstance(log, (list, tuple)) else [log]
    for path in mark_failed_outputs_out_of_date(logs):
        # A failed update() job still records metadata with its (bad) input's checksum, and
        # Snakemake skips a job whose newer input has the recorded checksum: drop the record.
        workflow.persistence.cleanup_metadata(IOFile(str(path)))
    summary = failure_summary(logs)
    if summary:
        print(summary, file=sys.stderr)


def print_warnings(log):
    """onsuccess: the warnings the steps of this run wrote to their logs, at the end of the console."""
    from spinereview.runcheck import warnings_summary

    summary = warnings_summary(log if isinstance(log, (list, tuple)) else [log])
    if summary:
        print(summary, file=sys.stderr)


def remove_stale_temp_files():
    """onstart: temporary files of the atomic writer left by a killed run (see `make recover`)."""
    from spinereview.runcheck import remove_stale_temp_files as remove

    for path in remove([RESULTS, "reports"]):
        print(f"removed {path} (left by an interrupted run)", file=sys.stderr)
