"""PubMed records that could not be retrieved: the snapshot manifest's ``withheld`` PMIDs.

A live search skips a record that efetch leaves out of every answer (NCBI withholds a record while
it is revised) and lists its PMID per query under ``withheld`` in the snapshot's manifest.json. The
records table cannot hold such a record, so screening reads the manifest to count it in PRISMA 2020:
identified by the search (its query's records identified then equal the esearch count), and a
report not retrieved (see ``spinereview.screening.prisma``). The committed snapshot has no
``withheld`` key; an empty list means the same: nothing withheld.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spinereview.errors import InputError
from spinereview.pubmed.snapshot import Manifest
from spinereview.screening.dedup import Duplicate

log = logging.getLogger(__name__)


def load_withheld(
    manifest_path: str | Path, records: Sequence[Mapping[str, Any]]
) -> dict[str, tuple[str, ...]]:
    """Query id → the PMIDs efetch withheld, read from the snapshot manifest (queries with none are
    left out).

    The manifest is validated as a whole (``Manifest.load``: a ``withheld`` that is not a list of
    numeric PMID strings, unsorted, repeated or among the query's ``pmids`` is refused, naming the
    file and ``queries[i].withheld``). Then, per query, ``esearch_count`` must equal the PMIDs in
    the file plus the withheld ones, and no withheld PMID may be in the records table as found by
    that query: either means the manifest does not describe the records screened.
    """
    manifest = Manifest.load(manifest_path)
    found_by: dict[str, set[str]] = {}
    for record in records:
        for query_id in record["query_ids"]:
            found_by.setdefault(query_id, set()).add(str(record["pmid"]))
    out: dict[str, tuple[str, ...]] = {}
    for index, entry in enumerate(manifest.queries):
        withheld = entry.withheld or ()
        where = f"queries[{index}].withheld"
        if entry.esearch_count != len(entry.pmids) + len(withheld):
            raise InputError(
                manifest_path,
                f"query {entry.id!r}: esearch_count {entry.esearch_count} is not the "
                f"{len(entry.pmids)} PMIDs of its file plus the {len(withheld)} withheld",
                field=where,
            )
        clash = sorted(set(withheld) & found_by.get(entry.id, set()), key=int)
        if clash:
            raise InputError(
                manifest_path,
                f"query {entry.id!r}: PMID(s) {', '.join(clash)} listed as withheld, but the "
                "records table has them from this query; the records were not parsed from this "
                "snapshot",
                field=where,
            )
        books = len(entry.pmids) - len(found_by.get(entry.id, set()))
        if books > 0:
            # PubmedBookArticle records are in the file but not in the records table
            log.warning(
                "query %s: %d record(s) of the snapshot are not journal articles (PubMed "
                "Bookshelf) and are not screened, so PRISMA's records identified for this query "
                "are %d, below its esearch count %d",
                entry.id,
                books,
                entry.esearch_count - books,
                entry.esearch_count,
            )
        if withheld:
            out[entry.id] = tuple(withheld)
    return out


def withheld_duplicates(
    withheld: Mapping[str, Sequence[str]], records: Sequence[Mapping[str, Any]]
) -> list[Duplicate]:
    """duplicates.csv rows for withheld PMIDs another query found too: as a record (kept from the
    record's first query) or withheld again (kept from the first query that withheld it)."""
    first_query = {str(r["pmid"]): r["query_ids"][0] for r in records if r["query_ids"]}
    first_withheld: dict[str, str] = {}
    out = []
    for query_id, pmids in withheld.items():
        for pmid in pmids:
            if pmid in first_query:
                kept = f"kept from {first_query[pmid]}"
            elif pmid in first_withheld:
                kept = f"first withheld in {first_withheld[pmid]}"
            else:
                first_withheld[pmid] = query_id
                continue
            out.append(
                Duplicate(
                    f"pmid:{pmid}",
                    f"pmid:{pmid}",
                    "pmid_across_queries",
                    f"found by {query_id} (withheld by efetch there; {kept})",
                )
            )
    return out
