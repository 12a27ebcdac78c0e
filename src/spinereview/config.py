"""Loading and schema validation of the review protocol (config/config.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from spinereview.errors import InputError

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO_ROOT / "workflow" / "schemas"


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file; a syntax error becomes an InputError naming file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise InputError(path, f"invalid YAML: {exc.problem}", line=line) from None


def validate(instance: Any, schema_path: str | Path, *, source: str | Path) -> None:
    """Validate ``instance`` against a JSON-schema (YAML file); report the first error by key path.

    Errors are sorted by their path so the message is deterministic when several keys are wrong.
    """
    schema = load_yaml(schema_path)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]
    )
    if errors:
        err = errors[0]
        key = ".".join(str(p) for p in err.absolute_path) or "<top level>"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputError(source, f"{err.message}{more}", field=key)


def check_config(config: Any, *, source: str | Path = "config/config.yaml") -> dict[str, Any]:
    """Validate a configuration mapping (e.g. Snakemake's ``config`` after --config overrides)."""
    validate(config, SCHEMA_DIR / "config.schema.yaml", source=source)
    ids = [q["id"] for q in config["search"]["queries"]]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise InputError(
            source, f"duplicate query id(s): {', '.join(duplicated)}", field="search.queries"
        )
    _check_grade_coverage(config, source)
    _check_screening_classes(config["screening"], source)
    return config


def _check_screening_classes(screening: Any, source: str | Path) -> None:
    """Every class id the screening protocol names (eligible, absent, curated, arms) is defined."""

    def ids(name: str) -> set[str]:
        return {c["id"] for c in screening[name]["classes"]}

    for name in ("intervention", "drug", "region", "comparator", "population", "duration"):
        block = screening[name]
        known = ids(name) | ({block["absent"]} if "absent" in block else set())
        named = [("eligible", i) for i in block["eligible"]]
        named += [("curated", i) for i in block.get("curated", {}).values()]
        named += [("active_arms", block["active_arms"])] if "active_arms" in block else []
        named += [("drug_arms", i) for i in block.get("drug_arms", {}).values()]
        for key, class_id in named:
            if class_id not in known:
                raise InputError(
                    source, f"class {class_id!r} is not defined", field=f"screening.{name}.{key}"
                )
        for drug_class in block.get("drug_arms", {}):
            if drug_class not in ids("drug"):
                raise InputError(
                    source,
                    f"{drug_class!r} is not a class of screening.drug",
                    field=f"screening.{name}.drug_arms",
                )


def _check_grade_coverage(config: Any, source: str | Path) -> None:
    """Every analysis scale has GRADE rules and every follow-up window a phrase for the statements."""
    grade = config["grade"]
    for i, analysis in enumerate(config["meta"]["analyses"]):
        if analysis["scale"] not in grade["scales"]:
            raise InputError(
                source,
                f"analysis {analysis['id']!r} uses scale {analysis['scale']!r}, which has no GRADE "
                f"rules (meta.analyses.{i}.scale)",
                field=f"grade.scales.{analysis['scale']}",
            )
    for window in config["extraction"]["windows"]:
        if window["id"] not in grade["windows"]:
            raise InputError(
                source,
                f"window {window['id']!r} of extraction.windows has no phrase",
                field=f"grade.windows.{window['id']}",
            )


def load_config(path: str | Path) -> dict[str, Any]:
    """Load config/config.yaml and validate it against workflow/schemas/config.schema.yaml."""
    return check_config(load_yaml(path), source=path)
