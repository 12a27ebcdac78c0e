"""Fill a sheet row's missing arm numbers from its arm statistics (precision recovery, applied).

Per arm and field, the first available source wins (reported before derived before imputed):

- n: the sheet; an ``n`` statistic (as reported, else a hand derivation such as an allocation ratio).
- events: the sheet; an ``events`` statistic; round(percent/100 · n) (``recover.events_from_percent``).
- mean: the sheet; a ``mean`` statistic; the midpoint of the arm mean's 95% CI; the median with IQR
  and/or range (``recover.mean_sd_from_fivenum``).
- sd: the sheet; an ``sd`` statistic; SE·√n; the 95% CI of the arm mean; the median with IQR and/or
  range; √(SD_b² + SD_f² − 2·r·SD_b·SD_f) with the configured r; finally, only when
  ``borrow_sd`` is on and the row has no other measure of precision, the pooled SD of the same
  outcome and instrument in other trials (``recover.pooled_sd``; *imputed*).

Every step is written to the row's ``conversions``. ``derived`` is set when any number filled into
the row came from a recovery method or a hand derivation; ``imputed`` when an SD was borrowed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from spinereview.extraction.arm_statistics import ARMS, ArmStat, ArmStatistics
from spinereview.extraction.recover import (
    FiveNumberEstimate,
    events_from_percent,
    mean_ci_crit,
    mean_sd_from_fivenum,
    pooled_sd,
    sd_change,
    sd_from_ci,
    sd_from_se,
)
from spinereview.extraction.sheet import SheetRow

#: ci_low/ci_high of the arm-statistics table are 95% CIs of the arm mean.
ARM_CI_LEVEL = 0.95
#: (trial id, SD, n) of one arm that reports an SD, a donor for a borrowed SD.
Donor = tuple[str, float, float]


@dataclass(frozen=True)
class Recovery:
    """The config's ``extraction.recovery`` block."""

    change_correlation: float = 0.5
    borrow_sd: bool = False

    @classmethod
    def from_config(cls, block: Mapping[str, object] | None) -> Recovery:
        block = block or {}
        return cls(
            float(block.get("change_correlation", cls.change_correlation)),  # type: ignore[arg-type]
            bool(block.get("borrow_sd", cls.borrow_sd)),
        )


@dataclass
class Filled:
    """A sheet row with its missing arm numbers filled, the steps taken and the flags."""

    row: SheetRow
    steps: list[str] = field(default_factory=list)
    derived: bool = False
    imputed: bool = False


def _cite(*stats: ArmStat) -> str:
    ids = ", ".join(s.stat_id for s in stats)
    hand = [s for s in stats if s.derived]
    if hand:
        return f"from {ids} (derived by hand: {'; '.join(s.derivation for s in hand)})"
    return f"from {ids}"


