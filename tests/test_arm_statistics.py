"""The arm-statistics table: header, row-level errors naming file, row and field, cross-checks.

All rows and numbers here are synthetic (tests only); the committed table is filled by curators.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from spinereview.errors import InputError
from spinereview.extraction.arm_statistics import COLUMNS, STATISTICS, load_arm_statistics
from spinereview.extraction.sheet import NUMERIC, SheetRow

ROOT = Path(__file__).resolve().parents[1]


def sheet_row(row_id: str, outcome: str, measure: str, **values: float) -> SheetRow:
    full = {name: None for name in NUMERIC} | values
    return SheetRow(
        1, row_id, "S1", "1", outcome, "VAS_0_100", measure, full, "u", "l", "", "lower_better",
        False, "",
    )  # fmt: skip


SHEET = [
    sheet_row("E001", "leg_pain", "arms", mean_treat=30.0, mean_ctrl=40.0),
    sheet_row("E002", "responder", "RD", estimate=25.0, n_treat=28.0),
    sheet_row("E003", "back_pain", "MD", estimate=-5.0),
]


def stat(stat_id: str, row_id: str, arm: str, statistic: str, value: str, **over: str) -> dict:
    base = dict(
        stat_id=stat_id,
        row_id=row_id,
        arm=arm,
        statistic=statistic,
        value=value,
        derivation="",
        source_url="https://example.org/synthetic",
        locator="Table 2",
        note="",
    )
    return base | over


GOOD = [
    stat("A001", "E001", "treat", "n", "25"),
    stat("A002", "E001", "treat", "se", "2.4"),
    stat("A003", "E001", "ctrl", "n", "24", derivation="2:2:1 allocation of 60 (synthetic)"),
    stat("A004", "E001", "ctrl", "median", "40"),
    stat("A005", "E001", "ctrl", "q1", "30"),
    stat("A006", "E001", "ctrl", "q3", "50"),
    stat("A007", "E002", "treat", "percent", "75"),
    stat("A008", "E002", "ctrl", "percent", "50.0"),
    stat("A009", "E002", "ctrl", "n", "30"),
    stat("A010", "E003", "treat", "ci_low", "20.5"),
    stat("A011", "E003", "treat", "ci_high", "29.5"),
    stat("A012", "E003", "treat", "mean", "25"),
]


def write(tmp_path: Path, rows: list[dict], header=COLUMNS) -> Path:
    path = tmp_path / "arm_statistics.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(header), lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_committed_table_has_the_fixed_header_and_loads() -> None:
    path = ROOT / "data/extraction/arm_statistics.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header == "stat_id,row_id,arm,statistic,value,derivation,source_url,locator,note"
    assert tuple(header.split(",")) == COLUMNS


def test_committed_table_validates_against_the_committed_sheet() -> None:
    from spinereview.extraction.sheet import load_sheet
    from spinereview.screening.sources import load_curated

    curated = load_curated(ROOT / "data/evidence/studies.csv")
    rows = load_sheet(
        ROOT / "data/extraction/effects.csv", {c.publication_id: c.pmid for c in curated}
    )
    stats = load_arm_statistics(ROOT / "data/extraction/arm_statistics.csv", rows)
    assert all(arm in ("treat", "ctrl") for arms in stats.values() for arm in arms)


def test_good_table_is_indexed_by_row_arm_and_statistic(tmp_path: Path) -> None:
    stats = load_arm_statistics(write(tmp_path, GOOD), SHEET)
    assert set(stats) == {"E001", "E002", "E003"}
    ctrl = stats["E001"]["ctrl"]
    assert ctrl["n"].derived and not stats["E001"]["treat"]["n"].derived
    assert ctrl["q1"].value == 30 and ctrl["q1"].row_number == 5
    assert stats["E002"]["treat"]["percent"].decimals == 0
    assert stats["E002"]["ctrl"]["percent"].decimals == 1
    assert len(STATISTICS) == 15


@pytest.mark.parametrize(
    ("rows", "row", "field", "words"),
    [
        ([stat("B001", "E001", "treat", "n", "5")], 1, "stat_id", "arm_statistics.schema.yaml"),
        ([stat("A001", "E999", "treat", "n", "5")], 1, "row_id", "not in the effect sheet"),
        ([stat("A001", "E001", "both", "n", "5")], 1, "arm", "arm_statistics.schema.yaml"),
        ([stat("A001", "E001", "treat", "mode", "5")], 1, "statistic", "schema"),
        ([stat("A001", "E001", "treat", "n", "five")], 1, "value", "schema"),
        ([stat("A001", "E001", "treat", "n", "5", source_url="")], 1, "source_url", "schema"),
        ([stat("A001", "E001", "treat", "n", "5", locator="")], 1, "locator", "schema"),
        (
            [stat("A001", "E001", "treat", "n", "5"), stat("A001", "E001", "ctrl", "n", "5")],
            2,
            "stat_id",
            "duplicate stat id",
        ),
        (
            [stat("A001", "E001", "treat", "n", "5"), stat("A002", "E001", "treat", "n", "6")],
            2,
            "statistic",
            "one value per row, arm and statistic",
        ),
        ([stat("A001", "E001", "treat", "sd", "-1")], 1, "value", "negative"),
        ([stat("A001", "E001", "treat", "n", "0")], 1, "value", "positive"),
        ([stat("A001", "E001", "treat", "n", "10.5")], 1, "value", "whole number"),
        ([stat("A001", "E002", "treat", "percent", "120")], 1, "value", "between 0 and 100"),
        ([stat("A001", "E002", "treat", "mean", "3")], 1, "statistic", "count row"),
        ([stat("A001", "E001", "treat", "events", "3")], 1, "statistic", "continuous row"),
        ([stat("A001", "E002", "treat", "n", "30")], 1, "value", "disagrees with the sheet"),
        (
            [stat("A001", "E002", "treat", "events", "29")],
            1,
            "value",
            "events 29 exceed n 28",
        ),
        (
            [
                stat("A001", "E001", "ctrl", "median", "40"),
                stat("A002", "E001", "ctrl", "q1", "45"),
            ],
            2,
            "value",
            "q1 <= median does not hold",
        ),
        (
            [
                stat("A001", "E001", "ctrl", "median", "40"),
                stat("A002", "E001", "ctrl", "q1", "30"),
                stat("A003", "E001", "ctrl", "q3", "50"),
                stat("A004", "E001", "ctrl", "min", "35"),
                stat("A005", "E001", "ctrl", "max", "90"),
            ],
            4,
            "value",
            "min <= q1 does not hold",
        ),
        ([stat("A001", "E001", "ctrl", "q1", "30")], 1, "value", "needs both q1 and q3"),
        (
            [stat("A001", "E001", "ctrl", "min", "3"), stat("A002", "E001", "ctrl", "max", "9")],
            2,
            "value",
            "need the median",
        ),
        ([stat("A001", "E003", "ctrl", "ci_low", "3")], 1, "value", "needs both limits"),
        (
            [
                stat("A001", "E003", "ctrl", "ci_low", "3"),
                stat("A002", "E003", "ctrl", "ci_high", "2"),
            ],
            2,
            "value",
            "ci_low exceeds ci_high",
        ),
        (
            [
                stat("A001", "E001", "treat", "ci_low", "1"),
                stat("A002", "E001", "treat", "ci_high", "2"),
            ],
            2,
            "value",
            "does not contain the mean 30",
        ),
        ([stat("A001", "E001", "ctrl", "sd_baseline", "3")], 1, "value", "sd_followup"),
    ],
)
def test_bad_rows_name_file_row_and_field(
    tmp_path: Path, rows: list[dict], row: int, field: str, words: str
) -> None:
    path = write(tmp_path, rows)
    with pytest.raises(InputError) as info:
        load_arm_statistics(path, SHEET)
    assert (info.value.row, info.value.field) == (row, field), str(info.value)
    assert words in str(info.value) and str(path) in str(info.value)


def test_missing_column_and_missing_file_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, header=[c for c in COLUMNS if c != "locator"])
    with pytest.raises(InputError, match="missing column") as info:
        load_arm_statistics(path, SHEET)
    assert info.value.field == "locator"
    with pytest.raises(InputError, match="file not found"):
        load_arm_statistics(tmp_path / "nothing.csv", SHEET)
