"""The human reviewer's screening sheet: what it lists, reading it back, agreement with the rules."""

from __future__ import annotations

import copy
import csv
import json
import random
from pathlib import Path

import pytest

from spinereview.cli import main
from spinereview.config import check_config, load_config
from spinereview.errors import InputError
from spinereview.screening.review import (
    LISTED_AWAITING,
    LISTED_SAMPLE,
    REVIEW_COLUMNS,
    agreement_summary,
    measure_agreement,
    read_review_sheet,
    review_rows,
    rules_decision,
    sample_ids,
    write_review_sheet,
)

ROOT = Path(__file__).resolve().parents[1]


def _row(record_id: str, decision: str, stage: str, reason: str = "", **extra: str) -> dict:
    return {
        "record_id": record_id,
        "pmid": record_id.removeprefix("pmid:"),
        "year": "2020",
        "title": f"Title of {record_id}",
        "decision": decision,
        "stage": stage,
        "reason": reason,
        "reason_detail": f"detail of {record_id}" if reason else "",
        "rules_decision": "",
        **extra,
    }


def _decisions() -> list[dict]:
    """Two included, two awaiting, six text-decided and two curated exclusions, one override, one
    duplicate."""
    rows = [
        _row("pmid:101", "included", "eligibility"),
        _row("pmid:102", "included", "eligibility"),
        _row("pmid:202", "awaiting_classification", "screening", "duration"),
        _row("pmid:201", "awaiting_classification", "eligibility", "comparator"),
        *[_row(f"pmid:30{i}", "excluded", "screening", "comparator") for i in range(6)],
        _row("pmid:401", "excluded", "eligibility", "intervention"),
        _row("pmid:402", "excluded", "eligibility", "population"),
        _row(
            "pmid:501",
            "included",
            "eligibility",
            "reviewer_override",
            rules_decision="excluded (comparator)",
        ),
        _row("pmid:601", "duplicate", "deduplication", "duplicate_doi"),
    ]
    return rows


