"""Tail probabilities and quantiles of the normal, t, chi-squared and F distributions.

Each is the ``scipy.special`` function that ``scipy.stats`` itself evaluates for that method (e.g.
``stats.t.isf(q, df)`` is ``-special.stdtrit(df, q)``), called directly: importing ``scipy.stats``
costs about a second of CPU, paid by every workflow step and notebook that pools, converts or
harmonises, while ``scipy.special`` costs a fraction of it. tests/test_distributions.py checks every
function against ``scipy.stats`` for equality, on grids that include the edges (0, 1, ±inf, NaN).

Arguments and results are floats or NumPy arrays, broadcast as NumPy does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

__all__ = [
    "chi2_isf",
    "chi2_ppf",
    "chi2_sf",
    "f_sf",
    "norm_isf",
    "norm_ppf",
    "norm_sf",
    "t_isf",
    "t_ppf",
    "t_sf",
]


def _quantile(values: Any, p: Any, at_zero: float, at_one: float) -> Any:
    """``values`` with ``scipy.stats``' handling of the probability's edges: ``at_zero`` where
    ``p`` is 0, ``at_one`` where it is 1, NaN outside [0, 1]."""
    p = np.asarray(p, dtype=float)
    out = np.where(p == 0, at_zero, np.where(p == 1, at_one, values))
    return np.where((p < 0) | (p > 1), np.nan, out)[()]


def _positive_tail(values: Any, x: Any) -> Any:
    """``values`` with 1 below the support [0, inf) of chi-squared and F, as ``scipy.stats``
    gives (a Q statistic that rounding leaves a hair below 0 has P = 1, not NaN)."""
    return np.where(np.asarray(x, dtype=float) < 0, 1.0, values)[()]


def _with_df(values: Any, *dfs: Any) -> Any:
    """``values``, NaN where a degrees-of-freedom argument is not positive (as ``scipy.stats``)."""
    valid = np.logical_and.reduce([np.asarray(df, dtype=float) > 0 for df in dfs])
    return np.where(valid, values, np.nan)[()]


def norm_ppf(p: Any) -> Any:
    """Standard normal quantile: z with P(Z <= z) = p."""
    return _quantile(special.ndtri(p), p, -np.inf, np.inf)


def norm_isf(q: Any) -> Any:
    """Standard normal upper quantile: z with P(Z > z) = q."""
    return _quantile(-special.ndtri(q), q, np.inf, -np.inf)


def norm_sf(x: Any) -> Any:
    """Standard normal upper tail P(Z > x)."""
    return special.ndtr(-x)


def t_ppf(p: Any, df: Any) -> Any:
    """Student t quantile with ``df`` degrees of freedom."""
    return _with_df(_quantile(special.stdtrit(df, p), p, -np.inf, np.inf), df)


def t_isf(q: Any, df: Any) -> Any:
    """Student t upper quantile: t with P(T > t) = q."""
    return _with_df(_quantile(-special.stdtrit(df, q), q, np.inf, -np.inf), df)


def t_sf(x: Any, df: Any) -> Any:
    """Student t upper tail P(T > x)."""
    return _with_df(special.stdtr(df, -x), df)


def chi2_sf(x: Any, df: Any) -> Any:
    """Chi-squared upper tail P(X > x)."""
    return _with_df(_positive_tail(special.chdtrc(df, x), x), df)


def chi2_isf(q: Any, df: Any) -> Any:
    """Chi-squared upper quantile: x with P(X > x) = q."""
    return _with_df(_quantile(special.chdtri(df, q), q, np.inf, 0.0), df)


def chi2_ppf(p: Any, df: Any) -> Any:
    """Chi-squared quantile: x with P(X <= x) = p."""
    return _with_df(_quantile(2 * special.gammaincinv(df / 2, p), p, 0.0, np.inf), df)


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """F upper tail P(F > x) with ``dfn`` and ``dfd`` degrees of freedom."""
    return _with_df(_positive_tail(special.fdtrc(dfn, dfd, x), x), dfn, dfd)
