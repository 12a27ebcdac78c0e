"""Property test: records serialised to PubMed XML by ElementTree parse back to the same fields."""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from spinereview.pubmed.parse import iter_records

MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
DOCTYPE = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)

# Any character XML 1.0 can carry apart from C0/C1 controls, plus markup-significant characters
# and assorted whitespace (which the parser collapses).
CHARS = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")),
    st.sampled_from("<>&\"'"),
    st.sampled_from([" ", "\t", "\n", "\r", "\u00a0", "\u2009"]),
)
TEXT = st.text(CHARS, max_size=30)
OPTIONAL_TEXT = st.none() | TEXT
# (segment, inline tag or None): segments wrapped in inline markup must come back in order.
MARKED_UP = st.lists(
    st.tuples(TEXT, st.sampled_from([None, "i", "b", "sup", "sub", "u"])), max_size=4
)


def norm(text: str | None) -> str:
    return " ".join((text or "").split())


def plain(parts: list[tuple[str, str | None]]) -> str:
    return norm("".join(segment for segment, _tag in parts))


AUTHOR = st.one_of(
    st.fixed_dictionaries(
        {"last": OPTIONAL_TEXT, "fore": OPTIONAL_TEXT, "initials": OPTIONAL_TEXT},
    ),
    st.fixed_dictionaries({"collective": TEXT}),
)
SECTION = st.fixed_dictionaries(
    {
        "label": OPTIONAL_TEXT,
        "nlm_category": st.sampled_from(
            [None, "BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS", "UNASSIGNED"]
        ),
        "text": MARKED_UP,
    }
)
RECORD = st.fixed_dictionaries(
    {
        "pmid": st.integers(1, 99_999_999).map(str),
        "doi": st.none() | TEXT.map(lambda s: "10.5555/" + s),
        "title": MARKED_UP,
        "sections": st.lists(SECTION, max_size=3),
        "authors": st.lists(AUTHOR, max_size=5),
        "complete": st.booleans(),
        "journal": OPTIONAL_TEXT,
        "year": st.integers(1900, 2030),
        "month": st.none() | st.integers(1, 12),
        "month_style": st.sampled_from(["abbr", "number", "padded"]),
        "volume": OPTIONAL_TEXT,
        "issue": OPTIONAL_TEXT,
        "pages": OPTIONAL_TEXT,
        "publication_types": st.lists(TEXT, max_size=3),
        "keywords": st.lists(TEXT, max_size=4),
    }
)


def fill(elem: ET.Element, parts: list[tuple[str, str | None]]) -> None:
    """Put the segments into ``elem`` as text, inline children and their tails, in order."""
    last: ET.Element | None = None
    for segment, tag in parts:
        if tag is not None:
            last = ET.SubElement(elem, tag)
            last.text = segment
        elif last is None:
            elem.text = (elem.text or "") + segment
        else:
            last.tail = (last.tail or "") + segment


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attrib)
    child.text = text
    return child


def month_text(record: dict[str, Any]) -> str:
    month = record["month"]
    style = record["month_style"]
    if style == "abbr":
        return MONTH_ABBREVIATIONS[month - 1]
    return f"{month:02d}" if style == "padded" else str(month)


