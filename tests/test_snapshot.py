"""The frozen PubMed snapshot: DTD validity, byte-identical rebuild, record placement, verifier."""

from __future__ import annotations

import csv
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import Bio.Entrez
import pytest
from Bio import Entrez

from spinereview.config import REPO_ROOT, load_config
from spinereview.errors import InputError
from spinereview.io import sha256_file
from spinereview.pubmed import snapshot_build
from spinereview.pubmed.snapshot import Manifest, iter_pmids, verify_snapshot
from spinereview.pubmed.snapshot_build import (
    build_snapshot,
    build_snapshot_from_config,
    parse_authors,
)

EVIDENCE = REPO_ROOT / "data" / "evidence"
SNAPSHOT = REPO_ROOT / "data" / "pubmed" / "snapshot"
CONFIG = REPO_ROOT / "config" / "config.yaml"
DATE = "2026-11-27"
DTD = Path(Bio.Entrez.__file__).parent / "DTDs" / "pubmed_250101.dtd"


@pytest.fixture(scope="module")
def queries() -> list[dict]:
    return load_config(CONFIG)["search"]["queries"]


def _rows(name: str) -> list[dict[str, str]]:
    with open(EVIDENCE / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _expected_pmids() -> dict[str, set[str]]:
    """query id -> PMIDs, straight from the evidence files (independent of the generator)."""
    expected: dict[str, set[str]] = {}
    for row in _rows("studies.csv"):
        if row["pmid"]:
            expected.setdefault(row["collection"], set()).add(row["pmid"])
    for row in _rows("review_records.csv"):
        if row["pmid"]:
            for collection in row["collections"].split(";"):
                expected.setdefault(collection.strip(), set()).add(row["pmid"])
    return expected


# --- a strict DTD content-model check --------------------------------------------------------
# Bio.Entrez.read(validate=True) only rejects element names the DTD does not declare. This checks
# what it does not: child order and cardinality against each <!ELEMENT> model, text in element-only
# content, undeclared attributes, #REQUIRED attributes and enumerated attribute values.


def _load_dtd(path: Path) -> tuple[dict[str, object], dict[str, dict[str, tuple[str, str]]]]:
    text = re.sub(r"<!--.*?-->", "", path.read_text(encoding="utf-8"), flags=re.S)
    entities = dict(re.findall(r'<!ENTITY\s+%\s+(\S+)\s+"([^"]*)"\s*>', text))
    for name, value in entities.items():
        text = text.replace(f"%{name};", value)
    models: dict[str, object] = {}
    for name, model in re.findall(r"<!ELEMENT\s+(\S+)\s+(.*?)>", text, flags=re.S):
        model = re.sub(r"\s+", "", model)
        if model == "EMPTY":
            models[name] = ("mixed", set())
        elif model.startswith("(#PCDATA"):
            models[name] = ("mixed", set(re.findall(r"\|([^|()*]+)", model)))
        else:
            regex = re.sub(r"([A-Za-z_][\w.:-]*)", r"(?:<\1>)", model).replace(",", "")
            models[name] = ("children", re.compile(regex))
    attlists: dict[str, dict[str, tuple[str, str]]] = {}
    attr = re.compile(
        r"(\S+)\s+(CDATA|ID|IDREF|NMTOKEN|\([^)]*\))\s+"
        r'(#REQUIRED|#IMPLIED|#FIXED\s+"[^"]*"|"[^"]*")'
    )
    for name, body in re.findall(r"<!ATTLIST\s+(\S+)\s+(.*?)>", text, flags=re.S):
        for attname, kind, default in attr.findall(body):
            attlists.setdefault(name, {})[attname] = (kind, default)
    return models, attlists


def _dtd_errors(path: Path) -> list[str]:
    models, attlists = _load_dtd(DTD)
    errors: list[str] = []

    def check(elem: ET.Element, where: str) -> None:
        where = f"{where}/{elem.tag}"
        if elem.tag not in models:
            errors.append(f"{where}: element not declared")
            return
        kind, model = models[elem.tag]
        children = [c.tag for c in elem]
        if kind == "mixed":
            errors.extend(f"{where}: child <{c}> not allowed" for c in children if c not in model)
        else:
            if not model.fullmatch("".join(f"<{c}>" for c in children)):
                errors.append(f"{where}: children {children} break the content model")
            texts = [elem.text, *(c.tail for c in elem)]
            if any(t and t.strip() for t in texts):
                errors.append(f"{where}: text in element-only content")
        declared = attlists.get(elem.tag, {})
        for attname, value in elem.attrib.items():
            if attname not in declared:
                errors.append(f"{where}: attribute {attname} not declared")
            elif declared[attname][0].startswith("("):
                allowed = [v.strip() for v in declared[attname][0][1:-1].split("|")]
                if value not in allowed:
                    errors.append(f"{where}: {attname}={value!r} not in {allowed}")
        for attname, (_kind, default) in declared.items():
            if default == "#REQUIRED" and attname not in elem.attrib:
                errors.append(f"{where}: required attribute {attname} missing")
        for child in elem:
            check(child, where)

    check(ET.parse(path).getroot(), "")
    return errors


def test_dtd_checker_catches_a_broken_article(tmp_path):
    broken = tmp_path / "broken.xml"
    text = (SNAPSHOT / "epidural.xml").read_text(encoding="utf-8")
    text = text.replace("<Language>eng</Language>", "", 1)  # Language+ is required
    text = text.replace(' CitedMedium="Print"', "", 1)  # #REQUIRED attribute
    broken.write_text(text, encoding="utf-8")
    errors = _dtd_errors(broken)
    assert any("break the content model" in e and "/Article" in e for e in errors)
    assert any("required attribute CitedMedium missing" in e for e in errors)


# --- the committed files ---------------------------------------------------------------------


@pytest.mark.parametrize("query_id", ["epidural", "facet_sacroiliac_other"])
def test_snapshot_is_valid_pubmed_xml(query_id):
    path = SNAPSHOT / f"{query_id}.xml"
    with open(path, "rb") as handle:
        parsed = Entrez.read(handle, validate=True)
    assert len(parsed["PubmedArticle"]) == len(_expected_pmids()[query_id])
    assert _dtd_errors(path) == []
    head = path.read_bytes().split(b"\n", 2)
    assert head[0] == b'<?xml version="1.0" ?>'
    assert b"pubmed_250101.dtd" in head[1]


def test_record_counts_are_the_expected_ones():
    # Counted by hand from data/evidence/: 27 epidural trials with PMID + 4 reviews;
    # 17 facet/SI/other rows with PMID, Cohen2018a/b one article, + Staal2009 and Busse2025.
    counts = {q: len(p) for q, p in _expected_pmids().items()}
    assert counts == {"epidural": 31, "facet_sacroiliac_other": 18}


def test_every_pmid_is_in_exactly_the_right_files(queries):
    expected = _expected_pmids()
    assert set(expected) == {q["id"] for q in queries}
    for query_id, pmids in expected.items():
        found = list(iter_pmids(SNAPSHOT / f"{query_id}.xml"))
        assert len(found) == len(set(found)), "a PMID occurs twice in one file"
        assert set(found) == pmids  # nothing missing, nothing not in the evidence files
        assert found == sorted(found, key=int)


def test_shared_and_cross_collection_records():
    facet = list(iter_pmids(SNAPSHOT / "facet_sacroiliac_other.xml"))
    epidural = list(iter_pmids(SNAPSHOT / "epidural.xml"))
    assert facet.count("29847426") == 1  # Cohen2018a + Cohen2018b: one publication
    assert "29847426" not in epidural
    text = (SNAPSHOT / "facet_sacroiliac_other.xml").read_text(encoding="utf-8")
    assert "<!-- study_id Cohen2018a, Cohen2018b from data/evidence/studies.csv -->" in text
    for pmid in ("19127161", "39971339"):  # Staal2009, Busse2025: both collections
        assert pmid in facet and pmid in epidural
    for pmid in ("26302454", "23362516"):  # Chou2015, Pinto2012: epidural only
        assert pmid in epidural and pmid not in facet


def test_assigned_and_copied_fields():
    articles = {}
    for query_id in ("epidural", "facet_sacroiliac_other"):
        for article in ET.parse(SNAPSHOT / f"{query_id}.xml").getroot():
            articles[article.findtext("MedlineCitation/PMID")] = article

    def types(pmid):
        return [(t.text, t.get("UI")) for t in articles[pmid].iter("PublicationType")]

    assert types("9171065") == [("Randomized Controlled Trial", "D016449")]
    assert types("26302454") == [("Systematic Review", "D000078182"), ("Meta-Analysis", "D017418")]
    assert types("39971339") == [("Practice Guideline", "D017065")]

    arden = articles["16030082"].find("MedlineCitation/Article/AuthorList")
    assert arden[-1].findtext("CollectiveName") == "WEST Study Group"
    riew = articles["11097449"].find("MedlineCitation/Article/AuthorList")
    assert riew.get("CompleteYN") == "N"
    assert [(a.findtext("LastName"), a.findtext("Initials")) for a in riew] == [("Riew", "KD")]
    ghahreman = articles["20704666"].find("MedlineCitation/Article/AuthorList/Author")
    assert ghahreman.findtext("LastName") == "Ghahreman" and ghahreman.find("Initials") is None
    assert not list(articles["9171065"].iter("ForeName"))

    sayegh = articles["19525834"].find("MedlineCitation")
    assert sayegh.find("Article/Journal/JournalIssue/PubDate/MedlineDate") is not None
    assert sayegh.find("Article/Journal/JournalIssue/PubDate/Year") is None
    assert sayegh.findtext("MedlineJournalInfo/MedlineTA") == ""  # journal unknown
    staal = articles["19127161"]
    assert staal.find("MedlineCitation/Article/Pagination") is None
    assert staal.findtext(".//ELocationID[@EIdType='doi']") == "10.1097/BRS.0b013e3181909558"
    assert staal.findtext(".//ArticleId[@IdType='doi']") == "10.1097/BRS.0b013e3181909558"
    for article in articles.values():
        assert article.findtext("MedlineCitation/Article/Language") == "eng"
        assert article.find(".//Abstract") is None and article.find(".//MeshHeadingList") is None


# --- the generator ----------------------------------------------------------------------------


def test_rebuild_reproduces_committed_bytes(tmp_path, queries):
    out = tmp_path / "snapshot"
    manifest = build_snapshot(EVIDENCE, out, queries, DATE)
    for name in ("epidural.xml", "facet_sacroiliac_other.xml", "manifest.json"):
        assert (out / name).read_bytes() == (SNAPSHOT / name).read_bytes(), name
    assert manifest == json.loads((SNAPSHOT / "manifest.json").read_text(encoding="utf-8"))


def test_build_from_config_keeps_readme_and_drops_stale_xml(tmp_path):
    out = tmp_path / "snapshot"
    out.mkdir()
    (out / "README.md").write_text("kept\n", encoding="utf-8")
    (out / "old_query.xml").write_text("<stale/>\n", encoding="utf-8")
    build_snapshot_from_config(CONFIG, EVIDENCE, DATE, out_dir=out)
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "epidural.xml",
        "facet_sacroiliac_other.xml",
        "manifest.json",
    ]
    assert (out / "README.md").read_text(encoding="utf-8") == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot"]  # no staging left


