"""The embedded snapshot screened end to end: known traps, PRISMA reconciliation, included studies."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pytest

from spinereview.config import load_config
from spinereview.pubmed.records import merge_query_files, write_records
from spinereview.screening.prisma import PrismaError, check_prisma
from spinereview.screening.run import ScreeningInputs, run_screening

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "config/config.yaml")
INPUTS = ScreeningInputs(
    studies=ROOT / "data/evidence/studies.csv",
    other_sources=ROOT / "data/screening/other_sources.csv",
    links=ROOT / "data/screening/study_links.csv",
    overrides=ROOT / "data/screening/overrides.csv",
)
REVIEWS = {"19127161", "26302454", "23362516", "39971339"}  # Staal, Chou, Pinto, Busse


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("screen")
    snapshot = ROOT / CONFIG["search"]["snapshot_dir"]
    files = [(q["id"], snapshot / f"{q['id']}.xml") for q in CONFIG["search"]["queries"]]
    write_records(merge_query_files(files), tmp / "records.parquet", tmp / "records.csv")
    prisma = run_screening(tmp / "records.parquet", INPUTS, CONFIG["screening"], tmp / "out")
    return tmp / "out", prisma


def _rows(out: Path, name: str) -> list[dict[str, str]]:
    with open(out / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_record_has_one_decision_and_every_exclusion_a_reason(screened) -> None:
    out, _ = screened
    rows = _rows(out, "decisions.csv")
    assert len({r["record_id"] for r in rows}) == len(rows) == 47 + 18
    for row in rows:
        assert row["decision"] in {"included", "excluded", "duplicate", "awaiting_classification"}
        if row["decision"] != "included":
            assert row["reason"] and row["reason_detail"], row


def test_reviews_are_excluded_as_primary_studies(screened) -> None:
    rows = {r["pmid"]: r for r in _rows(screened[0], "decisions.csv")}
    for pmid in REVIEWS:
        assert (rows[pmid]["decision"], rows[pmid]["reason"]) == ("excluded", "publication_type")
        assert rows[pmid]["stage"] == "screening"


def test_active_control_trials_are_classed_as_such(screened) -> None:
    rows = {r["record_id"]: r for r in _rows(screened[0], "decisions.csv")}
    for pmid in (
        "24988555",
        "22508732",
        "21897343",
        "20567613",
    ):  # Friedly, Cohen 2012, Manchikanti
        assert rows[f"pmid:{pmid}"]["comparator"] == "local_anaesthetic"
    for pmid in ("9171065", "21914755", "29734232"):  # Carette, Iversen, Kennedy: saline / sham
        assert rows[f"pmid:{pmid}"]["comparator"] == "placebo_sham"
    for rid in ("pmid:23632051", "pmid:16319156", "other:SaeJung2016", "pmid:25883095"):
        assert (rows[rid]["decision"], rows[rid]["reason"]) == ("excluded", "comparator")
        assert rows[rid]["comparator"] == "active_other"


def test_different_populations_are_recognised(screened) -> None:
    rows = {r["record_id"]: r for r in _rows(screened[0], "decisions.csv")}
    for rid in ("pmid:8761190", "other:Luukkainen1999"):  # inflammatory sacroiliitis
        assert (rows[rid]["reason"], rows[rid]["population"]) == ("population", "inflammatory")
    assert rows["pmid:24988555"]["population"] == "spinal_stenosis"
    assert rows["pmid:29847426"]["population"] == "facet_pain"


def test_duplicate_publications_are_linked_to_one_study(screened) -> None:
    included = {r["study_id"]: r for r in _rows(screened[0], "included.csv")}
    assert included["LESS"]["record_ids"] == "pmid:24988555; other:Friedly2017"
    assert included["WEST"]["record_ids"] == "pmid:16030082; other:Price2005"
    assert included["FACTS"]["publication_ids"] == "Cohen2018a; Cohen2018b"
    assert included["FACTS"]["reports"] == "1" and included["FACTS"]["n_randomised"] == "229"
    assert included["LESS"]["n_randomised"] == "400"
    ids = [r["study_id"] for r in _rows(screened[0], "included.csv")]
    assert not {"Friedly2014", "Friedly2017", "Arden2005", "Price2005", "Cohen2018a"} & set(ids)


def test_pmids_found_by_two_queries_are_listed_as_duplicates(screened) -> None:
    dups = _rows(screened[0], "duplicates.csv")
    assert {(d["record_id"], d["key"]) for d in dups} == {
        ("pmid:19127161", "pmid_across_queries"),
        ("pmid:39971339", "pmid_across_queries"),
    }


def test_prisma_counts_reconcile_and_match_the_files(screened) -> None:
    out, prisma = screened
    assert json.loads((out / "prisma.json").read_text()) == prisma
    db, other = prisma["databases"], prisma["other_methods"]
    assert prisma["identification"]["databases"]["PubMed"] == {
        "epidural": 31,
        "facet_sacroiliac_other": 18,
    }
    assert (db["records_identified"], db["duplicates_removed"], db["records_screened"]) == (
        49,
        2,
        47,
    )
    assert db["records_excluded_reasons"] == {"publication_type": 4}
    assert other["records_identified"] == 18
    rows = _rows(out, "decisions.csv")
    assert prisma["included"]["reports"] == sum(r["decision"] == "included" for r in rows)
    assert prisma["included"]["studies"] == len(_rows(out, "included.csv"))
    check_prisma(prisma)


@pytest.mark.parametrize("box", ["records_screened", "reports_excluded", "reports_included"])
def test_prisma_check_catches_a_count_that_does_not_add_up(screened, box: str) -> None:
    bad = copy.deepcopy(screened[1])
    bad["databases"][box] += 1
    with pytest.raises(PrismaError, match="do not reconcile"):
        check_prisma(bad)


def test_comparisons_table_keeps_the_two_facts_comparisons_apart(screened) -> None:
    rows = {r["publication_id"]: r for r in _rows(screened[0], "comparisons.csv")}
    assert rows["Cohen2018a"]["comparison_id"] == "Cohen2018a"
    assert rows["Cohen2018b"]["intervention"] == "medial_branch_block"
    assert rows["Cohen2018a"]["study_id"] == rows["Cohen2018b"]["study_id"] == "FACTS"
    assert rows["Friedly2017"]["comparison_id"] == rows["Friedly2014"]["comparison_id"] == "LESS"
    assert rows["Lakemeier2013"]["eligible"] == "no"
    assert len(rows) == 62  # every row of data/evidence/studies.csv
