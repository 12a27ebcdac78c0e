"""The arm-statistics table (data/extraction/arm_statistics.csv): loading and row-level validation.

One row per number of one arm of one sheet row (long form), e.g. a percentage of responders, the SE
or CI of an arm mean, a median with its quartiles. Harmonisation fills a sheet row's missing arm
numbers from them (``extraction.fill``). Every error names the file, the row and the field.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from spinereview.errors import InputError
from spinereview.extraction.sheet import SheetRow
from spinereview.io import read_table
from spinereview.schemas import validate_rows

COLUMNS = (
    "stat_id",
    "row_id",
    "arm",
    "statistic",
    "value",
    "derivation",
    "source_url",
    "locator",
    "note",
)
ARMS = ("treat", "ctrl")
#: ci_low/ci_high: the 95% CI of the ARM mean; percent: 0-100.
STATISTICS = (
    "n",
    "events",
    "percent",
    "mean",
    "sd",
    "se",
    "ci_low",
    "ci_high",
    "median",
    "q1",
    "q3",
    "min",
    "max",
    "sd_baseline",
    "sd_followup",
)
COUNTS = ("n", "events", "percent")
CONTINUOUS = tuple(s for s in STATISTICS if s not in COUNTS)
NON_NEGATIVE = ("n", "events", "sd", "se", "sd_baseline", "sd_followup")
#: sheet column (without the _treat/_ctrl suffix) that holds the same quantity as a statistic
SHEET_COLUMN = {"n": "n", "events": "events", "mean": "mean", "sd": "sd"}
#: quantiles in the order they must hold: min <= q1 <= median <= q3 <= max
ORDER = ("min", "q1", "median", "q3", "max")


@dataclass(frozen=True)
class ArmStat:
    """One validated number of one arm; ``decimals`` is its reporting precision as written."""

    path: str
    row_number: int
    stat_id: str
    row_id: str
    arm: str
    statistic: str
    value: float
    decimals: int
    derivation: str
    source_url: str
    locator: str
    note: str

    @property
    def derived(self) -> bool:
        """A hand derivation (e.g. an arm size from an allocation ratio), not a reported number."""
        return bool(self.derivation)

    def error(self, message: str, field: str = "value") -> InputError:
        return InputError(self.path, f"{self.stat_id}: {message}", row=self.row_number, field=field)


#: row_id -> arm -> statistic -> ArmStat
ArmStatistics = dict[str, dict[str, dict[str, ArmStat]]]


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def load_arm_statistics(path: str | Path, sheet: Iterable[SheetRow]) -> ArmStatistics:
    """Load and validate the table against the (already validated) sheet rows."""
    path = Path(path)
    by_id = {row.row_id: row for row in sheet}
    out: ArmStatistics = {}
    seen: set[str] = set()
    for number, raw in enumerate(read_table(path, COLUMNS), start=1):
        validate_rows(
            [{k: raw[k] for k in COLUMNS}],
            "arm_statistics.schema.yaml",
            source=path,
            id_field="stat_id",
            start=number,
        )
        if raw["stat_id"] in seen:
            raise InputError(
                path, f"duplicate stat id {raw['stat_id']}", row=number, field="stat_id"
            )
        seen.add(raw["stat_id"])
        value = float(raw["value"])
        if not math.isfinite(value):
            raise InputError(path, f"{raw['value']!r} is not finite", row=number, field="value")
        stat = ArmStat(
            str(path),
            number,
            raw["stat_id"],
            raw["row_id"],
            raw["arm"],
            raw["statistic"],
            value,
            _decimals(raw["value"].strip()),
            raw["derivation"].strip(),
            raw["source_url"],
            raw["locator"],
            raw["note"],
        )
        row = by_id.get(stat.row_id)
        if row is None:
            raise stat.error(f"row id {stat.row_id} is not in the effect sheet", "row_id")
        _check_value(stat, row)
        arm = out.setdefault(stat.row_id, {}).setdefault(stat.arm, {})
        if stat.statistic in arm:
            raise stat.error(
                f"{stat.row_id} {stat.arm} already has a {stat.statistic} "
                f"({arm[stat.statistic].stat_id}); one value per row, arm and statistic",
                "statistic",
            )
        arm[stat.statistic] = stat
    for row_id, arms in out.items():
        for arm, stats in arms.items():
            check_arm(by_id[row_id], arm, stats)
    return out


def _check_value(stat: ArmStat, row: SheetRow) -> None:
    """Rules for one number on its own and against its sheet row."""
    name, value = stat.statistic, stat.value
    if name in NON_NEGATIVE and value < 0:
        raise stat.error(f"{name} is negative ({value:g})")
    if name in ("n", "events") and value != int(value):
        raise stat.error(f"{name} must be a whole number ({value:g})")
    if name == "n" and value <= 0:
        raise stat.error("n must be positive")
    if name == "percent" and not 0 <= value <= 100:
        raise stat.error(f"a percentage lies between 0 and 100 ({value:g})")
    counts = row.outcome == "responder" or row.measure in ("RR", "OR", "RD")
    if counts and name in CONTINUOUS:
        raise stat.error(f"{name} does not belong to a count row ({row.row_id})", "statistic")
    if not counts and name in ("events", "percent"):
        raise stat.error(f"{name} does not belong to a continuous row ({row.row_id})", "statistic")
    if name in SHEET_COLUMN:
        column = f"{SHEET_COLUMN[name]}_{stat.arm}"
        sheet_value = row.get(column)
        if sheet_value is not None and sheet_value != value:
            raise stat.error(
                f"{name} {value:g} disagrees with the sheet's {column} {sheet_value:g} "
                f"for {row.row_id}"
            )


def check_arm(row: SheetRow, arm: str, stats: Mapping[str, ArmStat]) -> None:
    """Rules between the numbers of one arm (the sheet's own arm numbers included)."""

    def value(name: str) -> float | None:
        if name in stats:
            return stats[name].value
        column = SHEET_COLUMN.get(name)
        return row.get(f"{column}_{arm}") if column else None

    def fail(message: str, *names: str) -> InputError:
        """The error names the last row (in file order) of those involved."""
        involved = [stats[n] for n in names if n in stats] or list(stats.values())
        return max(involved, key=lambda s: s.row_number).error(message)

    for low, high in (("ci_low", "ci_high"), ("ci_high", "ci_low")):
        if low in stats and high not in stats:
            raise fail(f"a CI of the arm mean needs both limits ({high} missing)", low)
    if "ci_low" in stats and stats["ci_low"].value > stats["ci_high"].value:
        raise fail("ci_low exceeds ci_high", "ci_low", "ci_high")
    mean = value("mean")
    low, high = (stats[k].value if k in stats else None for k in ("ci_low", "ci_high"))
    if mean is not None and low is not None and not low <= mean <= high:  # type: ignore[operator]
        message = f"the CI of the arm mean does not contain the mean {mean:g}"
        raise fail(message, "ci_low", "ci_high", "mean")
    n, events = value("n"), value("events")
    if n is not None and events is not None and events > n:
        raise fail(f"events {events:g} exceed n {n:g}", "events", "n")
    given = [(name, stats[name].value) for name in ORDER if name in stats]
    for (name_a, a), (name_b, b) in itertools.pairwise(given):
        if b < a:
            raise fail(f"{name_a} <= {name_b} does not hold ({a:g} > {b:g})", name_a, name_b)
    if ("q1" in stats) != ("q3" in stats):
        raise fail("an IQR needs both q1 and q3", "q1", "q3")
    if ("min" in stats) != ("max" in stats):
        raise fail("a range needs both min and max", "min", "max")
    if any(q in stats for q in ("q1", "q3", "min", "max")) and "median" not in stats:
        raise fail("quartiles or a range need the median", "q1", "q3", "min", "max")
    if ("sd_baseline" in stats) != ("sd_followup" in stats):
        message = "a change-score SD needs both sd_baseline and sd_followup"
        raise fail(message, "sd_baseline", "sd_followup")
