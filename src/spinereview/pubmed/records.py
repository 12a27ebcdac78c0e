"""The records table: one row per PMID across all queries, schema-checked, written atomically."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from spinereview.errors import InputError
from spinereview.io import atomic_path
from spinereview.pubmed.parse import iter_records
from spinereview.schemas import validate_rows as check_rows

_TEXT = pa.string()
_AUTHOR = pa.struct([("last", _TEXT), ("fore", _TEXT), ("initials", _TEXT), ("collective", _TEXT)])
_SECTION = pa.struct([("label", _TEXT), ("nlm_category", _TEXT), ("text", _TEXT)])
_QUALIFIER = pa.struct([("name", _TEXT), ("ui", _TEXT), ("major_topic", pa.bool_())])
_MESH = pa.struct(
    [
        ("descriptor", _TEXT),
        ("descriptor_ui", _TEXT),
        ("major_topic", pa.bool_()),
        ("qualifiers", pa.list_(_QUALIFIER)),
    ]
)

#: Arrow schema of results/records.parquet; column order is the order of the table.
ARROW_SCHEMA = pa.schema(
    [
        ("pmid", _TEXT),
        ("doi", _TEXT),
        ("pmcid", _TEXT),
        ("title", _TEXT),
        ("abstract", _TEXT),
        ("abstract_sections", pa.list_(_SECTION)),
        ("authors", pa.list_(_AUTHOR)),
        ("authors_complete", pa.bool_()),
        ("journal", _TEXT),
        ("journal_iso", _TEXT),
        ("medline_ta", _TEXT),
        ("year", pa.int32()),
        ("month", pa.int32()),
        ("pub_date_raw", _TEXT),
        ("volume", _TEXT),
        ("issue", _TEXT),
        ("pages", _TEXT),
        ("publication_types", pa.list_(_TEXT)),
        ("mesh", pa.list_(_MESH)),
        ("keywords", pa.list_(_TEXT)),
        ("language", pa.list_(_TEXT)),
        ("query_ids", pa.list_(_TEXT)),
        ("flags", pa.list_(_TEXT)),
    ]
)
COLUMNS: tuple[str, ...] = tuple(ARROW_SCHEMA.names)


def merge_query_files(files: Sequence[tuple[str, Path]]) -> list[dict[str, Any]]:
    """Parse each (query_id, xml_path) and merge to one row per PMID, sorted by PMID.

    A PMID found by several queries becomes one row whose ``query_ids`` lists them in config order.
    The same PMID with different content in two files (e.g. files fetched on different days) is an
    error, because silently choosing one version would hide a change in the record.
    """
    by_pmid: dict[str, dict[str, Any]] = {}
    origin: dict[str, Path] = {}
    for query_id, path in files:
        for record in iter_records(path):
            pmid = record["pmid"]
            seen = by_pmid.get(pmid)
            if seen is None:
                by_pmid[pmid] = {**record, "query_ids": [query_id]}
                origin[pmid] = Path(path)
                continue
            if {k: v for k, v in seen.items() if k != "query_ids"} != record:
                raise InputError(
                    path,
                    f"PMID {pmid} differs from the same PMID in {origin[pmid]}; "
                    "re-fetch both queries in one search",
                    field="PubmedArticle",
                )
            if query_id not in seen["query_ids"]:
                seen["query_ids"].append(query_id)
    return [by_pmid[p] for p in sorted(by_pmid, key=int)]


def validate_rows(rows: Iterable[dict[str, Any]], *, source: str | Path) -> None:
    """Check every row against workflow/schemas/records.schema.yaml; name row, PMID and field."""
    check_rows(rows, "records.schema.yaml", source=source, id_field="pmid")


def _csv_table(table: pa.Table) -> pa.Table:
    """Return a copy of ``table`` with nested columns encoded as JSON text (for the CSV copy)."""
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_list(column.type):
            values = [json.dumps(v, ensure_ascii=False) for v in column.to_pylist()]
            column = pa.array(values, type=pa.string())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def write_records(rows: list[dict[str, Any]], parquet_path: Path, csv_path: Path) -> None:
    """Validate ``rows`` and write the Parquet table and its CSV copy, both or neither."""
    validate_rows(rows, source=parquet_path)
    table = pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)
    with atomic_path(parquet_path) as tmp_parquet, atomic_path(csv_path) as tmp_csv:
        pq.write_table(table, tmp_parquet, compression="zstd", write_statistics=False)
        pacsv.write_csv(_csv_table(table), tmp_csv)


def read_records(path: str | Path) -> pa.Table:
    """Read results/records.parquet and check that its columns and types are the expected ones."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "records table not found; run the parse_records rule first")
    table = pq.read_table(path)
    if table.schema.remove_metadata() != ARROW_SCHEMA:
        expected, found = set(ARROW_SCHEMA.names), set(table.schema.names)
        detail = f"missing {sorted(expected - found)}, unexpected {sorted(found - expected)}"
        raise InputError(path, f"records table has the wrong schema ({detail})", field="columns")
    return table
