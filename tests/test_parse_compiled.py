"""The compiled record builder (``spinereview.pubmed._fastrecord``) against the Python reference.

Every record the compiled builder returns must equal, key for key, value for value and type for
type, the one ``parse._record`` builds from the same element; errors must be the reference's own.
These tests skip when the extension is not built, except with SPINEREVIEW_REQUIRE_COMPILED=1 (CI),
where a missing or unusable extension fails them.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_parse_property import RECORD, to_element

from spinereview.errors import InputError
from spinereview.pubmed import parse

ROOT = Path(__file__).resolve().parents[1]
DOCTYPE = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
#: Every PubmedArticleSet file of the repository: hand-written fixtures and the NCBI snapshot.
XML_FILES = sorted(
    p
    for folder in (ROOT / "tests", ROOT / "data")
    for p in folder.rglob("*.xml")
    if b"PubmedArticleSet" in p.read_bytes()[:4096]
)


def _load() -> Any:
    try:
        module = importlib.import_module("spinereview.pubmed._fastrecord")
        if etree.__version__ != module.LXML_VERSION:
            raise ImportError(f"built for lxml {module.LXML_VERSION}, not {etree.__version__}")
    except ImportError as err:
        if os.environ.get("SPINEREVIEW_REQUIRE_COMPILED") == "1":
            pytest.fail(f"the compiled record builder is required but unusable: {err}")
        pytest.skip(f"the compiled record builder is not built: {err}")
    module.bind(parse.month_number, parse.parse_medline_date)
    return module


@pytest.fixture(scope="module")
def fast() -> Any:
    return _load()


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types all the way down (``True == 1`` does not count)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def reference(path: Path, elem: Any, line: int) -> dict[str, Any] | InputError:
    try:
        return parse._record(path, elem, line)
    except InputError as err:
        return err


def compare(fast: Any, path: Path, elem: Any, line: int) -> bool:
    """Check the compiled builder on one element; return whether it built the record itself."""
    expected = reference(path, elem, line)
    built = fast.record(elem)
    if isinstance(expected, InputError):
        assert built is None  # the error is left to the reference code
        with pytest.raises(InputError) as info:
            parse._compiled_record(path, elem, line)
        assert (str(info.value), info.value.line, info.value.field) == (
            str(expected),
            expected.line,
            expected.field,
        )
        return False
    if built is not None:
        assert same(built, expected), (built, expected)
    assert same(parse._compiled_record(path, elem, line), expected)
    return built is not None


def test_the_repository_has_pubmed_files_to_compare() -> None:
    names = {p.name for p in XML_FILES}
    assert {"structured_abstract.xml", "unicode.xml", "no_pmid.xml", "epidural.xml"} <= names


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_repository_file_gives_the_reference_records(fast: Any, path: Path) -> None:
    try:
        for line, elem in parse._top_level(path, parse._ARTICLES):
            built = compare(fast, path, elem, line)
            is_lxml = isinstance(elem, etree._Element)
            # the compiled builder takes every lxml element with a valid PMID, and nothing else
            assert built == (is_lxml and not isinstance(reference(path, elem, line), InputError))
    except InputError:
        pass  # a malformed file: the parser's error, the same whichever builder runs


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_iter_records_is_the_same_with_either_builder(
    fast: Any, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(builder: Any) -> list[dict[str, Any]] | tuple[str, int | None, str | None]:
        monkeypatch.setattr(parse, "_fastrecord", fast)
        monkeypatch.setattr(parse, "_build_record", builder)
        try:
            return list(parse.iter_records(path))
        except InputError as err:
            return (str(err), err.line, err.field)

    assert same(run(parse._compiled_record), run(parse._record))


def test_snapshot_records_are_built_by_the_compiled_builder(fast: Any) -> None:
    """The real NCBI records of the snapshot take the compiled path, not the fallback."""
    count = 0
    for path in sorted((ROOT / "data" / "pubmed" / "snapshot").glob("*.xml")):
        for line, elem in parse._top_level(path, parse._ARTICLES):
            assert compare(fast, path, elem, line)
            count += 1
    assert count > 0


@pytest.mark.parametrize(
    ("pmid", "message"),
    [
        ("", "PubmedArticle has no PMID"),
        ("   ", "PubmedArticle has no PMID"),
        ("12a", "PMID '12a' is not a number"),
        ("١٢", "PMID '١٢' is not a number"),  # Arabic-Indic digits: not [0-9]
        ("１２", "PMID '１２' is not a number"),  # fullwidth digits
        ("1 2", "PMID '1 2' is not a number"),
    ],
)
def test_bad_pmids_raise_the_reference_error(
    fast: Any, tmp_path: Path, pmid: str, message: str
) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(
        DOCTYPE
        + "<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID></MedlineCitation>"
        + "</PubmedArticle>\n<PubmedArticle>\n<MedlineCitation>"
        + f"<PMID>{pmid}</PMID></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>\n",
        encoding="utf-8",
    )
    errors = []
    for builder in (parse._record, parse._compiled_record):
        with pytest.raises(InputError) as info:
            for line, elem in parse._top_level(path, parse._ARTICLES):
                builder(path, elem, line)
        errors.append((str(info.value), info.value.line, info.value.field))
    assert errors[0] == errors[1]
    assert errors[0] == (f"{path}, line 5, field 'PMID': {message}", 5, "PMID")


def test_whitespace_collapse_matches_str_split_for_every_character(fast: Any) -> None:
    differ = [
        hex(code)
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF
        and fast.collapse(f"{chr(code)}a{chr(code)}{chr(code)}b{chr(code)}")
        != " ".join(f"{chr(code)}a{chr(code)}{chr(code)}b{chr(code)}".split())
    ]
    assert differ == []


def test_mixed_whitespace_runs_collapse_like_str_split(fast: Any) -> None:
    text = "\u3000 x\u2028\u00a0\u0085y\t\u205f\u202f z \u1680"
    assert fast.collapse(text) == " ".join(text.split()) == "x y z"
    assert fast.collapse("") == ""
    assert fast.collapse(" \u2009\n") == ""


# --- elements the compiled builder must hand back or read exactly ---------------------------------

ARTICLE = (
    "<PubmedArticle><MedlineCitation><PMID>7</PMID><Article><Journal><JournalIssue>"
    "<PubDate><Year>2001</Year><Month>Feb</Month></PubDate></JournalIssue><Title>J</Title>"
    "</Journal><ArticleTitle>A {inner} title</ArticleTitle>"
    '<Abstract><AbstractText Label="L">Text</AbstractText></Abstract></Article></MedlineCitation>'
    '<PubmedData><ArticleIdList><ArticleId IdType="doi">10.1/x</ArticleId></ArticleIdList>'
    "</PubmedData></PubmedArticle>"
)


@pytest.mark.parametrize(
    "inner",
    [
        "<!-- a comment -->",
        "<?pi data?>",
        "<i>x<!-- c -->y</i>",
        "<![CDATA[ raw <text> ]]>",
        '<x:i xmlns:x="urn:x">ns</x:i>',
    ],
)
def test_comments_pis_cdata_and_namespaces_in_a_built_tree(fast: Any, inner: str) -> None:
    """Parsed without iterparse's options the tree keeps comments and PIs: the fallback reads them."""
    elem = etree.fromstring(ARTICLE.format(inner=inner), etree.XMLParser(strip_cdata=False))
    compare(fast, Path("built.xml"), elem, 1)
    if "<!--" in inner or "<?" in inner:
        assert fast.record(elem) is None


