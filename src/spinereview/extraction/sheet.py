"""The curated effect-size sheet (data/extraction/effects.csv): loading and row-level validation."""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from spinereview.errors import InputError
from spinereview.io import read_table
from spinereview.schemas import validate_rows

OUTCOMES = ("leg_pain", "back_pain", "pain_overall", "disability", "responder")
INSTRUMENTS = ("VAS_0_100", "VAS_0_10", "NRS_0_10", "ODI_0_100", "RMDQ_0_24")
MEASURES = ("MD", "SMD", "RR", "OR", "RD", "arms")
NUMERIC = (
    "timepoint_weeks",
    "estimate",
    "ci_low",
    "ci_high",
    "n_treat",
    "n_ctrl",
    "mean_treat",
    "sd_treat",
    "mean_ctrl",
    "sd_ctrl",
    "events_treat",
    "events_ctrl",
    "p_value",
)
#: The sheet's header, in the order of data/extraction/effects.csv (draft rows use it too):
#: the numbers in NUMERIC's order, except that measure follows the timepoint and p_value the note.
COLUMNS = (
    *("row_id", "study_id", "pmid", "outcome", "instrument"),
    *(NUMERIC[0], "measure", *NUMERIC[1:-1]),
    *("source_url", "locator", "note", NUMERIC[-1], "direction", "uncertain", "pooling"),
)
EFFECT = ("estimate", "ci_low", "ci_high")
ARM_MEANS = ("mean_treat", "sd_treat", "mean_ctrl", "sd_ctrl")
EVENTS = ("events_treat", "events_ctrl")


@dataclass(frozen=True)
class SheetRow:
    """One validated row of the curated sheet; numbers parsed, empty cells None."""

    row_number: int
    row_id: str
    study_id: str
    pmid: str
    outcome: str
    instrument: str
    measure: str
    values: dict[str, float | None]
    source_url: str
    locator: str
    note: str
    direction: str
    uncertain: bool
    pooling_exclusion: str

    def get(self, name: str) -> float | None:
        return self.values[name]

    def has(self, *names: str) -> bool:
        return all(self.values[n] is not None for n in names)


