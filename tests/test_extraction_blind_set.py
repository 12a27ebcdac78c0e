"""Checks of the blind extraction evaluation set (issue 15): format only, never the extractor.

tests/data/extraction_blind/ holds two frozen holdouts (holdout.yaml, now retired into tuning data,
and its replacement holdout2.yaml) and two dev sets (dev.yaml, dev3.yaml), each written by a helper
session that did not look at the extraction patterns. These tests check that the files parse, that
ids are unique across all of them, that every span occurs in its text, that kinds, fields, measures
and codes are the ones the corpus header (tests/data/extraction_corpus.yaml) defines, that the sizes
meet the minimums, and that each holdout still has the SHA-256 recorded in README.md, so the freeze
is enforced."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

BLIND = Path(__file__).resolve().parent / "data" / "extraction_blind"
HOLDOUT = BLIND / "holdout.yaml"
HOLDOUT2 = BLIND / "holdout2.yaml"
DEV = BLIND / "dev.yaml"
DEV3 = BLIND / "dev3.yaml"
README = BLIND / "README.md"
FILES = {"holdout": HOLDOUT, "holdout2": HOLDOUT2, "dev": DEV, "dev3": DEV3}

MINIMUM = {"holdout": 120, "holdout2": 150, "dev": 200, "dev3": 130}

# value fields of each kind, as in the header of tests/data/extraction_corpus.yaml
FIELDS = {
    "effect": {
        "measure",
        "estimate",
        "ci_low",
        "ci_high",
        "ci_level",
        "p_value",
        "p_comparator",
    },
    "estimate_ci": {"estimate", "ci_low", "ci_high", "ci_level"},
    "p_value": {"p_value", "p_comparator"},
    "mean_sd": {"mean", "sd"},
    "median_iqr": {"median", "q1", "q3"},
    "n": {"n"},
    "events": {"events", "n"},
    "percent": {"percent"},
    "followup": {"amount", "unit", "weeks"},
    "outcome": {"code"},
    "instrument": {"code"},
}
MEASURES = {"MD", "SMD", "RR", "OR", "HR", "RD"}
OUTCOME_CODES = {"leg_pain", "back_pain", "pain_overall", "disability", "function", "responder"}
INSTRUMENT_CODES = {"VAS", "NRS", "ODI", "RMDQ"}
UNITS = {"day": 1 / 7, "week": 1, "month": 52 / 12, "year": 52}
COMPARATORS = {"=", "<", ">", "≤", "≥", "<=", ">="}
TEXT_FIELDS = {"measure", "p_comparator", "unit", "code"}


def _load(path: Path) -> list[dict]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(items, list)
    return items


@pytest.fixture(scope="module", params=sorted(FILES))
def blind_set(request) -> tuple[str, list[dict]]:
    return request.param, _load(FILES[request.param])


def test_minimum_size(blind_set):
    name, items = blind_set
    assert len(items) >= MINIMUM[name]


def test_item_format(blind_set):
    _, items = blind_set
    for item in items:
        assert set(item) <= {"id", "lang", "tags", "text", "expect"}, item["id"]
        assert item["lang"] in {"en", "de"}, item["id"]
        assert isinstance(item["text"], str) and item["text"], item["id"]
        assert isinstance(item["expect"], list), item["id"]
        tags = item.get("tags", [])
        assert isinstance(tags, list) and tags, item["id"]
        if "trap" in tags:
            assert all(e["kind"] != "effect" for e in item["expect"]), item["id"]


def test_ids_unique_across_all_files():
    ids = [item["id"] for path in FILES.values() for item in _load(path)]
    assert len(ids) == len(set(ids))


def test_no_text_in_two_files():
    texts = {name: {item["text"] for item in _load(path)} for name, path in FILES.items()}
    names = sorted(texts)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            assert not texts[first] & texts[second], (first, second)


def test_holdout2_is_all_new_and_covers_the_kinds():
    """holdout2 has its own id prefix, at least 20 German items, 20 traps, 90 effects and
    15 of each arm statistic (the minimums of its brief)."""
    items = _load(HOLDOUT2)
    assert all(item["id"].startswith("b2h") for item in items)
    assert sum(item["lang"] == "de" for item in items) >= 20
    assert sum("trap" in item["tags"] for item in items) >= 20
    kinds = [entry["kind"] for item in items for entry in item["expect"]]
    assert kinds.count("effect") >= 90
    for kind in ("mean_sd", "median_iqr", "events"):
        assert kinds.count(kind) >= 15, kind


def test_spans_kinds_and_fields(blind_set):
    _, items = blind_set
    for item in items:
        for entry in item["expect"]:
            where = f"{item['id']}: {entry}"
            kind = entry["kind"]
            assert kind in FIELDS, where
            assert isinstance(entry["span"], str) and entry["span"] in item["text"], where
            fields = set(entry) - {"kind", "span"}
            assert fields <= FIELDS[kind], where
            for field in fields - TEXT_FIELDS:
                value = entry[field]
                assert value is None or (
                    isinstance(value, int | float) and not isinstance(value, bool)
                ), where
            if kind == "effect":
                assert entry["measure"] in MEASURES, where
                assert entry.get("estimate") is not None, where
                if entry.get("ci_low") is not None:
                    assert entry["ci_low"] <= entry["estimate"] <= entry["ci_high"], where
            if "p_comparator" in entry:
                assert entry["p_comparator"] in COMPARATORS, where
            if kind == "outcome":
                assert entry["code"] in OUTCOME_CODES, where
            if kind == "instrument":
                assert entry["code"] in INSTRUMENT_CODES, where
            if kind == "followup":
                assert entry["weeks"] == pytest.approx(entry["amount"] * UNITS[entry["unit"]])
            if kind == "events" and entry.get("n") is not None:
                assert entry["events"] <= entry["n"], where


@pytest.mark.parametrize("path", [HOLDOUT, HOLDOUT2], ids=lambda path: path.name)
def test_holdout_sha256_matches_readme(path):
    pattern = re.escape(path.name) + r" SHA-256: `([0-9a-f]{64})`"
    recorded = re.findall(pattern, README.read_text(encoding="utf-8"))
    assert len(recorded) == 1, f"README.md must record {path.name}'s SHA-256 exactly once"
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    assert actual == recorded[0], f"{path.name} changed after it was frozen"


def test_dev3_is_an_arm_statistics_set():
    """dev3 (a dev set, no SHA check) has its own id prefix and the minimums of its brief:
    50 events, 30 median_iqr, 25 mean_sd and 25 traps."""
    items = _load(DEV3)
    assert all(item["id"].startswith("d3_") for item in items)
    assert sum("trap" in item["tags"] for item in items) >= 25
    kinds = [entry["kind"] for item in items for entry in item["expect"]]
    assert kinds.count("events") >= 50
    assert kinds.count("median_iqr") >= 30
    assert kinds.count("mean_sd") >= 25
