"""Tests for spinereview.pubmed.parse: one hand-written PubMed XML fixture per case."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from spinereview.errors import InputError
from spinereview.pubmed import parse
from spinereview.pubmed.parse import (
    FLAGS,
    count_articles,
    iter_records,
    month_number,
    parse_medline_date,
)

FIXTURES = Path(__file__).parent / "fixtures" / "pubmed"

RECORD_KEYS = {
    "pmid",
    "doi",
    "pmcid",
    "title",
    "abstract",
    "abstract_sections",
    "authors",
    "authors_complete",
    "journal",
    "journal_iso",
    "medline_ta",
    "year",
    "month",
    "pub_date_raw",
    "volume",
    "issue",
    "pages",
    "publication_types",
    "mesh",
    "keywords",
    "language",
    "flags",
}

DOCTYPE = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


def records(name: str) -> list[dict[str, Any]]:
    return list(iter_records(FIXTURES / name))


def only(name: str) -> dict[str, Any]:
    [record] = records(name)
    return record


def by_pmid(name: str) -> dict[str, dict[str, Any]]:
    return {r["pmid"]: r for r in records(name)}


def author(last=None, fore=None, initials=None, collective=None) -> dict[str, str | None]:
    return {"last": last, "fore": fore, "initials": initials, "collective": collective}


# --- every readable fixture ---------------------------------------------------------------------

READABLE = sorted(
    p.name
    for p in FIXTURES.glob("*.xml")
    if p.name
    not in {
        "billion_laughs.xml",
        "external_entity.xml",
        "no_pmid.xml",
        "truncated.xml",
        "wrong_root.xml",
    }
)


@pytest.mark.parametrize("name", READABLE)
def test_records_have_exactly_the_documented_keys_and_types(name: str) -> None:
    found = records(name)
    assert found
    for record in found:
        assert set(record) == RECORD_KEYS
        assert record["pmid"].isdigit()
        assert isinstance(record["title"], str)
        assert isinstance(record["pub_date_raw"], str)
        assert record["flags"] == sorted(record["flags"])
        assert set(record["flags"]) <= set(FLAGS)
        assert record["month"] is None or 1 <= record["month"] <= 12
        assert ("no_doi" in record["flags"]) == (record["doi"] is None)
        assert ("missing_abstract" in record["flags"]) == (record["abstract"] is None)


@pytest.mark.parametrize("name", READABLE)
def test_count_articles_lists_the_same_pmids_as_iter_records(name: str) -> None:
    assert count_articles(FIXTURES / name) == [r["pmid"] for r in records(name)]


# --- abstracts ----------------------------------------------------------------------------------


def test_structured_abstract_keeps_labels_categories_and_order() -> None:
    record = only("structured_abstract.xml")
    assert record["abstract_sections"] == [
        {
            "label": "STUDY DESIGN",
            "nlm_category": "METHODS",
            "text": "Placeholder sentence about the design.",
        },
        {
            "label": "OBJECTIVE",
            "nlm_category": "OBJECTIVE",
            "text": "Placeholder sentence about the objective.",
        },
        {
            "label": "METHODS",
            "nlm_category": "METHODS",
            "text": "Placeholder sentence about the methods, wrapped over three lines.",
        },
        {
            "label": "RESULTS",
            "nlm_category": "RESULTS",
            "text": "Placeholder abstract sentence about outcome one.",
        },
        {
            "label": "CONCLUSION",
            "nlm_category": "CONCLUSIONS",
            "text": "Placeholder sentence about the conclusion.",
        },
    ]
    assert record["abstract"] == (
        "STUDY DESIGN: Placeholder sentence about the design.\n"
        "OBJECTIVE: Placeholder sentence about the objective.\n"
        "METHODS: Placeholder sentence about the methods, wrapped over three lines.\n"
        "RESULTS: Placeholder abstract sentence about outcome one.\n"
        "CONCLUSION: Placeholder sentence about the conclusion."
    )
    assert "copyright" not in record["abstract"].lower()


def test_structured_abstract_record_bibliographic_fields() -> None:
    record = only("structured_abstract.xml")
    assert record["pmid"] == "90000001"
    assert record["doi"] == "10.5555/placeholder.0001"
    assert record["pmcid"] is None
    assert record["title"] == "Placeholder trial title about injection one versus sham."
    assert record["journal"] == "Placeholder journal of spine research"
    assert record["journal_iso"] == "Placeholder J Spine Res"
    assert record["medline_ta"] == "Placeholder J Spine Res"
    assert (record["year"], record["month"], record["pub_date_raw"]) == (2005, 11, "2005 Nov")
    assert (record["volume"], record["issue"], record["pages"]) == ("30", "21", "2369-77")
    assert record["publication_types"] == [
        "Clinical Trial",
        "Journal Article",
        "Randomized Controlled Trial",
    ]
    assert record["authors"] == [
        author("Placeholder", "Anna B", "AB"),
        author("Example", "Carl", "C"),
    ]
    assert record["authors_complete"] is True
    assert record["language"] == ["eng"]
    assert record["mesh"] == []
    assert record["keywords"] == []
    assert record["flags"] == []


def test_unstructured_abstract_is_one_unlabelled_section() -> None:
    record = only("unstructured_abstract.xml")
    text = "Placeholder first sentence. Placeholder second sentence after a line break."
    assert record["abstract_sections"] == [{"label": None, "nlm_category": None, "text": text}]
    assert record["abstract"] == text
    assert record["flags"] == []


def test_missing_abstract_is_none_and_flagged() -> None:
    record = only("missing_abstract.xml")
    assert record["abstract"] is None
    assert record["abstract_sections"] == []
    assert record["flags"] == ["missing_abstract", "no_doi"]
    assert record["authors"] == [author("Letterwriter", None, "E")]
    assert (record["year"], record["month"], record["pub_date_raw"]) == (1987, None, "1987")
    assert record["issue"] is None
    assert record["pages"] == "55"


# --- text: inline markup and Unicode ------------------------------------------------------------


def test_inline_markup_and_mathml_keep_all_text_in_order() -> None:
    record = only("inline_markup.xml")
    assert record["title"] == (
        "Effect of placeholder agent on CO2 at 10-3 dose: "
        "a bold and underlined trial of x+y2 in the end."
    )
    assert record["abstract_sections"] == [
        {
            "label": "BACKGROUND",
            "nlm_category": "BACKGROUND",
            "text": "Placeholder opening words, then H2O and 5th items remain.",
        },
        {
            "label": "RESULTS",
            "nlm_category": "RESULTS",
            "text": "The value p < 0.05 held for outcome one and two",
        },
    ]
    assert record["pages"] == "E10-E18"


def test_unicode_is_preserved_not_ascii_folded() -> None:
    record = only("unicode.xml")
    assert record["title"] == (
        "[Platzhalter: Größe und Wirkung – ein Überblick über α-, β- und γ-Werte von −5 bis 5]."
    )
    assert record["journal"] == "Zeitschrift für Platzhalter-Orthopädie"
    # &#x2212; is the Unicode minus; the no-break space (&#160;) is whitespace and collapses.
    assert record["abstract"] == (
        "Schmerzstärke änderte sich um −12 Punkte (95 % KI −20 bis −4); Δ und µ blieben gleich. "
        "Straße, Fuß, Ärztin."
    )
    assert record["authors"] == [
        author("Müller-Weiß", "Jörg", "J"),
        author("王", "小明", "小"),
        author("Παπαδοπούλου", "Ελένη", "Ε"),
    ]
    assert record["pages"] == "401–8"
    assert record["language"] == ["ger"]


def test_vernacular_title_used_when_article_title_empty() -> None:
    found = by_pmid("vernacular_title.xml")
    assert found["90001101"]["title"] == "Platzhaltertitel in der Originalsprache."
    assert "missing_title" not in found["90001101"]["flags"]
    assert found["90001102"]["title"] == ""
    assert "missing_title" in found["90001102"]["flags"]


# --- dates --------------------------------------------------------------------------------------

MEDLINE_DATES = [
    ("90000101", "1998 Jan-Feb", 1998, 1),
    ("90000102", "2000 Winter", 2000, None),
    ("90000103", "1999-2000", 1999, None),
    ("90000104", "1998 Dec-1999 Jan", 1998, 12),
    ("90000105", "Spring 2001", 2001, None),
    ("90000106", "2001 Spring", 2001, None),
    ("90000107", "Dec 1997-Jan 1998", 1997, 12),
    ("90000108", "2003 Sept 4-10", 2003, 9),
]


@pytest.mark.parametrize(("pmid", "raw", "year", "month"), MEDLINE_DATES)
def test_medline_date_variants(pmid: str, raw: str, year: int, month: int | None) -> None:
    record = by_pmid("medline_dates.xml")[pmid]
    assert (record["pub_date_raw"], record["year"], record["month"]) == (raw, year, month)
    assert "unparsed_date" not in record["flags"]


@pytest.mark.parametrize(("pmid", "raw"), [("90000109", "Undated"), ("90000110", "")])
def test_medline_date_without_year_is_flagged(pmid: str, raw: str) -> None:
    record = by_pmid("medline_dates.xml")[pmid]
    assert (record["pub_date_raw"], record["year"], record["month"]) == (raw, None, None)
    assert "unparsed_date" in record["flags"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1998 Jan-Feb", (1998, 1)),
        ("2000 Winter-2001 Jan", (2000, None)),
        ("1999-2000 Jan", (1999, None)),
        ("2012 Jul-Aug", (2012, 7)),
        ("n.d.", (None, None)),
        ("99 Jan", (None, 1)),
    ],
)
def test_parse_medline_date(text: str, expected: tuple[int | None, int | None]) -> None:
    assert parse_medline_date(text) == expected


def test_season_gives_year_and_no_month() -> None:
    record = only("season.xml")
    assert (record["year"], record["month"], record["pub_date_raw"]) == (2000, None, "2000 Winter")
    assert "unparsed_date" not in record["flags"]


@pytest.mark.parametrize(
    ("pmid", "year", "month", "raw", "flagged"),
    [
        ("90000301", 2005, 1, "2005 Jan 07", False),
        ("90000302", 2006, 1, "2006 01", False),
        ("90000303", 2007, 9, "2007 9", False),
        ("90000304", 2008, 12, "2008 Dec", False),
        ("90000305", 2009, None, "2009 13", True),
        ("90000306", 2010, None, "2010", False),
    ],
)
def test_numeric_and_text_months(
    pmid: str, year: int, month: int | None, raw: str, flagged: bool
) -> None:
    record = by_pmid("months.xml")[pmid]
    assert (record["year"], record["month"], record["pub_date_raw"]) == (year, month, raw)
    assert ("unparsed_date" in record["flags"]) is flagged


@pytest.mark.parametrize(
    ("token", "expected"),
    [("Jan", 1), ("jan", 1), ("January", 1), ("Sept", 9), ("01", 1), ("12", 12), ("0", None)],
)
def test_month_number(token: str, expected: int | None) -> None:
    assert month_number(token) == expected


@pytest.mark.parametrize("token", ["13", "Ja", "Winter", "Janx", "١٢"])
def test_month_number_rejects(token: str) -> None:
    assert month_number(token) is None


# --- authors, MeSH, keywords, languages ---------------------------------------------------------


def test_collective_and_personal_authors_with_incomplete_list() -> None:
    record = only("authors_collective.xml")
    assert record["authors"] == [
        author(collective="Placeholder Spine Injection Study Group"),
        author("van der Platz", "Hendrik J", "HJ"),
        author("Beispiel", None, "K"),
    ]
    assert record["authors_complete"] is False
    assert record["flags"] == ["incomplete_author_list"]


def test_mesh_headings_with_qualifiers_and_major_topics() -> None:
    record = only("mesh.xml")
    assert record["mesh"] == [
        {
            "descriptor": "Humans",
            "descriptor_ui": "D006801",
            "major_topic": False,
            "qualifiers": [],
        },
        {
            "descriptor": "Injections, Epidural",
            "descriptor_ui": "D007267",
            "major_topic": False,
            "qualifiers": [
                {"name": "adverse effects", "ui": "Q000009", "major_topic": True},
                {"name": "methods", "ui": "Q000379", "major_topic": False},
            ],
        },
        {
            "descriptor": "Low Back Pain",
            "descriptor_ui": "D017116",
            "major_topic": True,
            "qualifiers": [{"name": "drug therapy", "ui": "Q000188", "major_topic": False}],
        },
    ]


def test_keywords_from_all_lists_markup_kept_blank_dropped() -> None:
    record = only("keywords.xml")
    assert record["keywords"] == [
        "placeholder keyword one",
        "facet joint",
        "second list keyword",
    ]


def test_multiple_languages_in_order() -> None:
    assert only("languages.xml")["language"] == ["ger", "eng", "fre"]


# --- identifiers and journal --------------------------------------------------------------------


def test_doi_only_in_elocation_id_and_cited_references_ignored() -> None:
    record = only("doi_elocation.xml")
    assert record["doi"] == "10.5555/placeholder.0801"
    assert record["pmcid"] is None  # the PMC id in ReferenceList belongs to a cited work
    assert "no_doi" not in record["flags"]


def test_pmc_id() -> None:
    record = only("pmc_id.xml")
    assert record["pmcid"] == "PMC9000901"
    assert record["doi"] == "10.5555/placeholder.0901"


def test_missing_journal_title_iso_and_empty_medline_ta() -> None:
    record = only("missing_journal.xml")
    assert (record["journal"], record["journal_iso"], record["medline_ta"]) == (None, None, None)
    assert record["flags"] == ["missing_journal", "no_doi"]


def test_book_articles_and_delete_citations_are_skipped() -> None:
    path = FIXTURES / "mixed_book.xml"
    assert [r["pmid"] for r in iter_records(path)] == ["90001401", "90001403"]
    assert count_articles(path) == ["90001401", "90001403"]


# --- errors -------------------------------------------------------------------------------------


def test_article_without_pmid_names_field_and_line() -> None:
    path = FIXTURES / "no_pmid.xml"
    found = []
    with pytest.raises(InputError) as info:
        found.extend(iter_records(path))
    assert [r["pmid"] for r in found] == ["90001201"]  # the good record came first
    assert info.value.field == "PMID"
    assert info.value.line == 28  # the line of the second <PubmedArticle>
    assert info.value.path == str(path)
    with pytest.raises(InputError, match="no PMID"):
        count_articles(path)


def test_truncated_file_is_malformed_with_line() -> None:
    path = FIXTURES / "truncated.xml"
    with pytest.raises(InputError, match="malformed XML") as info:
        list(iter_records(path))
    assert info.value.line == 40  # the last, unfinished line
    assert "truncated.xml, line 40" in str(info.value)


def test_billion_laughs_is_refused_quickly_without_expanding() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="entity declarations are not allowed") as info:
            list(iter_records(FIXTURES / "billion_laughs.xml"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.line == 3  # the first <!ENTITY
    assert peak < 2_000_000  # lol9 would expand to 3 GB


def test_external_entity_is_refused_and_never_read() -> None:
    with pytest.raises(InputError, match="entity declarations are not allowed") as info:
        list(iter_records(FIXTURES / "external_entity.xml"))
    assert "root:" not in str(info.value)
    assert info.value.line == 3


def test_wrong_root_element() -> None:
    with pytest.raises(InputError, match="root element is <eSearchResult>") as info:
        list(iter_records(FIXTURES / "wrong_root.xml"))
    assert info.value.line == 3


def test_external_dtd_subset_is_not_fetched(tmp_path: Path) -> None:
    """A DOCTYPE naming a local file as its DTD parses: expat never loads the external subset."""
    path = tmp_path / "system_dtd.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM "file:///etc/passwd">\n'
        "<PubmedArticleSet></PubmedArticleSet>\n",
        encoding="utf-8",
    )
    assert list(iter_records(path)) == []


def test_undefined_entity_reference_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "nbsp.xml"
    path.write_text(
        DOCTYPE
        + "<PubmedArticleSet>\n<PubmedArticle>&nbsp;</PubmedArticle>\n</PubmedArticleSet>\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="malformed XML: undefined entity") as info:
        list(iter_records(path))
    assert info.value.line == 4


def test_empty_file_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="malformed XML"):
        list(iter_records(path))


def test_non_numeric_pmid_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad_pmid.xml"
    path.write_text(
        DOCTYPE + "<PubmedArticleSet>\n<PubmedArticle>\n<MedlineCitation><PMID>12a</PMID>"
        "</MedlineCitation>\n</PubmedArticle>\n</PubmedArticleSet>\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="not a number") as info:
        list(iter_records(path))
    assert (info.value.field, info.value.line) == ("PMID", 4)


# --- streaming ----------------------------------------------------------------------------------

MINIMAL_ARTICLE = (
    '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
    '<PMID Version="1">{pmid}</PMID><Article PubModel="Print"><Journal>'
    '<JournalIssue CitedMedium="Print"><Volume>1</Volume><PubDate><Year>2001</Year>'
    "<Month>Jan</Month></PubDate></JournalIssue><Title>Placeholder journal</Title></Journal>"
    "<ArticleTitle>Placeholder title {pmid}.</ArticleTitle><Abstract><AbstractText>"
    "Placeholder abstract sentence about outcome one.</AbstractText></Abstract>"
    "<Language>eng</Language></Article></MedlineCitation><PubmedData><ArticleIdList>"
    '<ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList></PubmedData>'
    "</PubmedArticle>\n"
)


def _write_articles(path: Path, count: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(DOCTYPE + "<PubmedArticleSet>\n")
        for pmid in range(1, count + 1):
            handle.write(MINIMAL_ARTICLE.format(pmid=pmid))
        handle.write("</PubmedArticleSet>\n")


def _peak_while_iterating(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        seen = 0
        for _record in iter_records(path):
            seen += 1
        return seen, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_in_the_number_of_records(tmp_path: Path) -> None:
    """Peak traced memory for 20000 records is not 10x (nor 2x) the peak for 2000.

    Without detaching each finished article from the root, the peak grows roughly linearly
    (measured ratio about 4); with it, both peaks are a few hundred kB.
    """
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    _write_articles(small, 2_000)
    _write_articles(large, 20_000)
    small_count, small_peak = _peak_while_iterating(small)
    large_count, large_peak = _peak_while_iterating(large)
    assert (small_count, large_count) == (2_000, 20_000)
    assert large_peak / small_peak < 2
    assert large_peak < 5_000_000  # the 20000-record file is 12 MB


# --- the lxml fast path and the expat reference parser ------------------------------------------


def _refuse_expat(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: object) -> None:
        raise AssertionError(f"expat reference parser used for {path}")

    monkeypatch.setattr(parse, "_expat_top_level", refuse)


SNAPSHOT = Path(__file__).parents[1] / "data" / "pubmed" / "snapshot"
PLAIN = [FIXTURES / n for n in READABLE] + sorted(SNAPSHOT.glob("*.xml"))


@pytest.mark.parametrize("path", PLAIN, ids=lambda p: p.name)
def test_plain_pubmed_files_are_read_by_lxml_alone(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The expat reference parser gives the same records; lxml reads these files on its own."""
    expected_records = [
        parse._record(path, elem, line)  # built before the generator clears the element
        for line, elem in parse._filtered(parse._expat_top_level(path), parse._ARTICLES, 0)
    ]
    _refuse_expat(monkeypatch)
    assert list(iter_records(path)) == expected_records


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml", "wrong_root.xml"])
def test_internal_subset_or_wrong_root_never_reaches_lxml(name: str) -> None:
    assert parse._plain_prolog(FIXTURES / name) is False


