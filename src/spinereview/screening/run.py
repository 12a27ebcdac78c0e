"""The screen_records step: read records and curated tables, decide, write decisions/PRISMA/included."""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from spinereview.errors import InputError
from spinereview.io import atomic_path, read_table, write_csv_atomic, write_json_atomic
from spinereview.pubmed.records import iter_record_batches
from spinereview.screening.dedup import Duplicate
from spinereview.screening.prisma import PrismaTally
from spinereview.screening.protocol import CLASSIFIED, SCREENED, Protocol
from spinereview.screening.screen import (
    COMPARISON_COLUMNS,
    Classified,
    Item,
    classify_item,
    item_comparison_rows,
    items_from_other,
    items_from_records,
    screen_items,
)
from spinereview.screening.sources import (
    CuratedStudy,
    StudyLink,
    load_curated,
    load_links,
    load_other_sources,
    load_overrides,
)
from spinereview.screening.withheld import load_withheld, withheld_duplicates

DECISION_COLUMNS = (
    "record_id",
    "source",
    "pmid",
    "doi",
    "query_ids",
    "other_method",
    "study_id",
    "publication_ids",
    "year",
    "title",
    "decision",
    "stage",
    "reason",
    "reason_detail",
    "evidence_phrase",
    "evidence_span",
    *[f"{n}{s}" for n in SCREENED for s in ("", "_basis")],
    "text_disagreements",
    "override_reviewer",
    "rules_decision",
)
INCLUDED_COLUMNS = (
    "study_id",
    "record_ids",
    "pmids",
    "publication_ids",
    "intervention",
    "comparator",
    "population",
    "duration",
    "n_randomised",
    "reports",
)
DUPLICATE_COLUMNS = ("record_id", "kept_id", "key", "value")


@dataclass(frozen=True)
class ScreeningInputs:
    """Paths of the curated tables the screening step reads."""

    studies: Path
    other_sources: Path
    links: Path
    overrides: Path
    #: The snapshot's manifest.json, for the PMIDs efetch withheld (None: nothing withheld).
    manifest: Path | None = None


def included_studies(
    rows: Sequence[Mapping[str, Any]],
    curated: Sequence[CuratedStudy],
    links: Mapping[str, StudyLink],
) -> list[dict[str, Any]]:
    """One row per included study (trial), combining all its included reports."""
    n_by_pub = {c.publication_id: c.n_randomised for c in curated}
    studies: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row["decision"] == "included":
            studies.setdefault(row["study_id"], []).append(row)

    def union(reports: Sequence[Mapping[str, Any]], column: str) -> str:
        values = [v for r in reports for v in r[column].split("; ") if v]
        return "; ".join(dict.fromkeys(values))

    out = []
    for study_id, reports in sorted(studies.items()):
        pubs = union(reports, "publication_ids").split("; ")
        primary = [p for p in pubs if p in links and links[p].role == "primary"]
        sizes = [n_by_pub.get(p, "") for p in primary + pubs]
        out.append(
            {
                "study_id": study_id,
                "record_ids": union(reports, "record_id"),
                "pmids": union(reports, "pmid"),
                "publication_ids": "; ".join(p for p in pubs if p),
                **{name: union(reports, name) for name in CLASSIFIED},
                "n_randomised": next((n for n in sizes if n), ""),
                "reports": len(reports),
            }
        )
    return out


