"""Score extracted candidates against a labelled corpus: matching, precision and recall."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from spinereview.extraction.text_model import ALL_KINDS, VALUE_FIELDS, Candidate

TOLERANCE = 1e-9  # numeric fields must agree to this absolute difference


@dataclass
class Counts:
    """True positives, false positives and false negatives for one kind."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        """Accumulate another count into this one."""
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn


def precision_recall(counts: Counts) -> tuple[float, float]:
    """(precision, recall); an empty denominator counts as 1.0 (nothing claimed / nothing missed)."""
    found, expected = counts.tp + counts.fp, counts.tp + counts.fn
    return (counts.tp / found if found else 1.0, counts.tp / expected if expected else 1.0)


def _same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=TOLERANCE)


def matches(text: str, expected: Mapping[str, Any], found: Candidate) -> bool:
    """Same kind, every value field equal (absent = None), and the value span reads ``span``."""
    if expected["kind"] != found.kind:
        return False
    if text[found.value_start : found.value_end] != expected["span"]:
        return False
    return all(_same_value(expected.get(f), getattr(found, f)) for f in VALUE_FIELDS)


def score(
    text: str, expected: Sequence[Mapping[str, Any]], found: Sequence[Candidate]
) -> dict[str, Counts]:
    """Per-kind counts after one-to-one matching of expected items to found candidates.

    Each expected item takes the first unmatched candidate that ``matches`` it; leftovers on
    either side are false negatives / false positives. Every kind in ALL_KINDS gets an entry.
    """
    counts = {k: Counts() for k in ALL_KINDS}
    unused = list(found)
    for item in expected:
        if item["kind"] not in ALL_KINDS:
            raise ValueError(f"unknown kind {item['kind']!r} in expected item {dict(item)}")
        hit = next((c for c in unused if matches(text, item, c)), None)
        if hit is None:
            counts[item["kind"]].fn += 1
        else:
            unused.remove(hit)
            counts[item["kind"]].tp += 1
    for c in unused:
        counts[c.kind].fp += 1
    return counts


def total(counts: Iterable[Mapping[str, Counts]], kinds: Iterable[str]) -> Counts:
    """Sum the counts of ``kinds`` over many scored texts."""
    wanted = set(kinds)
    out = Counts()
    for per_text in counts:
        for kind, c in per_text.items():
            if kind in wanted:
                out.add(c)
    return out


def load_corpus(path: Path) -> list[dict[str, Any]]:
    """Read the labelled corpus (YAML list of {id, lang, text, expect}) and check its shape."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    seen: set[str] = set()
    for i, item in enumerate(items):
        missing = {"id", "text", "expect"} - set(item)
        if missing or item["id"] in seen:
            raise ValueError(f"{path}: item {i}: missing {sorted(missing)} or duplicate id")
        seen.add(item["id"])
        for exp in item["expect"]:
            unknown = set(exp) - {"kind", "span", *VALUE_FIELDS}
            if unknown or "span" not in exp or exp.get("kind") not in ALL_KINDS:
                raise ValueError(f"{path}: item {item['id']}: bad expected entry {exp}")
    return items