def test_lxml_keeps_memory_flat_by_detaching_each_article(tmp_path: Path) -> None:
    path = tmp_path / "many.xml"
    _write_articles(path, 500)
    before = [
        sum(1 for _ in elem.itersiblings(preceding=True))
        for _line, elem in parse._top_level(path, parse._ARTICLES)
    ]
    assert len(before) == 500
    assert max(before) <= 1  # only the previous article, already cleared, is not yet deleted


def test_nesting_deeper_than_libxml2_allows_is_read_by_expat_without_repeats(
    tmp_path: Path,
) -> None:
    """libxml2 stops at depth 256; the rest of the file is read by expat, nothing yielded twice."""
    deep = MINIMAL_ARTICLE.format(pmid=3).replace(
        "Placeholder title 3.", "Placeholder " + "<i>" * 300 + "deep" + "</i>" * 300 + " title."
    )
    path = tmp_path / "deep.xml"
    path.write_text(
        DOCTYPE
        + "<PubmedArticleSet>\n"
        + MINIMAL_ARTICLE.format(pmid=1)
        + MINIMAL_ARTICLE.format(pmid=2)
        + deep
        + MINIMAL_ARTICLE.format(pmid=4)
        + "</PubmedArticleSet>\n",
        encoding="utf-8",
    )
    found = list(iter_records(path))
    assert [r["pmid"] for r in found] == ["1", "2", "3", "4"]
    assert found[2]["title"] == "Placeholder deep title."