def test_namespaced_elements_do_not_count_as_pubmed_ones(fast: Any) -> None:
    xml = ARTICLE.format(inner="").replace(
        "<Year>2001</Year>", '<y:Year xmlns:y="urn:y">1999</y:Year><Year>2001</Year>'
    )
    elem = etree.fromstring(xml)
    assert compare(fast, Path("ns.xml"), elem, 1)
    assert fast.record(elem)["year"] == 2001
    assert fast.record(elem)["pub_date_raw"] == "1999 2001 Feb"


def test_dtd_attribute_defaults_are_left_to_the_reference(fast: Any) -> None:
    """libxml2 answers ``get`` with a DTD's default value; the compiled builder does not read DTDs."""
    xml = '<!DOCTYPE PubmedArticle [<!ATTLIST ArticleId IdType CDATA "doi">]>' + ARTICLE.format(
        inner=""
    ).replace(' IdType="doi"', "")
    elem = etree.fromstring(xml, etree.XMLParser(load_dtd=True, attribute_defaults=False))
    assert fast.record(elem) is None
    compare(fast, Path("dtd.xml"), elem, 1)


def test_a_call_made_meanwhile_does_not_clear_the_unusual_node_mark(fast: Any) -> None:
    """The builder calls back into Python (month_number), where another thread may build a record."""
    clean = etree.fromstring(ARTICLE.format(inner=""))
    unusual = etree.fromstring(
        ARTICLE.format(inner="").replace('"L">Text</', '"L">Te<!-- c -->xt</'),
        etree.XMLParser(remove_comments=False),
    )
    calls: list[Any] = []

    def month(text: str) -> int | None:
        if not calls:
            calls.append(None)
            calls[0] = fast.record(clean)  # what another thread could do meanwhile
        return parse.month_number(text)

    fast.bind(month, parse.parse_medline_date)  # also empties the remembered months
    try:
        assert fast.record(unusual) is None  # the comment was seen before the month was read
    finally:
        fast.bind(parse.month_number, parse.parse_medline_date)
    assert len(calls) == 1
    assert calls[0] is not None


