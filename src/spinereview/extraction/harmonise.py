"""Harmonised effects: common scale, one sign convention, SE, time window, one row per window."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spinereview.errors import InputError
from spinereview.extraction.arm_statistics import ArmStat
from spinereview.extraction.convert import (
    md_from_arms,
    se_from_ci,
    se_from_p,
    smd_hedges,
    two_by_two,
    z_crit,
)
from spinereview.extraction.fill import Donor, Recovery, fill_row
from spinereview.extraction.sheet import SheetRow

PAIN = ("leg_pain", "back_pain", "pain_overall")
#: instrument → (common scale, factor to it). RMDQ 0–24 is rescaled linearly to 0–100.
SCALES: dict[tuple[str, str], tuple[str, float]] = {
    **{(o, "VAS_0_100"): ("pain_0_100", 1.0) for o in PAIN},
    **{(o, "VAS_0_10"): ("pain_0_100", 10.0) for o in PAIN},
    **{(o, "NRS_0_10"): ("pain_0_100", 10.0) for o in PAIN},
    ("disability", "ODI_0_100"): ("disability_0_100", 1.0),
    ("disability", "RMDQ_0_24"): ("disability_0_100", 100 / 24),
}


@dataclass(frozen=True)
class Window:
    """A follow-up window: timepoints up to ``max_weeks`` (None = no bound)."""

    id: str
    max_weeks: float | None
    inclusive: bool
    target_weeks: float

    def contains_upper(self, weeks: float) -> bool:
        if self.max_weeks is None:
            return True
        return weeks <= self.max_weeks if self.inclusive else weeks < self.max_weeks


def windows_from_config(
    entries: Sequence[Mapping[str, Any]], source: str = "config/config.yaml"
) -> list[Window]:
    """Build windows; they must not overlap: bounds strictly increase, only the last is open-ended.

    spinereview.config.check_config runs this when the config is loaded, so a bad window stops the
    run before any job, with the key path (``extraction.windows.<i>.max_weeks``).
    """
    windows = [
        Window(e["id"], e.get("max_weeks"), e.get("inclusive", True), e["target_weeks"])
        for e in entries
    ]
    for i, w in enumerate(windows[:-1]):
        if w.max_weeks is None:
            raise InputError(
                source,
                f"window {w.id!r}: only the last window may omit max_weeks",
                field=f"extraction.windows.{i}.max_weeks",
            )
    for i in range(1, len(windows)):
        before, w = windows[i - 1], windows[i]
        if w.max_weeks is not None and w.max_weeks <= before.max_weeks:  # type: ignore[operator]
            raise InputError(
                source,
                f"window {w.id!r} (max_weeks {w.max_weeks:g}) overlaps window {before.id!r} "
                f"(max_weeks {before.max_weeks:g}): bounds must strictly increase",
                field=f"extraction.windows.{i}.max_weeks",
            )
    return windows


def window_of(weeks: float, windows: Sequence[Window]) -> str | None:
    """The id of the first window containing ``weeks`` (None if it lies beyond a bounded last one)."""
    return next((w.id for w in windows if w.contains_upper(weeks)), None)


ARM_COLUMNS = ("mean_treat", "sd_treat", "n_treat", "mean_ctrl", "sd_ctrl", "n_ctrl")
COUNT_COLUMNS = ("events_treat", "n_treat", "events_ctrl", "n_ctrl")


@dataclass
class Effect:
    """One row's effect on its common scale, before the sign convention, with the steps taken."""

    scale: str | None
    yi: float | None = None
    vi: float | None = None
    smd_yi: float | None = None
    smd_vi: float | None = None
    precision: str = ""
    steps: list[str] = field(default_factory=list)


def scale_of(row: SheetRow) -> tuple[str | None, float]:
    """(common scale, factor): pain 0-100, disability 0-100, responders as RD in percentage points."""
    if row.outcome == "responder":
        return "responder_rd_pp", 1.0
    return SCALES.get((row.outcome, row.instrument), (None, 1.0))


def _arms(row: SheetRow) -> list[float] | None:
    if not row.has(*ARM_COLUMNS) or row.values["n_treat"] + row.values["n_ctrl"] <= 2:  # type: ignore[operator]
        return None
    return [row.values[c] for c in ARM_COLUMNS]  # type: ignore[misc]


