"""The shared fitting core: tau², weighted estimate, z/t/Knapp–Hartung inference and Q statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spinereview import distributions
from spinereview.meta.errors import MetaArgumentError
from spinereview.meta.estimators import TAU2_METHODS, Control, Tau2Estimate, estimate_tau2
from spinereview.meta.heterogeneity import Heterogeneity, heterogeneity
from spinereview.meta.linalg import Array, wls

#: Model names accepted by ``method``: the common-effect model and the tau² estimators.
METHODS: tuple[str, ...] = ("EE", *TAU2_METHODS)
#: Names of the tests: normal (z), t with k − p df, Knapp–Hartung (HKSJ), HKSJ with the ad hoc floor.
TESTS: tuple[str, ...] = ("z", "t", "knha", "adhoc")
_METHOD_ALIASES = {"FE": "EE", "CE": "EE", "FIXED": "EE", "COMMON": "EE"}
_TEST_ALIASES = {"hksj": "knha", "hk": "knha", "knha_adhoc": "adhoc"}


def check_method(method: object) -> str:
    """Canonical method name ("FE"/"CE"/"common" → "EE"); MetaArgumentError if unknown."""
    if not isinstance(method, str):
        raise MetaArgumentError(f"method must be a string, got {method!r}")
    name = _METHOD_ALIASES.get(method.upper(), method.upper())
    if name not in METHODS:
        raise MetaArgumentError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    return name


def check_test(test: object) -> str:
    """Canonical test name ("hksj" → "knha"); MetaArgumentError if unknown."""
    if not isinstance(test, str):
        raise MetaArgumentError(f"test must be a string, got {test!r}")
    name = _TEST_ALIASES.get(test.lower(), test.lower())
    if name not in TESTS:
        raise MetaArgumentError(
            f"unknown test {test!r}; expected one of {', '.join(TESTS)} (or 'hksj')"
        )
    return name


def check_level(level: object) -> float:
    """Confidence level as a fraction strictly between 0 and 1 (0.95, not 95)."""
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise MetaArgumentError(f"level must be a number in (0, 1) such as 0.95, got {level!r}")
    return float(level)


def check_data(yi: Sequence[float] | Array, vi: Sequence[float] | Array) -> tuple[Array, Array]:
    """yi and vi as float arrays: same length >= 1, finite, vi > 0 (see the package docstring)."""
    try:
        y = np.asarray(yi, dtype=float)
        v = np.asarray(vi, dtype=float)
    except (TypeError, ValueError) as exc:
        raise MetaArgumentError(f"yi and vi must be numeric sequences: {exc}") from exc
    if y.ndim != 1 or v.ndim != 1:
        raise MetaArgumentError(
            f"yi and vi must be one-dimensional, got shapes {y.shape} and {v.shape}"
        )
    if y.size != v.size:
        raise MetaArgumentError(f"yi and vi differ in length: {y.size} effects, {v.size} variances")
    if y.size == 0:
        raise MetaArgumentError("no studies: yi and vi are empty (k must be >= 1)")
    for name, arr in (("yi", y), ("vi", v)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise MetaArgumentError(
                f"{name} must be finite; study index {int(bad[0])} is {arr[bad[0]]}"
            )
    bad = np.flatnonzero(v <= 0)
    if bad.size:
        raise MetaArgumentError(
            f"vi must be > 0 (a sampling variance of 0 gives an infinite weight); "
            f"study index {int(bad[0])} has vi = {v[bad[0]]}"
        )
    return y, v


@dataclass(frozen=True)
class Inference:
    """Coefficients with standard errors, test statistics, p-values and confidence limits."""

    beta: Array
    cov: Array
    se: Array
    statistic: Array
    p: Array
    ci_low: Array
    ci_high: Array
    df: int | None
    crit: float
    s2w: float
    floor_applied: bool = False


def critical_value(test: str, df: int | None, level: float) -> float:
    """Two-sided critical value: normal for 'z', t with df otherwise."""
    alpha = 1 - level
    return float(
        distributions.norm_isf(alpha / 2) if df is None else distributions.t_isf(alpha / 2, df)
    )


def infer(y: Array, v: Array, x: Array, tau2: float, test: str, level: float) -> Inference:
    """Weighted estimate with z, t or Knapp–Hartung inference (Knapp & Hartung 2003).

    Knapp–Hartung scales Var(b) = (X'WX)⁻¹ by s² = Σwᵢ(yᵢ − xᵢ'b)²/(k − p) (0 when the residual sum of
    squares is below machine epsilon); the ad hoc variant uses max(1, s²) (Röver et al. 2015). t, knha
    and adhoc use a t distribution with k − p df.
    """
    k, p = x.shape
    fit = wls(y, v + tau2, x)
    s2w, floor_applied = 1.0, False
    if test in ("knha", "adhoc"):
        s2w = 0.0 if fit.rss <= np.finfo(float).eps else fit.rss / (k - p)
        if test == "adhoc" and s2w < 1:
            s2w, floor_applied = 1.0, True
    cov = fit.cov * s2w
    se = np.sqrt(np.diag(cov))
    df = None if test == "z" else k - p
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = fit.beta / se
    tail = np.abs(statistic)
    pval = 2 * (distributions.norm_sf(tail) if df is None else distributions.t_sf(tail, df))
    crit = critical_value(test, df, level)
    low, high = fit.beta - crit * se, fit.beta + crit * se
    return Inference(fit.beta, cov, se, statistic, pval, low, high, df, crit, s2w, floor_applied)


@dataclass(frozen=True)
class LinearFit:
    """Everything a model needs from one fit: tau², inference, heterogeneity and weights (%)."""

    method: str
    test: str
    level: float
    tau2: float
    tau2_estimate: Tau2Estimate | None
    inference: Inference
    heterogeneity: Heterogeneity
    weights: Array


def fit_linear(
    y: Array, v: Array, x: Array, method: str, test: str, level: float, control: Control
) -> LinearFit:
    """Fit the (mixed-effects) model y = Xb + u + e, u ~ N(0, tau²), e ~ N(0, vᵢ); needs k > p."""
    estimate = None if method == "EE" else estimate_tau2(method, y, v, x, control)
    tau2 = 0.0 if estimate is None else estimate.tau2
    inference = infer(y, v, x, tau2, test, level)
    het = heterogeneity(y, v, x, tau2, common_effect=estimate is None)
    w = 1.0 / (v + tau2)
    return LinearFit(method, test, level, tau2, estimate, inference, het, 100 * w / np.sum(w))
