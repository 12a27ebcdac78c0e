"""Stream PubMed efetch XML (a PubmedArticleSet) into flat, flagged record dicts, safely."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from spinereview.errors import InputError

ROOT_TAG = "PubmedArticleSet"
ARTICLE_TAG = "PubmedArticle"

#: Every flag a record can carry; ``flags`` is a sorted subset of these.
FLAGS = (
    "incomplete_author_list",
    "missing_abstract",
    "missing_journal",
    "missing_title",
    "no_doi",
    "unparsed_date",
)

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_SEASONS = frozenset({"spring", "summer", "autumn", "fall", "winter"})
_YEAR = re.compile(r"[0-9]{4}")
_PMID = re.compile(r"[0-9]+")
_POSITION_SUFFIX = re.compile(r": line \d+, column \d+$")


class _LineRecorder(TreeBuilder):
    """A tree builder that notes the source line of every child of the root, in order.

    ElementTree elements carry no line numbers, and ``iterparse`` reads ahead in 16 KiB chunks, so
    the parser position seen by the consumer of an event is not the element's position; the line
    has to be taken here, while expat is calling back for that very start tag.
    """

    def __init__(self) -> None:
        super().__init__()
        self.expat: Any = None
        self.lines: deque[int] = deque()
        self._depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        if self._depth <= 1:
            self.lines.append(self.expat.CurrentLineNumber)
        self._depth += 1
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._depth -= 1
        return super().end(tag)


def _top_level(path: str | Path) -> Iterator[tuple[int, Element]]:
    """Yield (line, element) for each child of the PubmedArticleSet root, then free it.

    Entity declarations (internal or external, so billion-laughs and XXE) and external references
    are refused by defusedxml; a plain ``<!DOCTYPE PubmedArticleSet PUBLIC ...>`` line is allowed
    and its DTD is never fetched (expat does not read external DTD subsets). Each child is cleared
    and detached from the root after the consumer resumes, so memory stays flat in the number of
    records.
    """
    builder = _LineRecorder()
    parser = DefusedXMLParser(target=builder)
    builder.expat = parser.parser
    with open(path, "rb") as handle:
        try:
            depth, child_line = 0, 0
            root: Element | None = None
            for event, elem in iterparse(handle, events=("start", "end"), parser=parser):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root, line = elem, builder.lines.popleft()
                        if elem.tag != ROOT_TAG:
                            message = f"root element is <{elem.tag}>, expected <{ROOT_TAG}>"
                            raise InputError(path, message, line=line)
                    elif depth == 2:
                        child_line = builder.lines.popleft()
                    continue
                depth -= 1
                if depth == 1 and root is not None:
                    yield child_line, elem
                    elem.clear()
                    root.clear()
        except ParseError as err:
            message = _POSITION_SUFFIX.sub("", str(err))
            raise InputError(path, f"malformed XML: {message}", line=err.position[0]) from None
        except DefusedXmlException as err:
            raise InputError(
                path,
                f"entity declarations are not allowed in PubMed XML ({err})",
                line=parser.parser.CurrentLineNumber,
            ) from None


def iter_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield one record dict per PubmedArticle in ``path``, in file order.

    PubmedBookArticle and DeleteCitation entries are skipped. Raises InputError naming the file
    and line for malformed or truncated XML, entity declarations, a wrong root element or a
    missing PMID.
    """
    for line, elem in _top_level(path):
        if elem.tag == ARTICLE_TAG:
            yield _record(path, elem, line)


def count_articles(path: str | Path) -> list[str]:
    """Return the PMIDs of the PubmedArticles in ``path`` in file order, streaming."""
    return [_pmid(path, elem, line) for line, elem in _top_level(path) if elem.tag == ARTICLE_TAG]


def iter_pmid_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield (line, PMID) of every PubmedArticle and PubmedBookArticle in ``path``, streaming.

    The same checks as ``iter_records`` (root element, entities, well-formedness), each error naming
    the file and line; a missing or non-numeric PMID names the line of its article and field PMID.
    """
    for line, elem in _top_level(path):
        if elem.tag not in (ARTICLE_TAG, "PubmedBookArticle"):
            continue
        found = elem.find("MedlineCitation/PMID")
        if found is None:
            found = elem.find("BookDocument/PMID")
        pmid = full_text(found)
        if not pmid:
            raise InputError(path, f"{elem.tag} has no PMID", line=line, field="PMID")
        if not _PMID.fullmatch(pmid) or pmid.startswith("0"):
            raise InputError(path, f"PMID {pmid!r} is not a number", line=line, field="PMID")
        yield line, pmid


def full_text(elem: Element | None) -> str:
    """The element's whole text including inline markup and tails, whitespace runs collapsed."""
    if elem is None:
        return ""
    return " ".join("".join(elem.itertext()).split())


