"""RIS writer (tags of the 2011 RIS specification), UTF-8, one 'TAG  - value' line per field."""

from __future__ import annotations

from collections.abc import Sequence

from spinereview.citations.model import Author, Reference, split_pages

TYPES = {
    "article": "JOUR",
    "systematic_review": "JOUR",
    "guideline": "RPRT",
    "unresolved": "GEN",
}


def _line(tag: str, value: object) -> str:
    # A value never spans lines: RIS has no continuation lines that every reader accepts.
    return f"{tag}  - {' '.join(str(value).split())}"


def _name(author: Author) -> str:
    """'Carette, S.' / 'de Vet, H. C. W.'; a collective name as it is (it has no comma to split)."""
    if author.collective:
        return author.collective
    given = author.given_or_initials
    return f"{author.family}, {given}" if given else author.family


def _date(ref: Reference) -> str | None:
    """DA as YYYY/MM/DD with empty parts where unknown ('2016/11/30', '1997//')."""
    if ref.year is None or ref.month is None:
        return None
    day = f"{ref.day:02d}" if ref.day else ""
    return f"{ref.year:04d}/{ref.month:02d}/{day}"


def _accessed(ref: Reference) -> str | None:
    """Y2 (access date) as YYYY/MM/DD."""
    return "{:04d}/{:02d}/{:02d}".format(*ref.accessed) if ref.accessed else None


def _source_tags(ref: Reference) -> list[tuple[str, object]]:
    tags: list[tuple[str, object]] = []
    if ref.kind == "guideline":
        tags += [("PB", ref.publisher), ("SN", ref.number)]  # SN: report number for RPRT
    else:
        tags.append(("T2", ref.journal or ref.journal_abbrev))
        if ref.journal and ref.journal_abbrev:
            tags.append(("J2", ref.journal_abbrev))
    tags += [("PY", ref.year), ("DA", _date(ref)), ("VL", ref.volume), ("IS", ref.issue)]
    first, last = split_pages(ref.pages)
    tags += [("SP", first), ("EP", last)]
    if ref.kind == "systematic_review" and ref.pages and not ref.pages[:1].isdigit():
        tags.append(("C7", ref.pages))  # article number (a Cochrane review's CD number)
    return tags


def record(ref: Reference) -> str:
    """One RIS record, 'TY' first and 'ER' last."""
    tags: list[tuple[str, object]] = [("TY", TYPES[ref.kind]), ("ID", ref.key)]
    tags += [("AU", _name(a)) for a in ref.authors]
    tags.append(("TI", ref.title))
    tags += _source_tags(ref)
    tags += [("DO", ref.doi), ("AN", ref.pmid)]
    if ref.pmid:
        tags.append(("DB", "PubMed"))
    for url in (ref.pubmed_url, ref.doi_url, ref.url):
        tags.append(("UR", url))
    tags.append(("Y2", _accessed(ref)))
    if ref.kind == "unresolved":
        tags.append(("N1", f"Cited as: {ref.cited_as}" if ref.cited_as else None))
    if ref.authors and not ref.authors_complete:
        tags.append(("N1", "Author list incomplete (et al.)"))
    tags.append(("N1", ref.updated_note))
    tags += [("N1", note) for note in ref.notes]
    lines = [_line(tag, value) for tag, value in tags if value not in (None, "")]
    return "\n".join([*lines, "ER  - "])


def ris(refs: Sequence[Reference]) -> str:
    """A .ris file: records separated by a blank line, LF line ends, UTF-8."""
    return "\n\n".join(record(ref) for ref in refs) + ("\n" if refs else "")
