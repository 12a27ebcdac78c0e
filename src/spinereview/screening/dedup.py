"""De-duplication by PMID, DOI and normalised title + year; every duplicate is reported."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
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


class DuplicateFinder:
    """``find_duplicates`` one record at a time: ``check`` each record in priority order.

    Keeps, per key, each value's first record id (nothing else of the records).
    """

    def __init__(self) -> None:
        self._seen: dict[str, dict[str, str]] = {}

    def check(self, record_id: str, keys: Sequence[tuple[str, str]]) -> Duplicate | None:
        """The record's duplicate row if an earlier kept record has one of its keys, else None
        (and its keys are remembered)."""
        for key, value in keys:
            kept = self._seen.get(key, {}).get(value)
            if kept is not None:
                return Duplicate(record_id, kept, key, value)
        for key, value in keys:
            self._seen.setdefault(key, {}).setdefault(value, record_id)
        return None


def find_duplicates(items: Iterable[tuple[str, list[tuple[str, str]]]]) -> list[Duplicate]:
    """Given (record_id, keys) in priority order, return the later records that repeat a key.

    The first record with a key is kept; a later one matching it on any key is its duplicate, and the
    first matching key (in protocol order) is reported.
    """
    finder = DuplicateFinder()
    return [d for record_id, keys in items if (d := finder.check(record_id, keys)) is not None]
