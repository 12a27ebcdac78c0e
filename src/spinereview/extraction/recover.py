"""Precision recovery (Cochrane Handbook ch. 6): pure functions that rebuild missing arm numbers.

Every function states its formula and source, raises ``ValueError`` on impossible input and has no
I/O. Values they return are *derived* (never as reported); callers must flag them as such. The SE of
an effect from an exact p-value stays in :func:`spinereview.extraction.convert.se_from_p`.
Pinned against metafor (``tools/metafor/conversions_reference.R``, ``tests/test_recover.py``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

# scipy (through spinereview.distributions) is imported in the functions that use it.

#: Handbook §6.5.2.2: below this many participants per arm a CI of an arm mean is taken to use t.
T_BELOW_N = 60
#: metafor's conv.fivenum leaves arms with fewer participants unconverted.
FIVENUM_MIN_N = 5


def events_from_percent(percent: float, n: float, decimals: int = 0) -> int:
    """Events of an arm from its reported percentage: events = round(p/100 · n).

    Rounding is to the nearest integer, ties to even (Python's ``round``; R's ``round`` does the
    same for exactly representable halves). A tie means both neighbours are equally consistent
    with the report, so the rule only decides which of two equally defensible counts is taken.
    The count is then checked: its percentage 100·events/n must agree with the reported one to
    within half a unit of the reporting precision (0.5 for whole percentages, 0.05 for one
    decimal, …); otherwise the percentage and n cannot describe the same arm (e.g. a percentage of
    the analysed, not the randomised, participants) and a ``ValueError`` is raised.
    The result is always *derived*. Dichotomous effects (Cochrane Handbook §6.4) need the count of
    events per arm; recomputing it from a percentage and its denominator is arithmetic, with the
    rounding as its only assumption.
    """
    if not 0 <= percent <= 100:
        raise ValueError(f"a percentage lies between 0 and 100, got {percent}")
    _check_n(n, whole=True)
    if decimals < 0:
        raise ValueError(f"reporting precision must be 0 or more decimals, got {decimals}")
    events = round(percent * n / 100)
    tolerance = 0.5 * 10.0**-decimals
    implied = 100 * events / n
    if abs(implied - percent) > tolerance * (1 + 1e-9):
        raise ValueError(
            f"{percent:g}% of n = {n:g} is not a whole count: the nearest count {events} is "
            f"{implied:.4g}%, more than {tolerance:g} percentage points from the report"
        )
    return events


def sd_from_se(se: float, n: float) -> float:
    """SD of an arm from the standard error of its mean: SD = SE · √n (Handbook §6.5.2.2)."""
    if not se >= 0:
        raise ValueError(f"standard error {se} is negative")
    _check_n(n)
    return se * math.sqrt(n)


def mean_ci_crit(n: float, level: float = 0.95) -> float:
    """Critical value behind a CI of an arm mean: t_{n−1, (1+level)/2} if n < 60, else z.

    Cochrane Handbook §6.5.2.2: for small samples (fewer than 60 per group) the interval should
    have used the t distribution with n − 1 degrees of freedom (3.92 = 2 × 1.96 is replaced by
    2 × t); from 60 on the normal value is used.
    """
    if not 0 < level < 1:
        raise ValueError(f"confidence level must lie in (0, 1), got {level}")
    _check_n(n)
    if n < 2:
        raise ValueError(f"a CI of an arm mean needs n of at least 2, got {n}")
    q = (1 + level) / 2
    from spinereview.distributions import norm_ppf, t_ppf

    return float(t_ppf(q, n - 1)) if n < T_BELOW_N else float(norm_ppf(q))


def sd_from_ci(low: float, high: float, n: float, level: float = 0.95) -> float:
    """SD of an arm from the CI of its mean: SD = √n · (upper − lower) / (2 · crit).

    ``crit`` is :func:`mean_ci_crit` (t with n − 1 df below 60 per arm, z otherwise), Cochrane
    Handbook §6.5.2.2. The interval is assumed symmetric about the mean.
    """
    if high < low:
        raise ValueError(f"upper limit {high} is below lower limit {low}")
    return math.sqrt(n) * (high - low) / (2 * mean_ci_crit(n, level))


@dataclass(frozen=True)
class FiveNumberEstimate:
    """Mean and SD estimated from a median with quartiles and/or range; ``scenario`` S1, S2 or S3."""

    mean: float
    sd: float
    scenario: str


def mean_sd_from_fivenum(
    n: float,
    median: float,
    q1: float | None = None,
    q3: float | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    skew_test: bool = True,
) -> FiveNumberEstimate:
    """Mean and SD from a median with IQR and/or range, as metafor's ``conv.fivenum`` default.

    Scenarios (Wan et al. 2014): S1 = min, median, max; S2 = q1, median, q3; S3 = all five.
    With ξ = 2·Φ⁻¹((n − 0.375)/(n + 0.25)) and η = 2·Φ⁻¹((0.75n − 0.125)/(n + 0.25)):

    - mean (Luo et al. 2018, Stat Methods Med Res 27:1785, eqs. 7, 11, 15):
      S1: w = 4/(4 + n^0.75), mean = w·(min + max)/2 + (1 − w)·median;
      S2: w = 0.7 + 0.39/n, mean = w·(q1 + q3)/2 + (1 − w)·median;
      S3: w1 = 2.2/(2.2 + n^0.75), w2 = 0.7 − 0.72/n^0.55,
      mean = w1·(min + max)/2 + w2·(q1 + q3)/2 + (1 − w1 − w2)·median.
    - SD (Wan et al. 2014, BMC Med Res Methodol 14:135, eqs. 9 and 16; Shi et al. 2020, Res Synth
      Methods 11:641, eq. 10): S1: (max − min)/ξ; S2: (q3 − q1)/η;
      S3: w = 1/(1 + 0.07·n^0.6), SD = w·(max − min)/ξ + (1 − w)·(q3 − q1)/η.

    Like ``conv.fivenum`` (metafor ≥ 4.0, ``dist = "norm"``, ``test = TRUE``) the numbers are first
    tested for skewness (Shi et al. 2023, Stat Methods Med Res 32:1338): S1: T = |min + max −
    2·median|/(max − min) against 1/ln(n + 9) + 2.5/(n + 1); S2: T = |q1 + q3 − 2·median|/(q3 − q1)
    against 2.65/√n − 6/n²; S3: T = max(2.65·ln(0.6n)/√n · T_S1, T_S2) against 3/√n − 40/n³.
    T ≥ critical value means the data look skewed, and — where metafor returns NA — this raises
    ``ValueError`` (switch off with ``skew_test=False``). As in metafor, n < 5 is refused, as are the
    quantiles out of order; a zero range or IQR is refused too (it gives an SD of 0).
    """
    _check_n(n)
    if n < FIVENUM_MIN_N:
        raise ValueError(f"conv.fivenum needs n >= {FIVENUM_MIN_N}, got {n:g}")
    has_range = minimum is not None and maximum is not None
    has_iqr = q1 is not None and q3 is not None
    if (minimum is None) != (maximum is None) or (q1 is None) != (q3 is None):
        raise ValueError("a range needs both min and max, an IQR both q1 and q3")
    if not (has_range or has_iqr):
        raise ValueError("a median needs an IQR (q1, q3) or a range (min, max)")
    given = [x for x in (minimum, q1, median, q3, maximum) if x is not None]
    if any(b < a for a, b in itertools.pairwise(given)):
        raise ValueError("the five numbers must satisfy min <= q1 <= median <= q3 <= max")
    from spinereview.distributions import norm_ppf

    xi = 2 * float(norm_ppf((n - 0.375) / (n + 0.25)))
    eta = 2 * float(norm_ppf((0.75 * n - 0.125) / (n + 0.25)))
    t1 = t2 = 0.0
    if has_range:
        if maximum == minimum:  # type: ignore[operator]
            raise ValueError("a range of zero gives no standard deviation")
        t1 = abs(minimum + maximum - 2 * median) / (maximum - minimum)  # type: ignore[operator]
    if has_iqr:
        if q3 == q1:  # type: ignore[operator]
            raise ValueError("an interquartile range of zero gives no standard deviation")
        t2 = abs(q1 + q3 - 2 * median) / (q3 - q1)  # type: ignore[operator]
    if has_range and has_iqr:
        scenario = "S3"
        stat = max(2.65 * math.log(0.6 * n) / math.sqrt(n) * t1, t2)
        crit = 3 / math.sqrt(n) - 40 / n**3
        w1, w2 = 2.2 / (2.2 + n**0.75), 0.7 - 0.72 / n**0.55
        mean = (
            w1 * (minimum + maximum) / 2  # type: ignore[operator]
            + w2 * (q1 + q3) / 2  # type: ignore[operator]
            + (1 - w1 - w2) * median
        )
        w = 1 / (1 + 0.07 * n**0.6)
        sd = w * (maximum - minimum) / xi + (1 - w) * (q3 - q1) / eta  # type: ignore[operator]
    elif has_range:
        scenario, stat = "S1", t1
        crit = 1 / math.log(n + 9) + 2.5 / (n + 1)
        w = 4 / (4 + n**0.75)
        mean = w * (minimum + maximum) / 2 + (1 - w) * median  # type: ignore[operator]
        sd = (maximum - minimum) / xi  # type: ignore[operator]
    else:
        scenario, stat = "S2", t2
        crit = 2.65 / math.sqrt(n) - 6 / n**2
        w = 0.7 + 0.39 / n
        mean = w * (q1 + q3) / 2 + (1 - w) * median  # type: ignore[operator]
        sd = (q3 - q1) / eta  # type: ignore[operator]
    if skew_test and stat >= crit:
        raise ValueError(
            f"the {scenario} summary looks skewed (Shi et al. 2023: T = {stat:.3g} >= {crit:.3g}); "
            "mean and SD are not estimated"
        )
    return FiveNumberEstimate(mean, sd, scenario)


def sd_change(sd_baseline: float, sd_followup: float, r: float) -> float:
    """SD of change from baseline: √(SD_b² + SD_f² − 2·r·SD_b·SD_f).

    Cochrane Handbook §6.5.2.8 (imputing SDs for changes from baseline, with a correlation r
    between baseline and follow-up measurements); metafor's escalc("MC") uses the same SD.
    """
    if sd_baseline < 0 or sd_followup < 0:
        raise ValueError("standard deviations must not be negative")
    if not -1 <= r <= 1:
        raise ValueError(f"a correlation lies between -1 and 1, got {r}")
    return math.sqrt(max(0.0, sd_baseline**2 + sd_followup**2 - 2 * r * sd_baseline * sd_followup))


def pooled_sd(sds: Sequence[float], ns: Sequence[float]) -> float:
    """A borrowed SD: the pooled SD of donor arms, √(Σ(n_i − 1)·SD_i² / Σ(n_i − 1)).

    Cochrane Handbook §6.5.2.7 allows imputing a missing SD from other studies in the review
    (Furukawa et al. 2006, J Clin Epidemiol 59:7: borrowing works well). The degrees-of-freedom
    weighted pooled SD is used rather than the SD of one (e.g. the largest) trial: it is the
    estimate of a common within-arm SD that the SMD's pooled SD also uses, it draws on every donor,
    and it does not hinge on which trial happens to be largest.
    """
    if len(sds) != len(ns):
        raise ValueError("one sample size per standard deviation is needed")
    if not sds:
        raise ValueError("no donor standard deviations to borrow from")
    for sd, n in zip(sds, ns, strict=True):
        if sd < 0:
            raise ValueError(f"standard deviation {sd} is negative")
        if n < 2:
            raise ValueError(f"a donor arm needs n of at least 2, got {n}")
    df = sum(n - 1 for n in ns)
    return math.sqrt(sum((n - 1) * sd**2 for sd, n in zip(sds, ns, strict=True)) / df)


def _check_n(n: float, *, whole: bool = False) -> None:
    if not n > 0 or not math.isfinite(n):
        raise ValueError(f"sample size {n} must be positive")
    if whole and n != int(n):
        raise ValueError(f"sample size {n} must be a whole number")
