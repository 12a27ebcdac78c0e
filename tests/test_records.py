"""The records table: merge across queries, schema check on write, atomic Parquet + CSV output."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spinereview.errors import InputError
from spinereview.pubmed import records as records_module
from spinereview.pubmed.records import (
    ARROW_SCHEMA,
    build_records,
    merge_query_files,
    read_records,
    validate_rows,
    write_records,
)
from spinereview.schemas import validate_rows as jsonschema_rows

FIXTURES = Path(__file__).parent / "fixtures" / "records"
A, B, CONFLICT = FIXTURES / "query_a.xml", FIXTURES / "query_b.xml", FIXTURES / "query_conflict.xml"


def test_pmid_found_by_two_queries_is_one_row_with_both_ids() -> None:
    rows = merge_query_files([("qa", A), ("qb", B)])
    assert [r["pmid"] for r in rows] == ["7", "20", "101"]  # numeric order, not string order
    by_pmid = {r["pmid"]: r for r in rows}
    assert by_pmid["101"]["query_ids"] == ["qa", "qb"]
    assert by_pmid["20"]["query_ids"] == ["qa"]
    assert by_pmid["7"]["query_ids"] == ["qb"]
    assert by_pmid["101"]["title"] == "Placeholder trial one: Rückenschmerz and the first outcome"


def test_same_pmid_with_different_content_is_an_error() -> None:
    with pytest.raises(InputError) as info:
        merge_query_files([("qa", A), ("qc", CONFLICT)])
    assert "PMID 101" in str(info.value) and "query_a.xml" in str(info.value)
    assert info.value.path == str(CONFLICT)


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    rows = merge_query_files([("qa", A), ("qb", B)])
    parquet, csv = tmp_path / "records.parquet", tmp_path / "records.csv"
    write_records(rows, parquet, csv)
    table = read_records(parquet)
    assert table.schema.remove_metadata() == ARROW_SCHEMA
    assert table.to_pylist() == rows
    lines = csv.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + len(rows)
    header = [h.strip('"') for h in lines[0].split(",")]
    assert header == list(ARROW_SCHEMA.names)
    assert json.dumps(["qa", "qb"]) in lines[3].replace('""', '"')


def test_writing_twice_gives_identical_bytes(tmp_path: Path) -> None:
    rows = merge_query_files([("qa", A), ("qb", B)])
    write_records(rows, tmp_path / "1.parquet", tmp_path / "1.csv")
    write_records(rows, tmp_path / "2.parquet", tmp_path / "2.csv")
    assert (tmp_path / "1.parquet").read_bytes() == (tmp_path / "2.parquet").read_bytes()
    assert (tmp_path / "1.csv").read_bytes() == (tmp_path / "2.csv").read_bytes()


def test_schema_violation_names_row_and_field_and_leaves_old_output(tmp_path: Path) -> None:
    parquet, csv = tmp_path / "records.parquet", tmp_path / "records.csv"
    parquet.write_bytes(b"old"), csv.write_bytes(b"old")
    rows = merge_query_files([("qa", A)])
    rows[1]["month"] = 13
    with pytest.raises(InputError) as info:
        write_records(rows, parquet, csv)
    assert info.value.row == 2 and info.value.field == "month"
    assert "pmid '101'" in str(info.value) and "records.schema.yaml" in str(info.value)
    assert parquet.read_bytes() == b"old" and csv.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.csv", "records.parquet"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("pmid", "0123"), ("query_ids", []), ("flags", ["not_a_flag"]), ("pmcid", "12345")],
)
def test_schema_rejects_bad_values(field: str, value: object) -> None:
    rows = merge_query_files([("qa", A)])
    rows[0][field] = value
    with pytest.raises(InputError) as info:
        validate_rows(rows, source="x.parquet")
    assert info.value.field.split(".")[0] == field  # list items are named with their index


def test_read_records_rejects_a_table_with_other_columns(tmp_path: Path) -> None:
    path = tmp_path / "records.parquet"
    pq.write_table(pa.table({"pmid": ["1"]}), path)
    with pytest.raises(InputError, match="wrong schema"):
        read_records(path)
    with pytest.raises(InputError, match="not found"):
        read_records(tmp_path / "missing.parquet")


def test_outputs_get_normal_permissions_not_mkstemps_0600(tmp_path: Path) -> None:
    import os

    from spinereview.io import write_text_atomic

    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "out.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o644


# --- column-wise checks and batched writing (issue 16) ------------------------------------------


MESH = {
    "descriptor": "Low Back Pain",
    "descriptor_ui": "D017116",
    "major_topic": True,
    "qualifiers": [{"name": "drug therapy", "ui": "Q000188", "major_topic": False}],
}
SECTION = {"label": "RESULTS", "nlm_category": "RESULTS", "text": "Placeholder."}
AUTHOR = {"last": "Placeholder", "fore": "Anna", "initials": "A", "collective": None}

BREAKS = [
    ("pmid", "0123"),
    ("pmid", ""),
    ("pmid", None),
    ("pmid", "1234567890"),
    ("doi", ""),
    ("pmcid", "12345"),
    ("pmcid", "PMC"),
    ("title", None),
    ("abstract", ""),
    ("abstract_sections", None),
    ("abstract_sections", [SECTION, {**SECTION, "label": ""}]),
    ("abstract_sections", [{**SECTION, "text": None}]),
    ("abstract_sections", [{**SECTION, "nlm_category": ""}]),
    ("authors", [AUTHOR, {**AUTHOR, "initials": ""}]),
    ("authors", [{**AUTHOR, "collective": ""}]),
    ("authors_complete", None),
    ("journal", ""),
    ("journal_iso", ""),
    ("medline_ta", ""),
    ("year", 1799),
    ("year", 2101),
    ("month", 0),
    ("month", 13),
    ("pub_date_raw", None),
    ("volume", ""),
    ("issue", ""),
    ("pages", ""),
    ("publication_types", [""]),
    ("publication_types", ["Journal Article", None]),
    ("mesh", [{**MESH, "descriptor": ""}]),
    ("mesh", [{**MESH, "descriptor_ui": ""}]),
    ("mesh", [{**MESH, "major_topic": None}]),
    ("mesh", [MESH, {**MESH, "qualifiers": None}]),
    ("mesh", [MESH, {**MESH, "qualifiers": [{"name": "", "ui": None, "major_topic": False}]}]),
    ("mesh", [{**MESH, "qualifiers": [{"name": "x", "ui": "", "major_topic": False}]}]),
    ("mesh", [{**MESH, "qualifiers": [{"name": "x", "ui": None, "major_topic": None}]}]),
    ("keywords", [None]),
    ("language", None),
    ("query_ids", []),
    ("query_ids", ["qa", "qa"]),
    ("query_ids", [None]),
    ("flags", ["not_a_flag"]),
    ("flags", ["no_doi", "no_doi"]),
    ("flags", None),
    ("year", "2001"),  # a type Arrow refuses: jsonschema names it
    ("unexpected", "x"),  # a key the schema does not allow
]


def _rows() -> list[dict[str, object]]:
    rows = merge_query_files([("qa", A), ("qb", B)])
    rows[1]["mesh"] = [MESH]  # a heading with a qualifier, to reach the nested checks
    return rows


def _expected_error(rows: list[dict[str, object]]) -> InputError:
    with pytest.raises(InputError) as info:
        jsonschema_rows(rows, "records.schema.yaml", source="x.parquet", id_field="pmid")
    return info.value


@pytest.mark.parametrize(("field", "value"), BREAKS)
def test_column_checks_give_the_row_by_row_error(field: str, value: object) -> None:
    """Every schema rule is caught column-wise, with jsonschema's own message, row and field."""
    rows = _rows()
    rows[1][field] = value
    expected = _expected_error(rows)
    with pytest.raises(InputError) as info:
        validate_rows(rows, source="x.parquet")
    assert (str(info.value), info.value.row, info.value.field) == (
        str(expected),
        expected.row,
        expected.field,
    )
    assert info.value.row == 2