def _write_sheet(path: Path, rows: list[dict]) -> Path:
    columns = ["record_id", "rules_decision", "reviewer_decision", "reviewer_reason", "reviewer"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- the sample ----------------------------------------------------------------------------------


def test_sample_is_reproducible_and_independent_of_input_order() -> None:
    ids = [f"pmid:{i}" for i in range(100)]
    first = sample_ids(ids, 20, seed=7)
    shuffled = ids[:]
    random.Random(1).shuffle(shuffled)
    assert sample_ids(shuffled, 20, seed=7) == first
    assert len(first) == 20 and first == sorted(first) and set(first) <= set(ids)
    assert sample_ids(ids, 20, seed=8) != first
    assert sample_ids(ids, 500, seed=7) == sorted(ids)
    assert sample_ids(ids, 0, seed=7) == []


def test_sample_is_pinned_so_a_python_upgrade_cannot_change_the_sheet() -> None:
    # SHA-256 of "<seed>:<id>" ranks the ids. For seed 1 the digests begin "1:a" 4162fddd,
    # "1:b" 6f05a386, "1:c" b8a9f136, "1:d" 244be185: the two smallest are d and a.
    assert sample_ids(["a", "b", "c", "d"], 2, seed=1) == ["a", "d"]


def test_a_new_record_leaves_the_rest_of_the_sample_in_place() -> None:
    ids = [f"pmid:{i}" for i in range(50)]
    before = set(sample_ids(ids, 10, seed=3))
    after = set(sample_ids([*ids, "pmid:999"], 10, seed=3))
    assert len(before - after) <= 1


# --- to_review.csv -------------------------------------------------------------------------------


def test_sheet_lists_awaiting_records_then_a_sample_of_text_decided_exclusions() -> None:
    rows = review_rows(_decisions(), sample_excluded=3, seed=11)
    awaiting = [r for r in rows if r["listed_because"] == LISTED_AWAITING]
    sampled = [r for r in rows if r["listed_because"] == LISTED_SAMPLE]
    assert [r["record_id"] for r in awaiting] == ["pmid:201", "pmid:202"]
    assert rows[:2] == awaiting  # awaiting first, each group by record id
    assert len(sampled) == 3
    assert all(r["record_id"].startswith("pmid:30") for r in sampled)  # never curated or overridden
    assert [r["record_id"] for r in sampled] == sorted(r["record_id"] for r in sampled)
    assert all(list(r) == list(REVIEW_COLUMNS) for r in rows)
    assert all(r[c] == "" for r in rows for c in ("reviewer_decision", "reviewer", "note"))
    first = sampled[0]
    assert first["rules_decision"] == "excluded" and first["rules_reason"] == "comparator"
    assert first["rules_detail"] == f"detail of {first['record_id']}"


def test_sample_larger_than_the_exclusions_lists_them_all_and_zero_lists_none() -> None:
    assert len(review_rows(_decisions(), 100, 1)) == 2 + 6
    assert len(review_rows(_decisions(), 0, 1)) == 2


def test_evidence_columns_of_the_decisions_table_are_carried_when_it_has_them() -> None:
    decisions = _decisions()
    for row in decisions:
        row["evidence_phrase"] = "NSAID" if row["record_id"].startswith("pmid:30") else ""
        row["evidence_sentence"] = "12-40" if row["record_id"].startswith("pmid:30") else ""
    rows = review_rows(decisions, 6, 1)
    sampled = [r for r in rows if r["listed_because"] == LISTED_SAMPLE]
    assert {r["rules_evidence"] for r in sampled} == {
        "evidence_phrase: NSAID; evidence_sentence: 12-40"
    }
    assert all(r["rules_evidence"] == "" for r in review_rows(_decisions(), 6, 1))


def test_written_sheet_is_byte_identical_between_runs(tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.csv"
    columns = list(_decisions()[0])
    with open(decisions, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_decisions())
    write_review_sheet(decisions, tmp_path / "a.csv", 3, 5)
    write_review_sheet(decisions, tmp_path / "b.csv", 3, 5)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, no temporary file left


# --- reading the filled-in sheet -----------------------------------------------------------------


def test_reading_back_keeps_decided_rows_and_counts_the_rest(tmp_path: Path) -> None:
    sheet = _write_sheet(
        tmp_path / "sheet.csv",
        [
            {"record_id": "pmid:202", "reviewer_decision": " Include ", "reviewer": "AB"},
            {"record_id": "pmid:300", "reviewer_decision": "exclude", "reviewer": "AB"},
            {"record_id": "pmid:301", "reviewer_decision": ""},
        ],
    )
    read = read_review_sheet(sheet, _decisions())
    assert [(r.record_id, r.decision, r.row) for r in read.reviewed] == [
        ("pmid:202", "include", 1),
        ("pmid:300", "exclude", 2),
    ]
    assert read.pending == 1


@pytest.mark.parametrize(
    ("rows", "row", "field", "words"),
    [
        ([{"record_id": "pmid:999", "reviewer_decision": "include", "reviewer": "AB"}], 1,
         "record_id", "'pmid:999' is not a screened record"),
        ([{"record_id": "pmid:202", "reviewer_decision": "maybe", "reviewer": "AB"}], 1,
         "reviewer_decision", "must be one of include, exclude"),
        ([{"record_id": "pmid:202", "reviewer_decision": "included", "reviewer": "AB"}], 1,
         "reviewer_decision", "must be one of include, exclude"),
        ([{"record_id": "pmid:202", "reviewer_decision": "include", "reviewer": "AB"},
          {"record_id": "pmid:300", "reviewer_decision": "", "reviewer": ""},
          {"record_id": "pmid:202", "reviewer_decision": "exclude", "reviewer": "CD"}], 3,
         "record_id", "listed twice (first on line 2)"),
        ([{"record_id": "pmid:202", "reviewer_decision": "include", "reviewer": " "}], 1,
         "reviewer", "needs the reviewer's name"),
        ([{"record_id": "pmid:601", "reviewer_decision": "exclude", "reviewer": "AB"}], 1,
         "record_id", "is a duplicate"),
        ([{"record_id": "", "reviewer_decision": "exclude", "reviewer": "AB"}], 1,
         "record_id", "value is required"),
    ],
)  # fmt: skip
def test_bad_sheet_rows_name_file_row_and_field(
    tmp_path: Path, rows: list[dict], row: int, field: str, words: str
) -> None:
    sheet = _write_sheet(tmp_path / "human_review.csv", rows)
    with pytest.raises(InputError) as info:
        read_review_sheet(sheet, _decisions())
    assert (info.value.row, info.value.field) == (row, field)
    assert str(info.value).startswith(f"{sheet}, line {row + 1}, field '{field}': ")
    assert words in str(info.value)


def test_sheet_saved_by_a_spreadsheet_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(
        b"\xef\xbb\xbfrecord_id,reviewer_decision,reviewer\r\npmid:202,include,AB\r\n"
    )
    read = read_review_sheet(sheet, _decisions())
    assert [(r.record_id, r.decision) for r in read.reviewed] == [("pmid:202", "include")]


def test_sheet_without_the_reviewer_columns_names_the_missing_column(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("record_id,decision\npmid:202,include\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column") as info:
        read_review_sheet(sheet, _decisions())
    assert info.value.field == "reviewer_decision"


# --- agreement -----------------------------------------------------------------------------------


def test_no_sheet_is_not_yet_reviewed_not_zero() -> None:
    summary = agreement_summary(_decisions(), None, "data/screening/human_review.csv", {})
    assert summary["status"] == "not_reviewed"
    assert "not yet reviewed" in summary["message"]
    assert "binary" not in summary and "kappa" not in json.dumps(summary["listed_in_to_review"])
    assert summary["listed_in_to_review"] == {LISTED_AWAITING: 0, LISTED_SAMPLE: 0}


def test_sheet_with_no_decision_yet_is_not_yet_reviewed(tmp_path: Path) -> None:
    sheet = _write_sheet(tmp_path / "s.csv", [{"record_id": "pmid:202"}, {"record_id": "pmid:300"}])
    summary = agreement_summary(_decisions(), read_review_sheet(sheet, _decisions()), "s.csv", {})
    assert summary["status"] == "not_reviewed" and summary["pending"] == 2
    assert "none with a decision" in summary["message"]


def test_rules_decision_of_an_overridden_record_is_the_rules_own() -> None:
    by_id = {r["record_id"]: r for r in _decisions()}
    assert rules_decision(by_id["pmid:501"]) == "excluded"
    assert rules_decision(by_id["pmid:202"]) == "awaiting_classification"
    assert rules_decision(by_id["pmid:101"]) == "included"


def test_agreement_compares_the_rules_with_the_reviewer(tmp_path: Path) -> None:
    """Rules vs reviewer on six records:

        pmid:202 awaiting -> include   (binary: agree; 3-way: disagree)
        pmid:201 awaiting -> exclude   (binary: disagree)
        pmid:300 exclude  -> exclude   (agree)
        pmid:301 exclude  -> include   (disagree: missed by the rules)
        pmid:501 exclude (overridden to included) -> include   (disagree: missed by the rules)
        pmid:101 include  -> include   (agree)

    Binary table (rows rules, columns reviewer; include-or-awaiting, exclude):
        [[2, 1], [2, 1]] -> p_o = 3/6 = .5, rows .5/.5, columns 4/6, 2/6, p_e = .5, kappa = 0.
    """
    sheet = _write_sheet(
        tmp_path / "s.csv",
        [
            {"record_id": "pmid:202", "reviewer_decision": "include", "reviewer": "AB"},
            {"record_id": "pmid:201", "reviewer_decision": "exclude", "reviewer": "AB"},
            {"record_id": "pmid:300", "reviewer_decision": "exclude", "reviewer": "CD",
             "rules_decision": "excluded"},
            {"record_id": "pmid:301", "reviewer_decision": "include", "reviewer": "CD",
             "reviewer_reason": "placebo arm", "rules_decision": "awaiting_classification"},
            {"record_id": "pmid:501", "reviewer_decision": "include", "reviewer": "CD"},
            {"record_id": "pmid:101", "reviewer_decision": "include", "reviewer": "CD"},
            {"record_id": "pmid:102"},
        ],
    )  # fmt: skip
    read = read_review_sheet(sheet, _decisions())
    summary = agreement_summary(_decisions(), read, "s.csv", {LISTED_AWAITING: 2})
    assert summary["status"] == "reviewed"
    assert (summary["reviewed"], summary["pending"]) == (6, 1)
    assert summary["reviewers"] == {"AB": 2, "CD": 4}
    binary = summary["binary"]
    assert binary["table"] == {
        "include or awaiting": {"include or awaiting": 2, "exclude": 1},
        "exclude": {"include or awaiting": 2, "exclude": 1},
    }
    assert (binary["n"], binary["observed_agreement"], binary["kappa"]) == (6, 0.5, 0.0)
    three = summary["three_way"]["table"]
    assert three["awaiting"] == {"include": 1, "awaiting": 0, "exclude": 1}
    assert summary["three_way"]["observed_agreement"] == pytest.approx(3 / 6 - 1 / 6)
    assert [m["record_id"] for m in summary["missed_by_rules"]] == ["pmid:301", "pmid:501"]
    assert summary["missed_by_rules"][0]["reviewer_reason"] == "placebo arm"
    assert summary["missed_by_rules"][1]["rules_reason"] == "excluded (comparator)"
    # Applied nowhere yet: awaiting records, and the excluded record the reviewer includes.
    assert [n["record_id"] for n in summary["not_applied"]] == ["pmid:202", "pmid:201", "pmid:301"]
    assert summary["rules_changed_since_sheet"] == [
        {"record_id": "pmid:301", "sheet": "awaiting_classification", "now": "excluded"}
    ]


def test_measure_agreement_writes_the_json_and_the_cli_reads_the_config(tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.csv"
    with open(decisions, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(_decisions()[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(_decisions())
    to_review = tmp_path / "to_review.csv"
    config = str(ROOT / "config/config.yaml")
    args = ["--config", config, "--decisions", str(decisions), "--out", str(to_review)]
    assert main(["write-review-sheet", *args]) == 0
    listed = to_review.read_text(encoding="utf-8").splitlines()[1:]
    assert len(listed) == 2 + 6  # the shipped config samples 20: all six exclusions
    out = tmp_path / "agreement.json"
    missing = tmp_path / "none.csv"
    summary = measure_agreement(decisions, to_review, missing, out)
    assert json.loads(out.read_text(encoding="utf-8")) == summary
    assert summary["status"] == "not_reviewed"
    assert summary["listed_in_to_review"] == {LISTED_AWAITING: 2, LISTED_SAMPLE: 6}
    sheet = _write_sheet(tmp_path / "bad.csv", [{"record_id": "x", "reviewer_decision": "include"}])
    args = ["measure-agreement", "--decisions", str(decisions), "--to-review", str(to_review)]
    assert main([*args, "--sheet", str(sheet), "--out", str(out)]) == 1  # error, one line
    assert json.loads(out.read_text(encoding="utf-8")) == summary  # the old file is untouched


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("sample_excluded", -1, "less than the minimum"),
        ("seed", "x", "is not of type 'integer'"),
        ("sheet", "", "should be non-empty"),
    ],
)
def test_config_keys_are_checked(key: str, value: object, words: str) -> None:
    config = copy.deepcopy(load_config(ROOT / "config/config.yaml"))
    config["screening"]["human_review"][key] = value
    with pytest.raises(InputError) as info:
        check_config(config, source="cfg.yaml")
    assert info.value.field == f"screening.human_review.{key}"
    assert words in str(info.value)


# --- shown in the report -------------------------------------------------------------------------


def _section(tmp_path: Path, summary: dict) -> str:
    from spinereview.report.screening import agreement_section

    path = tmp_path / "agreement.json"
    path.write_text(json.dumps(summary), encoding="utf-8")
    return agreement_section(load_config(ROOT / "config/config.yaml"), path)


def test_report_section_before_review_says_so_and_names_prisma_item_8(tmp_path: Path) -> None:
    summary = agreement_summary(_decisions(), None, "data/screening/human_review.csv", {})
    html = _section(
        tmp_path, {**summary, "listed_in_to_review": {LISTED_AWAITING: 2, LISTED_SAMPLE: 6}}
    )
    assert "PRISMA 2020 item 8" in html and "Not yet reviewed by a human screener" in html
    assert "8 record(s) are listed for review" in html and "κ" not in html


def test_report_section_shows_kappa_tables_and_missed_records_escaped(tmp_path: Path) -> None:
    rows = [
        {"record_id": "pmid:202", "reviewer_decision": "include", "reviewer": "<b>AB</b>"},
        {"record_id": "pmid:201", "reviewer_decision": "exclude", "reviewer": "<b>AB</b>"},
        {"record_id": "pmid:300", "reviewer_decision": "exclude", "reviewer": "<b>AB</b>"},
        {"record_id": "pmid:301", "reviewer_decision": "include", "reviewer": "<b>AB</b>"},
    ]
    sheet = read_review_sheet(_write_sheet(tmp_path / "s.csv", rows), _decisions())
    html = _section(tmp_path, agreement_summary(_decisions(), sheet, "s.csv", {LISTED_AWAITING: 2}))
    assert "<b>AB</b>" not in html and "&lt;b&gt;AB&lt;/b&gt;" in html
    assert "κ = 0.00 (95 % CI" in html and "observed agreement 50 %" in html
    assert "1 record(s) the rules exclude but the reviewer includes" in html
    assert "pmid:301" in html and "overrides.csv" in html


def test_report_section_gives_no_interval_when_the_rules_used_one_category(tmp_path: Path) -> None:
    rows = [
        {"record_id": "pmid:300", "reviewer_decision": "exclude", "reviewer": "AB"},
        {"record_id": "pmid:301", "reviewer_decision": "include", "reviewer": "AB"},
    ]
    sheet = read_review_sheet(_write_sheet(tmp_path / "s.csv", rows), _decisions())
    html = _section(tmp_path, agreement_summary(_decisions(), sheet, "s.csv", {}))
    assert "95 % CI" not in html and "kappa is 0 whatever the agreement" in html
