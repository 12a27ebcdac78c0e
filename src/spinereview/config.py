"""Loading and validation of the review protocol (config/config.yaml).

Two layers, both run when Snakemake parses the workflow, before any job: the JSON schema
(workflow/schemas/config.schema.yaml: types, enums, required keys) and the semantic checks of
:func:`check_config` (every id an analysis or figure names exists, ids are unique, windows do not
overlap, paths hold no ``{``/``}``). Every error names the file, the key path and, when the file was
loaded with :func:`load_yaml_lines`, the line of that key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from spinereview.errors import InputError
from spinereview.io import not_utf8

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO_ROOT / "workflow" / "schemas"

#: A key path in the config: mapping keys and list indices, e.g. ("meta", "analyses", 2, "id").
KeyPath = tuple[str | int, ...]

#: Config keys that hold file or folder paths; Snakemake would read ``{x}`` in them as a wildcard.
PATH_KEYS: tuple[KeyPath, ...] = (
    ("results_dir",),
    ("search", "snapshot_dir"),
    ("search", "live", "out_root"),
    ("search", "eutils", "rate_state"),
    ("screening", "human_review", "sheet"),
    ("extraction", "sheet"),
    ("extraction", "arm_statistics"),
    ("reviews", "evidence"),
    ("reviews", "mapping"),
)

#: Which scale each outcome is harmonised to (spinereview.extraction.harmonise.scale_of).
OUTCOME_SCALES = {
    "leg_pain": "pain_0_100",
    "back_pain": "pain_0_100",
    "pain_overall": "pain_0_100",
    "disability": "disability_0_100",
    "responder": "responder_rd_pp",
}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from None


def _yaml_error(path: Path, exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and start is not None and start.line + 1 != line:
        problem += f" ({context} at line {start.line + 1})"
    return InputError(path, f"invalid YAML: {problem}", line=line)


#: libyaml's safe loader, when PyYAML was built with it: the same constructor and resolver as
#: ``yaml.SafeLoader``, with the scanner and parser in C (the workflow reads the config and its
#: schemas at every start, a no-op run included). A text libyaml refuses, or one with a character
#: the pure-Python reader refuses, is read again by ``yaml.SafeLoader``, so that every error
#: (message, line, the RecursionError of deep nesting) is exactly the pure-Python one.
_C_LOADER = getattr(yaml, "CSafeLoader", None)


def _parse(text: str, *, compose: bool) -> tuple[yaml.Node | None, Any]:
    """(node tree if ``compose``, data) of a YAML text; errors are those of ``yaml.SafeLoader``."""
    if _C_LOADER is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            node = yaml.compose(text, Loader=_C_LOADER) if compose else None
            return node, yaml.load(text, Loader=_C_LOADER)
        except yaml.YAMLError:
            pass
    node = yaml.compose(text, Loader=yaml.SafeLoader) if compose else None
    return node, yaml.safe_load(text)


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file; a syntax error becomes an InputError naming file and line."""
    path = Path(path)
    text = _read(path)
    try:
        return _parse(text, compose=False)[1]
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None


def load_yaml_lines(path: str | Path) -> tuple[Any, dict[KeyPath, int]]:
    """Read a YAML file and the line (1-based) of every mapping key and list item, by key path.

    A syntax error, or a key given twice in one mapping (PyYAML would silently keep the last), is an
    InputError naming the file and the line.
    """
    path = Path(path)
    text = _read(path)
    lines: dict[KeyPath, int] = {}
    try:
        node, data = _parse(text, compose=True)
        if node is not None:
            _record_lines(path, node, (), lines)
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    except RecursionError:  # PyYAML recurses once per level of nesting
        raise _nesting_error(path, text) from None
    return data, lines


def _nesting_error(path: Path, text: str) -> InputError:
    """A value nested deeper than the parser can follow; the line is the first with many brackets."""
    line = next(
        (n for n, row in enumerate(text.splitlines(), 1) if row.count("[") + row.count("{") > 100),
        None,
    )
    return InputError(path, "invalid YAML: lists or mappings nested too deeply", line=line)


