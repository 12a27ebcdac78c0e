"""Facts read from a citation as the article prints it: years, identifiers, locator, truncation."""

from __future__ import annotations

import re
from dataclasses import dataclass

_YEAR = re.compile(r"(?<![\d.])(?:1[89]|20)\d{2}(?![\d.])")
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b", re.I)
_CD = re.compile(r"\bCD\d{6}\b")
# NICE guidance numbers: guideline (NG), clinical guideline (CG), quality standard (QS),
# technology appraisal (TA), interventional procedure (IPG).
_GUIDELINE = re.compile(r"\b(?:NG|CG|QS|TA|IPG)\d{1,4}\b")
# 'Journal. 2015;(9):CD001824' / 'DÄ 2020; 117(17' / 'BMJ 2011;343:d5278'
_LOCATOR = re.compile(
    r"(?P<year>(?:1[89]|20)\d{2})\s*;\s*(?P<volume>[^\s(:;.]*)\s*"
    r"(?:\((?P<issue>[^()]*?)(?P<close>\))?)?\s*(?::\s*(?P<pages>[^\s;]*?))?(?=\.?(?:\s|$))"
)


@dataclass(frozen=True)
class ParsedCitation:
    """What a cited reference says about itself; every field is read from the text alone."""

    text: str
    years: tuple[int, ...]  # in the order they appear
    citation_year: int | None  # the year of the 'Journal. YEAR;...' part
    label_years: tuple[int, ...]  # other years (a label such as 'Cochrane Review 2021')
    journal: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    dois: tuple[str, ...]
    pmids: tuple[str, ...]
    cd_numbers: tuple[str, ...]
    guideline_numbers: tuple[str, ...]
    truncation: tuple[str, ...]  # why the citation looks cut off; empty when it looks complete

    @property
    def first_page(self) -> str | None:
        return re.split(r"[-–]", self.pages)[0] if self.pages else None


def _journal_before(text: str, start: int) -> str | None:
    """The journal name just before the locator: the last sentence ('Authors. Title. Journal.'),
    after any '...' elision."""
    before = re.split(r"\.\.\.|\.\s", text[:start].rstrip().rstrip("."))[-1]
    before = re.sub(r"\((?:1[89]|20)\d{2}\)", "", before)
    name = before.strip().rstrip(".").strip()
    return name or None


def _truncation(text: str, locator: re.Match[str] | None) -> tuple[str, ...]:
    reasons = []
    if text.count("(") > text.count(")"):
        reasons.append("no closing parenthesis")
    if locator is not None and not locator.group("pages"):
        reasons.append("no pages")
    if re.search(r"[;:,(]\s*$", text):
        reasons.append("ends on a separator")
    return tuple(reasons)


def parse_citation(text: str) -> ParsedCitation:
    """Parse ``text`` (the reference as printed in the article)."""
    text = " ".join(text.split())
    locator = _LOCATOR.search(text)
    years = [(int(m.group(0)), m.start()) for m in _YEAR.finditer(text)]
    citation_year = int(locator.group("year")) if locator else None
    label_years = tuple(y for y, pos in years if not (locator and pos == locator.start("year")))
    group = lambda name: (locator.group(name) or None) if locator else None  # noqa: E731
    return ParsedCitation(
        text=text,
        years=tuple(y for y, _ in years),
        citation_year=citation_year,
        label_years=label_years,
        journal=_journal_before(text, locator.start()) if locator else None,
        volume=group("volume"),
        issue=group("issue"),
        pages=group("pages"),
        dois=tuple(d.rstrip(".,;)") for d in _DOI.findall(text)),
        pmids=tuple(_PMID.findall(text)),
        cd_numbers=tuple(dict.fromkeys(_CD.findall(text))),
        guideline_numbers=tuple(dict.fromkeys(_GUIDELINE.findall(text))),
        truncation=_truncation(text, locator),
    )
