"""Citation formats: Vancouver text, Markdown/HTML escaping, keys, pages, non-ASCII in every format."""

from __future__ import annotations

import html.parser
import json

import pytest

from spinereview.citations import bibtex, csljson, ris, vancouver
from spinereview.citations.model import (
    Author,
    Reference,
    author_year_keys,
    parse_author_list,
    split_pages,
)

CARETTE = Reference(
    key="Carette1997",
    kind="article",
    title="Epidural corticosteroid injections for sciatica due to herniated nucleus pulposus",
    authors=parse_author_list(
        "Carette S; Leclaire R; Marcoux S; Morin F; Blaise GA; St-Pierre A; Truchon R; Parent F; "
        "Levesque J; Bergeron V; Montminy P; Blanchette C"
    )[0],
    journal_abbrev="N Engl J Med",
    year=1997,
    volume="336",
    issue="23",
    pages="1634-40",
    pmid="9171065",
    doi="10.1056/NEJM199706053362303",
)
# Every writer must carry these through unchanged: German umlauts and ß, a hyphenated name, CJK,
# and a combining accent (e + U+0301, deliberately not normalised to é).
UNICODE = Reference(
    key="Mueller2020",
    kind="article",
    title="Rückenschmerzen und Spritzen: Größe der Wirkung – 腰痛の治療 – Zoe\u0301",
    authors=(Author("Müller", "Ä"), Author("Sae-Jung", "S"), Author("山田", "T")),
    journal_abbrev="Dtsch Ärztebl",
    year=2020,
    volume="117",
    issue="17",
    pages="301-8",
    doi="10.3238/arztebl.2020.0301",
)
NO_PMID = Reference(
    key="Valat2003",
    kind="article",
    title="Epidural corticosteroid injections for sciatica",
    authors=(Author("Valat", "JP"),),
    journal_abbrev="Ann Rheum Dis",
    year=2003,
    volume="62",
    issue="7",
    pages="639-43",
    notes=("Identified by other methods; no PMID",),
)
HOSTILE = Reference(
    key="Evil2001",
    kind="article",
    title='Steroids <script>alert("x")</script> & saline: 50% {better} $x_1$ #2 ~ ^ back\\slash',
    authors=(Author("O'Brien", "J"),),
    journal_abbrev="J <Pain> & Co",
    year=2001,
    pmid="123",
)


def test_vancouver_lists_six_authors_then_et_al_with_doi_and_pmid() -> None:
    assert vancouver.plain(CARETTE) == (
        "Carette S, Leclaire R, Marcoux S, Morin F, Blaise GA, St-Pierre A, et al. Epidural "
        "corticosteroid injections for sciatica due to herniated nucleus pulposus. N Engl J Med. "
        "1997;336(23):1634-40. doi:10.1056/NEJM199706053362303. PMID: 9171065."
    )


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ("Tafazal S; Ng L; Chaudhary N; Sell P", "Tafazal S, Ng L, Chaudhary N, Sell P."),
        ("A A; B B; C C; D D; E E; F F", "A A, B B, C C, D D, E E, F F."),
        ("A A; B B; C C; D D; E E; F F; G G", "A A, B B, C C, D D, E E, F F, et al."),
        ("Carette S; Marcoux S; et al", "Carette S, Marcoux S, et al."),
        ("Ghahreman et al", "Ghahreman, et al."),
        ("Arden NK; WEST Study Group", "Arden NK, WEST Study Group."),
    ],
)
def test_vancouver_author_lists(authors: str, expected: str) -> None:
    parsed, complete = parse_author_list(authors)
    ref = Reference(key="k", kind="article", authors=parsed, authors_complete=complete)
    assert vancouver.author_string(ref) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"year": 2012, "volume": "5", "pages": "381-90"}, "2012;5:381-90."),
        ({"year": 2012, "pages": "301-311"}, "2012:301-311."),
        ({"year": 2008, "issue": "3", "pages": "CD001824"}, "2008;(3):CD001824."),
        ({"year": 2011, "volume": "343", "pages": "d5278"}, "2011;343:d5278."),
        ({"year": 2005, "volume": "9", "issue": "33"}, "2005;9(33)."),
        ({"year": 2009}, "2009."),
        ({}, ""),
    ],
)
def test_vancouver_locator_follows_nlm(fields: dict, expected: str) -> None:
    assert vancouver.locator(Reference(key="k", kind="article", **fields)) == expected


