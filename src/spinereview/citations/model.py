"""The Reference dataclass every citation format is written from, with name, page and key helpers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

KINDS = ("article", "systematic_review", "guideline", "unresolved")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"
DOI_URL = "https://doi.org/{}"


@dataclass(frozen=True)
class Author:
    """One author: a person (family name, initials, optional given name) or a collective name."""

    family: str = ""
    initials: str = ""
    given: str = ""
    collective: str = ""

    def __post_init__(self) -> None:
        if not (self.family or self.collective):
            raise ValueError("an author needs a family name or a collective name")

    @property
    def vancouver(self) -> str:
        """'Carette S', 'de Vet HCW', or the collective name."""
        if self.collective:
            return self.collective
        return f"{self.family} {self.initials}".strip()

    @property
    def given_or_initials(self) -> str:
        """The given name if known, else the initials with full stops: 'HCW' -> 'H. C. W.'."""
        if self.given:
            return self.given
        return " ".join(f"{letter}." for letter in self.initials)


@dataclass(frozen=True)
class Reference:
    """One bibliographic reference, as every writer (Vancouver, BibTeX, RIS, CSL-JSON) needs it.

    ``journal`` is the full journal title when known, ``journal_abbrev`` the NLM abbreviation (the
    embedded snapshot only has the latter). ``number`` is a report or article number (a guideline's
    NG59, a Cochrane review's CD number); ``cited_as`` keeps an unresolved citation's text verbatim.
    ``authors_complete`` is False when the source lists only some authors ("et al." follows).
    ``updated`` is a web source's latest revision, ``accessed`` the date someone checked its URL
    (recorded in data, never the day of the run). ``notes`` are working notes for reviewers; the
    article's own list is written without them.
    """

    key: str
    kind: str
    title: str | None = None
    authors: tuple[Author, ...] = ()
    authors_complete: bool = True
    journal: str | None = None
    journal_abbrev: str | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    number: str | None = None
    publisher: str | None = None
    pmid: str | None = None
    doi: str | None = None
    url: str | None = None
    updated: tuple[int, int, int] | None = None
    accessed: tuple[int, int, int] | None = None
    cited_as: str | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown reference kind {self.kind!r}; expected one of {KINDS}")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_:.-]*", self.key):
            raise ValueError(f"invalid citation key {self.key!r}")
        if self.pmid is not None and not self.pmid.isdigit():
            raise ValueError(f"PMID {self.pmid!r} is not a number")

    @property
    def updated_note(self) -> str | None:
        """'Last updated 2020-12-11' (a guideline's latest revision), for formats without a field."""
        return "Last updated {:04d}-{:02d}-{:02d}".format(*self.updated) if self.updated else None

    @property
    def accessed_iso(self) -> str | None:
        return "{:04d}-{:02d}-{:02d}".format(*self.accessed) if self.accessed else None

    @property
    def container(self) -> str | None:
        """The journal name to print in a Vancouver list: the NLM abbreviation if known."""
        return self.journal_abbrev or self.journal

    @property
    def pubmed_url(self) -> str | None:
        return PUBMED_URL.format(self.pmid) if self.pmid else None

    @property
    def doi_url(self) -> str | None:
        return DOI_URL.format(quote_doi(self.doi)) if self.doi else None


def quote_doi(doi: str) -> str:
    """Percent-encode a DOI for a URL path (keeps '/'; encodes '(', ')', '<', ';', '#', spaces...)."""
    from urllib.parse import quote

    return quote(doi, safe="/")


def split_pages(pages: str | None) -> tuple[str | None, str | None]:
    """First and last page, with an abbreviated last page expanded: '1634-40' -> ('1634', '1640').

    Article numbers ('e079970', 'CD001824') and single pages give (page, None); a prefix such as
    'E61-74' or 'RC04-RC08' is carried over to the last page when it lacks one.
    """
    if not pages:
        return None, None
    parts = [p.strip() for p in re.split(r"\s*[-–]\s*", pages.strip(), maxsplit=1)]
    if len(parts) == 1 or not parts[1]:
        return parts[0], None
    first, last = parts
    m_first = re.fullmatch(r"([A-Za-z]*)(\d+)", first)
    m_last = re.fullmatch(r"([A-Za-z]*)(\d+)", last)
    if m_first and m_last:
        prefix, start = m_first.groups()
        last_prefix, end = m_last.groups()
        if len(end) < len(start):
            end = start[: len(start) - len(end)] + end
        last = (last_prefix or prefix) + end
    return first, last


def ascii_fold(text: str) -> str:
    """Letters and digits of ``text`` with accents removed ('Ärzteblatt' -> 'Arzteblatt'); for keys."""
    special = {"ß": "ss", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Đ": "D"}
    text = "".join(special.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def sort_key(ref: Reference) -> tuple[str, int, str, str]:
    """Order of an included-studies list: first author (accents folded, case-insensitive), year,
    title, key — so the order never depends on the order of the input tables."""
    first = ref.authors[0] if ref.authors else None
    name = (first.collective or first.family) if first else (ref.title or "")
    folded = ascii_fold(name).casefold() or name.casefold()
    return folded, ref.year or 0, (ref.title or "").casefold(), ref.key


def author_year_keys(refs: Iterable[Reference]) -> list[str]:
    """BibTeX-safe keys 'Carette1997', 'Cohen2018a', 'Cohen2018b' for ``refs`` in the order given.

    The family name is folded to ASCII letters and digits ('Sae-Jung' -> 'SaeJung'); a name with no
    ASCII letters at all (CJK) gives 'Anon'; a missing year '_nd' ('Sayegh_nd'). Keys that would
    repeat get a, b, c... in order.
    """
    refs = list(refs)
    bases = []
    for ref in refs:
        first = ref.authors[0] if ref.authors else None
        name = ascii_fold((first.collective or first.family) if first else "")
        if not name or not name[0].isalpha():
            name = "Anon" + name
        bases.append(f"{name[:1].upper()}{name[1:]}{ref.year or '_nd'}")
    counts: dict[str, int] = {}
    for base in bases:
        counts[base] = counts.get(base, 0) + 1
    seen: dict[str, int] = {}
    keys = []
    for base in bases:
        if counts[base] == 1:
            keys.append(base)
            continue
        index = seen.get(base, 0)
        seen[base] = index + 1
        keys.append(base + _suffix(index))
    return keys


def _suffix(index: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'aa' ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def parse_author(text: str) -> Author:
    """'de Bie RA' -> Author('de Bie', 'RA'); 'Nam' -> a family name without initials; text of
    several words without trailing initials ('WEST Study Group') is a collective name."""
    text = " ".join(text.split())
    match = re.fullmatch(r"(.+?)\s+([A-Z]{1,4})", text)
    if match:
        return Author(family=match.group(1), initials=match.group(2))
    if " " not in text:
        return Author(family=text)
    return Author(collective=text)


def parse_author_list(text: str, separator: str = ";") -> tuple[tuple[Author, ...], bool]:
    """Authors and whether the list is complete, from 'Carette S; Marcoux S; et al' (studies.csv)
    or 'Staal JB, de Bie R' (separator ','). 'et al' alone or after a name marks the list as
    incomplete and is not an author."""
    authors: list[Author] = []
    complete = True
    for part in text.split(separator):
        part = " ".join(part.split())
        stripped = re.sub(r"(?:^|\s+)et al\.?$", "", part)
        if stripped != part:
            complete = False
        if stripped:
            authors.append(parse_author(stripped))
    return tuple(authors), complete
