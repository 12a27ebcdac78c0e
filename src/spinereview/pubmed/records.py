"""The records table: one row per PMID across all queries, schema-checked, written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from spinereview.errors import InputError, OutputError
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


#: rows per Arrow batch while collecting, checking and writing (a Parquet row group each)
BATCH_ROWS = 5_000
#: batches sorted together when the batches are on disk: the rows held at once while sorting
SORT_BATCHES = 8

_PARSED_SCHEMA = pa.schema([f for f in ARROW_SCHEMA if f.name != "query_ids"])
_KEYS = frozenset(COLUMNS)
_SCHEMA_NAME = "records.schema.yaml"
#: The flags a record may carry (a tuple: ``pa.array`` would import pandas when this module loads,
#: a cost for every command that only reads the table).
_FLAGS = (
    "missing_abstract",
    "unparsed_date",
    "missing_title",
    "missing_journal",
    "incomplete_author_list",
    "no_doi",
)


class _Collector:
    """Parsed records held as Arrow batches (compact, not Python dicts), one row per PMID.

    ``where`` maps each PMID to ``[row, file index, further query ids...]``; the query ids of a
    PMID are those of its first file followed by the others that found it, in config order.
    """

    def __init__(
        self,
        files: Sequence[tuple[str, Path]],
        keep: Callable[[str], bool] | None = None,
        spill: Path | None = None,
    ) -> None:
        self.files = [(query_id, Path(path)) for query_id, path in files]
        self.keep = keep  # only the PMIDs of one shard (spinereview.shards.member), else all
        # With ``spill`` (a folder), each batch is written there as a Parquet file and only a digest
        # of each row stays in memory, so memory does not grow with the number of records.
        self.spill = spill
        self.digests: list[bytes] = []
        self.batches: list[pa.Table | Path] = []
        self.pending: list[dict[str, Any]] = []
        self.where: dict[str, list[Any]] = {}
        self.source: Path | str = ""  # the file being read, named if a record cannot be stored

    def collect(self) -> _Collector:
        for number, (query_id, path) in enumerate(self.files):
            self.source = path
            for record in iter_records(path, self.keep):
                self._add(number, query_id, path, record)
        self._flush()
        return self

    def _add(self, number: int, query_id: str, path: Path, record: dict[str, Any]) -> None:
        pmid = record["pmid"]
        seen = self.where.get(pmid)
        if seen is None:
            self.where[pmid] = [len(self.where), number]
            self.pending.append(record)
            if self.spill is not None:
                self.digests.append(_digest(record))
            if len(self.pending) == BATCH_ROWS:
                self._flush()
            return
        same = self.spill is not None and self.digests[seen[0]] == _digest(record)
        if not same and self._row(seen[0]) != record:
            raise InputError(
                path,
                f"PMID {pmid} differs from the same PMID in {self.files[seen[1]][1]}; "
                "re-fetch both queries in one search",
                field="PubmedArticle",
            )
        if query_id not in self._query_ids(seen):
            seen.append(query_id)

    def _flush(self) -> None:
        if self.pending:
            table = _to_arrow(self.pending, _PARSED_SCHEMA, source=self.source)
            if self.spill is None:
                self.batches.append(table)
            else:
                path = self.spill / f"batch-{len(self.batches):06d}.parquet"
                pq.write_table(table, path, compression="lz4", write_statistics=False)
                self.batches.append(path)
            self.pending = []

    def _batch(self, number: int) -> pa.Table:
        batch = self.batches[number]
        return batch if isinstance(batch, pa.Table) else pq.read_table(batch, schema=_PARSED_SCHEMA)

    def _row(self, row: int) -> dict[str, Any]:
        batch, offset = divmod(row, BATCH_ROWS)
        if batch == len(self.batches):
            return self.pending[offset]
        return self._batch(batch).slice(offset, 1).to_pylist()[0]

    def _query_ids(self, seen: list[Any]) -> list[str]:
        return [self.files[seen[1]][0], *seen[2:]]

    def sorted_tables(self) -> Iterator[pa.Table]:
        """The rows in PMID order with their query ids, as tables of up to BATCH_ROWS rows."""
        order = sorted(self.where, key=int)
        if self.spill is not None:
            yield from self._sorted_from_disk(order)
            return
        everything = pa.concat_tables([_PARSED_SCHEMA.empty_table(), *self.batches])
        for start in range(0, len(order), BATCH_ROWS):
            pmids = order[start : start + BATCH_ROWS]
            part = everything.take(pa.array([self.where[p][0] for p in pmids], type=pa.int64()))
            yield self._with_query_ids(part, pmids)

    def _sorted_from_disk(self, order: list[str]) -> Iterator[pa.Table]:
        """``sorted_tables`` for batches on disk, holding SORT_BATCHES batches at a time.

        Each batch file is read once and its rows are sent to the part of the sorted table they
        belong in (a Parquet file per SORT_BATCHES * BATCH_ROWS sorted rows); each part is then
        read, put in order and cut into batches, the same batches as when everything is in memory.
        """
        assert self.spill is not None
        rank = np.empty(len(order), dtype=np.int64)  # row -> its position in PMID order
        rank[np.fromiter((self.where[p][0] for p in order), np.int64, len(order))] = np.arange(
            len(order)
        )
        span = SORT_BATCHES * BATCH_ROWS
        parts = [self.spill / f"part-{i:06d}.parquet" for i in range(-(-len(order) // span))]
        schema = _PARSED_SCHEMA.append(pa.field("_position", pa.int64()))
        with contextlib.ExitStack() as stack:
            writers = [
                stack.enter_context(pq.ParquetWriter(p, schema, compression="lz4")) for p in parts
            ]
            for number in range(len(self.batches)):
                table = self._batch(number)
                first = number * BATCH_ROWS
                positions = rank[first : first + table.num_rows]
                table = table.append_column("_position", pa.array(positions))
                which = positions // span
                for part in np.unique(which):
                    writers[part].write_table(table.filter(pa.array(which == part)))
                path = self.batches[number]
                if isinstance(path, Path):
                    path.unlink()
        for index, path in enumerate(parts):
            table = pq.read_table(path, schema=schema)
            path.unlink()
            positions = table.column("_position").to_numpy()
            table = table.drop_columns(["_position"])
            table = table.take(pa.array(np.argsort(positions, kind="stable")))
            for start in range(0, table.num_rows, BATCH_ROWS):
                begin = index * span + start
                pmids = order[begin : begin + BATCH_ROWS]
                yield self._with_query_ids(table.slice(start, BATCH_ROWS), pmids)

    def _with_query_ids(self, part: pa.Table, pmids: list[str]) -> pa.Table:
        """``part`` (the rows of ``pmids``, in that order) with their query ids column."""
        seen = [self.where[p] for p in pmids]
        query_ids = pa.array([self._query_ids(s) for s in seen], type=pa.list_(_TEXT))
        position = ARROW_SCHEMA.get_field_index("query_ids")
        return part.add_column(position, ARROW_SCHEMA.field("query_ids"), query_ids)


def _digest(record: dict[str, Any]) -> bytes:
    """A digest of a parsed record: equal digests, equal records (the check of a PMID seen twice)."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