class _Arm:
    """Fills one arm's n, events, mean and sd in ``values`` (in place)."""

    def __init__(
        self,
        values: dict[str, float | None],
        arm: str,
        stats: Mapping[str, ArmStat],
        filled: Filled,
    ) -> None:
        self.values, self.arm, self.s, self.filled = values, arm, stats, filled
        self._fivenum: FiveNumberEstimate | None = None
        self._tried = False

    def col(self, name: str) -> str:
        return f"{name}_{self.arm}"

    def put(self, name: str, value: float, how: str, derived: bool) -> None:
        self.values[self.col(name)] = value
        self.filled.steps.append(f"{self.col(name)} = {value:.6g} {how}")
        self.filled.derived |= derived

    def missing(self, name: str) -> bool:
        return self.values[self.col(name)] is None

    def reported(self, name: str) -> bool:
        """Copy a statistic that is itself the field (n, events, mean, sd) when present."""
        stat = self.s.get(name)
        if stat is None:
            return False
        self.put(name, stat.value, _cite(stat), stat.derived)
        return True

    def fill(self, r: float) -> None:
        if self.missing("n"):
            self.reported("n")
        if self.missing("events") and not self.reported("events"):
            self.events_from_percent()
        if self.missing("mean") and not self.reported("mean"):
            self.mean_from_ci() or self.mean_from_median()
        if self.missing("sd") and not self.reported("sd"):
            (
                self.sd_from_se()
                or self.sd_from_ci()
                or self.sd_from_median()
                or self.sd_from_change(r)
            )

    def n(self) -> float | None:
        return self.values[self.col("n")]

    def events_from_percent(self) -> None:
        p, n = self.s.get("percent"), self.n()
        if p is None or n is None:
            return
        try:
            events = events_from_percent(p.value, n, p.decimals)
        except ValueError as exc:
            # a printed percentage that no whole count of this n gives: the analysed n differs from
            # the one known here, so no count is derived (said in the conversions, not hidden)
            self.filled.steps.append(f"{self.arm} arm: no events {_cite(p)} ({exc})")
            return
        how = f"= round({p.value:g}% x n {n:g}), ties to even, {_cite(p)} (derived)"
        self.put("events", events, how, True)

    def mean_from_ci(self) -> bool:
        if "ci_low" not in self.s:
            return False
        low, high = self.s["ci_low"], self.s["ci_high"]
        how = f"= midpoint of the 95% CI of the arm mean {_cite(low, high)} (derived)"
        self.put("mean", (low.value + high.value) / 2, how, True)
        return True

    def fivenum(self) -> FiveNumberEstimate | None:
        if self._tried:
            return self._fivenum
        self._tried = True
        s, n = self.s, self.n()
        if "median" not in s or n is None:
            return None
        get = {k: (s[k].value if k in s else None) for k in ("q1", "q3", "min", "max")}
        try:
            self._fivenum = mean_sd_from_fivenum(
                n,
                s["median"].value,
                q1=get["q1"],
                q3=get["q3"],
                minimum=get["min"],
                maximum=get["max"],
            )
        except ValueError as exc:
            self.filled.steps.append(f"{self.arm} arm: no mean/SD from the median ({exc})")
        return self._fivenum

    def _fivenum_how(self, what: str, est: FiveNumberEstimate) -> str:
        used = [self.s[k] for k in ("median", "q1", "q3", "min", "max") if k in self.s]
        source = {
            "mean": "Luo et al. 2018",
            "sd": {"S1": "Wan et al. 2014", "S2": "Wan et al. 2014", "S3": "Shi et al. 2020"}[
                est.scenario
            ],
        }[what]
        spread = {"S1": "range", "S2": "IQR", "S3": "IQR and range"}[est.scenario]
        return (
            f"from the median with {spread} {_cite(*used)}: {source}, conv.fivenum scenario "
            f"{est.scenario} (derived)"
        )

    def mean_from_median(self) -> bool:
        est = self.fivenum()
        if est is None:
            return False
        self.put("mean", est.mean, self._fivenum_how("mean", est), True)
        return True

    def sd_from_se(self) -> bool:
        se, n = self.s.get("se"), self.n()
        if se is None or n is None:
            return False
        self.put("sd", sd_from_se(se.value, n), f"= SE x sqrt(n) {_cite(se)} (derived)", True)
        return True

    def sd_from_ci(self) -> bool:
        if "ci_low" not in self.s or self.n() is None:
            return False
        low, high, n = self.s["ci_low"], self.s["ci_high"], self.n()
        try:
            sd = sd_from_ci(low.value, high.value, n, ARM_CI_LEVEL)  # type: ignore[arg-type]
            crit = mean_ci_crit(n, ARM_CI_LEVEL)  # type: ignore[arg-type]
        except ValueError as exc:
            raise low.error(str(exc)) from None
        which = f"t({n - 1:g} df)" if n < 60 else "z"  # type: ignore[operator]
        how = (
            f"= sqrt(n) (upper - lower) / (2 x {crit:.6g}, {which}) from the 95% CI of the arm "
            f"mean {_cite(low, high)} (derived)"
        )
        self.put("sd", sd, how, True)
        return True

    def sd_from_median(self) -> bool:
        est = self.fivenum()
        if est is None:
            return False
        self.put("sd", est.sd, self._fivenum_how("sd", est), True)
        return True

    def sd_from_change(self, r: float) -> bool:
        if "sd_baseline" not in self.s:
            return False
        b, f = self.s["sd_baseline"], self.s["sd_followup"]
        how = (
            f"= sqrt(sd_b^2 + sd_f^2 - 2 r sd_b sd_f), r = {r:g} (change from baseline) "
            f"{_cite(b, f)} (derived)"
        )
        self.put("sd", sd_change(b.value, f.value, r), how, True)
        return True


