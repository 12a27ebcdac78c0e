"""What a reference list lacks: one row per fact missing from an entry's record, never filled in.

`reports/citations/missing.csv` is written from these rows. A fact missing from the record stays
missing in every format; this table tells the author which ones to look up. Spelling corrections
applied from `data/article/author_spellings.csv` are listed here too, with their source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spinereview.citations.model import Reference

COLUMNS = ("list", "entry", "pmid", "field", "status", "detail", "source")
JOURNAL_FIELDS = ("title", "journal", "year", "volume", "issue", "pages")


@dataclass(frozen=True)
class Gap:
    """One row of missing.csv: ``status`` is 'missing', 'corrected' or 'not_applied'."""

    list: str
    entry: str
    pmid: str
    field: str
    status: str
    detail: str
    source: str = ""

    def row(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in COLUMNS}


def _value(ref: Reference, name: str) -> object:
    return ref.container if name == "journal" else getattr(ref, name)


def _journal_gaps(ref: Reference) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not ref.authors:
        out.append(("authors", "no author in the record"))
    for number, author in enumerate(ref.authors, start=1):
        if not author.collective and not author.initials:
            out.append(
                (f"authors[{number}].initials", f"{author.family}: no initials in the record")
            )
    if ref.authors and not ref.authors_complete:
        out.append(("authors", "the record lists only some authors (et al.)"))
    # A Cochrane review is cited by issue and CD number; it has no volume.
    cochrane = (ref.pages or "").startswith("CD")
    for name in JOURNAL_FIELDS:
        if name == "volume" and cochrane:
            continue
        if _value(ref, name) in (None, ""):
            out.append((name, "not in the record"))
    return out


def _guideline_gaps(ref: Reference) -> list[tuple[str, str]]:
    out = [
        (n, "not in references.yaml") for n in ("title", "publisher", "year") if not _value(ref, n)
    ]
    if ref.url and not ref.accessed:
        out.append(
            (
                "accessed",
                "web source without an access date: fill resolves_to.accessed (YYYY-MM-DD) in "
                "data/article/references.yaml",
            )
        )
    return out


def gaps(list_name: str, refs: Iterable[Reference]) -> list[Gap]:
    """Every fact an entry of ``refs`` lacks, in list order, one row per field."""
    out = []
    for ref in refs:
        if ref.kind == "guideline":
            found = _guideline_gaps(ref)
        elif ref.kind == "unresolved":
            found = [("resolved", "the citation could not be resolved; see audit.md")]
        else:
            found = _journal_gaps(ref)
        out += [Gap(list_name, ref.key, ref.pmid or "", f, "missing", d) for f, d in found]
    return out


def web_sources_without_access_date(refs: Sequence[Reference]) -> list[str]:
    """Keys of entries cited by URL that have no recorded access date."""
    return [ref.key for ref in refs if ref.url and not ref.accessed]