@contextlib.contextmanager
def _spill_folder(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target`` for batches on disk, removed afterwards."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        folder = tempfile.TemporaryDirectory(
            prefix=f".{target.name}.", suffix=".batches", dir=target.parent
        )
    except OSError as exc:
        raise OutputError(target, exc) from None
    with folder as name:
        yield Path(name)


def _to_arrow(
    rows: list[dict[str, Any]],
    schema: pa.Schema,
    *,
    start: int | None = None,
    source: str | Path = "",
) -> pa.Table:
    """``rows`` as an Arrow table of ``schema``.

    With ``start`` (rows given by a caller, in table order), a value Arrow cannot hold is named as
    jsonschema names it: row, PMID and field. Parsed records always fit; should one not, the error
    names the XML file being read.
    """
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        if start is not None:
            check_rows(rows, _SCHEMA_NAME, source=source, id_field="pmid", start=start)
        raise InputError(
            source, f"a record cannot be stored in the records table ({exc})"
        ) from None


def merge_query_files(files: Sequence[tuple[str, Path]]) -> list[dict[str, Any]]:
    """Parse each (query_id, xml_path) and merge to one row per PMID, sorted by PMID.

    A PMID found by several queries becomes one row whose ``query_ids`` lists them in config order.
    The same PMID with different content in two files (e.g. files fetched on different days) is an
    error, because silently choosing one version would hide a change in the record. (The pipeline
    uses ``build_records``, which streams the same rows to disk instead of returning them.)
    """
    rows: list[dict[str, Any]] = []
    for table in _Collector(files).collect().sorted_tables():
        rows.extend(table.to_pylist())
    return rows


