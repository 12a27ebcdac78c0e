"""The harmonise_effects step: validate the sheet, harmonise every row, write effects tables."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from spinereview.errors import InputError
from spinereview.extraction.arm_statistics import load_arm_statistics
from spinereview.extraction.fill import Recovery, sd_donors
from spinereview.extraction.harmonise import (
    Comparison,
    harmonise_row,
    select_per_window,
    windows_from_config,
)
from spinereview.extraction.sheet import load_sheet
from spinereview.io import atomic_path, read_table
from spinereview.schemas import validate_rows
from spinereview.screening.sources import load_curated

log = logging.getLogger(__name__)

_F, _S, _B, _I = pa.float64(), pa.string(), pa.bool_(), pa.int64()
#: Arrow schema of results/extraction/effects.parquet (one row per sheet row).
EFFECTS_SCHEMA = pa.schema(
    [
        ("row_id", _S),
        ("sheet_row", _I),
        ("publication_id", _S),
        ("study_id", _S),
        ("comparison_id", _S),
        ("pmid", _S),
        ("outcome", _S),
        ("instrument", _S),
        ("scale", _S),
        ("measure", _S),
        ("timepoint_weeks", _F),
        ("window", _S),
        ("yi", _F),
        ("vi", _F),
        ("se", _F),
        ("ci_low", _F),
        ("ci_high", _F),
        ("smd_yi", _F),
        ("smd_vi", _F),
        ("n_treat", _F),
        ("n_ctrl", _F),
        ("direction", _S),
        ("sign_flipped", _B),
        ("precision", _S),
        ("conversions", _S),
        ("uncertain", _B),
        ("derived", _B),
        ("imputed", _B),
        ("poolable", _B),
        ("not_poolable_reason", _S),
        ("included", _B),
        ("intervention", _S),
        ("comparator", _S),
        ("population", _S),
        ("duration", _S),
        ("source_url", _S),
        ("locator", _S),
        ("selected", _B),
        ("selection_note", _S),
    ]
)


def load_comparisons(path: str | Path) -> dict[str, Comparison]:
    """results/screening/comparisons.csv → {publication_id: Comparison}."""
    cols = (
        "publication_id",
        "study_id",
        "comparison_id",
        "record_decision",
        "eligible",
        "intervention",
        "comparator",
        "population",
        "duration",
    )
    out = {}
    for row in read_table(path, cols):
        included = row["record_decision"] == "included" and row["eligible"] == "yes"
        classes = {k: row[k] for k in ("intervention", "comparator", "population", "duration")}
        out[row["publication_id"]] = Comparison(
            row["study_id"], row["comparison_id"], included, classes
        )
    return out


def harmonise_sheet(
    sheet: Path,
    studies: Path,
    comparisons: Path,
    extraction: Mapping[str, Any],
    arm_statistics: Path | None = None,
) -> list[dict[str, Any]]:
    """Validate the curated sheet (and its arm statistics) and return harmonised rows in sheet order.

    Without ``arm_statistics`` no row is filled from arm statistics; ``extraction["recovery"]``
    (defaults: r = 0.5, no borrowed SDs) configures precision recovery.
    """
    curated = load_curated(studies)
    rows = load_sheet(sheet, {c.publication_id: c.pmid for c in curated})
    if not rows and arm_statistics is not None and read_table(arm_statistics, ()):
        raise InputError(
            sheet,
            f"the sheet has a header but no data rows, while {arm_statistics} gives arm "
            "statistics for its rows: was the sheet emptied by mistake?",
            line=2,
        )
    stats = load_arm_statistics(arm_statistics, rows) if arm_statistics is not None else {}
    if arm_statistics is not None and rows and not stats:
        log.warning(
            "%s has a header but no data rows: no precision is recovered from arm statistics",
            arm_statistics,
        )
    recovery = Recovery.from_config(extraction.get("recovery"))
    windows = windows_from_config(extraction["windows"])
    by_pub = load_comparisons(comparisons)
    donors = None
    if recovery.borrow_sd:
        donors = sd_donors(rows, stats, {p: c.study_id for p, c in by_pub.items()})
    out = [
        harmonise_row(
            row,
            by_pub.get(row.study_id),
            windows,
            extraction["ci_level"],
            extraction["continuity_correction"],
            stats=stats.get(row.row_id),
            recovery=recovery,
            donors=donors,
        )
        for row in rows
    ]
    select_per_window(out, windows, extraction["instrument_priority"])
    return out


def write_effects(rows: list[dict[str, Any]], parquet_path: Path, csv_path: Path) -> None:
    """Validate against workflow/schemas/effects.schema.yaml; write Parquet and CSV, both or neither."""
    validate_rows(rows, "effects.schema.yaml", source=parquet_path, id_field="row_id")
    table = pa.Table.from_pylist(rows, schema=EFFECTS_SCHEMA)
    with atomic_path(parquet_path) as tmp_parquet, atomic_path(csv_path) as tmp_csv:
        pq.write_table(table, tmp_parquet, compression="zstd", write_statistics=False)
        pacsv.write_csv(rounded_for_people(table), tmp_csv)


#: effects.csv columns rounded by the policy of ``spinereview.rounding`` (the Parquet keeps them).
ROUNDED = {"yi": None, "ci_low": None, "ci_high": None, "se": None, "vi": None,
           "smd_yi": "smd", "smd_vi": "smd"}  # fmt: skip


def rounded_for_people(table: pa.Table) -> pa.Table:
    """The effects table as effects.csv shows it: effects, SEs and variances rounded (README,
    "Rounding"); ``effects.parquet`` keeps full precision."""
    from spinereview.rounding import QUANTITY, number

    scales = table.column("scale").to_pylist()
    for name, fixed_scale in ROUNDED.items():
        index = table.schema.get_field_index(name)
        quantity = QUANTITY["yi" if name == "smd_yi" else name]
        values = [
            None if v is None else number(quantity, v, fixed_scale or scale)
            for v, scale in zip(table.column(name).to_pylist(), scales, strict=True)
        ]
        table = table.set_column(index, name, pa.array(values, pa.string()))
    return table


def read_effects(path: str | Path) -> pa.Table:
    """Read results/extraction/effects.parquet, checking its schema."""
    from spinereview.errors import InputError

    path = Path(path)
    if not path.exists():
        raise InputError(path, "effects table not found; run the harmonise_effects rule first")
    table = pq.read_table(path)
    if table.schema.remove_metadata() != EFFECTS_SCHEMA:
        raise InputError(path, "effects table has the wrong schema", field="columns")
    return table


def record_candidates(
    record: Mapping[str, Any], studies_by_pmid: Mapping[str, str]
) -> dict[str, Any]:
    """The per-record part of candidate extraction (a record with an abstract): its candidate rows
    and its draft rows, each draft with the index of its effect candidate."""
    from spinereview.extraction.abstracts import candidate_rows
    from spinereview.extraction.drafts import indexed_drafts

    return {
        "pmid": record["pmid"],
        "candidates": candidate_rows([record]),
        "drafts": [[index, row] for index, row in indexed_drafts(record, studies_by_pmid)],
    }


def _studies_by_pmid(studies: Path) -> dict[str, str]:
    return {c.pmid: c.publication_id for c in load_curated(studies) if c.pmid}


def run_candidates(
    records_path: Path,
    sheet: Path,
    studies: Path,
    out_candidates: Path,
    out_crosscheck: Path,
    out_drafts: Path | None = None,
) -> tuple[int, int, int, int]:
    """Write candidates.csv, crosscheck.csv and (with ``out_drafts``) draft_rows.csv.

    Returns (abstracts, candidates, cross-check rows, draft rows). Draft rows are never pooled:
    pooling reads the curated sheet alone.
    """
    from spinereview.pubmed.records import iter_record_rows

    by_pmid = _studies_by_pmid(studies)
    found = [record_candidates(r, by_pmid) for r in iter_record_rows(records_path) if r["abstract"]]

    def entries(by_text: bool) -> Iterator[dict[str, Any]]:
        return iter(sorted(found, key=lambda entry: entry["pmid"]) if by_text else found)

    return finish_candidates(entries, sheet, studies, out_candidates, out_crosscheck, out_drafts)


def extract_shard(records_path: Path, studies: Path, out_path: Path) -> int:
    """The per-shard part: ``record_candidates`` of every record with an abstract in a records file
    (one shard), as JSON lines in its order, written atomically; return the number of abstracts."""
    import json

    from spinereview.pubmed.records import iter_record_rows

    by_pmid = _studies_by_pmid(studies)
    count = 0
    with atomic_path(out_path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as out:
        for record in iter_record_rows(records_path):
            if record["abstract"]:
                found = record_candidates(record, by_pmid)
                out.write(json.dumps(found, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
    return count


def gather_candidates(
    shard_paths: list[Path],
    sheet: Path,
    studies: Path,
    out_candidates: Path,
    out_crosscheck: Path,
    out_drafts: Path | None = None,
) -> tuple[int, int, int, int]:
    """``run_candidates`` from the shards' files (``extract_shard``): the records' parts in PMID
    order, then the cross-check with the sheet and the draft rows over all of them. The shard
    files are read line by line and merged by PMID (each is in PMID order, as extract-shard writes
    it), so memory does not grow with the number of records."""
    return finish_candidates(
        _ShardEntries(shard_paths), sheet, studies, out_candidates, out_crosscheck, out_drafts
    )


class _ShardEntries:
    """The entries of the extraction shard files, merged by PMID, read afresh at each call: in
    PMID order as numbers (the records' order; the first call, which also checks the files), or
    as text (the order of the cross-check's unmatched candidates)."""

    WHAT = "an extraction shard line"

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        self.lengths: dict[Path, set[int]] | None = None

    def __call__(self, by_text: bool) -> Iterator[dict[str, Any]]:
        import heapq

        from spinereview.shards import twice

        if not by_text:
            self.lengths = {path: set() for path in self.paths}
            merged = heapq.merge(*map(self._lines, self.paths), key=lambda t: int(t[2]))
            last: tuple[Path, int, str, dict[str, Any]] | None = None
            for item in merged:
                path, number, pmid, entry = item
                if last is not None and last[2] == pmid:
                    raise twice(path, number, f"PMID {pmid}", last[0])
                self.lengths[path].add(len(pmid))
                last = item
                yield entry
            return
        assert self.lengths is not None, "read by number first"
        runs = [self._lines(p, n) for p in self.paths for n in sorted(self.lengths[p])]
        for _path, _number, _pmid, entry in heapq.merge(*runs, key=lambda t: t[2]):
            yield entry

    def _lines(
        self, path: Path, length: int | None = None
    ) -> Iterator[tuple[Path, int, str, dict[str, Any]]]:
        """The lines of one file; with ``length``, those whose PMID has that many digits (in the
        file's order, which is then the PMIDs' order as text too)."""
        from spinereview.shards import iter_shard_lines, twice

        previous = 0
        for number, pmid, entry, _offset in iter_shard_lines(path, self.WHAT, _shard_entry):
            if int(pmid) <= previous:
                if int(pmid) == previous:
                    raise twice(path, number, f"PMID {pmid}", path)
                raise InputError(
                    path,
                    "the lines are not in PMID order: not a file of extract-shard; run the "
                    "workflow again",
                    line=number,
                )
            previous = int(pmid)
            if length is None or len(pmid) == length:
                yield path, number, pmid, entry


def _shard_entry(entry: Any) -> tuple[str, dict[str, Any]]:
    pmid = str(entry["pmid"])
    if not pmid.isdigit() or not {"candidates", "drafts"} <= entry.keys():
        raise ValueError("expected pmid, candidates and drafts")
    return pmid, entry


def finish_candidates(
    entries: Callable[[bool], Iterator[dict[str, Any]]],
    sheet: Path,
    studies: Path,
    out_candidates: Path,
    out_crosscheck: Path,
    out_drafts: Path | None = None,
) -> tuple[int, int, int, int]:
    """The global part: the ``record_candidates`` of each record with an abstract, cross-checked
    with the curated sheet; the three tables written, a record at a time.

    ``entries(by_text)`` yields those parts afresh at each call, in record order (PMIDs as numbers)
    or, with ``by_text``, in the order of the PMIDs as text; it is called by number first. Returns
    (abstracts, candidates, cross-check rows, draft rows). An error leaves every output untouched.
    """
    import contextlib

    from spinereview.extraction.abstracts import (
        CANDIDATE_COLUMNS,
        CROSSCHECK_COLUMNS,
        crosscheck_sheet,
        effects_by_pmid,
        unmatched_effects,
    )
    from spinereview.extraction.drafts import DRAFT_COLUMNS, check, mark_in_sheet
    from spinereview.io import csv_writer_atomic

    curated = load_curated(studies)
    rows = load_sheet(sheet, {c.publication_id: c.pmid for c in curated})
    in_the_sheet = {row.pmid for row in rows}
    with_abstract: set[str] = set()
    of_the_sheet = []  # the candidates of the sheet's PMIDs: all the sheet's rows are compared with
    for entry in entries(False):
        with_abstract.add(entry["pmid"])
        if entry["pmid"] in in_the_sheet:
            of_the_sheet += entry["candidates"]
    checks, matched = crosscheck_sheet(rows, effects_by_pmid(of_the_sheet), with_abstract)
    in_sheet = {
        (c["pmid"], c["candidate_index"]): c["row_id"]
        for c in checks
        if c["row_id"] and c["candidate_index"] is not None
    }
    counts = [len(with_abstract), 0, len(checks), 0]
    with contextlib.ExitStack() as outputs:
        candidates = outputs.enter_context(csv_writer_atomic(out_candidates, CANDIDATE_COLUMNS))
        drafts = None
        if out_drafts is not None:
            drafts = outputs.enter_context(csv_writer_atomic(out_drafts, DRAFT_COLUMNS))
        for entry in entries(False):
            candidates.writerows(entry["candidates"])
            counts[1] += len(entry["candidates"])
            if drafts is not None:
                marked = [
                    mark_in_sheet(row, in_sheet.get((entry["pmid"], index)))
                    for index, row in entry["drafts"]
                ]
                check(marked, start=counts[3] + 1)
                drafts.writerows(marked)
                counts[3] += len(marked)
        crosschecked = outputs.enter_context(csv_writer_atomic(out_crosscheck, CROSSCHECK_COLUMNS))
        crosschecked.writerows(checks)
        everything = (cand for entry in entries(True) for cand in entry["candidates"])
        for row in unmatched_effects(everything, matched):
            crosschecked.writerow(row)
            counts[2] += 1
    return counts[0], counts[1], counts[2], counts[3]