def test_elementtree_elements_are_left_to_the_reference(fast: Any) -> None:
    import xml.etree.ElementTree as ET

    elem = ET.fromstring(ARTICLE.format(inner=""))
    assert fast.record(elem) is None
    assert fast.record(etree.Comment("x")) is None


def article(citation: str = "", article: str = "", data: str = "") -> str:
    return (
        f"<PubmedArticle><MedlineCitation><PMID>5</PMID>{citation}<Article>{article}</Article>"
        f"</MedlineCitation><PubmedData>{data}</PubmedData></PubmedArticle>"
    )


AUTHORS = '<AuthorList CompleteYN="{c}"{t}>{a}</AuthorList>'
IDS = "<ArticleIdList>{}</ArticleIdList>"
CASES = {
    "author without ValidYN": article(
        article=AUTHORS.format(c="Y", t="", a="<Author><LastName>A</LastName></Author>")
    ),
    "author ValidYN N": article(
        article=AUTHORS.format(
            c="N", t="", a='<Author ValidYN="N"><LastName>A</LastName></Author><Author/>'
        )
    ),
    "editors and authors": article(
        article=AUTHORS.format(
            c="N", t=' Type="editors"', a="<Author><ForeName>E</ForeName></Author>"
        )
        + AUTHORS.format(c="Y", t=' Type="authors"', a="<Author><Initials> </Initials></Author>")
    ),
    "repeated name parts": article(
        article=AUTHORS.format(
            c="Y",
            t="",
            a="<Author><LastName></LastName><LastName>B</LastName><CollectiveName>G <i>x</i>"
            "</CollectiveName></Author>",
        )
    ),
    "empty DOI then DOI": article(
        data=IDS.format(
            '<ArticleId IdType="doi"> </ArticleId><ArticleId IdType="doi">d</ArticleId>'
        )
    ),
    "DOI from ELocationID": article(
        article='<ELocationID EIdType="pii">p</ELocationID><ELocationID EIdType="doi"></ELocationID>'
        '<ELocationID EIdType="doi">e</ELocationID>',
        data=IDS.format('<ArticleId IdType="pmc">PMC1</ArticleId><ArticleId>x</ArticleId>'),
    ),
    "cited DOI is not the article's": article(
        data='<ReferenceList><Reference><ArticleIdList><ArticleId IdType="doi">r</ArticleId>'
        "</ArticleIdList></Reference></ReferenceList>"
    ),
    "pages": article(
        article="<Pagination><MedlinePgn/><StartPage>3</StartPage></Pagination>"
        "<Pagination><MedlinePgn>9</MedlinePgn><EndPage>4</EndPage></Pagination>"
    ),
    "start and end pages": article(
        article="<Pagination><StartPage>3</StartPage><EndPage>4</EndPage></Pagination>"
    ),
    "end page only": article(article="<Pagination><EndPage>4</EndPage></Pagination>"),
    "MedlineTA first only": article(
        citation="<MedlineJournalInfo><MedlineTA> </MedlineTA></MedlineJournalInfo>"
        "<MedlineJournalInfo><MedlineTA>T</MedlineTA></MedlineJournalInfo>"
    ),
    "MeSH": article(
        citation='<MeshHeadingList><MeshHeading><QualifierName UI="Q1" MajorTopicYN="Y">q'
        '</QualifierName><DescriptorName UI="" MajorTopicYN="N">d</DescriptorName>'
        "<DescriptorName>second</DescriptorName><QualifierName> </QualifierName></MeshHeading>"
        "<MeshHeading><DescriptorName> </DescriptorName></MeshHeading></MeshHeadingList>"
    ),
    "abstract labels": article(
        article='<Abstract><AbstractText Label=" A  b " NlmCategory="">t</AbstractText>'
        '<AbstractText Label="X"> </AbstractText><AbstractText>u</AbstractText></Abstract>'
        '<Abstract><AbstractText Label="">v</AbstractText></Abstract>'
    ),
    "MedlineDate": article(
        article="<Journal><JournalIssue><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate>"
        "<Year>2000</Year></PubDate></JournalIssue></Journal>"
    ),
    "empty MedlineDate": article(
        article="<Journal><JournalIssue><PubDate><Year>2000</Year><MedlineDate/></PubDate>"
        "</JournalIssue></Journal>"
    ),
    "bad month": article(
        article="<Journal><JournalIssue><PubDate><Year>2000</Year><Month>Smarch</Month>"
        "<Month>Jan</Month><Day>1</Day></PubDate></JournalIssue></Journal>"
    ),
    "two issues": article(
        article="<Journal><JournalIssue><Volume/></JournalIssue><JournalIssue><Volume>2</Volume>"
        "<Issue>3</Issue><PubDate><Year>１９９９</Year></PubDate></JournalIssue>"
        "<ISOAbbreviation>I</ISOAbbreviation><Title/></Journal><Journal><Title>no</Title></Journal>"
    ),
    "vernacular title": article(
        article="<ArticleTitle> </ArticleTitle><VernacularTitle>V <b>t</b></VernacularTitle>"
    ),
    "second citation": article().replace(
        "</MedlineCitation>", "</MedlineCitation><MedlineCitation><PMID>6</PMID></MedlineCitation>"
    ),
}