def build_records(files: Sequence[tuple[str, Path]], parquet_path: Path, csv_path: Path) -> int:
    """Parse, merge, check and write the records table in batches; return the number of rows.

    The rows are those of ``merge_query_files``, held as Arrow batches rather than Python dicts,
    checked column by column and written batch by batch, Parquet and CSV both or neither.
    """
    with _spill_folder(parquet_path) as spill:
        collector = _Collector(files, spill=spill).collect()
        _write_tables(collector.sorted_tables(), parquet_path, csv_path)
    return len(collector.where)


def build_records_shard(files: Sequence[tuple[str, Path]], shard: str, parquet_path: Path) -> int:
    """The records of one shard (``spinereview.shards``), merged and checked as ``build_records``
    merges and checks the whole table, written to one Parquet file; return the number of rows.

    A record that breaks records.schema.yaml stops this shard's job, naming the shard file, the
    row within it, the PMID and the field. ``gather_records`` joins the shards.
    """
    from spinereview.shards import member

    with (
        _spill_folder(parquet_path) as spill,
        atomic_path(parquet_path) as tmp,
        pq.ParquetWriter(tmp, ARROW_SCHEMA, compression="zstd", write_statistics=False) as out,
    ):
        collector = _Collector(files, member(shard), spill).collect()
        start = 1
        for table in collector.sorted_tables():
            check_table(table, source=parquet_path, start=start)
            start += table.num_rows
            out.write_table(table)
        if start == 1:
            out.write_table(ARROW_SCHEMA.empty_table())
    return len(collector.where)


def gather_records(shard_paths: Sequence[Path], parquet_path: Path, csv_path: Path) -> int:
    """Join the shards' records into the records table (Parquet and CSV, both or neither).

    The rows are those ``build_records`` gives for the same query files, in PMID order and in the
    same batches, so the two files are byte for byte the same whatever the number of shards. A PMID
    in two shard files (files of different runs) is an error naming both.

    Memory stays flat in the number of records: only the PMID columns are read whole; the rows are
    read from each shard file in order, a batch at a time, and merged into batches of BATCH_ROWS
    (each shard file is in PMID order, as ``build_records_shard`` writes it, which is checked).
    """
    pmids = [_shard_pmids(path) for path in shard_paths]
    numbers = np.concatenate([np.empty(0, dtype=np.int64), *(p for _column, p in pmids)])
    source = np.concatenate(
        [np.empty(0, dtype=np.int64)]
        + [np.full(len(p), i, dtype=np.int64) for i, (_column, p) in enumerate(pmids)]
    )
    order = np.argsort(numbers, kind="stable")
    if len(order) > 1 and not np.all(np.diff(numbers[order]) > 0):
        where: dict[str, Path] = {}
        for path, (column, _numbers) in zip(shard_paths, pmids, strict=True):
            for pmid in column:
                if pmid in where:
                    raise InputError(
                        path,
                        f"PMID {pmid} is also in {where[pmid]}: the shard files are not of one "
                        "run; run the workflow again",
                        field="pmid",
                    )
                where[pmid] = path
    source = source[order]

    def batches() -> Iterator[pa.Table]:
        readers = [_ShardRows(path) for path in shard_paths]
        for start in range(0, len(source), BATCH_ROWS):
            part = source[start : start + BATCH_ROWS]
            counts = np.bincount(part, minlength=len(readers))
            pieces, offsets, offset = [], np.zeros(len(readers), dtype=np.int64), 0
            for i, reader in enumerate(readers):
                offsets[i] = offset
                if counts[i]:
                    pieces.append(reader.take(int(counts[i])))
                    offset += int(counts[i])
            # row j of the batch is the next unread row of shard part[j]
            rank = np.empty(len(part), dtype=np.int64)
            for i in np.flatnonzero(counts):
                rank[part == i] = offsets[i] + np.arange(counts[i])
            merged = pa.concat_tables([ARROW_SCHEMA.empty_table(), *pieces])
            yield merged.take(pa.array(rank, type=pa.int64())).combine_chunks()

    _write_tables(batches(), parquet_path, csv_path)
    return len(source)


