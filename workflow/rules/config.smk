# The review protocol, read with the project's line-aware loader before Snakemake's `configfile:`:
# a YAML syntax error (or a key given twice) then names config/config.yaml and the line, where
# Snakemake's own loader would only say "not valid JSON or YAML". The key lines found here let
# common.smk name the line of a key that fails the schema or the semantic checks.
from spinereview.config import load_yaml_lines
from spinereview.errors import InputError

CONFIGFILE = "config/config.yaml"

try:
    _, CONFIG_LINES = load_yaml_lines(CONFIGFILE)
except InputError as exc:
    raise WorkflowError(f"invalid configuration: {exc}") from None