def _optional(elem: Element | None) -> str | None:
    return full_text(elem) or None


def _texts(elems: list[Element]) -> list[str]:
    return [text for text in (full_text(e) for e in elems) if text]


def _pmid(path: str | Path, article: Element, line: int) -> str:
    pmid = full_text(article.find("MedlineCitation/PMID"))
    if not pmid:
        raise InputError(path, "PubmedArticle has no PMID", line=line, field="PMID")
    if not _PMID.fullmatch(pmid):
        raise InputError(path, f"PMID {pmid!r} is not a number", line=line, field="PMID")
    return pmid


def _record(path: str | Path, article: Element, line: int) -> dict[str, Any]:
    """Flatten one PubmedArticle element into the record dict described in the module's API."""
    pmid = _pmid(path, article, line)
    citation = article.find("MedlineCitation")
    assert citation is not None  # _pmid found MedlineCitation/PMID
    art = citation.find("Article")
    if art is None:
        art = Element("Article")
    journal = art.find("Journal")
    if journal is None:
        journal = Element("Journal")
    doi, pmcid = _ids(article, art)
    title = full_text(art.find("ArticleTitle")) or full_text(art.find("VernacularTitle"))
    sections = _abstract_sections(art)
    authors, complete = _authors(art)
    year, month, raw, date_ok = _pub_date(journal.find("JournalIssue/PubDate"))
    record: dict[str, Any] = {
        "pmid": pmid,
        "doi": doi,
        "pmcid": pmcid,
        "title": title,
        "abstract": _join_sections(sections),
        "abstract_sections": sections,
        "authors": authors,
        "authors_complete": complete,
        "journal": _optional(journal.find("Title")),
        "journal_iso": _optional(journal.find("ISOAbbreviation")),
        "medline_ta": _optional(citation.find("MedlineJournalInfo/MedlineTA")),
        "year": year,
        "month": month,
        "pub_date_raw": raw,
        "volume": _optional(journal.find("JournalIssue/Volume")),
        "issue": _optional(journal.find("JournalIssue/Issue")),
        "pages": _pages(art),
        "publication_types": _texts(art.findall("PublicationTypeList/PublicationType")),
        "mesh": _mesh(citation),
        "keywords": _texts(citation.findall("KeywordList/Keyword")),
        "language": _texts(art.findall("Language")),
    }
    record["flags"] = _flags(record, date_ok)
    return record


def _flags(record: dict[str, Any], date_ok: bool) -> list[str]:
    flags = []
    if record["abstract"] is None:
        flags.append("missing_abstract")
    if not date_ok:
        flags.append("unparsed_date")
    if not record["title"]:
        flags.append("missing_title")
    if not (record["journal"] or record["journal_iso"] or record["medline_ta"]):
        flags.append("missing_journal")
    if not record["authors_complete"]:
        flags.append("incomplete_author_list")
    if record["doi"] is None:
        flags.append("no_doi")
    return sorted(flags)


def _ids(article: Element, art: Element) -> tuple[str | None, str | None]:
    """DOI and PMCID of the article itself.

    Only PubmedData/ArticleIdList is read: PubmedData/ReferenceList holds ArticleIdLists of the
    *cited* works, whose DOIs must not be mistaken for this article's.
    """
    ids: dict[str, str] = {}
    for node in article.findall("PubmedData/ArticleIdList/ArticleId"):
        kind, value = node.get("IdType", ""), full_text(node)
        if value and kind not in ids:
            ids[kind] = value
    doi = ids.get("doi")
    if doi is None:
        for node in art.findall("ELocationID"):
            if node.get("EIdType") == "doi" and full_text(node):
                doi = full_text(node)
                break
    return doi, ids.get("pmc")


