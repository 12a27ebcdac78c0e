"""References of the included reports, from the records table, screening results and studies.csv."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from spinereview.citations.model import (
    Author,
    Reference,
    author_year_keys,
    parse_author_list,
    sort_key,
)
from spinereview.errors import InputError
from spinereview.io import iter_table, read_table

OTHER_METHODS_NOTE = "Identified by other methods; no PMID"


def _title(text: str | None) -> str | None:
    """A title without its closing full stop (PubMed titles end in one; writers add their own)."""
    if not text:
        return None
    text = " ".join(text.split())
    return text[:-1] if text.endswith(".") and not text.endswith("...") else text


def _record_author(author: Mapping[str, Any]) -> Author:
    if author.get("collective"):
        return Author(collective=author["collective"])
    initials = author.get("initials") or "".join(
        part[0] for part in re.split(r"[\s-]+", author.get("fore") or "") if part
    )
    return Author(family=author["last"], initials=initials, given=author.get("fore") or "")


def record_reference(record: Mapping[str, Any]) -> Reference:
    """A Reference for one row of the records table (key 'pmid<PMID>' until keys are assigned)."""
    types = record.get("publication_types") or []
    kind = "systematic_review" if {"Systematic Review", "Meta-Analysis"} & set(types) else "article"
    return Reference(
        key=f"pmid{record['pmid']}",
        kind=kind,
        title=_title(record.get("title")),
        authors=tuple(_record_author(a) for a in record.get("authors") or []),
        authors_complete=bool(record.get("authors_complete", True)),
        journal=record.get("journal"),
        journal_abbrev=record.get("medline_ta") or record.get("journal_iso"),
        year=record.get("year"),
        month=record.get("month"),
        volume=record.get("volume"),
        issue=record.get("issue"),
        pages=record.get("pages"),
        pmid=record["pmid"],
        doi=record.get("doi"),
    )


def records_by_pmid(rows: Iterable[Mapping[str, Any]]) -> dict[str, Reference]:
    """Every record of the records table as a Reference, by PMID."""
    return {row["pmid"]: record_reference(row) for row in rows}


class RecordReferences(Mapping[str, Reference]):
    """The records table's records as References by PMID, without holding every record.

    All PMIDs are read (for ``in``, ``len`` and iteration, in the table's order); the references
    of ``wanted`` are made in one pass over the table, any other PMID's on first use. A large
    table (a live search of 300k records) then costs the PMIDs and the references looked up.
    """

    def __init__(self, path: Path, wanted: Iterable[str] = ()) -> None:
        from spinereview.pubmed.records import iter_record_batches

        self._path = path
        self._pmids = dict.fromkeys(
            row["pmid"] for rows in iter_record_batches(path, ["pmid"]) for row in rows
        )
        self._refs: dict[str, Reference] = {}
        self._load({pmid for pmid in wanted if pmid in self._pmids})

    def _load(self, pmids: set[str]) -> None:
        from spinereview.pubmed.records import iter_record_batches

        if pmids:
            for rows in iter_record_batches(self._path, pmids=pmids):
                self._refs.update((row["pmid"], record_reference(row)) for row in rows)

    def __getitem__(self, pmid: str) -> Reference:
        if pmid not in self._refs:
            if pmid not in self._pmids:
                raise KeyError(pmid)
            self._load({pmid})
        return self._refs[pmid]

    def __contains__(self, pmid: object) -> bool:
        return pmid in self._pmids

    def __iter__(self) -> Iterator[str]:
        return iter(self._pmids)

    def __len__(self) -> int:
        return len(self._pmids)


def study_reference(row: Mapping[str, str], path: Path, number: int) -> Reference:
    """A Reference for a studies.csv row (a publication without a record in PubMed's snapshot)."""
    authors, complete = parse_author_list(row.get("authors") or "")
    year = (row.get("year") or "").strip()
    if year and not year.isdigit():
        raise InputError(path, f"year {year!r} is not a number", row=number, field="year")
    pmid = (row.get("pmid") or "").strip() or None
    if pmid is not None and not pmid.isdigit():
        raise InputError(path, f"PMID {pmid!r} is not a number", row=number, field="pmid")
    empty = lambda name: (row.get(name) or "").strip() or None  # noqa: E731
    return Reference(
        key="study",
        kind="article",
        title=_title(row.get("title")),
        authors=authors,
        authors_complete=complete,
        journal_abbrev=empty("journal"),
        year=int(year) if year else None,
        volume=empty("volume"),
        issue=empty("issue"),
        pages=empty("pages"),
        pmid=pmid,
        doi=empty("doi"),
    )


def _study_note(study_id: str, publication_ids: list[str], reports: int) -> str | None:
    if publication_ids == [study_id] and reports <= 1:
        return None
    note = f"Study {study_id}"
    if publication_ids and publication_ids != [study_id]:
        note += f" ({'; '.join(publication_ids)})"
    if reports > 1:
        note += f", one of {reports} reports"
    return note


def _decisions_by_record(path: Path, wanted: set[str]) -> dict[str, dict[str, str]]:
    """The decision rows of the ``wanted`` record ids (the last row of each), read one at a time:
    a screening's decisions hold a row for every record searched."""
    required = ("record_id", "study_id", "publication_ids", "decision")
    return {
        row["record_id"]: row for row in iter_table(path, required) if row["record_id"] in wanted
    }


def _report_reference(
    record_id: str,
    records: Mapping[str, Reference],
    studies: Mapping[str, tuple[int, dict[str, str]]],
    paths: Mapping[str, Path],
) -> Reference:
    source, _, ident = record_id.partition(":")
    if source == "pmid":
        if ident not in records:
            raise InputError(
                paths["records"],
                f"PMID {ident} (included) is not in the records table",
                field="pmid",
            )
        return records[ident]
    if source == "other":
        if ident not in studies:
            raise InputError(
                paths["studies"],
                f"study_id {ident!r} (an included record identified "
                "by other methods) is not in the table",
                field="study_id",
            )
        number, row = studies[ident]
        ref = study_reference(row, paths["studies"], number)
        return replace(ref, notes=(*ref.notes, OTHER_METHODS_NOTE)) if not ref.pmid else ref
    raise InputError(
        paths["included"],
        f"record id {record_id!r} is neither pmid:... nor other:...",
        field="record_ids",
    )


def included_references(
    records: Mapping[str, Reference],
    included: Path,
    decisions: Path,
    studies: Path,
    records_path: Path,
) -> list[Reference]:
    """One Reference per included report, ordered by first author, year and title, keyed
    'Carette1997'. Every included record must be an 'included' row of the screening decisions."""
    paths = {
        "included": included,
        "decisions": decisions,
        "studies": studies,
        "records": records_path,
    }
    study_rows = {r["study_id"]: (n, r) for n, r in enumerate(read_table(studies, ["study_id"]), 1)}
    included_rows = read_table(included, ("study_id", "record_ids", "reports"))
    ids_of = [
        [r.strip() for r in row["record_ids"].split(";") if r.strip()] for row in included_rows
    ]
    by_record = _decisions_by_record(decisions, {r for ids in ids_of for r in ids})
    refs = []
    for number, (row, record_ids) in enumerate(zip(included_rows, ids_of, strict=True), 1):
        if not record_ids:
            raise InputError(included, "no record ids", row=number, field="record_ids")
        for record_id in record_ids:
            if by_record.get(record_id, {}).get("decision") != "included":
                raise InputError(
                    included,
                    f"record {record_id!r} is not an included record of {decisions}",
                    row=number,
                    field="record_ids",
                )
            decision = by_record[record_id]
            ref = _report_reference(record_id, records, study_rows, paths)
            pubs = [p.strip() for p in decision["publication_ids"].split(";") if p.strip()]
            reports = int(row["reports"]) if row["reports"].strip().isdigit() else len(record_ids)
            note = _study_note(row["study_id"], pubs, reports)
            refs.append(replace(ref, notes=(*ref.notes, note)) if note else ref)
    return assign_keys(refs)


def assign_keys(refs: Sequence[Reference]) -> list[Reference]:
    """Sort ``refs`` for a citation list and give each an author-year key."""
    ordered = sorted(refs, key=sort_key)
    return [replace(r, key=k) for r, k in zip(ordered, author_year_keys(ordered), strict=True)]
