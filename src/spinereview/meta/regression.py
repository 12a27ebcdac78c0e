"""Mixed-effects meta-regression with a test of moderators (used for subgroups and Egger's test)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from spinereview import distributions
from spinereview.meta.errors import MetaArgumentError
from spinereview.meta.estimators import Control
from spinereview.meta.fitting import (
    LinearFit,
    check_data,
    check_level,
    check_method,
    check_test,
    fit_linear,
)
from spinereview.meta.linalg import Array
from spinereview.meta.model import json_safe


@dataclass(frozen=True)
class RegressionResult:
    """Coefficients (intercept first) and the omnibus test of all moderators (QM).

    For test "z" QM is a Wald chi-square with ``qm_df[0]`` df; for "t"/"knha"/"adhoc" it is QM/m with an
    F(m, k − p) distribution, ``qm_df = (m, k − p)`` (metafor's convention). ``q``/``q_p`` test residual
    heterogeneity (QE); ``i2``/``h2`` are residual heterogeneity statistics.
    """

    k: int
    method: str
    test: str
    level: float
    coef: tuple[float, ...]
    se: tuple[float, ...]
    statistic: tuple[float, ...]
    p: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    df: int | None
    qm: float
    qm_df: tuple[int, int | None]
    qm_p: float
    tau2: float
    se_tau2: float | None
    q: float
    q_df: int
    q_p: float
    i2: float
    h2: float

    def to_dict(self) -> dict[str, object]:
        """The result as JSON-ready built-in types."""
        out = json_safe(asdict(self))
        assert isinstance(out, dict)
        return out


class MetaRegression:
    """Meta-regression of ``yi`` on an intercept plus the columns of ``moderators`` (k × m).

    Same ``method``/``test``/``level``/``control`` as MetaAnalysis; needs k > m + 1 studies and a
    moderator matrix of full column rank. ``fit()`` returns self and sets ``result``.
    """

    def __init__(
        self,
        yi: Sequence[float] | Array,
        vi: Sequence[float] | Array,
        moderators: Sequence[Sequence[float]] | Sequence[float] | Array,
        *,
        method: str = "REML",
        test: str = "z",
        level: float = 0.95,
        control: Control | None = None,
    ) -> None:
        self.yi, self.vi = check_data(yi, vi)
        self.x = _design_matrix(moderators, self.yi.size)
        self.method = check_method(method)
        self.test = check_test(test)
        self.level = check_level(level)
        self.control = Control() if control is None else control
        self._result: RegressionResult | None = None

    @property
    def result(self) -> RegressionResult:
        """The fitted result; call ``fit()`` first."""
        if self._result is None:
            raise RuntimeError("MetaRegression.result is not available before fit() is called")
        return self._result

    def fit(self) -> MetaRegression:
        """Fit the model and test the moderators."""
        fitted = fit_linear(
            self.yi, self.vi, self.x, self.method, self.test, self.level, self.control
        )
        self._result = _summarise(fitted, self.x)
        return self


def _design_matrix(moderators: object, k: int) -> Array:
    try:
        mods = np.asarray(moderators, dtype=float)
    except (TypeError, ValueError) as exc:
        raise MetaArgumentError(f"moderators must be numeric: {exc}") from exc
    if mods.ndim == 1:
        mods = mods[:, None]
    if mods.ndim != 2 or mods.shape[0] != k:
        raise MetaArgumentError(
            f"moderators must have one row per study ({k}), got shape {mods.shape}"
        )
    if not np.all(np.isfinite(mods)):
        raise MetaArgumentError("moderators must be finite")
    x = np.column_stack([np.ones(k), mods])
    if k <= x.shape[1]:
        raise MetaArgumentError(
            f"meta-regression with {x.shape[1]} coefficients needs k > {x.shape[1]}"
        )
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise MetaArgumentError("moderators are collinear with each other or with the intercept")
    return x


def moderator_test(fitted: LinearFit, x: Array) -> tuple[float, tuple[int, int | None], float]:
    """Wald test that all non-intercept coefficients are 0: QM, its df and p (chi² or F)."""
    inf = fitted.inference
    k, p = x.shape
    m = p - 1
    b = inf.beta[1:]
    qm = float(b @ np.linalg.solve(inf.cov[1:, 1:], b))
    if fitted.test == "z":
        return qm, (m, None), float(distributions.chi2_sf(qm, m))
    qm /= m
    return qm, (m, k - p), float(distributions.f_sf(qm, m, k - p))


def _summarise(fitted: LinearFit, x: Array) -> RegressionResult:
    inf, het, est = fitted.inference, fitted.heterogeneity, fitted.tau2_estimate
    qm, qm_df, qm_p = moderator_test(fitted, x)

    def tup(a: Array) -> tuple[float, ...]:
        return tuple(float(value) for value in a)

    return RegressionResult(
        k=x.shape[0],
        method=fitted.method,
        test=fitted.test,
        level=fitted.level,
        coef=tup(inf.beta),
        se=tup(inf.se),
        statistic=tup(inf.statistic),
        p=tup(inf.p),
        ci_low=tup(inf.ci_low),
        ci_high=tup(inf.ci_high),
        df=inf.df,
        qm=qm,
        qm_df=qm_df,
        qm_p=qm_p,
        tau2=fitted.tau2,
        se_tau2=None if est is None else est.se_tau2,
        q=het.q,
        q_df=het.df,
        q_p=het.p,
        i2=het.i2,
        h2=het.h2,
    )