def _record_lines(path: Path, node: yaml.Node, at: KeyPath, lines: dict[KeyPath, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key == "<<":  # a merge key; its entries are the aliased mapping's
                continue
            if key in seen:
                where = ".".join(str(p) for p in (*at, key))
                raise InputError(
                    path, f"key given twice (first at line {seen[key]})", line=line, field=where
                )
            seen[key] = line
            lines[(*at, key)] = line
            _record_lines(path, value_node, (*at, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*at, i)] = item.start_mark.line + 1
            _record_lines(path, item, (*at, i), lines)


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
        at = [*err.absolute_path, *_unexpected_key(err)]
        key = ".".join(str(p) for p in at) or "<top level>"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputError(source, f"{err.message}{more}", field=key)


def _unexpected_key(err: jsonschema.ValidationError) -> list[str]:
    """For an unknown key, that key (so the error names it and its line), else nothing."""
    if err.validator != "additionalProperties" or not isinstance(err.instance, Mapping):
        return []
    known = err.schema.get("properties", {}) if isinstance(err.schema, Mapping) else {}
    patterns = err.schema.get("patternProperties", {}) if isinstance(err.schema, Mapping) else {}
    extra = sorted(
        str(k)
        for k in err.instance
        if k not in known and not any(re.search(p, str(k)) for p in patterns)
    )
    return extra[:1]


def _key_path(field: str) -> KeyPath:
    return tuple(int(p) if p.isdigit() else p for p in field.split("."))


def _lookup(tree: Any, at: KeyPath) -> tuple[bool, Any]:
    for part in at:
        in_mapping = isinstance(tree, Mapping) and part in tree
        in_list = isinstance(tree, list) and isinstance(part, int) and 0 <= part < len(tree)
        if not (in_mapping or in_list):
            return False, None
        tree = tree[part]
    return True, tree


def _overridden(at: KeyPath, overrides: Mapping[str, Any] | None) -> bool:
    """Whether the value at ``at`` (or a mapping/list above it) comes from a command-line override."""
    if not overrides:
        return False
    return any(_lookup(overrides, at[:n])[0] for n in range(1, len(at) + 1))


def coerce_overrides(
    config: dict[str, Any], overrides: Mapping[str, Any] | None, schema: Mapping[str, Any]
) -> None:
    """Turn strings from ``--config`` into the numbers, booleans or nulls the schema asks for.

    Snakemake parses a nested ``--config 'search={eutils: {batch_size: 100}}'`` with YAML's base
    loader, so every value inside arrives as a string. Only a string the schema rejects, at a key the
    override set, is re-read as a YAML scalar (``100`` -> 100, ``null`` -> None, ``true`` -> True);
    strings the schema accepts (a search term ``"no"``) stay strings.
    """
    if not overrides:
        return
    validator = jsonschema.Draft202012Validator(schema)
    for _ in range(1000):  # each pass fixes at least one value
        fixed = False
        for err in validator.iter_errors(config):
            at = tuple(err.absolute_path)
            found, raw = _lookup(overrides, at)
            if not at or not found or not isinstance(raw, str) or err.instance != raw:
                continue
            value = _scalar(raw)
            if isinstance(value, str):
                continue
            parent = _lookup(config, at[:-1])[1]
            parent[at[-1]] = value
            fixed = True
            break
        if not fixed:
            return


def _scalar(text: str) -> Any:
    """A plain YAML scalar as the safe loader reads it (no dates: they stay text)."""
    tag = yaml.SafeLoader(text).resolve(yaml.ScalarNode, text, (True, False))
    if tag == "tag:yaml.org,2002:timestamp":
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if value is None or isinstance(value, bool | int | float) else text


def check_config(
    config: Any,
    *,
    source: str | Path = "config/config.yaml",
    lines: Mapping[KeyPath, int] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate a configuration mapping (e.g. Snakemake's ``config`` after --config overrides).

    ``lines`` (from :func:`load_yaml_lines`) adds the line of the offending key to the error;
    ``overrides`` (Snakemake's ``--config``/``--configfile`` values) are first coerced to the types
    the schema asks for, and an error in an overridden key names the override instead of a line.
    """
    try:
        schema = load_yaml(SCHEMA_DIR / "config.schema.yaml")
        coerce_overrides(config, overrides, schema)
        validate(config, SCHEMA_DIR / "config.schema.yaml", source=source)
        _check_paths(config, source)
        _check_unique_ids(config, source)
        _check_windows(config["extraction"]["windows"], source)
        _check_grade_coverage(config, source)
        _check_screening_classes(config["screening"], source)
        _check_analyses(config, source)
        _check_figure_classes(config, source)
        _check_indirect_classes(config, source)
    except InputError as exc:
        if exc.field is None or exc.line is not None or exc.field == "<top level>":
            raise
        at = _key_path(exc.field)
        if _overridden(at, overrides):
            raise InputError(
                f"{exc.path} (overridden on the command line by --config/--configfile)",
                exc.detail,
                field=exc.field,
            ) from None
        line = next((lines[at[:n]] for n in range(len(at), 0, -1) if at[:n] in (lines or {})), None)
        raise InputError(exc.path, exc.detail, line=line, field=exc.field) from None
    return config


def _check_paths(config: Any, source: str | Path) -> None:
    """A path with ``{`` or ``}`` would become a Snakemake wildcard; refuse it with the key."""
    for at in PATH_KEYS:
        found, value = _lookup(config, at)
        if found and isinstance(value, str) and re.search(r"[{}]", value):
            raise InputError(
                source,
                f"path {value!r} contains '{{' or '}}', which Snakemake reads as a wildcard",
                field=".".join(map(str, at)),
            )


def _duplicates(items: list[Any], at: str, what: str, source: str | Path, key: str = "id") -> None:
    """The second occurrence of an id in ``items`` (mappings with ``key``) is an error."""
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        value = item[key]
        if value in first:
            raise InputError(
                source,
                f"duplicate {what} id {value!r} (also {at}.{first[value]}.{key})",
                field=f"{at}.{i}.{key}",
            )
        first[value] = i


CRITERIA = ("intervention", "drug", "region", "comparator", "population", "duration")


def _check_unique_ids(config: Any, source: str | Path) -> None:
    """Ids are unique: queries, analyses, windows, article-figure classes, classes per criterion."""
    _duplicates(config["search"]["queries"], "search.queries", "query", source)
    _duplicates(config["meta"]["analyses"], "meta.analyses", "analysis", source)
    _duplicates(config["extraction"]["windows"], "extraction.windows", "window", source)
    for name in CRITERIA:
        block = f"screening.{name}.classes"
        _duplicates(config["screening"][name]["classes"], block, f"{name} class", source)
    article = config["figures"].get("article")
    if article:
        _duplicates(article["classes"], "figures.article.classes", "figure class", source)


def _check_windows(entries: list[Any], source: str | Path) -> None:
    """Windows follow each other without overlap: bounds strictly increase, only the last is open."""
    from spinereview.extraction.harmonise import windows_from_config

    windows_from_config(entries, source=str(source))


def _check_screening_classes(screening: Any, source: str | Path) -> None:
    """Every class id the screening protocol names (eligible, absent, curated, arms) is defined."""

    def ids(name: str) -> set[str]:
        return {c["id"] for c in screening[name]["classes"]}

    for name in CRITERIA:
        block = screening[name]
        known = ids(name) | ({block["absent"]} if "absent" in block else set())
        named = [(f"eligible.{j}", i) for j, i in enumerate(block["eligible"])]
        named += [(f"curated.{k}", i) for k, i in block.get("curated", {}).items()]
        named += [("active_arms", block["active_arms"])] if "active_arms" in block else []
        named += [(f"drug_arms.{k}", i) for k, i in block.get("drug_arms", {}).items()]
        for key, class_id in named:
            if class_id not in known:
                raise InputError(
                    source,
                    f"class {class_id!r} is not defined in screening.{name}.classes "
                    f"(known: {', '.join(sorted(known))})",
                    field=f"screening.{name}.{key}",
                )
        for drug_class in block.get("drug_arms", {}):
            if drug_class not in ids("drug"):
                raise InputError(
                    source,
                    f"{drug_class!r} is not a class of screening.drug",
                    field=f"screening.{name}.drug_arms",
                )


def _check_analyses(config: Any, source: str | Path) -> None:
    """Classes, windows and outcomes an analysis names exist and fit its scale."""
    screening = config["screening"]
    known = {
        "interventions": ("screening.intervention.classes", screening["intervention"]),
        "comparators": ("screening.comparator.classes", screening["comparator"]),
    }
    windows = [w["id"] for w in config["extraction"]["windows"]]
    for i, analysis in enumerate(config["meta"]["analyses"]):
        at = f"meta.analyses.{i}"
        for key, (where, block) in known.items():
            ids = [c["id"] for c in block["classes"]]
            for j, class_id in enumerate(analysis[key]):
                if class_id not in ids:
                    raise InputError(
                        source,
                        f"analysis {analysis['id']!r}: {class_id!r} is not a class of {where} "
                        f"(known: {', '.join(ids)})",
                        field=f"{at}.{key}.{j}",
                    )
                if class_id not in block["eligible"]:
                    raise InputError(
                        source,
                        f"analysis {analysis['id']!r}: class {class_id!r} is not eligible "
                        f"({where.rsplit('.', 1)[0]}.eligible), so no study can have it",
                        field=f"{at}.{key}.{j}",
                    )
        for j, window in enumerate(analysis["windows"]):
            if window not in windows:
                raise InputError(
                    source,
                    f"analysis {analysis['id']!r}: {window!r} is not a window of extraction.windows "
                    f"(known: {', '.join(windows)})",
                    field=f"{at}.windows.{j}",
                )
        for j, outcome in enumerate(analysis["outcomes"]):
            if OUTCOME_SCALES[outcome] != analysis["scale"]:
                raise InputError(
                    source,
                    f"analysis {analysis['id']!r}: outcome {outcome!r} is harmonised to "
                    f"{OUTCOME_SCALES[outcome]}, not to its scale {analysis['scale']}",
                    field=f"{at}.outcomes.{j}",
                )
        for key in ("interventions", "comparators", "outcomes", "windows", "subgroups"):
            values = analysis.get(key, [])
            for j, value in enumerate(values):
                if value in values[:j]:
                    raise InputError(
                        source,
                        f"analysis {analysis['id']!r}: {value!r} is listed twice",
                        field=f"{at}.{key}.{j}",
                    )


def _check_figure_classes(config: Any, source: str | Path) -> None:
    """The article figure's classes name intervention classes of the screening protocol."""
    article = config["figures"].get("article")
    if not article:
        return
    ids = [c["id"] for c in config["screening"]["intervention"]["classes"]]
    for i, entry in enumerate(article["classes"]):
        for j, class_id in enumerate(entry["interventions"]):
            if class_id not in ids:
                raise InputError(
                    source,
                    f"{class_id!r} is not a class of screening.intervention.classes "
                    f"(known: {', '.join(ids)})",
                    field=f"figures.article.classes.{i}.interventions.{j}",
                )


def _check_indirect_classes(config: Any, source: str | Path) -> None:
    """GRADE's indirect classes are classes of the named screening criterion."""
    for dimension, classes in config["grade"]["indirectness"]["classes"].items():
        block = config["screening"][dimension]
        ids = {c["id"] for c in block["classes"]} | (
            {block["absent"]} if "absent" in block else set()
        )
        for class_id in classes:
            if class_id not in ids:
                raise InputError(
                    source,
                    f"{class_id!r} is not a class of screening.{dimension}.classes",
                    field=f"grade.indirectness.classes.{dimension}.{class_id}",
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
    for i, window in enumerate(config["extraction"]["windows"]):
        if window["id"] not in grade["windows"]:
            raise InputError(
                source,
                f"window {window['id']!r} of extraction.windows.{i} has no phrase",
                field=f"grade.windows.{window['id']}",
            )


def load_config(path: str | Path) -> dict[str, Any]:
    """Load config/config.yaml and validate it; errors name the file, the line and the key path."""
    data, lines = load_yaml_lines(path)
    return check_config(data, source=path, lines=lines)