def needs_sd(row: SheetRow) -> bool:
    """A continuous row, not excluded by the curator, whose precision can only come from arm SDs.

    That is, a row of arm means, or an MD without a CI or an exact p-value.
    """
    if row.outcome == "responder" or row.pooling_exclusion:
        return False
    if row.measure == "arms":
        return True
    return row.measure == "MD" and not row.has("ci_low") and row.get("p_value") is None


def _borrow(
    values: dict[str, float | None],
    row: SheetRow,
    donors: Mapping[tuple[str, str], list[Donor]],
    trial: str,
    filled: Filled,
) -> None:
    for arm in ARMS:
        col = f"sd_{arm}"
        if values[col] is not None or values[f"n_{arm}"] is None:
            continue
        if row.measure == "arms" and values[f"mean_{arm}"] is None:
            continue
        pool = [d for d in donors.get((row.outcome, row.instrument), []) if d[0] != trial]
        if not pool:
            filled.steps.append(
                f"{col} not borrowed: no other trial reports an SD on this instrument"
            )
            continue
        sd = pooled_sd([d[1] for d in pool], [d[2] for d in pool])
        trials = len({d[0] for d in pool})
        values[col] = sd
        filled.steps.append(
            f"{col} = {sd:.6g} borrowed: pooled SD of {len(pool)} arm(s) of {trials} other "
            f"trial(s), same outcome and instrument (imputed)"
        )
        filled.derived = filled.imputed = True


def fill_row(
    row: SheetRow,
    stats: Mapping[str, Mapping[str, ArmStat]] | None,
    recovery: Recovery,
    donors: Mapping[tuple[str, str], list[Donor]] | None = None,
    trial: str = "",
) -> Filled:
    """Fill ``row``'s missing arm numbers (see the module docstring); the sheet row is not changed."""
    values = dict(row.values)
    filled = Filled(row)
    for arm in ARMS:
        if stats and stats.get(arm):
            _Arm(values, arm, stats[arm], filled).fill(recovery.change_correlation)
    if recovery.borrow_sd and donors is not None:
        probe = dataclasses.replace(row, values=values)
        if needs_sd(probe):
            _borrow(values, probe, donors, trial or row.study_id, filled)
    if values != row.values:
        filled.row = dataclasses.replace(row, values=values)
    return filled


def sd_donors(
    rows: Iterable[SheetRow], stats: ArmStatistics, trial_of: Mapping[str, str]
) -> dict[tuple[str, str], list[Donor]]:
    """Arms that report an SD (the sheet's, or an ``sd`` statistic as reported) with n ≥ 2.

    Keyed by (outcome, instrument); rows excluded from pooling by the curator do not donate.
    ``trial_of`` maps a publication id to its trial, so that a row never borrows from its own trial.
    """
    out: dict[tuple[str, str], list[Donor]] = {}
    for row in rows:
        if row.pooling_exclusion or row.outcome == "responder":
            continue
        for arm in ARMS:
            arm_stats = stats.get(row.row_id, {}).get(arm, {})
            sd, n = row.get(f"sd_{arm}"), row.get(f"n_{arm}")
            if sd is None and "sd" in arm_stats and not arm_stats["sd"].derived:
                sd = arm_stats["sd"].value
            if n is None and "n" in arm_stats:
                n = arm_stats["n"].value
            if sd is not None and n is not None and n >= 2:
                trial = trial_of.get(row.study_id, row.study_id)
                out.setdefault((row.outcome, row.instrument), []).append((trial, sd, n))
    return out
