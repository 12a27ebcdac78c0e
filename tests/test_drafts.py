"""Draft sheet rows from abstract candidates, and the curation loop (issue 15, must have 3)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from spinereview.extraction.drafts import (
    DRAFT_COLUMNS,
    SHEET_HEADER,
    check,
    draft_rows,
    locator,
    number,
    section_of,
    sheet_cells,
)
from spinereview.extraction.run import run_candidates
from spinereview.extraction.sheet import load_sheet
from spinereview.pubmed.records import merge_query_files, write_records
from spinereview.screening.sources import load_curated

ROOT = Path(__file__).resolve().parents[1]
SHEET = ROOT / "data" / "extraction" / "effects.csv"
STUDIES = ROOT / "data" / "evidence" / "studies.csv"
PMID = "24988555"  # Friedly2014, an included study of the embedded snapshot
STUDY = "Friedly2014"
# Invented for this test (no sentence of any paper): one complete effect statement, one with a VAS
# of unstated range, and a ratio with no follow-up time or outcome.
RESULTS = (
    "At 6 weeks the RMDQ score was lower after glucocorticoid than after lidocaine alone "
    "(mean difference −1.4; 95% CI −2.6 to −0.2). Leg pain (VAS) at 3 months: MD −3.1 "
    "(95% CI −7.9 to 1.7). RR 1.25 (0.80 to 1.95)."
)
BACKGROUND = "Invented background words for a test."


def article_xml(pmid: str, results: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">{pmid}</PMID><Article PubModel="Print"><Journal><JournalIssue>
<PubDate><Year>2014</Year></PubDate></JournalIssue><Title>Test Journal</Title></Journal>
<ArticleTitle>An invented title.</ArticleTitle><Abstract>
<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">{BACKGROUND}</AbstractText>
<AbstractText Label="RESULTS" NlmCategory="RESULTS">{results}</AbstractText></Abstract>
<Language>eng</Language><PublicationTypeList>
<PublicationType UI="D016449">Randomized Controlled Trial</PublicationType>
</PublicationTypeList></Article></MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList>
</PubmedData></PubmedArticle></PubmedArticleSet>
"""


@pytest.fixture
def records(tmp_path: Path) -> Path:
    xml = tmp_path / "one.xml"
    xml.write_text(article_xml(PMID, RESULTS), encoding="utf-8")
    rows = merge_query_files([("test", xml)])
    parquet = tmp_path / "records.parquet"
    write_records(rows, parquet, tmp_path / "records.csv")
    return parquet


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or ()), list(reader)


def run(records: Path, sheet: Path, out: Path) -> tuple[list[dict[str, str]], list[dict]]:
    run_candidates(
        records,
        sheet,
        STUDIES,
        out / "candidates.csv",
        out / "crosscheck.csv",
        out / "draft_rows.csv",
    )
    header, drafts = read(out / "draft_rows.csv")
    assert header == list(DRAFT_COLUMNS)
    return drafts, read(out / "crosscheck.csv")[1]


def test_draft_header_is_the_curated_sheet_header_plus_draft_columns() -> None:
    with open(SHEET, encoding="utf-8", newline="") as fh:
        assert tuple(next(csv.reader(fh))) == SHEET_HEADER
    assert DRAFT_COLUMNS[len(SHEET_HEADER) :] == (
        "draft_id",
        "candidate_ids",
        "confidence",
        "status",
    )


def test_numbers_and_locators() -> None:
    values = (-1.4, 2.0, -0.0, 1e-7, None, float("inf"))
    assert [number(v) for v in values] == ["-1.4", "2", "0", "0", "", ""]
    assert number(1e-7, 12) == "0.0000001"
    assert number(52 / 12, 2) == "4.33"
    sections = [{"label": "BACKGROUND", "text": "abc"}, {"label": None, "text": "de"}]
    # joined: "BACKGROUND: abc\nde" — offsets 0–14 are the background, 16–17 the unlabelled part
    assert section_of(sections, 14) == "Background" and section_of(sections, 16) is None
    assert locator(412, 447, "Results") == "abstract (Results), chars 412–447"


