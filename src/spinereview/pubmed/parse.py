"""Stream PubMed efetch XML (a PubmedArticleSet) into flat, flagged record dicts, safely."""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse
from lxml import etree

from spinereview.errors import InputError

ROOT_TAG = "PubmedArticleSet"
ARTICLE_TAG = "PubmedArticle"
_ARTICLES = frozenset({ARTICLE_TAG})
_ARTICLES_AND_BOOKS = frozenset({ARTICLE_TAG, "PubmedBookArticle"})
#: lxml's line numbers are exact below this (libxml2 keeps them in 16 bits)
_LXML_EXACT_LINES = 65_535

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


def _top_level(path: str | Path, tags: frozenset[str]) -> Iterator[tuple[int, Any]]:
    """Yield (line, element) for each child of the root whose tag is in ``tags``, then free it.

    The fast path is lxml's ``iterparse`` (libxml2, in C) with entity resolution, DTD loading and
    network access off and libxml2's size limits on. It is taken only for a file whose prolog
    ``_plain_prolog`` has read with expat and found plain: a ``<!DOCTYPE>`` without an internal
    subset (so no entity can be declared), and the root ``<PubmedArticleSet>``. Anything else, and
    anything libxml2 stops at or warns about (malformed XML, an undefined entity, nesting deeper
    than 256), is handed to the expat reference parser, which refuses entity declarations, names
    the file and line exactly as before and reads deep nesting; elements already yielded are not
    yielded again. Each element is cleared and its earlier siblings deleted once the consumer
    resumes, so memory stays flat in the number of records.
    """
    if not _plain_prolog(path):
        yield from _filtered(_expat_top_level(path), tags, 0)
        return
    done, checked = 0, False
    events = etree.iterparse(
        str(path),
        events=("end",),
        tag=tuple(tags),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for _event, elem in events:
            if events.error_log:  # a warning: libxml2 keeps an undefined entity as a node
                break
            parent = elem.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # not a child of the root (the expat path ignores these too)
            if not checked:
                if _declares_entities(parent.getroottree().docinfo.internalDTD):
                    break  # never after a plain prolog; the expat path refuses the entities
                checked = True
            yield elem.sourceline, elem
            done += 1
            elem.clear(keep_tail=False)
            while elem.getprevious() is not None:
                del parent[0]
        else:
            return
    except etree.XMLSyntaxError:
        pass
    yield from _filtered(_expat_top_level(path), tags, done)


def _declares_entities(dtd: Any) -> bool:
    """Whether lxml's view of the DOCTYPE holds any entity declaration."""
    return dtd is not None and next(iter(dtd.iterentities()), None) is not None


def _filtered(
    children: Iterator[tuple[int, Element]], tags: frozenset[str], skip: int
) -> Iterator[tuple[int, Element]]:
    """The children whose tag is in ``tags``, less the first ``skip`` of them."""
    for line, elem in children:
        if elem.tag in tags:
            if skip:
                skip -= 1
                continue
            yield line, elem


class _Prolog(Exception):
    """Raised by the expat handlers of ``_plain_prolog`` to stop at the first decision."""

    def __init__(self, plain: bool) -> None:
        super().__init__()
        self.plain = plain


def _plain_prolog(path: str | Path) -> bool:
    """Whether the prolog is one lxml may parse: no DOCTYPE internal subset, root PubmedArticleSet.

    Read with expat up to the root's start tag (usually the first 16 KiB). False for an internal
    subset (where entities would be declared), another root, or XML expat cannot read; the caller
    then leaves the whole file to the expat reference parser, which reports each of these.
    """

    def doctype(_name: str, _system: str | None, _public: str | None, internal: int) -> None:
        if internal:
            raise _Prolog(False)

    def start(tag: str, _attrs: Any) -> None:
        raise _Prolog(tag == ROOT_TAG)

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(16384):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Prolog as decision:
            return decision.plain
        except expat.ExpatError:
            return False
    return False


def _expat_top_level(path: str | Path) -> Iterator[tuple[int, Element]]:
    """Yield (line, element) for each child of the PubmedArticleSet root, then free it (expat).

    The reference parser: slower than the lxml path of ``_top_level`` (pure-Python tree building)
    but without libxml2's depth limit, and the source of every error message about a file.

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


def iter_records(
    path: str | Path, keep: Callable[[str], bool] | None = None
) -> Iterator[dict[str, Any]]:
    """Yield one record dict per PubmedArticle in ``path``, in file order.

    PubmedBookArticle and DeleteCitation entries are skipped. Raises InputError naming the file
    and line for malformed or truncated XML, entity declarations, a wrong root element or a
    missing PMID. With ``keep`` (a test of the PMID, e.g. ``spinereview.shards.member``), only
    the articles it accepts become records; every article's PMID is still read and checked.
    """
    build = _build_record
    for index, (line, elem) in enumerate(_top_level(path, _ARTICLES)):
        try:
            if keep is not None and not keep(_pmid(path, elem, line)):
                continue
            record = build(path, elem, line)
        except InputError as err:
            raise _exact(err, path, _ARTICLES, index) from None
        yield record


def count_articles(path: str | Path) -> list[str]:
    """Return the PMIDs of the PubmedArticles in ``path`` in file order, streaming."""
    pmids = []
    for index, (line, elem) in enumerate(_top_level(path, _ARTICLES)):
        try:
            pmids.append(_pmid(path, elem, line))
        except InputError as err:
            raise _exact(err, path, _ARTICLES, index) from None
    return pmids


def _exact(err: InputError, path: str | Path, tags: frozenset[str], index: int) -> InputError:
    """``err`` with the exact line of the ``index``-th element, when lxml's line may be off.

    libxml2 stores line numbers in 16 bits; past line 65,535 lxml reports the line of the
    element's first child instead, which can be a line or more later. Only errors need the line,
    so the exact one is found then, by the expat reference parser.
    """
    if err.line is None or err.line < _LXML_EXACT_LINES:
        return err
    for number, (line, _elem) in enumerate(_filtered(_expat_top_level(path), tags, 0)):
        if number == index:
            return InputError(err.path, err.detail, line=line, row=err.row, field=err.field)
    return err


def iter_pmid_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield (line, PMID) of every PubmedArticle and PubmedBookArticle in ``path``, streaming.

    The same checks as ``iter_records`` (root element, entities, well-formedness), each error naming
    the file and line; a missing or non-numeric PMID names the line of its article and field PMID.
    Every line is needed (to name both places of a repeated PMID), so this reads with the expat
    reference parser, whose lines are exact in files of any length.
    """
    for line, elem in _filtered(_expat_top_level(path), _ARTICLES_AND_BOOKS, 0):
        found = _find(elem, "MedlineCitation", "PMID")
        if found is None:
            found = _find(elem, "BookDocument", "PMID")
        pmid = full_text(found)
        if not pmid:
            raise InputError(path, f"{elem.tag} has no PMID", line=line, field="PMID")
        if not _PMID.fullmatch(pmid) or pmid.startswith("0"):
            raise InputError(path, f"PMID {pmid!r} is not a number", line=line, field="PMID")
        yield line, pmid


def full_text(elem: Any) -> str:
    """The element's whole text including inline markup and tails, whitespace runs collapsed."""
    if elem is None:
        return ""
    text = "".join(elem.itertext()) if len(elem) else elem.text
    return " ".join(text.split()) if text else ""


def _find(elem: Any, *tags: str) -> Any:
    """``elem.find("a/b/...")`` for a path of child tags, for ElementTree and lxml elements alike.

    The first match in document order, as ElementPath gives it; written out because lxml's
    ``find`` costs a few microseconds a call, which at 40 calls a record was most of the parse.
    """
    tag, rest = tags[0], tags[1:]
    for child in elem:
        if child.tag == tag:
            if not rest:
                return child
            found = _find(child, *rest)
            if found is not None:
                return found
    return None


def _texts(elems: Iterable[Any]) -> list[str]:
    return [text for text in (full_text(e) for e in elems) if text]


def _pmid(path: str | Path, article: Element, line: int) -> str:
    pmid = full_text(_find(article, "MedlineCitation", "PMID"))
    if not pmid:
        raise InputError(path, "PubmedArticle has no PMID", line=line, field="PMID")
    if not _PMID.fullmatch(pmid):
        raise InputError(path, f"PMID {pmid!r} is not a number", line=line, field="PMID")
    return pmid


def _kids(elem: Any) -> dict[str, list[Any]]:
    """The element's children grouped by tag, each group in document order (one pass)."""
    kids: dict[str, list[Any]] = {}
    for child in elem:
        kids.setdefault(child.tag, []).append(child)
    return kids


def _first(kids: dict[str, list[Any]], tag: str) -> Any:
    group = kids.get(tag)
    return group[0] if group else None


def _record(path: str | Path, article: Any, line: int) -> dict[str, Any]:
    """Flatten one PubmedArticle element into the record dict described in the module's API.

    Each element the record needs is visited once, in one loop per level that keeps only the tags
    it reads; the result is what the ElementPath lookups ``find``/``findall`` would give, in the
    same order (``find("A/B")`` is the first B under any A, ``findall`` every B under every A).
    """
    citation = pmid_node = None
    pubmed_data = []
    for child in article:
        tag = child.tag
        if tag == "MedlineCitation":
            if citation is None:
                citation = child
            if pmid_node is None:
                for sub in child:
                    if sub.tag == "PMID":
                        pmid_node = sub
                        break
        elif tag == "PubmedData":
            pubmed_data.append(child)
    pmid = full_text(pmid_node)
    if not pmid:
        raise InputError(path, "PubmedArticle has no PMID", line=line, field="PMID")
    if not _PMID.fullmatch(pmid):
        raise InputError(path, f"PMID {pmid!r} is not a number", line=line, field="PMID")
    art = None
    journal_info, mesh, keywords = [], [], []
    for child in () if citation is None else citation:
        tag = child.tag
        if tag == "Article":
            if art is None:
                art = child
        elif tag == "MedlineJournalInfo":
            journal_info.extend(child)
        elif tag == "MeshHeadingList":
            mesh.extend(child)
        elif tag == "KeywordList":
            keywords.extend(child)
    journal = title = vernacular = None
    abstract, author_lists, pagination, types, language, locations = [], [], [], [], [], []
    for child in () if art is None else art:
        tag = child.tag
        if tag == "Journal":
            if journal is None:
                journal = child
        elif tag == "ArticleTitle":
            if title is None:
                title = child
        elif tag == "VernacularTitle":
            if vernacular is None:
                vernacular = child
        elif tag == "Abstract":
            abstract.extend(child)
        elif tag == "AuthorList":
            author_lists.append(child)
        elif tag == "Pagination":
            pagination.extend(child)
        elif tag == "PublicationTypeList":
            types.extend(child)
        elif tag == "Language":
            language.append(child)
        elif tag == "ELocationID":
            locations.append(child)
    journal_title = journal_iso = None
    issue: list[Any] = []
    for child in () if journal is None else journal:
        tag = child.tag
        if tag == "JournalIssue":
            issue.extend(child)
        elif tag == "Title":
            if journal_title is None:
                journal_title = child
        elif tag == "ISOAbbreviation" and journal_iso is None:
            journal_iso = child
    volume = number = pub_date = None
    for child in issue:
        tag = child.tag
        if tag == "Volume":
            if volume is None:
                volume = child
        elif tag == "Issue":
            if number is None:
                number = child
        elif tag == "PubDate" and pub_date is None:
            pub_date = child
    doi, pmcid = _ids(pubmed_data, locations)
    sections = _abstract_sections([node for node in abstract if node.tag == "AbstractText"])
    authors, complete = _authors(author_lists)
    year, month, raw, date_ok = _pub_date(pub_date)
    record: dict[str, Any] = {
        "pmid": pmid,
        "doi": doi,
        "pmcid": pmcid,
        "title": full_text(title) or full_text(vernacular),
        "abstract": _join_sections(sections),
        "abstract_sections": sections,
        "authors": authors,
        "authors_complete": complete,
        "journal": full_text(journal_title) or None,
        "journal_iso": full_text(journal_iso) or None,
        "medline_ta": _first_text_of(journal_info, "MedlineTA"),
        "year": year,
        "month": month,
        "pub_date_raw": raw,
        "volume": full_text(volume) or None,
        "issue": full_text(number) or None,
        "pages": _pages(pagination),
        "publication_types": _texts_of(types, "PublicationType"),
        "mesh": _mesh([node for node in mesh if node.tag == "MeshHeading"]),
        "keywords": _texts_of(keywords, "Keyword"),
        "language": _texts(language),
    }
    record["flags"] = _flags(record, date_ok)
    return record


def _first_text_of(nodes: Iterable[Any], tag: str) -> str | None:
    """``full_text`` of the first node tagged ``tag`` (None when there is none or it is empty)."""
    for node in nodes:
        if node.tag == tag:
            return full_text(node) or None
    return None


def _texts_of(nodes: Iterable[Any], tag: str) -> list[str]:
    """The non-empty ``full_text`` of every node tagged ``tag``, in order."""
    return [text for text in (full_text(n) for n in nodes if n.tag == tag) if text]


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


def _ids(pubmed_data: Iterable[Any], locations: Iterable[Any]) -> tuple[str | None, str | None]:
    """DOI and PMCID of the article itself.

    Only PubmedData/ArticleIdList is read: PubmedData/ReferenceList holds ArticleIdLists of the
    *cited* works, whose DOIs must not be mistaken for this article's.
    """
    ids: dict[str, str] = {}
    for data in pubmed_data:
        for id_list in data:
            if id_list.tag != "ArticleIdList":
                continue
            for node in id_list:
                if node.tag != "ArticleId":
                    continue
                kind = node.get("IdType", "")
                if kind not in ids:
                    value = full_text(node)
                    if value:
                        ids[kind] = value
    doi = ids.get("doi")
    if doi is None:
        for node in locations:
            if node.get("EIdType") == "doi" and full_text(node):
                doi = full_text(node)
                break
    return doi, ids.get("pmc")


def _abstract_sections(nodes: Iterable[Any]) -> list[dict[str, str | None]]:
    """Abstract sections in document order; sections with no text are dropped."""
    sections: list[dict[str, str | None]] = []
    for node in nodes:
        text = full_text(node)
        if text:
            label = " ".join(node.get("Label", "").split()) or None
            category = node.get("NlmCategory") or None
            sections.append({"label": label, "nlm_category": category, "text": text})
    return sections


def _join_sections(sections: list[dict[str, str | None]]) -> str | None:
    parts = [f"{s['label']}: {s['text']}" if s["label"] else str(s["text"]) for s in sections]
    return "\n".join(parts) or None


def _authors(author_lists: Iterable[Any]) -> tuple[list[dict[str, str | None]], bool]:
    """Authors of the author list (not editors) and whether NLM marks the list complete.

    Authors with ValidYN="N" are skipped: NLM keeps a misspelt name beside its correction that way.
    Of each name part the first counts, as ``find()`` gives it, even when it is empty.
    """
    authors: list[dict[str, str | None]] = []
    complete = True
    for author_list in author_lists:
        if author_list.get("Type", "authors") != "authors":
            continue
        complete = complete and author_list.get("CompleteYN", "Y") != "N"
        for node in author_list:
            if node.tag != "Author" or node.get("ValidYN") == "N":
                continue
            person: dict[str, str | None] = {}
            for part in node:
                key = _AUTHOR_FIELDS.get(part.tag)
                if key is not None and key not in person:
                    text = "".join(part.itertext()) if len(part) else part.text
                    person[key] = (" ".join(text.split()) or None) if text else None
            authors.append(
                {
                    "last": person.get("last"),
                    "fore": person.get("fore"),
                    "initials": person.get("initials"),
                    "collective": person.get("collective"),
                }
            )
    return authors, complete


_AUTHOR_FIELDS = {
    "LastName": "last",
    "ForeName": "fore",
    "Initials": "initials",
    "CollectiveName": "collective",
}


def _pages(pagination: list[Any]) -> str | None:
    """MedlinePgn, else StartPage-EndPage, from the children of every Pagination."""
    medline = _first_text_of(pagination, "MedlinePgn")
    if medline:
        return medline
    start = _first_text_of(pagination, "StartPage")
    end = _first_text_of(pagination, "EndPage")
    if start and end:
        return f"{start}-{end}"
    return start or end


def _mesh(headings_found: Iterable[Any]) -> list[dict[str, Any]]:
    headings = []
    for node in headings_found:
        parts = _kids(node)
        descriptor = _first(parts, "DescriptorName")
        name = full_text(descriptor)
        if not name:
            continue
        qualifiers = []
        for q in parts.get("QualifierName", ()):
            text = full_text(q)
            if text:
                qualifiers.append(
                    {
                        "name": text,
                        "ui": q.get("UI") or None,
                        "major_topic": q.get("MajorTopicYN") == "Y",
                    }
                )
        headings.append(
            {
                "descriptor": name,
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


def _pub_date(node: Any) -> tuple[int | None, int | None, str, bool]:
    """(year, month, raw text, parsed?) for a JournalIssue/PubDate element."""
    if node is None:
        return None, None, "", False
    texts = [(child.tag, full_text(child)) for child in node]
    raw = " ".join(text for _tag, text in texts if text)
    first: dict[str, str] = {}
    for tag, text in texts:
        first.setdefault(tag, text)
    medline = first.get("MedlineDate")
    if medline is not None:
        year, month = parse_medline_date(medline)
        return year, month, raw, year is not None
    year_text = first.get("Year", "")
    year = int(year_text) if _YEAR.fullmatch(year_text) else None
    month_text = first.get("Month", "")
    month = month_number(month_text) if month_text else None
    ok = year is not None and (not month_text or month is not None)
    return year, month, raw, ok


def _compiled_record(path: str | Path, article: Any, line: int) -> dict[str, Any]:
    """``_record`` through the compiled builder, which hands the cases it does not take back."""
    record = _fastrecord.record(article)
    return _record(path, article, line) if record is None else record


def _compiled_builder() -> Any:
    """The compiled builder module, or None: not built, built against another lxml, or refused.

    ``SPINEREVIEW_PURE_PARSER=1`` refuses it. The module reads libxml2's nodes through lxml's C
    API, so it is used only with the lxml whose headers it was compiled against.
    """
    if os.environ.get("SPINEREVIEW_PURE_PARSER", "") not in ("", "0"):
        return None
    try:
        from spinereview.pubmed import _fastrecord as module  # type: ignore[attr-defined]
    except Exception:  # not built, or its import refuses this lxml (e.g. a changed type size)
        return None
    if getattr(module, "LXML_VERSION", None) != etree.__version__:
        return None
    module.bind(month_number, parse_medline_date)
    return module


_fastrecord = _compiled_builder()
#: Which record builder ``iter_records`` uses: "compiled" (``_fastrecord``) or "python" (``_record``).
RECORD_BUILDER = "python" if _fastrecord is None else "compiled"
_build_record: Callable[[str | Path, Any, int], dict[str, Any]] = (
    _record if _fastrecord is None else _compiled_record
)
