"""The Candidate record found in abstract text, its kinds and the fields that carry values."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

# Kinds, grouped as the benchmark reports them.
EFFECT_KINDS = frozenset({"effect"})
ARM_KINDS = frozenset({"mean_sd", "median_iqr", "n", "events", "percent"})
OTHER_KINDS = frozenset({"estimate_ci", "p_value", "followup", "outcome", "instrument"})
ALL_KINDS = EFFECT_KINDS | ARM_KINDS | OTHER_KINDS

# 1 month = 52/12 weeks, so that 12 months == 1 year == 52 weeks and the protocol's windows
# (≤ 2 wk, ≤ 3 mo = 13 wk, < 12 mo, ≥ 12 mo = 52 wk) fall on the same boundaries in either unit.
WEEKS_PER_UNIT = {"hour": 1 / 168, "day": 1 / 7, "week": 1.0, "month": 52 / 12, "year": 52.0}


@dataclass(frozen=True)
class Candidate:
    """One statement found in a text: a kind, its values and character offsets — never the text.

    ``start``/``end`` cover the whole statement (label to closing bracket); ``value_start`` /
    ``value_end`` cover its primary number (the estimate, the mean, the median, n, the event count,
    the percentage, the follow-up amount) or, for outcome and instrument words, the words.
    Fields that do not apply to a kind are None.
    """

    kind: str
    start: int
    end: int
    value_start: int
    value_end: int
    measure: str | None = None  # effect: MD, SMD, RR, OR, HR, RD
    estimate: float | None = None  # effect / estimate_ci
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None  # percent, e.g. 95.0; None when the text states no level
    p_value: float | None = None  # p_value, and effects with a p-value right after them
    p_comparator: str | None = None  # one of = < > ≤ ≥
    mean: float | None = None  # mean_sd
    sd: float | None = None
    median: float | None = None  # median_iqr
    q1: float | None = None
    q3: float | None = None
    n: int | None = None  # n, and the denominator of events
    events: int | None = None  # events
    percent: float | None = None  # percent
    amount: float | None = None  # followup: the number as written (6 in "6 months")
    unit: str | None = None  # followup: hour, day, week, month, year
    weeks: float | None = None  # followup: amount in weeks (see WEEKS_PER_UNIT)
    code: str | None = None  # outcome/instrument: normalised code
    flags: tuple[str, ...] = ()

    def values(self) -> dict[str, Any]:
        """The value fields (everything except kind, offsets and flags)."""
        return {name: getattr(self, name) for name in VALUE_FIELDS}


VALUE_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in fields(Candidate)
    if f.name not in {"kind", "start", "end", "value_start", "value_end", "flags"}
)