def test_undefined_entity_after_good_records_is_still_an_error(tmp_path: Path) -> None:
    """libxml2 only warns about an undefined entity when a DTD is named; it is still refused."""
    path = tmp_path / "late_nbsp.xml"
    path.write_text(
        DOCTYPE
        + "<PubmedArticleSet>\n"
        + MINIMAL_ARTICLE.format(pmid=1)
        + MINIMAL_ARTICLE.format(pmid=2).replace("Placeholder title", "Placeholder&nbsp;title")
        + "</PubmedArticleSet>\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="undefined entity &nbsp;") as info:
        list(iter_records(path))
    assert info.value.line == 5


def test_line_numbers_stay_exact_beyond_65535_lines(tmp_path: Path) -> None:
    path = tmp_path / "long.xml"
    article = MINIMAL_ARTICLE.replace("><", ">\n<")  # about 25 lines an article
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(DOCTYPE + "<PubmedArticleSet>\n")
        for pmid in range(1, 3001):
            handle.write(article.format(pmid=pmid))
        handle.write("<PubmedArticle>\n<MedlineCitation/>\n</PubmedArticle>\n</PubmedArticleSet>\n")
    text = path.read_text(encoding="utf-8")
    starts = [text.count("\n", 0, m.start()) + 1 for m in re.finditer("<PubmedArticle>", text)]
    assert starts[-1] > 65_535
    found = []
    with pytest.raises(InputError, match="no PMID") as info:
        found.extend(parse.iter_pmid_lines(path))
    assert info.value.line == starts[-1]
    assert [line for line, _pmid in found] == starts[:-1]
    for read in (iter_records, count_articles):  # lxml: its line there is 1 late, so re-found
        with pytest.raises(InputError, match="no PMID") as info:
            list(read(path))
        assert info.value.line == starts[-1]
