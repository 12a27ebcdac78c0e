"""Screening: each criterion on hand-written records, de-duplication, overrides, curated inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinereview.config import load_config
from spinereview.errors import InputError
from spinereview.screening.dedup import find_duplicates, normalise_doi, normalise_title
from spinereview.screening.protocol import Protocol, compile_terms
from spinereview.screening.screen import Item, screen
from spinereview.screening.sources import (
    CuratedStudy,
    Override,
    StudyLink,
    load_curated,
    load_links,
    load_other_sources,
    load_overrides,
)

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = Protocol.from_config(load_config(ROOT / "config/config.yaml")["screening"])
RCT = ["Randomized Controlled Trial"]


def item(
    title: str,
    *,
    record_id: str = "pmid:1",
    types=RCT,
    mesh=(),
    abstract="",
    doi="",
    year="2010",
    curated=(),
) -> Item:
    return Item(
        record_id=record_id,
        source="pubmed",
        pmid=record_id.split(":")[1],
        doi=doi,
        title=title,
        year=year,
        query_ids=["q"],
        publication_types=list(types),
        mesh=list(mesh),
        text=f"{title} {abstract}",
        curated=list(curated),
    )


def curated(
    pub_id: str,
    *,
    pmid="1",
    intervention="epidural_caudal",
    comparator="local_anaesthetic",
    condition="radicular_pain",
    chronic="yes",
) -> CuratedStudy:
    return CuratedStudy(
        pub_id, pmid, "", "t", "a", "j", "2010", intervention, comparator, condition, chronic, "100"
    )


def decide_one(it: Item, overrides=None, links=None) -> dict:
    rows, _ = screen([it], PROTOCOL, links or {}, overrides or {})
    return rows[0]


# --- terms -------------------------------------------------------------------------------------


def test_terms_match_whole_words_hyphen_or_space_and_wildcard_endings() -> None:
    pattern = compile_terms(["nerve root injection*", "ISG", "facet joint*"])
    assert pattern.search("selective nerve-root injections at L5")
    assert pattern.search("Infiltration des ISG")
    assert not pattern.search("misguided")  # 'isg' inside a word is no match
    assert pattern.search("Facet Joints").group(0) == "Facet Joints"


# --- each criterion on hand-written records ------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "decision", "reason"),
    [
        (["Randomized Controlled Trial"], "included", ""),
        (["Review", "Randomized Controlled Trial"], "excluded", "publication_type"),
        (["Systematic Review"], "excluded", "publication_type"),
        (["Journal Article"], "awaiting_classification", "publication_type"),
    ],
)
def test_publication_type(types, decision: str, reason: str) -> None:
    row = decide_one(
        item("Caudal epidural steroid versus saline placebo in chronic sciatica", types=types)
    )
    assert (row["decision"], row["reason"]) == (decision, reason)


@pytest.mark.parametrize(
    ("title", "mesh", "expected"),
    [
        (
            "Transforaminal epidural steroid injection for chronic radicular pain: saline-controlled",
            (),
            "epidural_transforaminal",
        ),
        (
            "Periradikuläre Infiltration bei chronischer Ischialgie: placebo-kontrolliert",
            (),
            "epidural_transforaminal",
        ),
        ("Caudal epidural injections versus saline in chronic sciatica", (), "epidural_caudal"),
        (
            "Steroid injections versus placebo in chronic sciatica",
            ("Injections, Epidural",),
            "epidural_unspecified",
        ),
        (
            "Medial branch blocks with steroid versus saline for chronic facet pain",
            (),
            "medial_branch_block",
        ),
        (
            "Facettengelenksinfiltration versus Placebo bei chronischem Kreuzschmerz",
            (),
            "facet_intraarticular",
        ),
    ],
)
def test_intervention_classes_from_text_and_mesh(title: str, mesh, expected: str) -> None:
    row = decide_one(item(title, mesh=mesh))
    assert row["intervention"] == expected and row["intervention_basis"] == "text"
    assert row["decision"] == "included", row


def test_non_injection_and_other_injections_are_excluded_for_intervention() -> None:
    row = decide_one(
        item("Intradiscal steroid versus saline placebo in chronic discogenic back pain")
    )
    assert (row["decision"], row["reason"], row["intervention"]) == (
        "excluded",
        "intervention",
        "intradiscal",
    )


@pytest.mark.parametrize(
    ("title", "expected", "decision"),
    [
        (
            "Caudal epidural steroid or saline injection in chronic sciatica",
            "placebo_sham",
            "included",
        ),
        (
            "Caudal epidural injections with or without steroids in chronic sciatica",
            "local_anaesthetic",
            "included",
        ),
        (
            "Caudal epidural steroid versus oral diclofenac in chronic sciatica",
            "active_other",
            "excluded",
        ),
    ],
)
def test_comparator_classes_from_text(title: str, expected: str, decision: str) -> None:
    row = decide_one(item(title))
    assert (row["comparator"], row["decision"]) == (expected, decision)


def test_curated_control_description_with_a_steroid_is_active() -> None:
    study = curated("X", comparator="other:intramuscular local anaesthetic plus steroid")
    row = decide_one(item("Epidural steroid injection for sciatica", curated=[study]))
    assert (row["decision"], row["reason"], row["comparator"]) == (
        "excluded",
        "comparator",
        "active_other",
    )
    assert row["stage"] == "eligibility" and "intramuscular" in row["reason_detail"]


def test_inflammatory_population_and_acute_duration_are_excluded() -> None:
    row = decide_one(item("Sacroiliac steroid injection versus saline in spondylarthropathy"))
    assert (row["reason"], row["population"]) == ("population", "inflammatory")
    row = decide_one(item("Transforaminal steroid versus saline placebo in acute sciatica"))
    assert (row["reason"], row["duration"]) == ("duration", "acute")


def test_curated_unknown_duration_is_kept_and_disagreements_are_reported() -> None:
    # In live mode a passing "acute" must not flip a curated trial of unknown duration to excluded.
    study = curated("Y", chronic="", comparator="placebo_saline_same_site")
    row = decide_one(
        item("Caudal epidural steroid versus saline in acute sciatica", curated=[study])
    )
    assert (row["duration"], row["duration_basis"]) == ("unknown", "curated")
    assert row["decision"] == "included"
    assert "duration: curated unknown, text acute" in row["text_disagreements"]
    study = curated("Z", comparator="local_anaesthetic")
    row = decide_one(
        item("Caudal epidural steroid or saline placebo in chronic sciatica", curated=[study])
    )
    assert row["comparator"] == "local_anaesthetic" and row["comparator_basis"] == "curated"
    assert "comparator: curated local_anaesthetic, text placebo_sham" in row["text_disagreements"]


def test_record_the_rules_cannot_classify_awaits_classification_with_a_reason() -> None:
    row = decide_one(item("A randomised trial in chronic sciatica"))
    assert row["decision"] == "awaiting_classification"
    assert row["reason"] == "intervention" and "not recognised" in row["reason_detail"]


def test_override_wins_and_is_reported_as_such() -> None:
    it = item("Caudal epidural steroid versus oral diclofenac in chronic sciatica")
    row = decide_one(
        it,
        overrides={
            "pmid:1": Override(
                "pmid:1", "included", "diclofenac arm is a placebo tablet (full text)", "AB"
            )
        },
    )
    assert (row["decision"], row["reason"], row["override_reviewer"]) == (
        "included",
        "reviewer_override",
        "AB",
    )
    assert row["rules_decision"] == "excluded (comparator)"


def test_two_comparisons_in_one_record_are_one_study() -> None:
    links = {p: StudyLink(p, "TRIAL", "comparison") for p in ("A", "B")}
    studies = [
        curated(
            "A",
            intervention="facet_intraarticular",
            comparator="placebo_saline_same_site",
            condition="facet_pain",
        ),
        curated(
            "B",
            intervention="medial_branch_block",
            comparator="placebo_saline_same_site",
            condition="facet_pain",
        ),
    ]
    row = decide_one(item("Facet blocks, a randomized trial", curated=studies), links=links)
    assert row["study_id"] == "TRIAL" and row["publication_ids"] == "A; B"
    assert row["intervention"] == "facet_intraarticular; medial_branch_block"


# --- de-duplication ------------------------------------------------------------------------------


def test_title_and_doi_normalisation() -> None:
    assert normalise_title("Épidural  Steroids: a Trial.") == normalise_title(
        "epidural steroids - A trial"
    )
    assert normalise_doi("https://doi.org/10.1000/ABC") == normalise_doi("doi: 10.1000/abc")


def test_duplicates_by_doi_and_by_title_year_are_reported_not_dropped() -> None:
    first = item("Caudal epidural steroid versus saline in chronic sciatica", doi="10.1/x")
    by_doi = item("Other title entirely", record_id="pmid:2", doi="10.1/X")
    by_title = item(
        "CAUDAL epidural steroid versus saline, in chronic sciatica.", record_id="pmid:3"
    )
    other_year = item(
        "Caudal epidural steroid versus saline in chronic sciatica", record_id="pmid:4", year="2011"
    )
    rows, dups = screen([first, by_doi, by_title, other_year], PROTOCOL, {}, {})
    assert [(d.record_id, d.kept_id, d.key) for d in dups] == [
        ("pmid:2", "pmid:1", "doi"),
        ("pmid:3", "pmid:1", "title_year"),
    ]
    assert [r["decision"] for r in rows] == ["included", "duplicate", "duplicate", "included"]
    assert rows[1]["reason"] == "duplicate_doi" and "pmid:1" in rows[1]["reason_detail"]


def test_find_duplicates_reports_the_first_matching_key_in_protocol_order() -> None:
    dups = find_duplicates(
        [("a", [("doi", "d"), ("title_year", "t")]), ("b", [("doi", "d"), ("title_year", "t")])]
    )
    assert [(d.record_id, d.key) for d in dups] == [("b", "doi")]


# --- curated inputs: errors name file, row and field ---------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


CURATED = [curated("WithPmid", pmid="5"), curated("NoPmid", pmid="")]


@pytest.mark.parametrize(
    ("text", "row", "field", "words"),
    [
        ("study_id,doi,method\nWithPmid,,x\n", 1, "study_id", "has PMID 5"),
        ("study_id,doi,method\nNoPmid,,x\nGhost,,x\n", 2, "study_id", "not in the curated studies"),
        ("study_id,doi,method\nNoPmid,10.1/x,x\n", 1, "doi", "differs from the curated DOI"),
        ("study_id,doi,method\nNoPmid,,\n", 1, "method", "value is required"),
        ("study_id,doi,method\n", None, "study_id", "must be listed here: NoPmid"),
        ("study_id,method\nNoPmid,x\n", None, "doi", "missing column"),
    ],
)
def test_other_sources_errors(tmp_path: Path, text: str, row, field: str, words: str) -> None:
    path = _write(tmp_path / "other.csv", text)
    with pytest.raises(InputError) as info:
        load_other_sources(path, CURATED)
    assert (info.value.row, info.value.field) == (row, field)
    assert words in str(info.value) and str(path) in str(info.value)


def test_links_and_overrides_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_links(
            _write(tmp_path / "l.csv", "publication_id,study_id,role\nGhost,S,primary\n"), CURATED
        )
    assert (info.value.row, info.value.field) == (1, "publication_id")
    header = "record_id,decision,reason,reviewer,date\n"
    with pytest.raises(InputError) as info:
        load_overrides(
            _write(tmp_path / "o.csv", header + "pmid:5,maybe,r,AB,2026-01-05\n"), lambda r: True
        )
    assert (info.value.row, info.value.field) == (1, "decision")
    with pytest.raises(InputError) as info:
        load_overrides(
            _write(tmp_path / "o.csv", header + "pmid:9,included,r,AB,2026-01-05\n"),
            lambda r: False,
        )
    assert info.value.field == "record_id" and "not a screened record" in str(info.value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-13-45", "is not a date; write it as YYYY-MM-DD"),
        ("2026-02-30", "is not a date"),
        ("30.11.2026", "is not a date"),
        ("", "value is required"),
        ("2999-01-01", "2999-01-01 is in the future"),
    ],
)
def test_override_dates_are_real_past_iso_dates(tmp_path: Path, value: str, words: str) -> None:
    path = _write(
        tmp_path / "o.csv",
        f"record_id,decision,reason,reviewer,date\npmid:9,included,full text,AB,{value}\n",
    )
    with pytest.raises(InputError) as info:
        load_overrides(path, lambda r: True)
    assert (info.value.row, info.value.field) == (1, "date") and words in str(info.value)
    assert str(path) in str(info.value)


def test_an_override_keeps_its_date(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "o.csv",
        "record_id,decision,reason,reviewer,date\npmid:9,included,full text,AB,2026-11-02\n",
    )
    assert load_overrides(path, lambda r: True)["pmid:9"].date == "2026-11-02"


def test_curated_sheet_errors_name_row_and_field(tmp_path: Path) -> None:
    text = (ROOT / "data/evidence/studies.csv").read_text(encoding="utf-8").splitlines()
    bad = text[3].replace(",24988555,", ",2498x555,")
    path = _write(tmp_path / "studies.csv", "\n".join([text[0], text[1], text[2], bad]) + "\n")
    with pytest.raises(InputError) as info:
        load_curated(path)
    assert (info.value.row, info.value.field) == (3, "pmid")
