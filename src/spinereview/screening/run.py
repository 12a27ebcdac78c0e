"""The screen_records step: read records and curated tables, decide, write decisions/PRISMA/included."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinereview.errors import InputError
from spinereview.io import atomic_path, read_table, write_csv_atomic, write_json_atomic
from spinereview.pubmed.records import iter_record_batches
from spinereview.screening.dedup import Duplicate
from spinereview.screening.prisma import prisma_counts
from spinereview.screening.protocol import CLASSIFIED, SCREENED, Protocol
from spinereview.screening.screen import (
    COMPARISON_COLUMNS,
    Classified,
    Item,
    classify_item,
    comparison_rows,
    items_from_other,
    items_from_records,
    screen,
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


def read_classified(paths: Sequence[Path]) -> dict[str, Classified]:
    """The shards' classifications (``classify_records``) by record id; a record in two is an error."""
    from spinereview.shards import read_shard_lines

    def parse(entry: Any) -> tuple[str, Classified]:
        return entry["record_id"], Classified.from_json(entry["classified"])

    return read_shard_lines(paths, "a screening shard line", parse)


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
    """
    protocol = Protocol.from_config(screening_config)
    curated = load_curated(inputs.studies)
    others = load_other_sources(inputs.other_sources, curated)
    links = load_links(inputs.links, curated)
    # read a batch at a time: the items keep what screening needs, ``records`` the PMIDs and queries
    from_records: list[Item] = []
    records: list[dict[str, Any]] = []
    columns = _SCREENED_COLUMNS if classified is None else _SCREENED_COLUMNS[2:]
    for rows in iter_record_batches(records_path, columns):
        from_records += items_from_records(rows, curated, with_text=classified is None)
        records += ({"pmid": r["pmid"], "query_ids": r["query_ids"]} for r in rows)
    items = from_records + items_from_other(others, curated)
    known = {i.record_id for i in items}
    overrides = load_overrides(inputs.overrides, known.__contains__)
    classes = None
    if classified is not None:
        classes = read_classified(classified)
        ids = {i.record_id for i in from_records}
        stray = sorted(set(classes) - ids)[:1] or sorted(ids - set(classes))[:1]
        if stray:
            raise InputError(
                records_path,
                f"{stray[0]} is in the records table or in a screening shard file, not in both: "
                "the shard files are not of this table; run the workflow again",
            )
    rows, duplicates = screen(items, protocol, links, overrides, classes)

    per_query: dict[str, int] = {}
    for record in records:
        for query_id in record["query_ids"]:
            per_query[query_id] = per_query.get(query_id, 0) + 1
    methods: dict[str, int] = {}
    for other in others:
        methods[other.method] = methods.get(other.method, 0) + 1
    withheld = load_withheld(inputs.manifest, records) if inputs.manifest is not None else {}
    prisma = prisma_counts(rows, per_query, methods, withheld)

    cross_query = [
        Duplicate(
            f"pmid:{r['pmid']}",
            f"pmid:{r['pmid']}",
            "pmid_across_queries",
            f"found by {q} (kept from {r['query_ids'][0]})",
        )
        for r in records
        for q in r["query_ids"][1:]
    ] + withheld_duplicates(withheld, records)
    write_csv_atomic(out_dir / "decisions.csv", rows, DECISION_COLUMNS)
    write_csv_atomic(
        out_dir / "duplicates.csv", [vars(d) for d in cross_query + duplicates], DUPLICATE_COLUMNS
    )
    write_csv_atomic(
        out_dir / "included.csv", included_studies(rows, curated, links), INCLUDED_COLUMNS
    )
    write_csv_atomic(
        out_dir / "comparisons.csv",
        comparison_rows(items, protocol, links, rows, classes),
        COMPARISON_COLUMNS,
    )
    write_json_atomic(out_dir / "prisma.json", prisma)
    return prisma


def read_randomised(included_csv: str | Path) -> dict[str, int]:
    """study id → n randomised from results/screening/included.csv (studies without it are left out)."""
    rows = read_table(included_csv, ("study_id", "n_randomised"))
    return {r["study_id"]: int(r["n_randomised"]) for r in rows if r["n_randomised"].isdigit()}
