"""Row-by-row validation of tables against the JSON-schemas in workflow/schemas/."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema

from spinereview.config import SCHEMA_DIR, load_yaml
from spinereview.errors import InputError


@functools.cache
def _validator(schema_name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_yaml(SCHEMA_DIR / schema_name))


def validate_rows(
    rows: Iterable[Mapping[str, Any]],
    schema_name: str,
    *,
    source: str | Path,
    id_field: str,
    start: int = 1,
) -> None:
    """Check every row against ``workflow/schemas/<schema_name>``; name the row, its id and field.

    Rows are numbered from ``start`` (the first data row is 1; a CSV header is not counted).
    """
    validator = _validator(schema_name)
    for number, row in enumerate(rows, start=start):
        error = jsonschema.exceptions.best_match(validator.iter_errors(row))
        if error is not None:
            field = ".".join(str(p) for p in error.absolute_path) or "<row>"
            raise InputError(
                source,
                f"{id_field} {row.get(id_field)!r} breaks {schema_name}: {error.message}",
                row=number,
                field=field,
            )
