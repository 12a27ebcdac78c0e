"""write-citations end to end: inputs in a temporary folder, every output, order, errors, byte identity."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from spinereview.citations.article import citation_entry, load_references
from spinereview.cli import main
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
            "--out-dir",
            str(out_dir),
        ]
    )


def test_write_citations_writes_every_format_for_both_lists(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    out = tmp_path / "citations"
    assert run_write(paths, out) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{stem}.{ext}" for stem in ("included", "article") for ext in FORMATS
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
    article = (out / "article.md").read_text(encoding="utf-8")
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
