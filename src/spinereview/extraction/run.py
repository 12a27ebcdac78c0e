"""The harmonise_effects step: validate the sheet, harmonise every row, write effects tables."""

from __future__ import annotations

import logging
from collections.abc import Mapping
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
    return finish_candidates(found, sheet, studies, out_candidates, out_crosscheck, out_drafts)


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
    order, then the cross-check with the sheet and the draft rows over all of them."""
    from spinereview.shards import read_shard_lines

    def parse(entry: Any) -> tuple[str, dict[str, Any]]:
        pmid = str(entry["pmid"])
        if not pmid.isdigit() or not {"candidates", "drafts"} <= entry.keys():
            raise ValueError("expected pmid, candidates and drafts")
        return pmid, entry

    found = list(read_shard_lines(shard_paths, "an extraction shard line", parse, "PMID ").values())
    found.sort(key=lambda entry: int(entry["pmid"]))
    return finish_candidates(found, sheet, studies, out_candidates, out_crosscheck, out_drafts)


def finish_candidates(
    found: list[dict[str, Any]],
    sheet: Path,
    studies: Path,
    out_candidates: Path,
    out_crosscheck: Path,
    out_drafts: Path | None = None,
) -> tuple[int, int, int, int]:
    """The global part: ``found`` (``record_candidates`` of each record with an abstract, in record
    order) cross-checked with the curated sheet; the three tables written."""
    from spinereview.extraction.abstracts import CANDIDATE_COLUMNS, CROSSCHECK_COLUMNS, crosscheck
    from spinereview.extraction.drafts import DRAFT_COLUMNS, check, mark_in_sheet
    from spinereview.io import write_csv_atomic

    with_abstract = {entry["pmid"] for entry in found}
    candidates = [row for entry in found for row in entry["candidates"]]
    curated = load_curated(studies)
    rows = load_sheet(sheet, {c.publication_id: c.pmid for c in curated})
    checks = crosscheck(rows, candidates, with_abstract)
    in_sheet = {
        (c["pmid"], c["candidate_index"]): c["row_id"]
        for c in checks
        if c["row_id"] and c["candidate_index"] is not None
    }
    drafts = []
    if out_drafts is not None:
        drafts = [
            mark_in_sheet(row, in_sheet.get((entry["pmid"], index)))
            for entry in found
            for index, row in entry["drafts"]
        ]
        check(drafts)
    write_csv_atomic(out_candidates, candidates, CANDIDATE_COLUMNS)
    write_csv_atomic(out_crosscheck, checks, CROSSCHECK_COLUMNS)
    if out_drafts is not None:
        write_csv_atomic(out_drafts, drafts, DRAFT_COLUMNS)
    return len(with_abstract), len(candidates), len(checks), len(drafts)