def _shard_pmids(path: Path) -> tuple[list[str], np.ndarray]:
    """The PMID column of a shard file (checked as ``read_records`` checks), as text and numbers."""
    _check_schema(path)
    column = pq.read_table(path, columns=["pmid"]).column("pmid").to_pylist()
    numbers = np.fromiter((int(p) for p in column), dtype=np.int64, count=len(column))
    if len(numbers) > 1 and not np.all(np.diff(numbers) > 0):
        raise InputError(
            path,
            "the shard's records are not in PMID order: not a file of parse-shard; run the "
            "workflow again",
            field="pmid",
        )
    return column, numbers


class _ShardRows:
    """The rows of one shard file in file order, read a batch at a time as they are taken."""

    def __init__(self, path: Path) -> None:
        self._batches = pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS)
        self._buffer = ARROW_SCHEMA.empty_table()

    def take(self, count: int) -> pa.Table:
        """The next ``count`` rows (the caller never asks for more than the file holds)."""
        while self._buffer.num_rows < count:
            batch = next(self._batches)
            self._buffer = pa.concat_tables(
                [self._buffer, pa.Table.from_batches([batch]).cast(ARROW_SCHEMA)]
            )
        rows, self._buffer = self._buffer.slice(0, count), self._buffer.slice(count)
        return rows


def _row_tables(rows: Sequence[dict[str, Any]], source: str | Path) -> Iterator[pa.Table]:
    for start in range(0, len(rows), BATCH_ROWS):
        chunk = list(rows[start : start + BATCH_ROWS])
        for number, row in enumerate(chunk, start=start + 1):
            if not isinstance(row, dict) or row.keys() != _KEYS:  # missing or unexpected keys
                check_rows([row], _SCHEMA_NAME, source=source, id_field="pmid", start=number)
        yield _to_arrow(chunk, ARROW_SCHEMA, start=start + 1, source=source)


def validate_rows(rows: Iterable[dict[str, Any]], *, source: str | Path) -> None:
    """Check every row against workflow/schemas/records.schema.yaml; name row, PMID and field.

    Column by column (``check_table``); the first bad row is then described by jsonschema, so the
    message is the one a row-by-row check gives.
    """
    start = 1
    for table in _row_tables(list(rows), source):
        check_table(table, source=source, start=start)
        start += table.num_rows


def check_table(table: pa.Table, *, source: str | Path, start: int = 1) -> None:
    """Check an Arrow table of ARROW_SCHEMA against records.schema.yaml, vectorised.

    Every rule of the schema is a column test (pyarrow.compute); rows any test marks are then
    checked by jsonschema in order, and the first it rejects is raised, numbered from ``start``.
    A row only a column test marks (Arrow's regular expressions do not let ``$`` match before a
    final newline, as Python's do) passes, as it did before.
    """
    for index in np.flatnonzero(_marked_rows(table)):
        row = table.slice(int(index), 1).to_pylist()
        check_rows(row, _SCHEMA_NAME, source=source, id_field="pmid", start=start + int(index))


