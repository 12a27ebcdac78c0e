"""Our BibTeX, RIS and CSL-JSON read back with established parsers (bibtexparser 2, rispy, jsonschema)."""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from pylatexenc.latex2text import LatexNodes2Text

from spinereview.citations import bibtex, csljson, ris
from spinereview.citations.model import Author, Reference, split_pages

REFS = [
    Reference(
        key="Carette1997",
        kind="article",
        title="Epidural corticosteroid injections for sciatica due to herniated nucleus pulposus",
        authors=(Author("Carette", "S"), Author("Leclaire", "R"), Author("de Vet", "HCW")),
        authors_complete=False,
        journal_abbrev="N Engl J Med",
        year=1997,
        volume="336",
        issue="23",
        pages="1634-40",
        pmid="9171065",
        doi="10.1056/NEJM199706053362303",
    ),
    Reference(
        key="Mueller2020",
        kind="article",
        title="Rückenschmerzen: Größe der Wirkung – 腰痛の治療 – Zoe\u0301 & <script>x</script>",
        authors=(
            Author("Müller", "Ä"),
            Author("Sae-Jung", "S"),
            Author("山田", "T"),
            Author(collective="WEST Study Group"),
        ),
        journal="Deutsches Ärzteblatt",
        journal_abbrev="Dtsch Ärztebl",
        year=2020,
        volume="117",
        issue="17",
        pages="301-8",
        doi="10.3238/arztebl.2020.0301",
    ),
    Reference(
        key="Odd2001",
        kind="article",
        title="50% {better} with $x_1$ #2 ~ ^ back\\slash in NICE Z-Joint pain",
        authors=(Author("O'Brien", "J"),),
        journal_abbrev="Pain Med",
        year=2001,
        pages="e079970",
    ),
    Reference(
        key="nice-ng59",
        kind="guideline",
        title="Low back pain and sciatica in over 16s",
        authors=(Author(collective="National Institute for Health and Care Excellence (NICE)"),),
        publisher="National Institute for Health and Care Excellence (NICE)",
        number="NG59",
        year=2016,
        month=11,
        day=30,
        updated=(2020, 12, 11),
        url="https://www.nice.org.uk/guidance/ng59",
    ),
    Reference(
        key="cochrane-cd001824",
        kind="systematic_review",
        title="Injection therapy",
        authors=(Author("Staal", "JB"), Author("de Bie", "R")),
        journal_abbrev="Cochrane Database Syst Rev",
        year=2008,
        issue="3",
        pages="CD001824",
        doi="10.1002/14651858.CD001824.pub3",
    ),
    Reference(
        key="daeb-2020",
        kind="unresolved",
        cited_as="Deutsches Ärzteblatt (2020) ... DÄ 2020; 117(17",
        year=2020,
        notes=("Not resolved",),
    ),
]


def _latex_to_text(value: str) -> str:
    # pylatexenc renders \textasciicircum as U+02C6 (modifier letter circumflex); LaTeX prints '^'.
    return LatexNodes2Text().latex_to_text(value).replace("\u02c6", "^")


# --- BibTeX ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bib_library() -> bibtexparser.Library:
    return bibtexparser.parse_string(bibtex.bibtex(REFS))


def test_bibtexparser_reads_every_entry_without_failures(bib_library) -> None:
    assert bib_library.failed_blocks == []
    assert [e.key for e in bib_library.entries] == [r.key for r in REFS]
    assert [e.entry_type for e in bib_library.entries] == [
        "article",
        "article",
        "article",
        "techreport",
        "article",
        "misc",
    ]


def test_bibtex_titles_and_journals_decode_to_the_original_text(bib_library) -> None:
    for ref, entry in zip(REFS, bib_library.entries, strict=True):
        if ref.title:
            assert _latex_to_text(entry["title"]) == ref.title
        if ref.kind in ("article", "systematic_review"):
            assert _latex_to_text(entry["journal"]) == (ref.journal or ref.journal_abbrev)


def test_bibtex_numbers_pages_and_identifiers_round_trip(bib_library) -> None:
    carette = bib_library.entries_dict["Carette1997"]
    assert (carette["year"], carette["volume"], carette["number"]) == ("1997", "336", "23")
    assert carette["pages"] == "1634--1640"
    assert (carette["doi"], carette["pmid"], carette["eprinttype"]) == (
        "10.1056/NEJM199706053362303",
        "9171065",
        "pubmed",
    )
    nice = bib_library.entries_dict["nice-ng59"]
    assert (nice["number"], nice["institution"]) == ("NG59", REFS[3].publisher)
    assert bib_library.entries_dict["cochrane-cd001824"]["pages"] == "CD001824"
    assert "Last updated 2020-12-11" in nice["note"]