def test_title_keeps_its_own_question_mark_and_gets_one_full_stop() -> None:
    ref = Reference(key="k", kind="article", title="Do injections help?", journal_abbrev="BMJ")
    assert vancouver.plain(ref).startswith("Do injections help? BMJ.")
    ref = Reference(key="k", kind="article", title="Injections.", journal_abbrev="BMJ")
    assert vancouver.plain(ref).startswith("Injections. BMJ.")


def test_a_record_without_pmid_is_shown_without_one_in_every_format() -> None:
    outputs = [
        vancouver.plain(NO_PMID),
        vancouver.markdown_list("t", [NO_PMID]),
        vancouver.html_list("t", [NO_PMID]),
        bibtex.bibtex([NO_PMID]),
        ris.ris([NO_PMID]),
        csljson.csl_json([NO_PMID]),
    ]
    for text in outputs:
        assert "PMID:" not in text and "pubmed" not in text.lower()
    assert "Identified by other methods; no PMID" in vancouver.plain(NO_PMID)
    assert "AN  -" not in ris.ris([NO_PMID])


class _TextAndLinks(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self.links += [value for name, value in attrs if name == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_script_and_ampersand_and_links_pmid_and_doi() -> None:
    page = vancouver.html_list("Included <studies>", [HOSTILE, CARETTE])
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; saline" in page
    parser = _TextAndLinks()
    parser.feed(page)
    text = "".join(parser.text)
    assert 'Steroids <script>alert("x")</script> & saline' in text  # shown as text
    assert "J <Pain> & Co." in text
    assert "script" not in parser.tags
    assert "https://pubmed.ncbi.nlm.nih.gov/9171065/" in parser.links
    assert "https://doi.org/10.1056/NEJM199706053362303" in parser.links
    assert '<li id="ref-Carette1997">' in page and page.count("<li ") == 2


def test_markdown_escapes_markup_and_links_identifiers() -> None:
    md = vancouver.markdown_list("Included", [HOSTILE, CARETTE])
    assert "\\<script\\>" in md and "\\&" in md and "\\$x\\_1\\$" not in md  # $ is not markup
    assert "[PMID: 9171065](<https://pubmed.ncbi.nlm.nih.gov/9171065/>)" in md
    assert md.splitlines()[2].startswith("1. O'Brien J.") and md.splitlines()[3].startswith(
        "2. Carette"
    )


def test_doi_with_parentheses_is_percent_encoded_in_links() -> None:
    ref = Reference(
        key="k", kind="article", doi="10.1002/(SICI)1097-0258(19980715)17:13<1495::AID>3.0.CO;2-#"
    )
    assert ref.doi_url == (
        "https://doi.org/10.1002/%28SICI%291097-0258%2819980715%2917%3A13%3C1495%3A%3AAID%3E3.0.CO%3B2-%23"
    )


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ("1634-40", ("1634", "1640")),
        ("572-5", ("572", "575")),
        ("1399-406", ("1399", "1406")),
        ("E61-74", ("E61", "E74")),
        ("RC04-RC08", ("RC04", "RC08")),
        ("E489-E501", ("E489", "E501")),
        ("1499-1507.e2", ("1499", "1507.e2")),
        ("d5278", ("d5278", None)),
        ("CD001824", ("CD001824", None)),
        (None, (None, None)),
    ],
)
def test_split_pages_expands_abbreviated_last_pages(pages, expected) -> None:
    assert split_pages(pages) == expected


def test_author_year_keys_are_unique_ascii_and_valid_bibtex_keys() -> None:
    def ref(family: str, year: int | None) -> Reference:
        return Reference(key="x", kind="article", authors=(Author(family, "A"),), year=year)

    refs = [
        ref("Cohen", 2018),
        ref("Cohen", 2018),
        ref("Sae-Jung", 2016),
        ref("Ärzte", 2020),
        ref("山田", 2019),
        ref("Sayegh", None),
        ref("Cohen", 2012),
    ]
    keys = author_year_keys(refs)
    assert keys == [
        "Cohen2018a",
        "Cohen2018b",
        "SaeJung2016",
        "Arzte2020",
        "Anon2019",
        "Sayegh_nd",
        "Cohen2012",
    ]
    for key in keys:
        Reference(key=key, kind="article")  # the model rejects keys BibTeX cannot use
    with pytest.raises(ValueError, match="invalid citation key"):
        Reference(key="bad key{", kind="article")