def _marked_rows(table: pa.Table) -> np.ndarray:
    """A boolean mask of the rows that may break records.schema.yaml (no row that does is missed)."""
    marked = np.zeros(table.num_rows, dtype=bool)

    def column(name: str) -> pa.Array:
        return table.column(name).combine_chunks()

    def rows(mask: pa.Array) -> None:
        marked[np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)] = True

    def items(parents: np.ndarray, mask: pa.Array) -> None:
        hit = np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
        marked[parents[hit]] = True

    def empty(values: pa.Array) -> pa.Array:  # optional_text: null or at least one character
        return pc.equal(pc.utf8_length(values), 0)

    def missing(values: pa.Array) -> pa.Array:
        return pc.is_null(values)

    def unlike(values: pa.Array, pattern: str) -> pa.Array:
        return pc.invert(pc.match_substring_regex(values, pattern))

    def outside(values: pa.Array, low: int, high: int) -> pa.Array:
        return pc.or_(pc.less(values, low), pc.greater(values, high))

    def listed(name: str) -> tuple[pa.Array, np.ndarray]:
        values = column(name)
        rows(missing(values))
        parents = pc.list_parent_indices(values).to_numpy(zero_copy_only=False)
        flat = pc.list_flatten(values)
        items(parents, missing(flat))
        return flat, parents

    pmid = column("pmid")
    rows(missing(pmid))
    rows(unlike(pmid, "^[1-9][0-9]{0,8}$"))
    rows(unlike(column("pmcid"), "^PMC[0-9]+$"))
    for name in ("title", "pub_date_raw", "authors_complete"):
        rows(missing(column(name)))
    for name in (
        "doi",
        "abstract",
        "journal",
        "journal_iso",
        "medline_ta",
        "volume",
        "issue",
        "pages",
    ):
        rows(empty(column(name)))
    rows(outside(column("year"), 1800, 2100))
    rows(outside(column("month"), 1, 12))

    sections, parents = listed("abstract_sections")
    for name in ("label", "nlm_category"):
        items(parents, empty(pc.struct_field(sections, name)))
    items(parents, missing(pc.struct_field(sections, "text")))

    authors, parents = listed("authors")
    for name in ("last", "fore", "initials", "collective"):
        items(parents, empty(pc.struct_field(authors, name)))

    types, parents = listed("publication_types")
    items(parents, empty(types))

    mesh, parents = listed("mesh")
    descriptor = pc.struct_field(mesh, "descriptor")
    items(parents, pc.or_(missing(descriptor), empty(descriptor)))
    items(parents, empty(pc.struct_field(mesh, "descriptor_ui")))
    items(parents, missing(pc.struct_field(mesh, "major_topic")))
    qualifiers = pc.struct_field(mesh, "qualifiers")
    items(parents, missing(qualifiers))
    owners = parents[pc.list_parent_indices(qualifiers).to_numpy(zero_copy_only=False)]
    flat = pc.list_flatten(qualifiers)
    items(owners, missing(flat))
    name = pc.struct_field(flat, "name")
    items(owners, pc.or_(missing(name), empty(name)))
    items(owners, empty(pc.struct_field(flat, "ui")))
    items(owners, missing(pc.struct_field(flat, "major_topic")))

    listed("keywords")
    listed("language")
    listed("query_ids")
    rows(pc.less(pc.list_value_length(column("query_ids")), 1))
    flags, flag_parents = listed("flags")
    items(flag_parents, pc.invert(pc.is_in(flags, value_set=pa.array(_FLAGS))))
    for name in (
        "query_ids",
        "flags",
    ):  # uniqueItems: only rows with two or more items can break it
        values = column(name)
        for index in np.flatnonzero(
            np.asarray(pc.greater(pc.list_value_length(values), 1).fill_null(False), dtype=bool)
        ):
            listed_values = values[int(index)].as_py()
            if len(set(listed_values)) != len(listed_values):
                marked[index] = True
    return marked


