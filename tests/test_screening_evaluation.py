"""Screening evaluation: the metrics on a tiny set written here, the set format, the dev set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from spinereview.config import load_config
from spinereview.errors import InputError
from spinereview.screening.evaluate import load_eval_set, metrics, screen_eval_set
from spinereview.screening.protocol import Protocol

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = Protocol.from_config(load_config(ROOT / "config/config.yaml")["screening"])


def record(rid: str, title: str, label: str, reason=None, types=("Randomized Controlled Trial",)):
    return {
        "id": rid,
        "title": title,
        "abstract": "",
        "publication_types": list(types),
        "mesh": [],
        "keywords": [],
        "language": "eng",
        "label": label,
        "reason": reason,
        "note": "written for this test",
    }


TINY = [
    record("T1", "Caudal epidural triamcinolone versus saline in chronic sciatica", "eligible"),
    record(
        "T2", "Sacroiliac joint steroid or lidocaine alone in chronic low back pain", "eligible"
    ),
    # eligible, but untyped: held for a human (counts for sensitivity, not strict sensitivity)
    record("T3", "Randomised trial of facet steroid versus saline", "eligible", types=()),
    record("T4", "Epidural steroid versus saline in chronic neck pain", "ineligible", "region"),
    record("T5", "Epidural steroid vs saline", "ineligible", "drug", types=("Systematic Review",)),
    record("T6", "Epidural steroid injection for sciatica", "ineligible", "comparator"),
]


def test_metrics_on_a_tiny_labelled_set() -> None:
    decisions = screen_eval_set(TINY, PROTOCOL)
    assert [d["decision"] for d in decisions] == [
        "included",
        "included",
        "awaiting_classification",
        "excluded",
        "excluded",
        "awaiting_classification",
    ]
    m = metrics(TINY, decisions)
    assert (m.n_eligible, m.n_ineligible) == (3, 3)
    assert m.sensitivity == 1.0 and m.strict_sensitivity == pytest.approx(2 / 3)
    assert m.specificity == 1.0 and m.awaiting_share == pytest.approx(1 / 3)
    # T5 is excluded for its publication type, not for the (wrongly) labelled drug
    assert m.reason_accuracy == pytest.approx(1 / 2)


def test_metrics_without_a_denominator_are_none() -> None:
    eligible_only = TINY[:1]
    m = metrics(eligible_only, screen_eval_set(eligible_only, PROTOCOL))
    assert m.specificity is None and m.awaiting_share is None and m.reason_accuracy is None
    with pytest.raises(ValueError, match="1 records but 0 decisions"):
        metrics(eligible_only, [])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"label": "maybe"}, "label"),
        ({"reason": "language"}, "reason"),
        ({"title": ""}, "title"),
    ],
)
def test_eval_set_errors_name_the_record_and_field(
    tmp_path: Path, change: dict, field: str
) -> None:
    rows = [TINY[0], {**TINY[1], **change}]
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump(rows), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_eval_set(path)
    assert (info.value.row, info.value.field) == (2, field)


def test_dev_set_meets_the_targets() -> None:
    """The development set (the holdout is run once, by hand, and never by the tests)."""
    records = load_eval_set(ROOT / "tests/data/screening_eval/dev.yaml")
    m = metrics(records, screen_eval_set(records, PROTOCOL))
    assert m.sensitivity >= 0.98 and m.strict_sensitivity >= 0.80
    assert m.specificity >= 0.95 and m.awaiting_share <= 0.25
    assert m.reason_accuracy >= 0.90
