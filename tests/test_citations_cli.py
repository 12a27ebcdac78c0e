"""write-citations end to end: inputs in a temporary folder, every output, order, errors, byte identity."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from spinereview.citations.article import citation_entry, load_references
from spinereview.cli import main
from spinereview.errors import InputError
from spinereview.pubmed.records import COLUMNS, write_records

REPO = Path(__file__).resolve().parents[1]
FORMATS = ("md", "html", "bib", "ris", "json")


def record_row(pmid: str, **values: Any) -> dict[str, Any]:
    """A records-table row with every column (lists empty, text None) plus ``values``."""
    lists = {
        "abstract_sections",
        "authors",
        "publication_types",
        "mesh",
        "keywords",
        "language",
        "query_ids",
        "flags",
    }
    row: dict[str, Any] = {c: ([] if c in lists else None) for c in COLUMNS}
    row.update(
        pmid=pmid,
        authors_complete=True,
        language=["eng"],
        query_ids=["q"],
        publication_types=["Randomized Controlled Trial"],
        title="",
        pub_date_raw="",
    )
    row.update(values)
    row["pub_date_raw"] = str(row["year"] or "")
    return row


def _author(last: str, initials: str) -> dict[str, str | None]:
    return {"last": last, "fore": None, "initials": initials, "collective": None}


def write_inputs(folder: Path) -> dict[str, Path]:
    """A small but complete set of write-citations inputs (two PubMed records, one without PMID)."""
    records = [
        record_row(
            "9171065",
            title="Epidural corticosteroid injections for sciatica.",
            authors=[_author("Carette", "S"), _author("Leclaire", "R")],
            year=1997,
            medline_ta="N Engl J Med",
            volume="336",
            issue="23",
            pages="1634-40",
            doi="10.1056/NEJM199706053362303",
        ),
        record_row(
            "24988555",
            title="A randomized trial of epidural glucocorticoid injections",
            authors=[_author("Friedly", "JL")],
            authors_complete=False,
            year=2014,
            medline_ta="N Engl J Med",
            volume="371",
            issue="1",
            pages="11-21",
        ),
        record_row(
            "19127161",
            title="Injection therapy: an updated Cochrane review",
            year=2009,
            publication_types=["Systematic Review"],
            medline_ta="Spine (Phila Pa 1976)",
        ),
    ]
    paths = {
        name: folder / name
        for name in (
            "records.parquet",
            "records.csv",
            "included.csv",
            "decisions.csv",
            "studies.csv",
        )
    }
    write_records(records, paths["records.parquet"], paths["records.csv"])
    paths["included.csv"].write_text(
        "study_id,record_ids,pmids,publication_ids,reports\n"
        "Carette1997,pmid:9171065,9171065,Carette1997,1\n"
        "LESS,pmid:24988555; other:Friedly2017,24988555,Friedly2014; Friedly2017,2\n",
        encoding="utf-8",
    )
    paths["decisions.csv"].write_text(
        "record_id,source,pmid,doi,study_id,publication_ids,decision\n"
        "pmid:9171065,pubmed,9171065,,Carette1997,Carette1997,included\n"
        "pmid:24988555,pubmed,24988555,,LESS,Friedly2014,included\n"
        "other:Friedly2017,other,,,LESS,Friedly2017,included\n"
        "pmid:19127161,pubmed,19127161,,Staal2009,Staal2009,excluded\n",
        encoding="utf-8",
    )
    paths["studies.csv"].write_text(
        "study_id,pmid,doi,authors,title,journal,year,volume,issue,pages\n"
        "Friedly2017,,,Friedly JL; Comstock BA; Größer Ü,Long-term effects of repeated injections,"
        "Arch Phys Med Rehabil,2017,98,8,1499-1507.e2\n",
        encoding="utf-8",
    )
    paths["references.yaml"] = REPO / "data" / "article" / "references.yaml"
    paths["spellings"] = REPO / "data" / "article" / "author_spellings.csv"
    return paths


def run_write(paths: dict[str, Path], out_dir: Path) -> int:
    return main(
        [
            "write-citations",
            "--records",
            str(paths["records.parquet"]),
            "--included",
            str(paths["included.csv"]),
            "--decisions",
            str(paths["decisions.csv"]),
            "--studies",
            str(paths["studies.csv"]),
            "--references",
            str(paths["references.yaml"]),
            "--spellings",
            str(paths["spellings"]),
            "--out-dir",
            str(out_dir),
        ]
    )


def test_write_citations_writes_every_format_for_both_lists(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    out = tmp_path / "citations"
    assert run_write(paths, out) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"included.{ext}" for ext in FORMATS]
        + [f"article.{lang}.{ext}" for lang in ("de", "en") for ext in ("md", "html")]
        + ["article.bib", "article.ris", "article.json", "missing.csv"]
    )
    md = (out / "included.md").read_text(encoding="utf-8").splitlines()
    assert md[2].startswith(
        "1. Carette S, Leclaire R. Epidural corticosteroid injections for sciatica. N"
    )
    assert md[3].startswith("2. Friedly JL, et al. A randomized trial")
    assert "PMID: 24988555" in md[3] and "Study LESS (Friedly2014), one of 2 reports" in md[3]
    assert md[4].startswith("3. Friedly JL, Comstock BA, Größer Ü. Long-term effects")
    assert "PMID:" not in md[4] and "Identified by other methods; no PMID" in md[4]
    assert "19127161" not in (out / "included.md").read_text(encoding="utf-8")  # excluded record
    bib = (out / "included.bib").read_text(encoding="utf-8")
    assert [line for line in bib.splitlines() if line.startswith("@")] == [
        "@article{Carette1997,",
        "@article{Friedly2014,",
        "@article{Friedly2017,",
    ]
    article = (out / "article.en.md").read_text(encoding="utf-8")
    assert "1. National Institute for Health and Care Excellence (NICE)." in article
    assert "Cochrane Database Syst Rev. 2008;(3):CD001824." in article
    assert "3. Deutsches Ärzteblatt (2020) ... DÄ 2020; 117(17" in article


def test_write_citations_is_byte_identical_on_rerun(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    assert run_write(paths, tmp_path / "a") == 0
    assert run_write(paths, tmp_path / "b") == 0
    for name in (p.name for p in (tmp_path / "a").iterdir()):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_included_record_that_screening_did_not_include_is_an_error(tmp_path: Path, capsys) -> None:
    paths = write_inputs(tmp_path)
    text = (
        paths["decisions.csv"]
        .read_text(encoding="utf-8")
        .replace("Carette1997,included", "Carette1997,excluded")
    )
    paths["decisions.csv"].write_text(text, encoding="utf-8")
    assert run_write(paths, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "included.csv, line 2, field 'record_ids'" in err and "pmid:9171065" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("Friedly2017,,,", "Friedly2018,,,"), "studies.csv, field 'study_id'"),
        (("1499-1507.e2", "1499-1507.e2,extra"), "studies.csv, line 2: more values than header"),
        (("2017,98", "20x7,98"), "studies.csv, line 2, field 'year'"),
    ],
)
def test_bad_studies_table_names_file_row_and_field(tmp_path: Path, capsys, edit, message) -> None:
    paths = write_inputs(tmp_path)
    text = paths["studies.csv"].read_text(encoding="utf-8").replace(*edit)
    paths["studies.csv"].write_text(text, encoding="utf-8")
    assert run_write(paths, tmp_path / "out") == 1
    assert message in capsys.readouterr().err


def test_missing_included_pmid_in_records_names_the_records_table(tmp_path: Path, capsys) -> None:
    paths = write_inputs(tmp_path)
    for name in ("included.csv", "decisions.csv"):
        text = paths[name].read_text(encoding="utf-8").replace("9171065", "1111111")
        paths[name].write_text(text, encoding="utf-8")
    assert run_write(paths, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert (
        "records.parquet, field 'pmid': PMID 1111111 (included) is not in the records table" in err
    )


def _with_accessed(folder: Path, value: str) -> Path:
    """A copy of references.yaml whose NICE entry records ``value`` as its access date."""
    text = (REPO / "data" / "article" / "references.yaml").read_text(encoding="utf-8")
    assert "      accessed:\n" in text
    copy = folder / "references.yaml"
    copy.write_text(text.replace("      accessed:\n", f"      accessed: {value}\n"), "utf-8")
    return copy


def test_article_list_is_clean_german_and_english(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    paths["references.yaml"] = _with_accessed(tmp_path, "2026-11-27")
    out = tmp_path / "citations"
    assert run_write(paths, out) == 0
    de = (out / "article.de.md").read_text(encoding="utf-8")
    en = (out / "article.en.md").read_text(encoding="utf-8")
    assert de.startswith("# Literatur\n") and en.startswith("# References\n")
    assert "Leitlinie NG59. National Institute for Health and Care Excellence (NICE); " in de
    assert "30.11.2016 (aktualisiert 11.12.2020). Verfügbar unter: [https://www.nice.org.uk/" in de
    assert "(Zugriff am 27.11.2026)" in de and "(accessed 2026 Nov 27)" in en
    for name in [f"article.{lang}.{ext}" for lang in ("de", "en") for ext in ("md", "html")] + [
        "article.bib",
        "article.ris",
        "article.json",
    ]:
        text = (out / name).read_text(encoding="utf-8")
        for note in ("Cited in the article", "Journal version", "Not resolved", "\\["):
            assert note not in text, (name, note)
    for lang, text in (("de", de), ("en", en)):
        links = text.replace("[doi:", "").replace("[PMID:", "").replace("[https:", "")
        assert "[" not in links, lang  # only link texts open a bracket
    for english in ("Available from", "updated", "Guideline"):
        assert english not in de
    items = json.loads((out / "article.json").read_text(encoding="utf-8"))
    web = [item for item in items if item.get("URL") and item["type"] == "report"]
    assert web and all(item["accessed"] == {"date-parts": [[2026, 11, 27]]} for item in web)


def test_every_web_source_has_an_access_date_or_a_missing_row(tmp_path: Path) -> None:
    """No date recorded: none printed (never the day of the run) and missing.csv says so."""
    paths = write_inputs(tmp_path)
    out = tmp_path / "citations"
    assert run_write(paths, out) == 0
    de = (out / "article.de.md").read_text(encoding="utf-8")
    assert "Zugriff am" not in de and date.today().strftime("%d.%m.%Y") not in de
    rows = list(csv.DictReader((out / "missing.csv").open(encoding="utf-8")))
    accessed = [r for r in rows if r["field"] == "accessed"]
    assert [(r["list"], r["entry"], r["status"]) for r in accessed] == [
        ("article", "nice-ng59", "missing")
    ]
    with_date = _with_accessed(tmp_path, "2026-11-27")
    entries = [citation_entry(r, {}) for r in load_references(with_date)]
    web = [e for e in entries if e.url]
    assert web and all(e.accessed == (2026, 11, 27) for e in web)


@pytest.mark.parametrize(
    ("value", "message"),
    [("27.11.2026", "is not a date"), ("2015-01-01", "is before published 2016-11-30")],
)
def test_bad_access_date_names_the_field(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        load_references(_with_accessed(tmp_path, value))
    assert info.value.field == "references[1].resolves_to.accessed"


def test_authors_get_initials_from_the_record_and_gaps_are_listed(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    rows = [
        record_row(
            "11337625",
            title="Periradicular infiltration for sciatica: a randomized controlled trial.",
            authors=[
                {"last": "Karppinen", "fore": "Jaro", "initials": None, "collective": None},
                {"last": "Kyllönen", "fore": "Eero", "initials": "E", "collective": None},
                {"last": "Pienimäki", "fore": None, "initials": "T", "collective": None},
                {"last": "Bush", "fore": None, "initials": None, "collective": None},
            ],
            year=2001,
            medline_ta="Spine (Phila Pa 1976)",
        ),
    ]
    write_records(rows, paths["records.parquet"], paths["records.csv"])
    for name in ("included.csv", "decisions.csv"):
        text = paths[name].read_text(encoding="utf-8").replace("9171065", "11337625")
        text = text.replace("pmid:24988555; ", "").replace("pmid:24988555,pubmed", "x,pubmed")
        paths[name].write_text(text, encoding="utf-8")
    out = tmp_path / "citations"
    assert run_write(paths, out) == 0
    md = (out / "included.md").read_text(encoding="utf-8")
    assert "Karppinen J, Kyllönen E, Pienimäki T, Bush." in md
    missing = list(csv.DictReader((out / "missing.csv").open(encoding="utf-8")))
    karppinen = {r["field"]: r for r in missing if r["pmid"] == "11337625"}
    assert karppinen["authors[4].initials"]["detail"] == "Bush: no initials in the record"
    assert not any(f.startswith(("authors[1]", "authors[2]", "authors[3]")) for f in karppinen)
    assert {"volume", "issue", "pages"} <= set(karppinen)  # listed, never invented
    assert all(karppinen[f]["status"] == "missing" for f in ("volume", "issue", "pages"))
    assert "None" not in md and "2001." in md


def _snapshot_inputs(folder: Path, study: str, pmid: str) -> dict[str, Path]:
    """write-citations inputs for one included study of the embedded snapshot, parsed as the
    pipeline parses it."""
    from spinereview.pubmed.records import merge_query_files

    paths = write_inputs(folder)
    snapshot = REPO / "data" / "pubmed" / "snapshot"
    rows = merge_query_files([(q, snapshot / f"{q}.xml") for q in ("epidural",)])
    write_records(rows, paths["records.parquet"], paths["records.csv"])
    paths["included.csv"].write_text(
        f"study_id,record_ids,pmids,publication_ids,reports\n{study},pmid:{pmid},{pmid},{study},1\n",
        encoding="utf-8",
    )
    paths["decisions.csv"].write_text(
        "record_id,source,pmid,doi,study_id,publication_ids,decision\n"
        f"pmid:{pmid},pubmed,{pmid},,{study},{study},included\n",
        encoding="utf-8",
    )
    return paths


def test_karppinen_2001_names_keep_their_umlauts(tmp_path: Path) -> None:
    """The snapshot's facts spell Kyllönen and Pienimäki without diacritics (parse and writers
    keep what they get); the sourced correction in data/article/author_spellings.csv restores them."""
    paths = _snapshot_inputs(tmp_path, "Karppinen2001", "11337625")
    out = tmp_path / "citations"
    assert run_write(paths, out) == 0
    md = (out / "included.md").read_text(encoding="utf-8")
    assert (
        "Karppinen J, Malmivaara A, Kurunlahti M, Kyllönen E, Pienimäki T, Nieminen P, et al." in md
    )
    for name in ("included.bib", "included.ris", "included.json", "included.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert "Kyllönen" in text and "Pienimäki" in text and "Kyllonen" not in text, name
    rows = [r for r in csv.DictReader((out / "missing.csv").open(encoding="utf-8"))]
    fixed = [(r["field"], r["status"], r["detail"]) for r in rows if r["status"] == "corrected"]
    assert fixed == [
        (
            "authors[4].family",
            "corrected",
            "Kyllonen -> Kyllönen (record spelt without diacritics)",
        ),
        (
            "authors[5].family",
            "corrected",
            "Pienimaki -> Pienimäki (record spelt without diacritics)",
        ),
    ]
    assert all(r["source"].startswith("https://") for r in rows if r["status"] == "corrected")


def test_snapshot_entry_lists_missing_volume_and_pages_and_initials(tmp_path: Path) -> None:
    """Bush 1991 has no initials in the facts, Manchikanti 2011 no volume, issue or pages."""
    paths = _snapshot_inputs(tmp_path, "Manchikanti2011", "21897343")
    out = tmp_path / "citations"
    assert run_write(paths, out) == 0
    rows = [r for r in csv.DictReader((out / "missing.csv").open(encoding="utf-8"))]
    fields = {r["field"] for r in rows if r["pmid"] == "21897343" and r["status"] == "missing"}
    assert {"volume", "issue", "pages"} <= fields
    md = (out / "included.md").read_text(encoding="utf-8")
    assert "Spine (Phila Pa 1976). 2011. [doi:" in md  # nothing invented
    (tmp_path / "bush").mkdir()
    paths = _snapshot_inputs(tmp_path / "bush", "Bush1991", "2053000")
    assert run_write(paths, tmp_path / "bush" / "out") == 0
    rows = list(csv.DictReader((tmp_path / "bush" / "out" / "missing.csv").open(encoding="utf-8")))
    assert ("authors[1].initials", "Bush: no initials in the record") in {
        (r["field"], r["detail"]) for r in rows
    }


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (("Kyllönen,https", "Kylmänen,https"), "last_name", "only add accents"),
        (("11337625,4", "1133762x,4"), "pmid", "is not a number"),
        (("11337625,5", "11337625,4"), None, "listed twice"),
    ],
)
def test_bad_spelling_row_names_file_row_and_field(tmp_path: Path, edit, field, message) -> None:
    from spinereview.citations.spellings import load_spellings

    bad = tmp_path / "author_spellings.csv"
    text = (REPO / "data" / "article" / "author_spellings.csv").read_text(encoding="utf-8")
    assert edit[0] in text
    bad.write_text(text.replace(*edit), encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_spellings(bad)
    assert info.value.field == field and info.value.path == str(bad)


def test_article_entries_come_from_the_resolved_facts() -> None:
    refs = load_references(REPO / "data" / "article" / "references.yaml")
    nice, cochrane, daeb = (citation_entry(r, {}) for r in refs)
    assert (nice.kind, nice.number, nice.year, nice.updated) == (
        "guideline",
        "NG59",
        2016,
        (2020, 12, 11),
    )
    assert (cochrane.kind, cochrane.year, cochrane.issue, cochrane.pages) == (
        "systematic_review",
        2008,
        "3",
        "CD001824",
    )
    assert [a.vancouver for a in cochrane.authors][:2] == ["Staal JB", "de Bie R"]
    assert cochrane.notes[0].startswith("Cited in the article as: Cochrane Review 2021")
    assert (daeb.kind, daeb.pmid, daeb.doi) == ("unresolved", None, None)
    assert daeb.notes == ("Not resolved: citation truncated (no closing parenthesis, no pages)",)


def test_snapshot_reference_file_is_the_shared_one_with_its_facts(tmp_path: Path) -> None:
    """data/article keeps the collector's facts and sources; a copy elsewhere loads the same."""
    copy = tmp_path / "references.yaml"
    shutil.copy(REPO / "data" / "article" / "references.yaml", copy)
    refs = load_references(copy)
    assert [r.id for r in refs] == ["nice-ng59", "cochrane-cd001824", "daeb-2020"]
    assert all(r.sources for r in refs)
    assert refs[1].resolves_to["journal_version"]["pmid"] == "19127161"