def test_every_format_keeps_non_ascii_text_unchanged() -> None:
    texts = [UNICODE.title, "Müller", "Sae-Jung", "山田", "Dtsch Ärztebl"]
    for output in (
        vancouver.markdown_list("Rückenschmerzen", [UNICODE]),
        vancouver.html_list("Rückenschmerzen", [UNICODE]),
        bibtex.bibtex([UNICODE]),
        ris.ris([UNICODE]),
        csljson.csl_json([UNICODE]),
    ):
        for text in texts:
            assert text in output
        output.encode("utf-8")
    assert "\\u" not in csljson.csl_json([UNICODE])  # real UTF-8, not JSON escapes


def test_bibtex_escapes_latex_specials_and_protects_acronyms() -> None:
    assert bibtex.escape_latex("50% & $x_1$ #2 {a} ~ ^ \\") == (
        r"50\% \& \$x\_1\$ \#2 \{a\} \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    assert bibtex.protect_case("The NICE guideline for McGill Z-Joint pain") == (
        "The {NICE} guideline for {McGill} {Z-Joint} pain"
    )
    assert bibtex.protect_case(bibtex.escape_latex("NICE{")) == r"{NICE\{}"


def test_bibtex_fields_names_and_braces_balance() -> None:
    text = bibtex.bibtex([CARETTE, HOSTILE, NO_PMID])
    assert "@article{Carette1997," in text
    assert "pages = {1634--1640}" in text and "pmid = {9171065}" in text
    assert "author = {Carette, S. and Leclaire, R. and Marcoux, S." in text
    depth = 0
    for i, ch in enumerate(text):
        if ch in "{}" and (i == 0 or text[i - 1] != "\\"):
            depth += 1 if ch == "{" else -1
            assert depth >= 0
    assert depth == 0
    with pytest.raises(ValueError, match="duplicate citation keys: Carette1997"):
        bibtex.bibtex([CARETTE, CARETTE])


def test_guideline_and_cochrane_review_get_their_own_types() -> None:
    nice = Reference(
        key="nice-ng59",
        kind="guideline",
        title="Low back pain and sciatica",
        authors=(Author(collective="NICE"),),
        publisher="NICE",
        number="NG59",
        year=2016,
        month=11,
        day=30,
        updated=(2020, 12, 11),
        url="https://www.nice.org.uk/guidance/ng59",
    )
    cochrane = Reference(
        key="staal2008",
        kind="systematic_review",
        title="Injection therapy",
        authors=(Author("Staal", "JB"),),
        journal_abbrev="Cochrane Database Syst Rev",
        year=2008,
        issue="3",
        pages="CD001824",
        doi="10.1002/14651858.CD001824.pub3",
    )
    assert vancouver.plain(nice) == (
        "NICE. Low back pain and sciatica. Guideline NG59. NICE; 2016 Nov 30 (updated 2020 Dec 11). "
        "Available from: https://www.nice.org.uk/guidance/ng59"
    )
    assert "Cochrane Database Syst Rev. 2008;(3):CD001824. doi:10.1002/14651858.CD001824.pub3." in (
        vancouver.plain(cochrane)
    )
    assert "@techreport{nice-ng59," in bibtex.bibtex([nice]) and "number = {NG59}" in bibtex.bibtex(
        [nice]
    )
    assert ris.record(nice).startswith("TY  - RPRT") and "SN  - NG59" in ris.record(nice)
    assert "C7  - CD001824" in ris.record(cochrane)
    items = json.loads(csljson.csl_json([nice, cochrane]))
    assert (items[0]["type"], items[0]["number"]) == ("report", "NG59")
    assert "Last updated 2020-12-11" in items[0]["note"]
    assert (items[1]["type"], items[1]["page"]) == ("article-journal", "CD001824")


# --- the article's list: German labels, access date, no working notes (issue 14, must have 4) ------