def test_manifest_content(queries):
    manifest = Manifest.load(SNAPSHOT / "manifest.json")
    assert manifest.retrieval_date == DATE
    assert manifest.provenance == "rebuilt from bibliographic facts; abstracts not included"
    assert "not a live esearch count" in manifest.provenance_detail
    assert [s.path for s in manifest.sources] == [
        "data/evidence/studies.csv",
        "data/evidence/review_records.csv",
    ]
    for query in queries:
        entry = manifest.query(query["id"])
        assert entry.term == query["term"]
        assert entry.esearch_count == len(entry.pmids)
    text = (SNAPSHOT / "manifest.json").read_text(encoding="utf-8")
    assert text == manifest.to_text()  # sorted keys, indent 2, trailing newline


def test_failed_build_leaves_existing_snapshot_untouched(tmp_path, queries, monkeypatch):
    out = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []

    def failing_render(records):
        calls.append(len(records))
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return original(records)

    original = snapshot_build.render_query_file
    monkeypatch.setattr(snapshot_build, "render_query_file", failing_render)
    with pytest.raises(OSError, match="simulated"):
        build_snapshot(EVIDENCE, out, queries, "2030-01-01")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    def failing_fsync(fd):
        raise OSError("fsync failed (simulated)")

    monkeypatch.setattr(snapshot_build, "render_query_file", original)
    monkeypatch.setattr(snapshot_build.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="fsync failed"):
        build_snapshot(EVIDENCE, out, queries, "2030-01-01")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot"]


