"""The records table: merge across queries, schema check on write, atomic Parquet + CSV output."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spinereview.errors import InputError
from spinereview.pubmed.records import (
    ARROW_SCHEMA,
    merge_query_files,
    read_records,
    validate_rows,
    write_records,
)

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