def classify_records(
    records_path: Path, studies: Path, screening_config: Mapping[str, Any], out_path: Path
) -> int:
    """The per-shard part of screening: classify every record of a records file (one shard).

    Writes one JSON line per record, ``{"record_id": ..., "classified": ...}`` in the order of the
    file (``spinereview.screening.screen.Classified``), atomically; returns the number of records.
    ``run_screening`` with ``classified`` reads these lines instead of classifying again.
    """
    protocol = Protocol.from_config(screening_config)
    curated = load_curated(studies)
    count = 0
    with atomic_path(out_path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as out:
        for rows in iter_record_batches(records_path):
            for item in items_from_records(rows, curated):
                line = {
                    "record_id": item.record_id,
                    "classified": classify_item(item, protocol).to_json(),
                }
                out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
            count += len(rows)
    return count


def _parse_classified(entry: Any) -> tuple[str, Classified]:
    return entry["record_id"], Classified.from_json(entry["classified"])


class _RecordQueries:
    """The records' PMIDs and queries (``{"pmid": ..., "query_ids": [...]}``), read from the table a
    batch at a time each time they are walked."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for rows in iter_record_batches(self.path, ("pmid", "query_ids")):
            yield from rows


#: The columns of the records table that screening reads (items_from_records, the PRISMA counts).
_SCREENED_COLUMNS = (
    "abstract",  # the text, read unless the shards' classes are given
    "keywords",
    "pmid",
    "doi",
    "title",
    "year",
    "query_ids",
    "publication_types",
    "mesh",
)


def run_screening(
    records_path: Path,
    inputs: ScreeningInputs,
    screening_config: Mapping[str, Any],
    out_dir: Path,
    classified: Sequence[Path] | None = None,
) -> dict[str, Any]:
    """Screen every record; write decisions, duplicates, included, comparisons (.csv) and prisma.json.

    With ``classified`` (the files ``classify_records`` wrote for the shards of the records), the
    records' classes are read from them, and must cover exactly the records of ``records_path``;
    de-duplication, the decisions and the counts are made here, over all records.

    Memory stays flat in the number of records but for the de-duplication keys (and, with
    ``classified``, where each record's line is): the records are read a batch at a time, each
    decision row is written to decisions.csv when made, and of the rows only the counts, the
    included rows and the comparisons are kept.
    """
    protocol = Protocol.from_config(screening_config)
    curated = load_curated(inputs.studies)
    others = load_other_sources(inputs.other_sources, curated)
    links = load_links(inputs.links, curated)
    from_other = items_from_other(others, curated)
    records = _RecordQueries(records_path)
    ids = {f"pmid:{r['pmid']}" for r in records}  # the records' ids, not other methods'
    other_ids = {i.record_id for i in from_other} - ids
    ids |= other_ids
    overrides = load_overrides(inputs.overrides, ids.__contains__)
    ids -= other_ids
    with ExitStack() as stack:
        classes = None
        if classified is not None:
            from spinereview.shards import ShardLines

            classes = stack.enter_context(
                ShardLines(classified, "a screening shard line", _parse_classified)
            )
            stray = min((k for k in classes if k not in ids), default=None)
            if stray is None:
                stray = min((k for k in ids if k not in classes), default=None)
            if stray is not None:
                raise InputError(
                    records_path,
                    f"{stray} is in the records table or in a screening shard file, not in both: "
                    "the shard files are not of this table; run the workflow again",
                )
        del ids, other_ids
        withheld = load_withheld(inputs.manifest, records) if inputs.manifest is not None else {}
        spool = stack.enter_context(
            tempfile.TemporaryFile("w+", encoding="utf-8", newline="", prefix="duplicates.")
        )
        columns = _SCREENED_COLUMNS if classes is None else _SCREENED_COLUMNS[2:]

        def items() -> Iterator[Item]:
            for rows in iter_record_batches(records_path, columns):
                yield from items_from_records(rows, curated, with_text=classes is None)

        lookup = classes.get if classes is not None else None
        per_query: dict[str, int] = {}
        tally = PrismaTally(withheld)
        included: list[dict[str, Any]] = []
        comparisons: list[dict[str, Any]] = []
        # the decisions of the records with comparisons (of a record id twice: the last)
        decision_of: dict[str, str] = {}
        spooled = _csv_writer(spool, DUPLICATE_COLUMNS)
        made = not out_dir.exists()
        with (
            _no_empty_folder(out_dir if made else None),
            atomic_path(out_dir / "decisions.csv") as tmp,
            open(tmp, "w", encoding="utf-8", newline="") as out,
        ):
            writer = _csv_writer(out, DECISION_COLUMNS)
            writer.writeheader()
            for item, row, results, dup in screen_items(
                items(), protocol, links, overrides, lookup, from_other
            ):
                writer.writerow(row)
                tally.add(row)
                if item.source == "pubmed":
                    for query_id in item.query_ids:
                        per_query[query_id] = per_query.get(query_id, 0) + 1
                if row["decision"] == "included":
                    included.append(row)
                if item.record_id in decision_of:
                    decision_of[item.record_id] = row["decision"]
                found = item_comparison_rows(item, results, links, row["decision"])
                if found:
                    decision_of[item.record_id] = row["decision"]
                    comparisons += found
                if dup is not None:
                    spooled.writerow(vars(dup))
            methods: dict[str, int] = {}
            for other in others:
                methods[other.method] = methods.get(other.method, 0) + 1
            prisma = tally.counts(per_query, methods)  # checked before decisions.csv is in place
        if classes is not None:
            classes.close()
        cross_query = (
            Duplicate(
                f"pmid:{r['pmid']}",
                f"pmid:{r['pmid']}",
                "pmid_across_queries",
                f"found by {q} (kept from {r['query_ids'][0]})",
            )
            for r in records
            for q in r["query_ids"][1:]
        )
        with (
            atomic_path(out_dir / "duplicates.csv") as tmp,
            open(tmp, "w", encoding="utf-8", newline="") as out,
        ):
            writer = _csv_writer(out, DUPLICATE_COLUMNS)
            writer.writeheader()
            writer.writerows(vars(d) for d in cross_query)
            writer.writerows(vars(d) for d in withheld_duplicates(withheld, records))
            spool.seek(0)
            shutil.copyfileobj(spool, out)
    for row in comparisons:
        row["record_decision"] = decision_of[row["record_id"]]
    write_csv_atomic(
        out_dir / "included.csv", included_studies(included, curated, links), INCLUDED_COLUMNS
    )
    write_csv_atomic(
        out_dir / "comparisons.csv",
        sorted(comparisons, key=lambda r: r["publication_id"]),
        COMPARISON_COLUMNS,
    )
    write_json_atomic(out_dir / "prisma.json", prisma)
    return prisma


@contextmanager
def _no_empty_folder(folder: Path | None) -> Iterator[None]:
    """On an error in the block, remove ``folder`` if it is there and empty (None: nothing)."""
    try:
        yield
    except BaseException:
        if folder is not None and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise


def _csv_writer(out: IO[str], columns: Sequence[str]) -> csv.DictWriter[str]:
    """A writer of ``write_csv_atomic``'s CSV dialect (UTF-8 is the file's)."""
    return csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="raise")


def read_randomised(included_csv: str | Path) -> dict[str, int]:
    """study id → n randomised from results/screening/included.csv (studies without it are left out)."""
    rows = read_table(included_csv, ("study_id", "n_randomised"))
    return {r["study_id"]: int(r["n_randomised"]) for r in rows if r["n_randomised"].isdigit()}
