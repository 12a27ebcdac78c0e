"""De-duplication by PMID, DOI and normalised title + year; every duplicate is reported."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass


def normalise_title(title: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces: the title key for de-duplication.

    >>> normalise_title("Épidural  steroids: a Trial.")
    'epidural steroids a trial'
    """
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    no_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]|_", " ", no_accents).split())


def normalise_doi(doi: str) -> str:
    """DOIs are case-insensitive; drop a resolver prefix such as https://doi.org/."""
    doi = doi.strip().casefold()
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi)


@dataclass(frozen=True)
class Duplicate:
    """``record_id`` duplicates ``kept_id`` by ``key`` (pmid, doi or title_year)."""

    record_id: str
    kept_id: str
    key: str
    value: str


def dedup_keys(
    pmid: str, doi: str, title: str, year: str, keys: Sequence[str]
) -> list[tuple[str, str]]:
    """The (key, value) pairs of one record in protocol order; empty values are skipped."""
    values = {
        "pmid": pmid.strip(),
        "doi": normalise_doi(doi) if doi else "",
        "title_year": f"{normalise_title(title)}|{year}" if title.strip() and year else "",
    }
    return [(key, values[key]) for key in keys if values[key]]


def find_duplicates(items: Sequence[tuple[str, list[tuple[str, str]]]]) -> list[Duplicate]:
    """Given (record_id, keys) in priority order, return the later records that repeat a key.

    The first record with a key is kept; a later one matching it on any key is its duplicate, and the
    first matching key (in protocol order) is reported.
    """
    seen: dict[tuple[str, str], str] = {}
    duplicates = []
    for record_id, keys in items:
        match = next(((k, v) for k, v in keys if (k, v) in seen), None)
        if match is not None:
            duplicates.append(Duplicate(record_id, seen[match], match[0], match[1]))
            continue
        for key in keys:
            seen.setdefault(key, record_id)
    return duplicates