def test_bibtex_names_split_into_the_right_parts() -> None:
    library = bibtexparser.parse_string(
        bibtex.bibtex(REFS[:2]), append_middleware=[SeparateCoAuthors(), SplitNameParts()]
    )
    carette, mueller = library.entries
    parts = [(n.last, n.von, n.first) for n in carette["author"]]
    assert parts == [
        (["Carette"], [], ["S."]),
        (["Leclaire"], [], ["R."]),
        (["Vet"], ["de"], ["H.", "C.", "W."]),
        (["others"], [], []),
    ]
    names = [(n.last, n.first) for n in mueller["author"]]
    assert names == [
        (["Müller"], ["Ä."]),
        (["Sae-Jung"], ["S."]),
        (["山田"], ["T."]),
        (["{WEST Study Group}"], []),
    ]


# --- RIS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ris_entries() -> list[dict]:
    return rispy.loads(ris.ris(REFS))


def test_rispy_reads_every_record_with_its_type(ris_entries) -> None:
    assert [e["type_of_reference"] for e in ris_entries] == [
        "JOUR",
        "JOUR",
        "JOUR",
        "RPRT",
        "JOUR",
        "GEN",
    ]
    assert [e["id"] for e in ris_entries] == [r.key for r in REFS]


def test_rispy_reads_back_the_same_fields(ris_entries) -> None:
    for ref, entry in zip(REFS, ris_entries, strict=True):
        assert entry.get("title") == ref.title
        assert entry.get("year") == (str(ref.year) if ref.year else None)
        assert entry.get("volume") == ref.volume
        assert entry.get("number") == ref.issue
        assert entry.get("doi") == ref.doi
        assert entry.get("accession_number") == ref.pmid
        first, last = split_pages(ref.pages)
        assert (entry.get("start_page"), entry.get("end_page")) == (first, last)
    carette, mueller = ris_entries[0], ris_entries[1]
    assert carette["authors"] == ["Carette, S.", "Leclaire, R.", "de Vet, H. C. W."]
    assert "Author list incomplete (et al.)" in carette["notes"]
    assert carette["urls"] == [
        "https://pubmed.ncbi.nlm.nih.gov/9171065/",
        "https://doi.org/10.1056/NEJM199706053362303",
    ]
    assert mueller["authors"] == ["Müller, Ä.", "Sae-Jung, S.", "山田, T.", "WEST Study Group"]
    assert (mueller["secondary_title"], mueller["alternate_title1"]) == (
        "Deutsches Ärzteblatt",
        "Dtsch Ärztebl",
    )
    assert ris_entries[3]["publisher"] == REFS[3].publisher and ris_entries[3]["issn"] == "NG59"
    assert ris_entries[5]["notes"][0] == "Cited as: Deutsches Ärzteblatt (2020) ... DÄ 2020; 117(17"


# --- CSL-JSON ----------------------------------------------------------------------------------

# The part of the CSL 1.0.2 input schema (citation-style-language/schema, schemas/input/csl-data.json)
# that our items use, transcribed: the type list, the name and date shapes, the field types, and
# additionalProperties false so that a misspelt or invented field fails.
_STRING = {"type": "string"}
_STRING_OR_NUMBER = {"type": ["string", "number"]}
CSL_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["type", "id"],
        "additionalProperties": False,
        "properties": {
            "type": {
                "type": "string",
                "enum": [
                    "article",
                    "article-journal",
                    "article-magazine",
                    "article-newspaper",
                    "bill",
                    "book",
                    "broadcast",
                    "chapter",
                    "classic",
                    "collection",
                    "dataset",
                    "document",
                    "entry",
                    "entry-dictionary",
                    "entry-encyclopedia",
                    "event",
                    "figure",
                    "graphic",
                    "hearing",
                    "interview",
                    "legal_case",
                    "legislation",
                    "manuscript",
                    "map",
                    "motion_picture",
                    "musical_score",
                    "pamphlet",
                    "paper-conference",
                    "patent",
                    "performance",
                    "periodical",
                    "personal_communication",
                    "post",
                    "post-weblog",
                    "regulation",
                    "report",
                    "review",
                    "review-book",
                    "software",
                    "song",
                    "speech",
                    "standard",
                    "thesis",
                    "treaty",
                    "webpage",
                ],
            },
            "id": _STRING_OR_NUMBER,
            "author": {"type": "array", "items": {"$ref": "#/definitions/name"}},
            "issued": {"$ref": "#/definitions/date"},
            "title": _STRING,
            "container-title": _STRING,
            "container-title-short": _STRING,
            "journalAbbreviation": _STRING,
            "publisher": _STRING,
            "genre": _STRING,
            "note": _STRING,
            "DOI": _STRING,
            "PMID": _STRING,
            "URL": _STRING,
            "volume": _STRING_OR_NUMBER,
            "issue": _STRING_OR_NUMBER,
            "page": _STRING_OR_NUMBER,
            "number": _STRING_OR_NUMBER,
        },
    },
    "definitions": {
        "name": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                k: _STRING
                for k in (
                    "family",
                    "given",
                    "literal",
                    "suffix",
                    "dropping-particle",
                    "non-dropping-particle",
                )
            },
        },
        "date": {
            "type": "object",
            "additionalProperties": False,
            "required": ["date-parts"],
            "properties": {
                "date-parts": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 2,
                    "items": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 3,
                        "items": _STRING_OR_NUMBER,
                    },
                }
            },
        },
    },
}