# --- input validation -------------------------------------------------------------------------


def _evidence_copy(tmp_path: Path, edit) -> Path:
    """Copy data/evidence/ to tmp_path and let ``edit(rows_by_file)`` change the rows."""
    target = tmp_path / "evidence"
    target.mkdir()
    for name in ("studies.csv", "review_records.csv"):
        with open(EVIDENCE / name, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            fields, rows = reader.fieldnames, list(reader)
        edit(name, rows)
        with open(target / name, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return target


def _set(study_id: str, column: str, value: str):
    def edit(name, rows):
        for row in rows:
            if row.get("study_id", row.get("record_id")) == study_id:
                row[column] = value

    return edit


def _row_of(study_id: str) -> int:
    ids = [r["study_id"] for r in _rows("studies.csv")]
    return ids.index(study_id) + 1  # data rows count from 1, the header is not counted


@pytest.mark.parametrize(
    ("study_id", "column", "value", "message"),
    [
        ("Carette1997", "pmid", "91710x65", "PMID must be a positive integer"),
        ("Carette1997", "title", "", "needs a title"),
        ("Carette1997", "year", "97", "year must have four digits"),
        ("Carette1997", "study_id", "", "missing or malformed study_id"),
        ("Carette1997", "collection", "", "no collection"),
        ("Carette1997", "authors", "Carette S; et al; Leclaire R", "may only end"),
        ("Carette1997", "authors", "Carette Sylvain Marie", "cannot tell the last name"),
        ("Cohen2018b", "title", "Another title", "PMID 29847426 is shared with Cohen2018a"),
        ("Iversen2011", "pmid", "9171065", "title differs"),
    ],
)
def test_bad_rows_name_file_row_and_field(tmp_path, queries, study_id, column, value, message):
    evidence = _evidence_copy(tmp_path, _set(study_id, column, value))
    out = tmp_path / "out"
    with pytest.raises(InputError, match=message) as info:
        build_snapshot(evidence, out, queries, DATE)
    error = info.value
    assert error.path.endswith("studies.csv")
    assert error.row == _row_of(study_id)
    assert error.field == ("title" if message == "title differs" else column)
    assert f"line {error.row + 1}, field '{error.field}'" in str(error)  # header = line 1
    assert not out.exists()


def test_unknown_publication_type_and_collection(tmp_path, queries):
    evidence = _evidence_copy(tmp_path, _set("Chou2015", "publication_types", "Editorial"))
    with pytest.raises(InputError, match="publication type") as info:
        build_snapshot(evidence, tmp_path / "out", queries, DATE)
    assert info.value.path.endswith("review_records.csv")
    assert (info.value.row, info.value.field) == (2, "publication_types")

    evidence2 = tmp_path / "second"
    shutil.copytree(EVIDENCE, evidence2)
    text = (evidence2 / "studies.csv").read_text(encoding="utf-8")
    (evidence2 / "studies.csv").write_text(
        text.replace(",epidural\n", ",intradural\n", 1), encoding="utf-8"
    )
    with pytest.raises(InputError, match="intradural are not configured query ids") as info:
        build_snapshot(evidence2, tmp_path / "out", queries, DATE)
    assert info.value.field == "collection"


def test_rows_without_pmid_stay_out(tmp_path, queries):
    # A row without PMID may lack title and year: it is not part of the PubMed snapshot.
    evidence = _evidence_copy(tmp_path, _set("Friedly2017", "title", ""))
    manifest = build_snapshot(evidence, tmp_path / "out", queries, DATE)
    assert sum(q["esearch_count"] for q in manifest["queries"]) == 49


def test_parse_authors_forms():
    names, complete = parse_authors(
        "de Bie RA; Ter Meulen BC; Wilson-MacDonald J; Sae-Jung S; Anderson White M; "
        "WEST Study Group",
        path="x.csv",
        row=1,
    )
    assert complete
    assert [(n.last_name, n.initials, n.collective) for n in names] == [
        ("de Bie", "RA", ""),
        ("Ter Meulen", "BC", ""),
        ("Wilson-MacDonald", "J", ""),
        ("Sae-Jung", "S", ""),
        ("Anderson White", "M", ""),
        ("", "", "WEST Study Group"),
    ]
    names, complete = parse_authors("Nguyen C; Boutron I; et al", path="x.csv", row=1)
    assert not complete and [n.last_name for n in names] == ["Nguyen", "Boutron"]
    names, complete = parse_authors("Ghahreman et al", path="x.csv", row=1)
    assert not complete and names[0].last_name == "Ghahreman" and not names[0].initials


# --- the verifier -----------------------------------------------------------------------------


@pytest.fixture()
def snapshot_copy(tmp_path) -> Path:
    target = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT, target)
    return target


def test_verify_committed_snapshot(queries):
    report = verify_snapshot(SNAPSHOT, queries)
    assert {k: v["records"] for k, v in report.items()} == {
        "epidural": 31,
        "facet_sacroiliac_other": 18,
    }
    assert all(v["ok"] for v in report.values())
    json.dumps(report)


def test_verify_detects_one_changed_byte(snapshot_copy, queries):
    path = snapshot_copy / "epidural.xml"
    data = bytearray(path.read_bytes())
    position = data.index(b"<ArticleTitle>") + len(b"<ArticleTitle>")
    data[position] ^= 0x20  # flip the case of one letter
    path.write_bytes(bytes(data))
    manifest = Manifest.load(snapshot_copy / "manifest.json")
    with pytest.raises(InputError, match="SHA-256 mismatch") as info:
        verify_snapshot(snapshot_copy, queries)
    message = str(info.value)
    assert "epidural.xml" in message and manifest.query("epidural").sha256 in message


def test_verify_missing_manifest(snapshot_copy, queries):
    (snapshot_copy / "manifest.json").unlink()
    with pytest.raises(InputError, match="manifest not found") as info:
        verify_snapshot(snapshot_copy, queries)
    assert info.value.path.endswith("manifest.json")


def _edit_manifest(directory: Path, edit) -> None:
    path = directory / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def test_verify_pmid_removed_from_manifest(snapshot_copy, queries):
    def edit(data):
        data["queries"][0]["pmids"].remove("9171065")
        data["queries"][0]["esearch_count"] -= 1

    _edit_manifest(snapshot_copy, edit)
    with pytest.raises(InputError, match=r"not in the manifest \['9171065'\]") as info:
        verify_snapshot(snapshot_copy, queries)
    assert info.value.path.endswith("epidural.xml")


def test_verify_count_mismatch(snapshot_copy, queries):
    _edit_manifest(snapshot_copy, lambda d: d["queries"][1].update(esearch_count=19))
    with pytest.raises(InputError, match=r"esearch_count .* is 19 but the file holds 18"):
        verify_snapshot(snapshot_copy, queries)


def test_verify_changed_term(queries):
    changed = [dict(q) for q in queries]
    changed[0]["term"] = "epidural[Title]"
    with pytest.raises(InputError, match="another search term") as info:
        verify_snapshot(SNAPSHOT, changed)
    assert "live search" in str(info.value) and info.value.field == "queries[0].term"


def test_verify_extra_and_missing_query(queries):
    extra = [*queries, {"id": "intradiscal", "term": "intradiscal"}]
    with pytest.raises(InputError, match="'intradiscal' has no entry in the snapshot"):
        verify_snapshot(SNAPSHOT, extra)
    with pytest.raises(InputError, match="holds query 'facet_sacroiliac_other'"):
        verify_snapshot(SNAPSHOT, queries[:1])


def test_manifest_validation_names_the_key():
    data = json.loads((SNAPSHOT / "manifest.json").read_text(encoding="utf-8"))
    data["queries"][1]["sha256"] = "abc"
    with pytest.raises(InputError, match=r"field 'queries\[1\]\.sha256'"):
        Manifest.from_json(data)
    data = json.loads((SNAPSHOT / "manifest.json").read_text(encoding="utf-8"))
    del data["retrieval_date"]
    with pytest.raises(InputError, match="field 'retrieval_date'"):
        Manifest.from_json(data)
    data = json.loads((SNAPSHOT / "manifest.json").read_text(encoding="utf-8"))
    data["queries"][0]["pmids"].reverse()
    with pytest.raises(InputError, match="sorted numerically"):
        Manifest.from_json(data)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '<PMID Version="1">2053000</PMID>',
            '<PMID Version="1">343479</PMID>',
            "line 62: PMID 343479 occurs more than once (first at line 12)",
        ),
        ('<PMID Version="1">343479</PMID>', "", "line 12, field 'PMID': PubmedArticle has no PMID"),
        (
            '<PMID Version="1">343479</PMID>',
            '<PMID Version="1">34347X</PMID>',
            "line 12, field 'PMID': PMID '34347X' is not a number",
        ),
        (
            "<PubmedArticleSet>",
            "<html>",
            "line 10: root element is <html>, expected <PubmedArticleSet>",
        ),
    ],
    ids=["duplicate", "missing", "not_a_number", "wrong_root"],
)
def test_verify_names_the_line_of_a_bad_article(tmp_path, queries, old, new, message):
    """Before: no line ("PubmedArticle number 1 has no valid PMID", "PMID 343479 occurs more than
    once"), and a wrong root passed verification (bad-input corpus, xml_*)."""
    shutil.copytree(SNAPSHOT, tmp_path / "snapshot")
    path = tmp_path / "snapshot" / "epidural.xml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    manifest = tmp_path / "snapshot" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["queries"][0]["sha256"] = sha256_file(path)
    manifest.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as info:
        verify_snapshot(tmp_path / "snapshot", queries)
    assert str(info.value) == f"{path}, {message}"