def number_cell(path: Path, number: int, name: str, text: str) -> float | None:
    """A CSV cell as a finite number (None when empty); anything else names file, row and field."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, f"{text!r} is not a number", row=number, field=name) from None
    if not math.isfinite(value):
        raise InputError(path, f"{text!r} is not a finite number", row=number, field=name)
    return value


def _fail(path: Path, number: int, field: str, message: str) -> InputError:
    return InputError(path, message, row=number, field=field)


def check_row(path: Path, row: SheetRow, studies: dict[str, str]) -> None:
    """Every rule a row must satisfy; the first broken rule raises, naming file, row and field."""
    n, v = row.row_number, row.values
    if row.study_id not in studies:
        raise _fail(path, n, "study_id", f"study id {row.study_id!r} is not in the studies table")
    if row.pmid and studies[row.study_id] and row.pmid != studies[row.study_id]:
        raise _fail(
            path,
            n,
            "pmid",
            f"PMID {row.pmid} differs from the studies table ({studies[row.study_id]})",
        )
    if row.outcome not in OUTCOMES:
        raise _fail(
            path, n, "outcome", f"unknown outcome {row.outcome!r}; one of {', '.join(OUTCOMES)}"
        )
    if row.instrument not in INSTRUMENTS and not re.fullmatch(r"other:\S.*", row.instrument):
        raise _fail(
            path,
            n,
            "instrument",
            f"unknown instrument {row.instrument!r}; one of "
            f"{', '.join(INSTRUMENTS)} or 'other:<description>'",
        )
    if row.measure not in MEASURES:
        raise _fail(
            path, n, "measure", f"unknown measure {row.measure!r}; one of {', '.join(MEASURES)}"
        )
    for name in ("sd_treat", "sd_ctrl", "n_treat", "n_ctrl", "events_treat", "events_ctrl"):
        if v[name] is not None and v[name] < 0:
            raise _fail(path, n, name, f"{name} is negative ({v[name]:g})")
    if v["p_value"] is not None and not 0 < v["p_value"] < 1:
        raise _fail(path, n, "p_value", "an exact p-value lies strictly between 0 and 1")
    for events, size in (("events_treat", "n_treat"), ("events_ctrl", "n_ctrl")):
        if v[events] is not None and v[size] is not None and v[events] > v[size]:
            raise _fail(path, n, events, f"{events} {v[events]:g} exceeds {size} {v[size]:g}")
    _check_measure(path, row)
    low, est, high = v["ci_low"], v["estimate"], v["ci_high"]
    if (low is None) != (high is None):
        raise _fail(path, n, "ci_high" if high is None else "ci_low", "a CI needs both limits")
    if low is not None and high is not None:
        if low > high:
            raise _fail(path, n, "ci_low", f"CI lower limit {low:g} exceeds upper limit {high:g}")
        if est is not None and not low <= est <= high:
            raise _fail(path, n, "estimate", f"CI {low:g} to {high:g} does not contain {est:g}")
    if v["timepoint_weeks"] is None and _has_numbers(row) and not row.pooling_exclusion:
        raise _fail(
            path,
            n,
            "timepoint_weeks",
            "timepoint missing: needed to place the row in a "
            "window (add it, or exclude the row from pooling with a reason)",
        )


def _has_numbers(row: SheetRow) -> bool:
    return any(row.values[c] is not None for c in (*EFFECT, *ARM_MEANS, *EVENTS))


def _check_measure(path: Path, row: SheetRow) -> None:
    """The measure must agree with which columns are filled."""
    n, v = row.row_number, row.values
    filled = {c for c in (*EFFECT, *ARM_MEANS, *EVENTS) if v[c] is not None}
    if row.measure == "arms":
        wrong = [c for c in EFFECT if c in filled]
        if wrong:
            raise _fail(
                path, n, wrong[0], "measure 'arms' takes arm statistics, not an effect estimate"
            )
        return
    if not filled & set(EFFECT):
        raise _fail(path, n, "estimate", f"measure {row.measure} needs an estimate or a CI")
    if row.measure in ("MD", "SMD") and filled & set(EVENTS):
        raise _fail(
            path, n, sorted(filled & set(EVENTS))[0], f"events do not belong to a {row.measure}"
        )
    if row.measure in ("RR", "OR", "RD") and filled & {"mean_treat", "mean_ctrl"}:
        field = sorted(filled & {"mean_treat", "mean_ctrl"})[0]
        raise _fail(path, n, field, f"arm means do not belong to a {row.measure}")
    if row.measure in ("RR", "OR"):
        for name in EFFECT:
            if v[name] is not None and v[name] <= 0:
                raise _fail(path, n, name, f"a ratio ({row.measure}) must be positive")
    if row.measure == "RD":
        for name in EFFECT:
            if v[name] is not None and not -100 <= v[name] <= 100:
                raise _fail(
                    path, n, name, "a risk difference is in percentage points (-100 to 100)"
                )


def load_sheet(path: str | Path, studies: dict[str, str]) -> list[SheetRow]:
    """Load and validate the curated sheet. ``studies`` maps study id → PMID ('' when none)."""
    path = Path(path)
    rows, seen = [], set()
    for number, raw in enumerate(read_table(path, COLUMNS), start=1):
        if not re.fullmatch(r"E\d{3,}", raw["row_id"]):
            raise _fail(path, number, "row_id", f"row id {raw['row_id']!r} is not like E001")
        if raw["row_id"] in seen:
            raise _fail(path, number, "row_id", f"duplicate row id {raw['row_id']}")
        seen.add(raw["row_id"])
        if raw["direction"] not in ("lower_better", "higher_better"):
            raise _fail(
                path, number, "direction", "direction must be lower_better or higher_better"
            )
        if raw["uncertain"] not in ("yes", "no"):
            raise _fail(path, number, "uncertain", "uncertain must be yes or no")
        pooling = raw["pooling"].strip()
        if pooling and not re.fullmatch(r"exclude: \S.*", pooling):
            raise _fail(path, number, "pooling", "pooling must be empty or 'exclude: <reason>'")
        values = {name: number_cell(path, number, name, raw[name]) for name in NUMERIC}
        row = SheetRow(
            number,
            raw["row_id"],
            raw["study_id"],
            raw["pmid"],
            raw["outcome"],
            raw["instrument"],
            raw["measure"],
            values,
            raw["source_url"],
            raw["locator"],
            raw["note"],
            raw["direction"],
            raw["uncertain"] == "yes",
            pooling.removeprefix("exclude: "),
        )
        check_row(path, row, studies)
        validate_rows(
            [raw], "effects_sheet.schema.yaml", source=path, id_field="row_id", start=number
        )
        rows.append(row)
    return rows


def studies_index(curated_ids: Collection[tuple[str, str]]) -> dict[str, str]:
    """Map study id → PMID from (id, pmid) pairs of the studies table."""
    return dict(curated_ids)