@pytest.mark.parametrize("xml", CASES.values(), ids=CASES.keys())
def test_hand_written_cases_give_the_reference_record(fast: Any, xml: str) -> None:
    assert compare(fast, Path("case.xml"), etree.fromstring(xml), 1)


# --- generated articles ------------------------------------------------------------------------

SPACES = "\t\n\r \u00a0\u2009\u3000\u2028\u0085\u1680\u202f\u205f"
CHARS = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")),
    st.sampled_from("<>&\"'"),
    st.sampled_from(SPACES),
)
TEXT = st.text(CHARS, max_size=12)
#: text that the record's readers treat specially (numbers, months, dates, ID kinds)
SPECIAL = st.sampled_from(
    [
        "",
        " ",
        "12",
        " 0012 ",
        "2010",
        "２０１０",
        "201",
        "Jan",
        "sept",
        "13",
        "1",
        "Spring 2001",
        "1998 Dec-1999 Jan",
        "Summer",
        "doi",
        "pmc",
        "pubmed",
        "Y",
        "N",
        "authors",
        "editors",
        "١٢",
    ]
)
VALUE = st.one_of(st.just(""), SPECIAL, TEXT)
CHILDREN = {
    "PubmedArticle": ["MedlineCitation", "PubmedData", "Other"],
    "MedlineCitation": [
        "PMID",
        "Article",
        "MedlineJournalInfo",
        "MeshHeadingList",
        "KeywordList",
    ],
    "Article": [
        "Journal",
        "ArticleTitle",
        "VernacularTitle",
        "Abstract",
        "AuthorList",
        "Pagination",
        "PublicationTypeList",
        "Language",
        "ELocationID",
    ],
    "Journal": ["JournalIssue", "Title", "ISOAbbreviation"],
    "JournalIssue": ["Volume", "Issue", "PubDate"],
    "PubDate": ["Year", "Month", "Day", "MedlineDate", "Season"],
    "MedlineJournalInfo": ["MedlineTA", "Country"],
    "MeshHeadingList": ["MeshHeading"],
    "MeshHeading": ["DescriptorName", "QualifierName"],
    "KeywordList": ["Keyword"],
    "Abstract": ["AbstractText", "CopyrightInformation"],
    "AuthorList": ["Author"],
    "Author": ["LastName", "ForeName", "Initials", "CollectiveName", "Suffix"],
    "Pagination": ["MedlinePgn", "StartPage", "EndPage"],
    "PublicationTypeList": ["PublicationType"],
    "PubmedData": ["ArticleIdList", "ReferenceList"],
    "ArticleIdList": ["ArticleId"],
    "ReferenceList": ["ArticleIdList"],
}
ATTRIBUTES = {
    "ArticleId": ["IdType"],
    "ELocationID": ["EIdType"],
    "AbstractText": ["Label", "NlmCategory"],
    "AuthorList": ["Type", "CompleteYN"],
    "Author": ["ValidYN"],
    "DescriptorName": ["UI", "MajorTopicYN"],
    "QualifierName": ["UI", "MajorTopicYN"],
}
INLINE = ["i", "b", "sup", "sub"]
#: the child most generated parents start with
FIRST = {"PubmedArticle": "MedlineCitation", "MedlineCitation": "PMID"}


