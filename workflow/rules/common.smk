# Shared values for all rules: the validated configuration and how rules call the package.
import json
import os
import sys

from spinereview.config import check_config
from spinereview.errors import InputError

try:
    check_config(config, source="config/config.yaml (with --config overrides)")
except InputError as exc:
    raise WorkflowError(f"invalid configuration: {exc}") from None

RESULTS = config["results_dir"]
SNAPSHOT = config["search"]["snapshot_dir"]
QUERY_IDS = [q["id"] for q in config["search"]["queries"]]
QUERIES_JSON = json.dumps(config["search"]["queries"], ensure_ascii=False)
# The package's CLI, run with the interpreter that runs Snakemake (the project's .venv).
SPINEREVIEW = f"{sys.executable} -m spinereview"

if config["search"]["mode"] == "live":
    raise WorkflowError(
        "search.mode=live needs the E-utilities client, which is not built yet (issue 7); "
        "run with search.mode=snapshot (the default)"
    )