#: ``json.dumps(value, ensure_ascii=False)``, without building an encoder for every value
_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _csv_table(table: pa.Table) -> pa.Table:
    """Return a copy of ``table`` with nested columns encoded as JSON text (for the CSV copy)."""
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_list(column.type):
            values = [_JSON(v) for v in column.to_pylist()]
            column = pa.array(values, type=pa.string())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


_CSV_SCHEMA = pa.schema(
    [pa.field(f.name, pa.string() if pa.types.is_list(f.type) else f.type) for f in ARROW_SCHEMA]
)


def _write_tables(tables: Iterable[pa.Table], parquet_path: Path, csv_path: Path) -> None:
    """Check and write each table as it comes: Parquet row groups and CSV rows, both or neither.

    Both files are written to temporary files and renamed only when every table has been
    checked and written; an error in any batch leaves the previous outputs as they were.
    """
    with (
        atomic_path(parquet_path) as tmp_parquet,
        atomic_path(csv_path) as tmp_csv,
        pq.ParquetWriter(
            tmp_parquet, ARROW_SCHEMA, compression="zstd", write_statistics=False
        ) as parquet,
        pacsv.CSVWriter(tmp_csv, _CSV_SCHEMA) as csv,
    ):
        start, written = 1, False
        for table in tables:
            check_table(table, source=parquet_path, start=start)
            start += table.num_rows
            parquet.write_table(table)
            csv.write_table(_csv_table(table))
            written = True
        if not written:  # an empty table still has its header (and a Parquet row group)
            empty = ARROW_SCHEMA.empty_table()
            parquet.write_table(empty)
            csv.write_table(_csv_table(empty))


def write_records(rows: list[dict[str, Any]], parquet_path: Path, csv_path: Path) -> None:
    """Validate ``rows`` and write the Parquet table and its CSV copy, both or neither."""
    _write_tables(_row_tables(rows, parquet_path), parquet_path, csv_path)


def read_records(path: str | Path) -> pa.Table:
    """Read results/records.parquet and check that its columns and types are the expected ones."""
    path = Path(path)
    _check_schema(path)
    return pq.read_table(path)


def iter_record_batches(
    path: str | Path, columns: Sequence[str] | None = None, pmids: Iterable[str] | None = None
) -> Iterator[list[dict[str, Any]]]:
    """The rows of a records table as lists of dicts, BATCH_ROWS at a time, in file order.

    Checked as ``read_records`` checks; memory stays flat in the number of rows. ``columns``
    limits the dicts to those columns, ``pmids`` the rows to those PMIDs (chosen before any row
    becomes a dict).
    """
    path = Path(path)
    _check_schema(path)
    wanted = None if pmids is None else pa.array(sorted(set(pmids)), type=pa.string())
    with pq.ParquetFile(path) as table:
        for batch in table.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            if wanted is not None:
                batch = batch.filter(pc.is_in(batch.column("pmid"), value_set=wanted))
            yield batch.to_pylist()


def iter_record_rows(
    path: str | Path, columns: Sequence[str] | None = None
) -> Iterator[dict[str, Any]]:
    """``iter_record_batches``, row by row."""
    for rows in iter_record_batches(path, columns):
        yield from rows


def _check_schema(path: Path) -> None:
    """Refuse a missing records table or one whose columns are not ARROW_SCHEMA's."""
    if not path.exists():
        raise InputError(path, "records table not found; run the parse_records rule first")
    schema = pq.read_schema(path)
    if schema.remove_metadata() != ARROW_SCHEMA:
        expected, found = set(ARROW_SCHEMA.names), set(schema.names)
        detail = f"missing {sorted(expected - found)}, unexpected {sorted(found - expected)}"
        raise InputError(path, f"records table has the wrong schema ({detail})", field="columns")