@st.composite
def tree_spec(draw: Any, tag: str, depth: int = 0) -> tuple[Any, ...]:
    """(tag, attributes, text, children, tail) of a PubMed-shaped element, loosely valid."""
    name = tag
    if depth and draw(st.integers(0, 30)) == 0:
        name = "{urn:other}" + tag  # same local name in a namespace: not a PubMed element
    attrs = {
        key: draw(VALUE)
        for key in ATTRIBUTES.get(tag, [])
        if draw(st.integers(0, 3)) > 0  # mostly present
    }
    tail = draw(st.sampled_from(["", "\n", " x "]))
    if tag in CHILDREN and depth < 8:
        kids = draw(st.lists(st.sampled_from(CHILDREN[tag]), max_size=len(CHILDREN[tag]) + 2))
        if tag in FIRST and draw(st.integers(0, 5)):  # mostly an article with a PMID
            kids = [FIRST[tag], *kids]
        children = [draw(tree_spec(kid, depth + 1)) for kid in kids]
        return (name, attrs, draw(st.sampled_from(["", "\n  "])), children, tail)
    inline = [
        (t, {}, draw(VALUE), [], draw(VALUE))
        for t in draw(st.lists(st.sampled_from(INLINE), max_size=2))
    ]
    if tag == "PMID" and draw(st.integers(0, 5)):  # mostly a valid one
        return (name, attrs, draw(st.integers(1, 10**8).map(str)), [], tail)
    return (name, attrs, draw(VALUE), inline, tail)