NICE = Reference(
    key="nice-ng59",
    kind="guideline",
    title="Low back pain and sciatica in over 16s: assessment and management",
    authors=(Author(collective="National Institute for Health and Care Excellence (NICE)"),),
    publisher="National Institute for Health and Care Excellence (NICE)",
    number="NG59",
    year=2016,
    month=11,
    day=30,
    updated=(2020, 12, 11),
    accessed=(2026, 11, 27),
    url="https://www.nice.org.uk/guidance/ng59",
    notes=("Cited in the article as: NICE-Leitlinie UK (NG59)",),
)


def test_german_list_uses_german_labels_dates_and_the_recorded_access_date() -> None:
    assert vancouver.plain(NICE, "de", notes=False) == (
        "National Institute for Health and Care Excellence (NICE). Low back pain and sciatica in "
        "over 16s: assessment and management. Leitlinie NG59. National Institute for Health and "
        "Care Excellence (NICE); 30.11.2016 (aktualisiert 11.12.2020). Verfügbar unter: "
        "https://www.nice.org.uk/guidance/ng59 (Zugriff am 27.11.2026)"
    )
    assert vancouver.plain(NICE, "en", notes=False).endswith(
        "(NICE); 2016 Nov 30 (updated 2020 Dec 11). Available from: "
        "https://www.nice.org.uk/guidance/ng59 (accessed 2026 Nov 27)"
    )
    german = vancouver.markdown_list("Literatur", [NICE, CARETTE], "de", notes=False)
    for english in ("Available from", "updated", "accessed", "Guideline"):
        assert english not in german


def test_a_web_source_without_access_date_gets_none_not_the_day_of_the_run() -> None:
    import datetime
    from dataclasses import replace

    undated = replace(NICE, accessed=None)
    for lang in ("de", "en"):
        text = vancouver.plain(undated, lang, notes=False)
        assert "Zugriff" not in text and "accessed" not in text
        today = datetime.date.today()
        assert vancouver.format_date(today.year, today.month, today.day, lang) not in text
    assert "urldate" not in bibtex.bibtex([undated]) and "Y2  -" not in ris.ris([undated])
    assert "accessed" not in json.loads(csljson.csl_json([undated]))[0]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_article_list_has_no_working_notes_and_no_square_brackets(lang: str) -> None:
    refs = [NICE, replace_notes(CARETTE, ("Study X (Carette1997), one of 2 reports",)), HOSTILE]
    md = vancouver.markdown_list("Literatur", refs, lang, notes=False)
    page = vancouver.html_list("Literatur", refs, lang, notes=False)
    for text in (md, page):
        assert "Cited in the article" not in text and "Study X" not in text
    assert "[" not in md.replace("[doi:", "").replace("[PMID:", "").replace("[https:", "")
    assert "\\[" not in md and 'class="note"' not in page
    assert "Cited in the article" in vancouver.markdown_list("t", refs, lang)  # notes=True


def replace_notes(ref: Reference, notes: tuple[str, ...]) -> Reference:
    from dataclasses import replace

    return replace(ref, notes=notes)


def test_working_notes_of_the_included_list_are_italic_without_escaped_brackets() -> None:
    md = vancouver.markdown_list("Included", [NO_PMID])
    assert "*Identified by other methods; no PMID.*" in md and "\\[" not in md
    assert vancouver.plain(NO_PMID).endswith("[Identified by other methods; no PMID.]")


@pytest.mark.parametrize(
    ("date", "lang", "expected"),
    [
        ((2016, 11, 30), "en", "2016 Nov 30"),
        ((2016, 11, 30), "de", "30.11.2016"),
        ((2016, 3, None), "de", "03/2016"),
        ((2016, None, None), "de", "2016"),
        ((None, None, None), "de", ""),
    ],
)
def test_format_date(date: tuple, lang: str, expected: str) -> None:
    assert vancouver.format_date(*date, lang=lang) == expected


def test_unknown_language_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        vancouver.markdown_list("t", [CARETTE], "fr")


def test_access_date_reaches_bibtex_ris_and_csl_json() -> None:
    assert "urldate = {2026-11-27}" in bibtex.bibtex([NICE])
    assert "Y2  - 2026/11/27" in ris.ris([NICE])
    assert json.loads(csljson.csl_json([NICE]))[0]["accessed"] == {"date-parts": [[2026, 11, 27]]}