def _abstract_sections(art: Element) -> list[dict[str, str | None]]:
    """Abstract sections in document order; sections with no text are dropped."""
    sections: list[dict[str, str | None]] = []
    for node in art.findall("Abstract/AbstractText"):
        text = full_text(node)
        if text:
            label = " ".join(node.get("Label", "").split()) or None
            category = node.get("NlmCategory") or None
            sections.append({"label": label, "nlm_category": category, "text": text})
    return sections


def _join_sections(sections: list[dict[str, str | None]]) -> str | None:
    parts = [f"{s['label']}: {s['text']}" if s["label"] else str(s["text"]) for s in sections]
    return "\n".join(parts) or None


def _authors(art: Element) -> tuple[list[dict[str, str | None]], bool]:
    """Authors of the author list (not editors) and whether NLM marks the list complete.

    Authors with ValidYN="N" are skipped: NLM keeps a misspelt name beside its correction that way.
    """
    authors: list[dict[str, str | None]] = []
    complete = True
    for author_list in art.findall("AuthorList"):
        if author_list.get("Type", "authors") != "authors":
            continue
        complete = complete and author_list.get("CompleteYN", "Y") != "N"
        for node in author_list.findall("Author"):
            if node.get("ValidYN") == "N":
                continue
            authors.append(
                {
                    "last": _optional(node.find("LastName")),
                    "fore": _optional(node.find("ForeName")),
                    "initials": _optional(node.find("Initials")),
                    "collective": _optional(node.find("CollectiveName")),
                }
            )
    return authors, complete


def _pages(art: Element) -> str | None:
    medline = _optional(art.find("Pagination/MedlinePgn"))
    if medline:
        return medline
    start = _optional(art.find("Pagination/StartPage"))
    end = _optional(art.find("Pagination/EndPage"))
    if start and end:
        return f"{start}-{end}"
    return start or end


def _mesh(citation: Element) -> list[dict[str, Any]]:
    headings = []
    for node in citation.findall("MeshHeadingList/MeshHeading"):
        descriptor = node.find("DescriptorName")
        if descriptor is None or not full_text(descriptor):
            continue
        qualifiers = [
            {
                "name": full_text(q),
                "ui": q.get("UI") or None,
                "major_topic": q.get("MajorTopicYN") == "Y",
            }
            for q in node.findall("QualifierName")
            if full_text(q)
        ]
        headings.append(
            {
                "descriptor": full_text(descriptor),
                "descriptor_ui": descriptor.get("UI") or None,
                "major_topic": descriptor.get("MajorTopicYN") == "Y",
                "qualifiers": qualifiers,
            }
        )
    return headings


def month_number(token: str) -> int | None:
    """1–12 for "Jan", "january", "Sept", "01" or "1"; None for anything else (seasons included)."""
    token = token.strip().lower()
    if token.isascii() and token.isdigit():
        number = int(token)
        return number if 1 <= number <= 12 else None
    if len(token) < 3 or not token.isalpha():
        return None
    for number, name in enumerate(_MONTHS, start=1):
        if name.startswith(token):
            return number
    return None


def parse_medline_date(text: str) -> tuple[int | None, int | None]:
    """Year and month from a free-text MedlineDate such as "1998 Dec-1999 Jan" or "Spring 2001".

    The year is the first four-digit number. The month is the first month or season word, read in
    order, before a second year starts; a season (or a range of years) gives no month.
    """
    year: int | None = None
    month: int | None = None
    month_settled = False
    for token in re.findall(r"[0-9]+|[^\W\d_]+", text):
        if _YEAR.fullmatch(token):
            if year is not None:
                break
            year = int(token)
        elif month_settled or token.isdigit():
            continue
        elif token.lower() in _SEASONS:
            month_settled = True
        elif (number := month_number(token)) is not None:
            month, month_settled = number, True
    return year, month


def _pub_date(node: Element | None) -> tuple[int | None, int | None, str, bool]:
    """(year, month, raw text, parsed?) for a JournalIssue/PubDate element."""
    if node is None:
        return None, None, "", False
    raw = " ".join(part for part in (full_text(child) for child in node) if part)
    medline = node.find("MedlineDate")
    if medline is not None:
        year, month = parse_medline_date(full_text(medline))
        return year, month, raw, year is not None
    year_text = full_text(node.find("Year"))
    year = int(year_text) if _YEAR.fullmatch(year_text) else None
    month_text = full_text(node.find("Month"))
    month = month_number(month_text) if month_text else None
    ok = year is not None and (not month_text or month is not None)
    return year, month, raw, ok