def _arm_spread(row: SheetRow) -> tuple[float, float, float, float] | None:
    """(sd_treat, n_treat, sd_ctrl, n_ctrl) when all are known and n_treat + n_ctrl > 2."""
    names = ("sd_treat", "n_treat", "sd_ctrl", "n_ctrl")
    if not row.has(*names) or row.values["n_treat"] + row.values["n_ctrl"] <= 2:  # type: ignore[operator]
        return None
    return tuple(row.values[c] for c in names)  # type: ignore[return-value]


def _counts(row: SheetRow, effect: Effect, add: float) -> None:
    """RD in percentage points from events and arm sizes (continuity correction on zero cells)."""
    a, n1, c, n2 = (row.values[k] for k in COUNT_COLUMNS)
    rd, var, corrected = two_by_two(a, n1, c, n2, "RD", add)  # type: ignore[arg-type]
    effect.yi, effect.vi, effect.precision = rd * 100, var * 100**2, "RD from counts"
    note = f"; {add:g} added to every cell (a zero cell)" if corrected else ""
    effect.steps.append(
        f"RD = a/n1 - c/n2 in percentage points, Var = p1(1-p1)/n1 + p2(1-p2)/n2{note}"
    )


def _reported(row: SheetRow, effect: Effect, factor: float, ci_level: float, add: float) -> None:
    """A reported estimate (or CI midpoint) with its SE from the CI, a p-value, counts or arm SDs."""
    v, log = row.values, row.measure in ("RR", "OR")
    est = v["estimate"]
    if est is None:
        est = (v["ci_low"] + v["ci_high"]) / 2  # type: ignore[operator]
        effect.steps.append("estimate = midpoint of the CI (no point estimate reported)")
    if log:
        est, effect.scale, factor = math.log(est), f"log_{row.measure.lower()}", 1.0
        effect.steps.append(f"natural log of the {row.measure}")
    effect.yi = est * factor
    if row.has("ci_low", "ci_high"):
        se = se_from_ci(v["ci_low"], v["ci_high"], ci_level, log_scale=log)  # type: ignore[arg-type]
        effect.vi, effect.precision = (se * factor) ** 2, "SE from CI"
        effect.steps.append(
            f"SE = (upper - lower) / (2 z) from the {ci_level:.0%} CI"
            + (" on the log scale" if log else "")
        )
    elif v["p_value"] is not None:
        se = se_from_p(est, v["p_value"])  # type: ignore[arg-type]
        effect.vi, effect.precision = (se * factor) ** 2, "SE from p-value (flagged)"
        effect.steps.append("SE = |estimate| / z(1 - p/2) from an exact p-value")
    elif row.measure == "RD" and row.has(*COUNT_COLUMNS):
        _counts(row, effect, add)
    elif row.measure == "MD" and _arm_spread(row) is not None:
        sd1, n1, sd2, n2 = _arm_spread(row)  # type: ignore[misc]
        var = md_from_arms(0.0, sd1, n1, 0.0, sd2, n2)[1]
        effect.vi, effect.precision = var * factor**2, "variance from arm SDs"


def effect_of(row: SheetRow, ci_level: float, add: float) -> Effect:
    """Compute a row's effect and variance on its common scale (see ``Effect``)."""
    scale, factor = scale_of(row)
    effect = Effect(scale=scale)
    arms = _arms(row)
    if arms is not None and (arms[1] or arms[4]):
        effect.smd_yi, effect.smd_vi = smd_hedges(*arms)
    if row.measure != "arms":
        _reported(row, effect, factor, ci_level, add)
    elif row.outcome == "responder" and row.has(*COUNT_COLUMNS):
        _counts(row, effect, add)
    elif arms is not None and scale is not None:
        md, var = md_from_arms(*arms)
        effect.yi, effect.vi, effect.precision = (
            md * factor,
            var * factor**2,
            "MD from arm means/SDs",
        )
        effect.steps.append("MD = mean_treat - mean_ctrl, Var = sd_t^2/n_t + sd_c^2/n_c")
    if factor != 1.0 and effect.yi is not None and effect.scale == scale:
        effect.steps.append(f"x {factor:.6g} to the 0-100 scale ({row.instrument})")
    return effect


@dataclass(frozen=True)
class Comparison:
    """Screening's view of one curated publication/comparison (results/screening/comparisons.csv)."""

    study_id: str
    comparison_id: str
    included: bool
    classes: dict[str, str]


def _not_poolable(row: SheetRow, effect: Effect, window: str | None) -> str:
    if row.pooling_exclusion:
        return f"excluded by curator: {row.pooling_exclusion}"
    if effect.yi is None:
        return "no effect estimate and no usable arm data in the sheet"
    if effect.vi is None:
        return "no measure of precision (no CI, exact p-value, counts or arm SDs)"
    if effect.scale is None:
        return f"no common scale for instrument {row.instrument}"
    if effect.vi <= 0:
        return "variance is zero"
    if window is None:
        return "timepoint outside every window"
    return ""