def test_a_missing_key_is_named_as_before() -> None:
    rows = _rows()
    del rows[2]["pages"]
    expected = _expected_error(rows)
    with pytest.raises(InputError) as info:
        validate_rows(rows, source="x.parquet")
    assert str(info.value) == str(expected) and info.value.row == 3


def test_valid_rows_pass_both_checks() -> None:
    rows = _rows()
    rows[0]["pmid"] = "7\n"  # Python's $ matches before a final newline; Arrow's does not
    jsonschema_rows(rows, "records.schema.yaml", source="x.parquet", id_field="pmid")
    validate_rows(rows, source="x.parquet")


def _old_write(rows: list[dict[str, object]], parquet: Path, csv: Path) -> None:
    """How the table was written before issue 16: one table, one write of each file."""
    import pyarrow.csv as pacsv

    table = pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)
    pq.write_table(table, parquet, compression="zstd", write_statistics=False)
    pacsv.write_csv(records_module._csv_table(table), csv)


@pytest.mark.parametrize("count", [0, 3])
def test_batched_writers_give_the_bytes_of_one_write(tmp_path: Path, count: int) -> None:
    rows = merge_query_files([("qa", A), ("qb", B)])[:count]
    _old_write(rows, tmp_path / "old.parquet", tmp_path / "old.csv")
    write_records(rows, tmp_path / "new.parquet", tmp_path / "new.csv")
    assert (tmp_path / "new.parquet").read_bytes() == (tmp_path / "old.parquet").read_bytes()
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()


