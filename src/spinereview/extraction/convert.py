"""Effect-size conversions: pure functions, each docstring giving its formula (checked against escalc)."""

from __future__ import annotations

import math

# scipy (through spinereview.distributions) is imported where a conversion needs it, so that
# commands and the workflow's config check that only load this module do not pay for it.


def z_crit(level: float = 0.95) -> float:
    """Two-sided normal critical value z_{(1+level)/2}; 1.959964 for a 95% interval."""
    if not 0 < level < 1:
        raise ValueError(f"confidence level must lie in (0, 1), got {level}")
    from spinereview.distributions import norm_ppf

    return float(norm_ppf((1 + level) / 2))


def se_from_ci(low: float, high: float, level: float = 0.95, *, log_scale: bool = False) -> float:
    """SE from a confidence interval: (high − low) / (2·z), on the log scale for ratio measures.

    For RR/OR/HR: SE(log θ) = (ln high − ln low) / (2·z). Cochrane Handbook §6.5.2.2–6.5.2.3.
    """
    if log_scale:
        if low <= 0 or high <= 0:
            raise ValueError("ratio confidence limits must be positive")
        low, high = math.log(low), math.log(high)
    if high < low:
        raise ValueError(f"upper limit {high} is below lower limit {low}")
    return (high - low) / (2 * z_crit(level))


def se_from_p(estimate: float, p: float) -> float:
    """SE from a two-sided p-value of a z-test: |estimate| / z_{1−p/2} (Altman & Bland, BMJ 2011).

    Undefined for p = 1 or estimate = 0; an exact p is needed ("p < 0.05" gives only a bound).
    """
    if not 0 < p < 1:
        raise ValueError(f"p-value must lie in (0, 1), got {p}")
    if estimate == 0:
        raise ValueError("an estimate of 0 gives no standard error from a p-value")
    from spinereview.distributions import norm_ppf

    return abs(estimate) / float(norm_ppf(1 - p / 2))


def md_from_arms(
    m1: float, sd1: float, n1: float, m2: float, sd2: float, n2: float
) -> tuple[float, float]:
    """Mean difference and its variance: MD = m1 − m2, Var = sd1²/n1 + sd2²/n2 (escalc "MD")."""
    _check_arm(sd1, n1), _check_arm(sd2, n2)
    return m1 - m2, sd1**2 / n1 + sd2**2 / n2


def hedges_j(df: float) -> float:
    """Exact small-sample correction J(df) = Γ(df/2) / (√(df/2) · Γ((df−1)/2)) (Hedges 1981)."""
    if df <= 1:
        raise ValueError("Hedges' correction needs more than one degree of freedom")
    from scipy.special import gammaln

    return math.exp(gammaln(df / 2) - 0.5 * math.log(df / 2) - gammaln((df - 1) / 2))


def smd_hedges(
    m1: float, sd1: float, n1: float, m2: float, sd2: float, n2: float
) -> tuple[float, float]:
    """Hedges' g and its large-sample variance (escalc "SMD", vtype "LS").

    s_p = √(((n1−1)sd1² + (n2−1)sd2²)/(n1+n2−2)); g = J(n1+n2−2)·(m1−m2)/s_p;
    Var(g) = 1/n1 + 1/n2 + g²/(2(n1+n2)).
    """
    _check_arm(sd1, n1), _check_arm(sd2, n2)
    correction = hedges_j(n1 + n2 - 2)
    pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
    if pooled == 0:
        raise ValueError("both standard deviations are 0: the SMD is undefined")
    g = correction * (m1 - m2) / pooled
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))


def two_by_two(
    events1: float, n1: float, events2: float, n2: float, measure: str, add: float = 0.5
) -> tuple[float, float, bool]:
    """log RR, log OR or RD (proportion) with variance from counts; returns (yi, vi, corrected).

    Cells a = events1, b = n1 − events1, c = events2, d = n2 − events2. When any cell is 0, ``add``
    is added to every cell (escalc's default add = 1/2, to = "only0"), so n1 and n2 grow by 2·add.
    log RR = ln((a/n1)/(c/n2)), Var = 1/a − 1/n1 + 1/c − 1/n2;
    log OR = ln(ad/bc), Var = 1/a + 1/b + 1/c + 1/d;
    RD = a/n1 − c/n2, Var = p1(1−p1)/n1 + p2(1−p2)/n2.
    """
    for events, n in ((events1, n1), (events2, n2)):
        if n <= 0 or not 0 <= events <= n:
            raise ValueError(f"events {events} must lie between 0 and n = {n} (n > 0)")
    a, b, c, d = events1, n1 - events1, events2, n2 - events2
    corrected = min(a, b, c, d) == 0
    if corrected:
        a, b, c, d = a + add, b + add, c + add, d + add
    n1c, n2c = a + b, c + d
    if measure == "RR":
        return math.log((a / n1c) / (c / n2c)), 1 / a - 1 / n1c + 1 / c - 1 / n2c, corrected
    if measure == "OR":
        return math.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d, corrected
    if measure == "RD":
        p1, p2 = a / n1c, c / n2c
        return p1 - p2, p1 * (1 - p1) / n1c + p2 * (1 - p2) / n2c, corrected
    raise ValueError(f"unknown measure {measure!r} (RR, OR or RD)")


def _check_arm(sd: float, n: float) -> None:
    if sd < 0:
        raise ValueError(f"standard deviation {sd} is negative")
    if n <= 0:
        raise ValueError(f"sample size {n} must be positive")