def harmonise_row(
    row: SheetRow,
    comparison: Comparison | None,
    windows: Sequence[Window],
    ci_level: float,
    add: float,
    *,
    stats: Mapping[str, Mapping[str, ArmStat]] | None = None,
    recovery: Recovery | None = None,
    donors: Mapping[tuple[str, str], list[Donor]] | None = None,
) -> dict[str, Any]:
    """One harmonised row: sign convention (negative favours injection), SE, CI, window, flags.

    Missing arm numbers are first filled from the row's arm statistics (``stats``: arm →
    statistic → ArmStat) and, with ``recovery.borrow_sd``, from ``donors`` (see ``fill``).
    """
    trial = comparison.study_id if comparison else row.study_id
    filled = fill_row(row, stats, recovery or Recovery(), donors, trial)
    row = filled.row
    effect = effect_of(row, ci_level, add)
    effect.steps[:0] = filled.steps
    flip = row.direction == "higher_better"
    if flip and effect.yi is not None:
        effect.steps.append("sign flipped (higher is better), so negative favours injection")
    sign = -1.0 if flip else 1.0
    weeks = row.get("timepoint_weeks")
    window = window_of(weeks, windows) if weeks is not None else None
    se = math.sqrt(effect.vi) if effect.vi is not None and effect.vi >= 0 else None
    yi = sign * effect.yi if effect.yi is not None else None
    z = z_crit(ci_level)
    reason = _not_poolable(row, effect, window)
    return {
        "row_id": row.row_id,
        "sheet_row": row.row_number,
        "publication_id": row.study_id,
        "study_id": comparison.study_id if comparison else row.study_id,
        "comparison_id": comparison.comparison_id if comparison else row.study_id,
        "pmid": row.pmid,
        "outcome": row.outcome,
        "instrument": row.instrument,
        "scale": effect.scale,
        "measure": row.measure,
        "timepoint_weeks": weeks,
        "window": window,
        "yi": yi,
        "vi": effect.vi,
        "se": se,
        "ci_low": yi - z * se if yi is not None and se is not None else None,
        "ci_high": yi + z * se if yi is not None and se is not None else None,
        "smd_yi": sign * effect.smd_yi if effect.smd_yi is not None else None,
        "smd_vi": effect.smd_vi,
        "n_treat": row.get("n_treat"),
        "n_ctrl": row.get("n_ctrl"),
        "direction": row.direction,
        "sign_flipped": flip,
        "precision": effect.precision,
        "conversions": "; ".join(effect.steps),
        "uncertain": row.uncertain,
        "derived": filled.derived,
        "imputed": filled.imputed,
        "poolable": not reason,
        "not_poolable_reason": reason,
        "included": bool(comparison and comparison.included),
        **{
            k: (comparison.classes.get(k, "") if comparison else "")
            for k in ("intervention", "comparator", "population", "duration")
        },
        "source_url": row.source_url,
        "locator": row.locator,
    }


def select_per_window(
    rows: list[dict[str, Any]], windows: Sequence[Window], instrument_priority: Sequence[str]
) -> None:
    """Mark one row per comparison × outcome × window as ``selected`` (in place).

    Ranking: poolable rows first; then rows not flagged uncertain; then the timepoint closest to the
    window's ``target_weeks`` (ties: the later timepoint); then instrument priority; then row id.
    Every other row of the group gets a ``selection_note`` naming the row that represents the window.
    """
    target = {w.id: w.target_weeks for w in windows}
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        row["selected"], row["selection_note"] = False, ""
        if row["window"] is not None:
            groups.setdefault((row["comparison_id"], row["outcome"], row["window"]), []).append(row)
    order = {name: i for i, name in enumerate(instrument_priority)}

    def rank(row: dict[str, Any]) -> tuple[Any, ...]:
        distance = abs(row["timepoint_weeks"] - target[row["window"]])
        return (
            not row["poolable"],
            row["uncertain"],
            distance,
            -row["timepoint_weeks"],
            order.get(row["instrument"], len(order)),
            row["row_id"],
        )

    for group in groups.values():
        best = min(group, key=rank)
        best["selected"] = True
        for row in group:
            if row is not best:
                row["selection_note"] = (
                    f"{row['window']} window represented by {best['row_id']} "
                    f"({best['timepoint_weeks']:g} weeks)"
                )
