"""data/extraction/arm_statistics.csv: header, vocabulary, sources and internal consistency."""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from pathlib import Path

from spinereview.extraction.arm_statistics import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
ARM_STATS = ROOT / "data/extraction/arm_statistics.csv"
SHEET = ROOT / "data/extraction/effects.csv"
HEADER = list(COLUMNS)
STATISTICS = {
    "n", "events", "percent", "mean", "sd", "se", "ci_low", "ci_high",
    "median", "q1", "q3", "min", "max", "sd_baseline", "sd_followup",
}  # fmt: skip
#: arm statistics that also have a sheet column; the table must not restate a filled sheet cell
SHEET_COLUMN = {"n": "n_", "events": "events_", "mean": "mean_", "sd": "sd_"}


def _read() -> tuple[list[str], list[dict[str, str]]]:
    with open(ARM_STATS, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _sheet() -> dict[str, dict[str, str]]:
    with open(SHEET, encoding="utf-8", newline="") as fh:
        return {r["row_id"]: r for r in csv.DictReader(fh)}


def test_header_ids_and_vocabulary() -> None:
    header, rows = _read()
    assert header == HEADER
    ids = [r["stat_id"] for r in rows]
    assert all(re.fullmatch(r"A\d{3,}", i) for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    sheet = _sheet()
    for r in rows:
        assert r["row_id"] in sheet, r
        assert r["arm"] in ("treat", "ctrl"), r
        assert r["statistic"] in STATISTICS, r
        assert r["source_url"].startswith("http") and r["locator"].strip(), r
        value = float(r["value"])
        assert math.isfinite(value), r
        if r["statistic"] in ("n", "events"):
            assert value >= 0 and value == int(value), r
        if r["statistic"] in ("sd", "se", "sd_baseline", "sd_followup"):
            assert value >= 0, r
        if r["statistic"] == "percent":
            assert 0 <= value <= 100, r


def test_no_duplicates_and_consistent_arms() -> None:
    _, rows = _read()
    sheet = _sheet()
    arms: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for r in rows:
        stats = arms[(r["row_id"], r["arm"])]
        assert r["statistic"] not in stats, f"duplicate {r['row_id']} {r['arm']} {r['statistic']}"
        stats[r["statistic"]] = float(r["value"])
        column = SHEET_COLUMN.get(r["statistic"])
        if column:
            assert not sheet[r["row_id"]][column + r["arm"]], f"restates the sheet: {r}"
    for (row_id, arm), s in arms.items():
        sheet_n = sheet[row_id]["n_" + arm]
        n = s.get("n", float(sheet_n) if sheet_n else None)
        if "events" in s and n is not None:
            assert s["events"] <= n, (row_id, arm)
        if {"q1", "median", "q3"} <= s.keys():
            assert s["q1"] <= s["median"] <= s["q3"], (row_id, arm)
        if {"min", "max"} <= s.keys():
            assert s["min"] <= s["max"], (row_id, arm)
        if {"ci_low", "ci_high"} <= s.keys():
            assert s["ci_low"] <= s["ci_high"], (row_id, arm)