def to_element(record: dict[str, Any]) -> ET.Element:
    article_elem = ET.Element("PubmedArticle")
    citation = sub(article_elem, "MedlineCitation", Status="MEDLINE", Owner="NLM")
    sub(citation, "PMID", record["pmid"], Version="1")
    article = sub(citation, "Article", PubModel="Print")
    journal = sub(article, "Journal")
    issue = sub(journal, "JournalIssue", CitedMedium="Print")
    for tag in ("volume", "issue"):
        if record[tag] is not None:
            sub(issue, tag.capitalize(), record[tag])
    date = sub(issue, "PubDate")
    sub(date, "Year", str(record["year"]))
    if record["month"] is not None:
        sub(date, "Month", month_text(record))
    if record["journal"] is not None:
        sub(journal, "Title", record["journal"])
    fill(sub(article, "ArticleTitle"), record["title"])
    if record["pages"] is not None:
        sub(sub(article, "Pagination"), "MedlinePgn", record["pages"])
    if record["sections"]:
        abstract = sub(article, "Abstract")
        for section in record["sections"]:
            attrib = {k: v for k in ("label", "nlm_category") if (v := section[k]) is not None}
            node = sub(abstract, "AbstractText")
            if "label" in attrib:
                node.set("Label", attrib["label"])
            if "nlm_category" in attrib:
                node.set("NlmCategory", attrib["nlm_category"])
            fill(node, section["text"])
    authors = sub(article, "AuthorList", CompleteYN="Y" if record["complete"] else "N")
    for person in record["authors"]:
        node = sub(authors, "Author", ValidYN="Y")
        for key, tag in (
            ("last", "LastName"),
            ("fore", "ForeName"),
            ("initials", "Initials"),
            ("collective", "CollectiveName"),
        ):
            if person.get(key) is not None:
                sub(node, tag, person[key])
    types = sub(article, "PublicationTypeList")
    for kind in record["publication_types"]:
        sub(types, "PublicationType", kind, UI="D000000")
    keywords = sub(citation, "KeywordList", Owner="NOTNLM")
    for keyword in record["keywords"]:
        sub(keywords, "Keyword", keyword, MajorTopicYN="N")
    ids = sub(sub(article_elem, "PubmedData"), "ArticleIdList")
    sub(ids, "ArticleId", record["pmid"], IdType="pubmed")
    if record["doi"] is not None:
        sub(ids, "ArticleId", record["doi"], IdType="doi")
    return article_elem


def expected_sections(record: dict[str, Any]) -> list[dict[str, str | None]]:
    return [
        {
            "label": norm(section["label"]) or None,
            "nlm_category": section["nlm_category"],
            "text": plain(section["text"]),
        }
        for section in record["sections"]
        if plain(section["text"])
    ]


def expected_flags(record: dict[str, Any], parsed_abstract: str | None) -> list[str]:
    flags = []
    if parsed_abstract is None:
        flags.append("missing_abstract")
    if not plain(record["title"]):
        flags.append("missing_title")
    if not norm(record["journal"]):
        flags.append("missing_journal")
    if not record["complete"]:
        flags.append("incomplete_author_list")
    if not norm(record["doi"]):
        flags.append("no_doi")
    return sorted(flags)


def check(record: dict[str, Any], parsed: dict[str, Any]) -> None:
    assert parsed["pmid"] == record["pmid"]
    assert parsed["doi"] == (norm(record["doi"]) or None)
    assert parsed["pmcid"] is None
    assert parsed["title"] == plain(record["title"])
    sections = expected_sections(record)
    assert parsed["abstract_sections"] == sections
    joined = [f"{s['label']}: {s['text']}" if s["label"] else s["text"] for s in sections]
    assert parsed["abstract"] == ("\n".join(joined) or None)
    assert parsed["authors"] == [
        {key: norm(person.get(key)) or None for key in ("last", "fore", "initials", "collective")}
        for person in record["authors"]
    ]
    assert parsed["authors_complete"] is record["complete"]
    assert parsed["journal"] == (norm(record["journal"]) or None)
    assert (parsed["journal_iso"], parsed["medline_ta"]) == (None, None)
    assert (parsed["year"], parsed["month"]) == (record["year"], record["month"])
    raw = f"{record['year']} {month_text(record)}" if record["month"] else str(record["year"])
    assert parsed["pub_date_raw"] == raw
    for key in ("volume", "issue", "pages"):
        assert parsed[key] == (norm(record[key]) or None)
    assert parsed["publication_types"] == [norm(t) for t in record["publication_types"] if norm(t)]
    assert parsed["keywords"] == [norm(k) for k in record["keywords"] if norm(k)]
    assert (parsed["mesh"], parsed["language"]) == ([], [])
    assert parsed["flags"] == expected_flags(record, parsed["abstract"])


@settings(max_examples=60, deadline=None)
@given(st.lists(RECORD, min_size=1, max_size=4))
def test_serialised_records_parse_back_to_the_same_fields(generated: list[dict[str, Any]]) -> None:
    root = ET.Element("PubmedArticleSet")
    root.extend(to_element(record) for record in generated)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "set.xml"
        path.write_text(DOCTYPE + ET.tostring(root, encoding="unicode"), encoding="utf-8")
        parsed = list(iter_records(path))
    assert len(parsed) == len(generated)
    for record, result in zip(generated, parsed, strict=True):
        check(record, result)