def test_build_records_in_small_batches_gives_the_merged_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 2 rows: sorting, merging and the duplicate check work across batches."""
    files = [("qa", A), ("qb", B)]
    expected = merge_query_files(files)
    monkeypatch.setattr(records_module, "BATCH_ROWS", 2)
    assert merge_query_files(files) == expected
    parquet, csv = tmp_path / "records.parquet", tmp_path / "records.csv"
    assert build_records(files, parquet, csv) == 3
    assert read_records(parquet).to_pylist() == expected
    assert pq.ParquetFile(parquet).metadata.num_row_groups == 2
    assert len(csv.read_text(encoding="utf-8").splitlines()) == 4
    with pytest.raises(InputError, match="PMID 101 differs"):
        build_records([("qa", A), ("qc", CONFLICT)], parquet, csv)


def test_a_bad_row_in_a_later_batch_is_named_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records_module, "BATCH_ROWS", 2)
    parquet, csv = tmp_path / "records.parquet", tmp_path / "records.csv"
    parquet.write_bytes(b"old"), csv.write_bytes(b"old")
    rows = merge_query_files([("qa", A), ("qb", B)])
    rows[2]["month"] = 13
    with pytest.raises(InputError) as info:
        write_records(rows, parquet, csv)
    assert info.value.row == 3 and info.value.field == "month"
    assert parquet.read_bytes() == b"old" and csv.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.csv", "records.parquet"]


@pytest.mark.parametrize(("batch", "sort_batches"), [(4, 2), (5, 1), (7, 3), (1000, 8)])
def test_batches_on_disk_give_the_bytes_of_batches_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int, sort_batches: int
) -> None:
    """build_records keeps its batches in a folder beside the output and sorts them part by part
    (issue 16); the files are those of the rows merged in memory, and the folder is removed."""
    from spinereview.config import load_config

    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "config/config.yaml")
    snapshot = root / config["search"]["snapshot_dir"]
    files = [(q["id"], snapshot / f"{q['id']}.xml") for q in config["search"]["queries"]]
    monkeypatch.setattr(records_module, "BATCH_ROWS", batch)
    monkeypatch.setattr(records_module, "SORT_BATCHES", sort_batches)
    rows = merge_query_files(files)  # in memory
    assert len(rows) > 2 * batch or batch == 1000
    write_records(rows, tmp_path / "memory.parquet", tmp_path / "memory.csv")
    out = tmp_path / "out"
    assert build_records(files, out / "records.parquet", out / "records.csv") == len(rows)
    assert (out / "records.parquet").read_bytes() == (tmp_path / "memory.parquet").read_bytes()
    assert (out / "records.csv").read_bytes() == (tmp_path / "memory.csv").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["records.csv", "records.parquet"]
    # a PMID that differs between files is still found when the first copy is on disk
    monkeypatch.setattr(records_module, "BATCH_ROWS", 1)
    with pytest.raises(InputError, match="PMID 101 differs"):
        build_records(
            [("qa", A), ("qb", B), ("qc", CONFLICT)], out / "records.parquet", out / "x.csv"
        )
    assert sorted(p.name for p in out.iterdir()) == ["records.csv", "records.parquet"]