def test_one_draft_per_effect_filled_where_the_abstract_allows(records: Path, tmp_path) -> None:
    drafts, _ = run(records, SHEET, tmp_path)
    assert [d["measure"] for d in drafts] == ["MD", "MD", "RR"]
    first, vas, ratio = drafts
    assert {k: first[k] for k in SHEET_HEADER if first[k]} == {
        "study_id": STUDY,
        "pmid": PMID,
        "outcome": "disability",
        "instrument": "RMDQ_0_24",
        "timepoint_weeks": "6",
        "measure": "MD",
        "estimate": "-1.4",
        "ci_low": "-2.6",
        "ci_high": "-0.2",
        "source_url": f"https://pubmed.ncbi.nlm.nih.gov/{PMID}/",
        "locator": first["locator"],
        "note": "draft from an abstract candidate",
        "direction": "lower_better",
        "uncertain": "no",
    }
    assert first["status"] == "draft" and first["confidence"] == "high"
    assert first["row_id"] == "" and first["pooling"] == ""
    # The locator points at the statement in the joined abstract, in the RESULTS section.
    abstract = f"BACKGROUND: {BACKGROUND}\nRESULTS: {RESULTS}"
    start, end = (int(x) for x in first["locator"].split("chars ")[1].split("–"))
    assert first["locator"].startswith("abstract (Results), chars ")
    assert "−1.4" in abstract[start:end] and "−0.2" in abstract[start:end]
    assert vas["instrument"] == "" and vas["timepoint_weeks"] == "13"
    assert vas["uncertain"] == "yes" and "VAS: range not stated" in vas["note"]
    assert ratio["outcome"] == ratio["timepoint_weeks"] == ratio["direction"] == ""
    assert ratio["confidence"] == "low"
    _, cands = read(tmp_path / "candidates.csv")
    for draft in drafts:  # every candidate id points at a candidate of this PMID
        for ref in draft["candidate_ids"].split(";"):
            pmid, index = ref.split(":")
            assert pmid == PMID and any(c["index"] == index for c in cands)


def test_drafts_hold_numbers_and_offsets_never_abstract_text(records: Path, tmp_path) -> None:
    drafts, _ = run(records, SHEET, tmp_path)
    abstract = f"BACKGROUND: {BACKGROUND}\nRESULTS: {RESULTS}"
    words = {w for w in abstract.replace("(", " ").replace(")", " ").split() if len(w) > 4}
    for draft in drafts:
        for name, value in draft.items():
            if name in ("note", "locator", "source_url", "candidate_ids"):
                assert not words & set(value.replace(";", " ").split()), (name, value)
            for i in range(len(value) - 15):  # no 16-character stretch of the abstract
                assert value[i : i + 16] not in abstract, (name, value)


def test_check_validates_filled_cells_against_the_sheet_schema() -> None:
    row = dict.fromkeys(DRAFT_COLUMNS, "") | {"status": "draft", "estimate": "-1.4"}
    check([row])
    with pytest.raises(ValueError, match="field 'estimate'"):
        check([row | {"estimate": "1e-3"}])
    with pytest.raises(ValueError, match="field 'outcome'"):
        check([row | {"outcome": "mood"}])
    with pytest.raises(ValueError, match="status"):
        check([row | {"status": "accepted"}])


def test_no_abstract_no_draft() -> None:
    assert draft_rows([{"pmid": "1", "abstract": None}, {"pmid": "2", "abstract": ""}], {}) == []


def test_curation_loop_an_accepted_draft_agrees_in_the_crosscheck(
    records: Path, tmp_path: Path
) -> None:
    """Candidates → drafts; the curator copies the accepted draft's sheet columns into a copy of
    the sheet with a new row id; the cross-check then shows that candidate as `agrees`."""
    first = tmp_path / "first"
    first.mkdir()
    drafts, checks = run(records, SHEET, first)
    accepted = next(d for d in drafts if d["confidence"] == "high")
    index = int(accepted["draft_id"].rsplit("-", 1)[1])
    before = {(c["candidate_index"], c["status"]) for c in checks if c["pmid"] == PMID}
    assert (str(index), "candidate_not_in_sheet") in before

    header, rows = read(SHEET)
    new_id = f"E{max(int(r['row_id'][1:]) for r in rows) + 1:03d}"
    sheet = tmp_path / "effects.csv"
    with open(sheet, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows([*rows, sheet_cells(accepted, new_id)])
    curated = {c.publication_id: c.pmid for c in load_curated(STUDIES)}
    assert load_sheet(sheet, curated)[-1].row_id == new_id  # the copied row is a valid sheet row

    second = tmp_path / "second"
    second.mkdir()
    drafts, checks = run(records, sheet, second)
    row = next(c for c in checks if c["row_id"] == new_id)
    again = next(d for d in drafts if d["draft_id"] == accepted["draft_id"])
    assert again["note"].endswith(f"already in the sheet as {new_id}")
    assert row["status"] == "agrees" and row["candidate_index"] == str(index)
    unmatched = {c["candidate_index"] for c in checks if c["status"] == "candidate_not_in_sheet"}
    assert str(index) not in unmatched


def test_report_says_what_the_drafts_hold() -> None:
    from types import SimpleNamespace

    from spinereview.report.review import _drafts_sentence

    snapshot = {"provenance": "rebuilt from bibliographic facts; abstracts not included"}
    live = {"provenance": "NCBI E-utilities"}
    assert _drafts_sentence(SimpleNamespace(drafts=None, manifest=snapshot)) == ""
    none = _drafts_sentence(SimpleNamespace(drafts=0, manifest=snapshot))
    assert "No draft sheet rows" in none and "embedded snapshot has no abstracts" in none
    assert "embedded" not in _drafts_sentence(SimpleNamespace(drafts=0, manifest=live))
    some = _drafts_sentence(SimpleNamespace(drafts=2, manifest=live))
    assert "2 draft sheet rows" in some and "never pooled" in some
