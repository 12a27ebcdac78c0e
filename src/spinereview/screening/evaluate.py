"""Screening evaluation: a labelled record set, the rules run on it as in live mode, and the metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinereview.config import load_yaml
from spinereview.errors import InputError
from spinereview.screening.protocol import CRITERIA, Protocol
from spinereview.screening.screen import Item, decide, screened_text

LABELS = ("eligible", "ineligible")
#: A labelled reason is one of the protocol's criteria (the first one a record fails).
REASONS = CRITERIA
FIELDS = (
    "id",
    "title",
    "abstract",
    "publication_types",
    "mesh",
    "keywords",
    "language",
    "label",
    "reason",
    "note",
)


def load_eval_set(path: str | Path) -> list[dict[str, Any]]:
    """Read and check a YAML evaluation set: a list of labelled records (see benchmarks/README.md)."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, list):
        raise InputError(path, "an evaluation set is a list of records")
    seen: set[str] = set()
    for number, rec in enumerate(data, start=1):
        if not isinstance(rec, dict):
            raise InputError(path, "each record is a mapping", row=number)
        missing = [f for f in ("id", "title", "label") if not rec.get(f)]
        if missing:
            raise InputError(path, "value is required", row=number, field=missing[0])
        if rec["label"] not in LABELS:
            raise InputError(path, f"label must be one of {LABELS}", row=number, field="label")
        reason = rec.get("reason")
        if reason is not None and reason not in REASONS:
            raise InputError(path, f"unknown reason {reason!r}", row=number, field="reason")
        if str(rec["id"]) in seen:
            raise InputError(path, f"duplicate id {rec['id']!r}", row=number, field="id")
        seen.add(str(rec["id"]))
    return data


def item_of(rec: Mapping[str, Any]) -> Item:
    """A screening item from an evaluation record, built as items_from_records builds PubMed rows."""
    keywords = list(rec.get("keywords") or [])
    text = screened_text(rec["title"], rec.get("abstract") or "", keywords)
    return Item(
        record_id=f"eval:{rec['id']}",
        source="pubmed",
        pmid="",
        doi="",
        title=rec["title"],
        year="",
        query_ids=[],
        publication_types=list(rec.get("publication_types") or []),
        mesh=list(rec.get("mesh") or []),
        text=text,
    )


def screen_eval_set(
    records: Sequence[Mapping[str, Any]], protocol: Protocol
) -> list[dict[str, Any]]:
    """Decide every record with the text rules alone (no curated tables, no links, no overrides)."""
    return [decide(item_of(rec), protocol, {}, None) for rec in records]


@dataclass(frozen=True)
class Metrics:
    """Screening accuracy against the labels; ratios are None where the denominator is 0."""

    n_eligible: int
    n_ineligible: int
    included_eligible: int
    awaiting_eligible: int
    included_ineligible: int
    awaiting_ineligible: int
    excluded_ineligible: int
    reason_correct: int

    @staticmethod
    def _ratio(num: int, den: int) -> float | None:
        return num / den if den else None

    @property
    def sensitivity(self) -> float | None:
        """Eligible records included or held for a human (not excluded)."""
        return self._ratio(self.included_eligible + self.awaiting_eligible, self.n_eligible)

    @property
    def strict_sensitivity(self) -> float | None:
        """Eligible records included."""
        return self._ratio(self.included_eligible, self.n_eligible)

    @property
    def specificity(self) -> float | None:
        """Ineligible records not included (excluded or awaiting)."""
        return self._ratio(self.n_ineligible - self.included_ineligible, self.n_ineligible)

    @property
    def awaiting_share(self) -> float | None:
        """Ineligible records left awaiting classification."""
        return self._ratio(self.awaiting_ineligible, self.n_ineligible)

    @property
    def reason_accuracy(self) -> float | None:
        """Excluded ineligible records whose reason is the labelled first failing criterion."""
        return self._ratio(self.reason_correct, self.excluded_ineligible)


def metrics(
    records: Sequence[Mapping[str, Any]], decisions: Sequence[Mapping[str, Any]]
) -> Metrics:
    """Compare decisions (same order as records) with the labels."""
    if len(records) != len(decisions):
        raise ValueError(f"{len(records)} records but {len(decisions)} decisions")
    counts = dict.fromkeys(
        (
            "included_eligible",
            "awaiting_eligible",
            "included_ineligible",
            "awaiting_ineligible",
            "excluded_ineligible",
            "reason_correct",
        ),
        0,
    )
    for rec, dec in zip(records, decisions, strict=True):
        decision = dec["decision"]
        if rec["label"] == "eligible":
            if decision == "included":
                counts["included_eligible"] += 1
            elif decision == "awaiting_classification":
                counts["awaiting_eligible"] += 1
        elif decision == "included":
            counts["included_ineligible"] += 1
        elif decision == "awaiting_classification":
            counts["awaiting_ineligible"] += 1
        else:
            counts["excluded_ineligible"] += 1
            counts["reason_correct"] += int(dec["reason"] == rec.get("reason"))
    n_eligible = sum(r["label"] == "eligible" for r in records)
    return Metrics(n_eligible=n_eligible, n_ineligible=len(records) - n_eligible, **counts)