def build(spec: tuple[Any, ...], parent: Any = None) -> Any:
    tag, attrs, text, children, tail = spec
    elem = etree.Element(tag, attrs) if parent is None else etree.SubElement(parent, tag, attrs)
    elem.text = text or None
    elem.tail = tail or None
    for child in children:
        build(child, elem)
    return elem


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree_spec("PubmedArticle"))
def test_generated_trees_give_the_reference_record(fast: Any, spec: tuple[Any, ...]) -> None:
    elem = build(spec)
    compare(fast, Path("generated.xml"), elem, 1)
    # the same article written to a file and read back by the parser
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.xml"
        path.write_bytes(
            DOCTYPE.encode()
            + b"<PubmedArticleSet>\n"
            + etree.tostring(elem, encoding="utf-8")
            + b"\n</PubmedArticleSet>\n"
        )
        for line, parsed in parse._top_level(path, parse._ARTICLES):
            compare(fast, path, parsed, line)


@settings(max_examples=100, deadline=None)
@given(st.lists(RECORD, min_size=1, max_size=3))
def test_property_test_articles_give_the_reference_record(
    fast: Any, generated: list[dict[str, Any]]
) -> None:
    """The articles of test_parse_property, serialised by ElementTree and read by the parser."""
    import xml.etree.ElementTree as ET

    root = ET.Element("PubmedArticleSet")
    root.extend(to_element(record) for record in generated)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "articles.xml"
        path.write_bytes(DOCTYPE.encode() + ET.tostring(root, encoding="utf-8"))
        count = 0
        for line, elem in parse._top_level(path, parse._ARTICLES):
            assert compare(fast, path, elem, line)
            count += 1
        assert count == len(generated)


# --- selection ---------------------------------------------------------------------------------


def test_selection_prefers_the_compiled_builder(fast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPINEREVIEW_PURE_PARSER", raising=False)
    assert parse._compiled_builder() is fast
    monkeypatch.setenv("SPINEREVIEW_PURE_PARSER", "1")
    assert parse._compiled_builder() is None


def test_selection_refuses_a_builder_compiled_for_another_lxml(
    fast: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPINEREVIEW_PURE_PARSER", raising=False)
    monkeypatch.setattr(fast, "LXML_VERSION", "0.0.1")
    assert parse._compiled_builder() is None


def _records_in_subprocess(src: Path, path: Path, pure: bool) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "SPINEREVIEW_PURE_PARSER"}
    env["PYTHONPATH"] = str(src)
    if pure:
        env["SPINEREVIEW_PURE_PARSER"] = "1"
    code = (
        "import json, sys\n"
        "from spinereview.pubmed import parse\n"
        "records = list(parse.iter_records(sys.argv[1]))\n"
        "print(json.dumps({'builder': parse.RECORD_BUILDER, 'file': parse.__file__,"
        " 'records': records}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def test_a_copy_without_the_extension_falls_back_to_the_same_records(
    fast: Any, tmp_path: Path
) -> None:
    """What the workflow tests do: PYTHONPATH=<copy>/src of a tree where nothing was compiled."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("*.so", "*.c", "__pycache__"))
    path = ROOT / "data" / "pubmed" / "snapshot" / "epidural.xml"
    copied = _records_in_subprocess(src, path, pure=False)
    compiled = _records_in_subprocess(ROOT / "src", path, pure=False)
    pure = _records_in_subprocess(ROOT / "src", path, pure=True)
    assert copied["file"].startswith(str(src))
    assert (copied["builder"], compiled["builder"], pure["builder"]) == (
        "python",
        "compiled",
        "python",
    )
    assert copied["records"] == compiled["records"] == pure["records"]
    assert len(compiled["records"]) > 0