def test_csl_json_validates_against_the_csl_data_schema_shape() -> None:
    items = json.loads(csljson.csl_json(REFS))
    jsonschema.validate(items, CSL_SCHEMA)
    bad = [dict(items[0], pmid="9171065")]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, CSL_SCHEMA)


def test_csl_json_round_trips_and_keeps_the_facts() -> None:
    text = csljson.csl_json(REFS)
    items = json.loads(text)
    assert json.dumps(items, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == text
    carette, mueller = items[0], items[1]
    assert carette["author"][2] == {"family": "de Vet", "given": "H. C. W."}
    assert (carette["issued"], carette["page"], carette["PMID"]) == (
        {"date-parts": [[1997]]},
        "1634-1640",
        "9171065",
    )
    assert mueller["title"] == REFS[1].title and mueller["author"][3] == {
        "literal": "WEST Study Group"
    }
    assert (mueller["container-title"], mueller["container-title-short"]) == (
        "Deutsches Ärzteblatt",
        "Dtsch Ärztebl",
    )
    assert items[3]["issued"] == {"date-parts": [[2016, 11, 30]]}
    assert [i["type"] for i in items] == ["article-journal"] * 3 + [
        "report",
        "article-journal",
        "article",
    ]
    assert all(value is not None for item in items for value in item.values())


# --- umlauts from the PubMed XML through the records table into every format -------------------

XML = """<?xml version="1.0" encoding="UTF-8"?>
<PubmedArticleSet>
  <PubmedArticle>
    <MedlineCitation Status="MEDLINE" Owner="NLM">
      <PMID Version="1">11337625</PMID>
      <Article PubModel="Print">
        <Journal>
          <JournalIssue CitedMedium="Print">
            <Volume>26</Volume><Issue>9</Issue><PubDate><Year>2001</Year></PubDate>
          </JournalIssue>
          <Title>Spine</Title>
        </Journal>
        <ArticleTitle>Periradicular infiltration for sciatica: a randomized controlled trial.</ArticleTitle>
        <Pagination><MedlinePgn>1059-67</MedlinePgn></Pagination>
        <AuthorList CompleteYN="Y">
          <Author><LastName>Karppinen</LastName><ForeName>Jaro</ForeName><Initials>J</Initials></Author>
          <Author><LastName>Kyllönen</LastName><ForeName>Eero</ForeName><Initials>E</Initials></Author>
          <Author ValidYN="Y"><LastName>Pienimäki</LastName><ForeName>Tuomo</ForeName></Author>
        </AuthorList>
      </Article>
      <MedlineJournalInfo><MedlineTA>Spine (Phila Pa 1976)</MedlineTA></MedlineJournalInfo>
    </MedlineCitation>
    <PubmedData><ArticleIdList><ArticleId IdType="pubmed">11337625</ArticleId></ArticleIdList></PubmedData>
  </PubmedArticle>
</PubmedArticleSet>
"""
NAMES = ("Kyllönen", "Pienimäki")


@pytest.fixture(scope="module")
def karppinen(tmp_path_factory) -> Reference:
    """The record parsed from XML, stored in and read back from the records table (Parquet)."""
    from spinereview.citations.included import records_by_pmid
    from spinereview.pubmed.records import merge_query_files, read_records, write_records

    folder = tmp_path_factory.mktemp("umlauts")
    (folder / "q.xml").write_text(XML, encoding="utf-8")
    rows = merge_query_files([("q", folder / "q.xml")])
    write_records(rows, folder / "records.parquet", folder / "records.csv")
    return records_by_pmid(read_records(folder / "records.parquet").to_pylist())["11337625"]


def test_umlauts_and_initials_survive_parse_and_the_records_table(karppinen) -> None:
    assert [(a.family, a.initials) for a in karppinen.authors] == [
        ("Karppinen", "J"),
        ("Kyllönen", "E"),
        ("Pienimäki", "T"),  # no <Initials>: taken from the fore name
    ]


def test_umlauts_round_trip_through_every_format(karppinen) -> None:
    from spinereview.citations import vancouver

    for text in (
        vancouver.markdown_list("Literatur", [karppinen], "de"),
        vancouver.html_list("Literatur", [karppinen], "de"),
    ):
        assert "Karppinen J, Kyllönen E, Pienimäki T." in text
    library = bibtexparser.parse_string(
        bibtex.bibtex([karppinen]), append_middleware=[SeparateCoAuthors(), SplitNameParts()]
    )
    assert library.failed_blocks == []
    assert [n.last for n in library.entries[0]["author"]] == [
        ["Karppinen"],
        ["Kyllönen"],
        ["Pienimäki"],
    ]
    assert [e["authors"] for e in rispy.loads(ris.ris([karppinen]))] == [
        ["Karppinen, Jaro", "Kyllönen, Eero", "Pienimäki, Tuomo"]
    ]
    items = json.loads(csljson.csl_json([karppinen]))
    assert [a["family"] for a in items[0]["author"]] == ["Karppinen", *NAMES]


def test_bibtex_keeps_umlauts_as_utf8_not_latex_macros(karppinen) -> None:
    """The encoding decision (bibtex module docstring): UTF-8, never {\\"o}."""
    text = bibtex.bibtex([karppinen])
    assert "Kyllönen, Eero" in text and "Pienimäki, Tuomo" in text
    assert '\\"' not in text and "(UTF-8)" in text.splitlines()[0]
    text.encode("utf-8")


def test_every_snapshot_author_with_initials_or_fore_name_keeps_initials_in_every_format() -> None:
    from spinereview.citations import vancouver
    from spinereview.citations.included import record_reference
    from spinereview.pubmed.records import merge_query_files

    snapshot = Path(__file__).resolve().parents[1] / "data" / "pubmed" / "snapshot"
    rows = merge_query_files(
        [(q, snapshot / f"{q}.xml") for q in ("epidural", "facet_sacroiliac_other")]
    )
    checked = 0
    for row in rows:
        ref = record_reference(row)
        bib = bibtex.bibtex([ref])
        names = rispy.loads(ris.ris([ref]))[0].get("authors", [])
        text = vancouver.plain(ref)
        for number, author in enumerate(row["authors"]):
            if author["collective"] or not (author["initials"] or author["fore"]):
                continue
            initials = ref.authors[number].initials
            assert initials, (row["pmid"], author)
            if number < vancouver.MAX_AUTHORS:
                assert f"{author['last']} {initials}" in text
            given = " ".join(f"{c}." for c in initials)
            assert f"{author['last']}, {given}" in bib and f"{author['last']}, {given}" in names
            checked += 1
    assert checked > 100


def test_record_references_read_only_what_is_looked_up(tmp_path: Path, monkeypatch) -> None:
    """RecordReferences gives the references records_by_pmid gives: the hinted PMIDs in one pass,
    any other on first use, a PMID outside the table a KeyError; ``in`` knows every PMID."""
    from spinereview.citations.included import RecordReferences, records_by_pmid
    from spinereview.pubmed.records import merge_query_files, read_records, write_records

    snapshot = Path(__file__).resolve().parent.parent / "data" / "pubmed" / "snapshot"
    files = [(path.stem, path) for path in sorted(snapshot.glob("*.xml"))]
    table = tmp_path / "records.parquet"
    write_records(merge_query_files(files), table, tmp_path / "records.csv")
    everything = records_by_pmid(read_records(table).to_pylist())
    loads: list[set[str]] = []
    original = RecordReferences._load
    monkeypatch.setattr(
        RecordReferences,
        "_load",
        lambda self, pmids: (loads.append(set(pmids)), original(self, pmids)),
    )
    first = next(iter(everything))
    refs = RecordReferences(table, wanted={first, "999999999"})
    assert loads == [{first}]  # a hint outside the table is dropped
    assert list(refs) == list(everything) and len(refs) == len(everything)
    assert all(pmid in refs for pmid in everything) and "999999999" not in refs
    assert refs[first] == everything[first] and len(loads) == 1
    for pmid in everything:
        assert refs[pmid] == everything[pmid]
    assert len(loads) == len(everything)  # every other PMID read once, when first asked for
    with pytest.raises(KeyError):
        refs["999999999"]
    assert refs.get("999999999") is None
