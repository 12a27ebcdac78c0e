"""Heterogeneity: Cochran's Q, I², H², and Q-profile confidence intervals for tau², tau, I², H²."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinereview import distributions
from spinereview.meta.bounds import ABOVE, BELOW
from spinereview.meta.estimators import Control, find_root
from spinereview.meta.linalg import Array, generalised_q, wls


@dataclass(frozen=True)
class Heterogeneity:
    """Q-test and the I²/H² statistics of a fit (metafor's conventions, ``i2def = "1"``).

    ``typical_v`` is the "typical" within-study variance vₜ = (k − p) / tr(P) (Higgins & Thompson 2002,
    generalised by metafor to meta-regression). For the common-effect model I² = max(0, (Q − df)/Q)
    and H² = Q/df; for random-effects models I² = tau²/(vₜ + tau²) and H² = (vₜ + tau²)/vₜ, which for
    DL equals the Q-based formulas.
    """

    q: float
    df: int
    p: float
    typical_v: float
    i2: float
    h2: float


def heterogeneity(
    y: Array, v: Array, x: Array, tau2: float, *, common_effect: bool
) -> Heterogeneity:
    """Cochran's Q with fixed-effect weights 1/vᵢ, its chi-square p, and I² (in %) and H²."""
    k, p = x.shape
    df = k - p
    if df <= 0:
        return Heterogeneity(0.0, 0, 1.0, 0.0, 0.0, 1.0)
    fit = wls(y, v, x)
    q = max(0.0, fit.rss)
    q_p = float(distributions.chi2_sf(q, df))
    vt = df / fit.trace_p
    if common_effect:
        i2 = 0.0 if q == 0 else max(0.0, 100 * (q - df) / q)
        h2 = q / df
    else:
        i2, h2 = i2_h2_from_tau2(tau2, vt)
    return Heterogeneity(q, df, q_p, vt, i2, h2)


def i2_h2_from_tau2(tau2: float, typical_v: float) -> tuple[float, float]:
    """I² = 100·tau²/(vₜ + tau²) and H² = tau²/vₜ + 1."""
    return 100 * tau2 / (typical_v + tau2), tau2 / typical_v + 1


@dataclass(frozen=True)
class QProfileCI:
    """Q-profile confidence interval for tau² (Viechtbauer 2007) and its transforms.

    ``search`` is the interval [tau2_min, tau2_max] searched for the bounds (tau2_min = 0). ``signs``
    are metafor's ``lb.sign``/``ub.sign`` of ``confint.rma.uni``, one per bound and shared by the
    tau², tau, I² and H² intervals: "" when the bound is a root of the Q-profile equation (or the 0
    to which the lower bound is truncated), ">" when it lies beyond tau2_max and tau2_max is reported
    (both bounds ">" when even the lower one does), and "<" on both bounds of the null set:
    ``null_set`` means Q(0) is already below the lower chi-square quantile, so no tau² >= 0 is
    compatible with the data; metafor then reports [0, 0] and so do we.
    """

    tau2: tuple[float, float]
    tau: tuple[float, float]
    i2: tuple[float, float]
    h2: tuple[float, float]
    null_set: bool
    signs: tuple[str, str]
    search: tuple[float, float]

    @property
    def lower_at_limit(self) -> bool:
        """The lower bound lies beyond the search limit tau2_max (reported as ">tau2_max")."""
        return self.signs[0] == ABOVE

    @property
    def upper_at_limit(self) -> bool:
        """The upper bound lies beyond the search limit tau2_max (reported as ">tau2_max")."""
        return self.signs[1] == ABOVE

    @property
    def search_max(self) -> float:
        """The upper end of the searched interval (``Control.tau2_max`` or metafor's default)."""
        return self.search[1]


def qprofile_search_max(tau2: float, control: Control) -> float:
    """Upper search limit of the Q-profile CI: ``control.tau2_max``, else max(100, 10·tau²).

    As metafor's ``confint.rma.uni``: a ``tau2.max`` given in ``rma(control = ...)`` is used as it is;
    otherwise the limit is max(100, 10·tau², 10·tau2.min), and tau2.min = 0 here.
    """
    return float(control.tau2_max) if control.tau2_max is not None else max(100.0, 10 * tau2)


def qprofile_ci(
    y: Array, v: Array, x: Array, tau2: float, typical_v: float, level: float, control: Control
) -> QProfileCI:
    """Q-profile CI: the tau² with Q(tau²) between the chi²_{k−p} quantiles at α/2 and 1 − α/2.

    Searches [0, tau2_max] (``qprofile_search_max``) by Brent's method. The generalised
    Q(tau²) = Σ (yᵢ − xᵢ'b)²/(vᵢ + tau²) decreases in tau², so the upper bound solves Q = χ²_{α/2}
    and the lower bound Q = χ²_{1−α/2}; bounds are truncated at 0. A bound beyond tau2_max is
    reported as tau2_max with the sign ">" (metafor's marks; see QProfileCI).
    """
    df = x.shape[0] - x.shape[1]
    alpha = 1 - level
    crit_upper = float(distributions.chi2_isf(alpha / 2, df))
    crit_lower = float(distributions.chi2_ppf(alpha / 2, df))
    t_min, t_max = 0.0, qprofile_search_max(tau2, control)
    q_min, q_max = generalised_q(y, v, x, t_min), generalised_q(y, v, x, t_max)

    def solve(target: float) -> float:
        return find_root(
            lambda t: generalised_q(y, v, x, t) - target, t_min, t_max, control, "Q-profile"
        )[0]

    null_set = False
    lb_sign = ub_sign = ""
    if q_min < crit_lower:
        lb = ub = t_min
        lb_sign = ub_sign = BELOW
        null_set = True
    elif q_max > crit_lower:
        ub, ub_sign = t_max, ABOVE
    else:
        ub = solve(crit_lower)
    if q_max > crit_upper:
        lb = ub = t_max
        lb_sign = ub_sign = ABOVE
    elif not null_set:
        lb = t_min if q_min < crit_upper else solve(crit_upper)
    bounds = (lb, ub)
    i2s, h2s = zip(*(i2_h2_from_tau2(b, typical_v) for b in bounds), strict=True)
    return QProfileCI(
        tau2=bounds,
        tau=(float(np.sqrt(lb)), float(np.sqrt(ub))),
        i2=(float(i2s[0]), float(i2s[1])),
        h2=(float(h2s[0]), float(h2s[1])),
        null_set=null_set,
        signs=(lb_sign, ub_sign),
        search=(t_min, t_max),
    )
