"""Small-study effects: Egger's regression test and Duval–Tweedie trim-and-fill (k >= 10 only)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from spinereview.meta.errors import ConvergenceError, MetaArgumentError
from spinereview.meta.linalg import Array
from spinereview.meta.model import MetaAnalysis, MetaResult, json_safe
from spinereview.meta.regression import MetaRegression
from spinereview.meta.sensitivity import MIN_K_SMALL_STUDY, NotApplicable, not_applicable_small_k


@dataclass(frozen=True)
class EggerResult:
    """Egger's test as metafor's ``regtest(model = "rma", predictor = "sei")``.

    The model's method and test are kept; ``statistic`` is the z (or t, with ``df`` = k − 2) of the
    coefficient of the standard error, ``limit_estimate`` the intercept (the effect as se → 0) with
    its confidence interval.
    """

    k: int
    method: str
    test: str
    statistic: float
    p: float
    df: int | None
    slope: float
    slope_se: float
    limit_estimate: float
    limit_ci_low: float
    limit_ci_high: float
    tau2: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary."""
        out = json_safe(asdict(self))
        assert isinstance(out, dict)
        return {"analysis": "egger", "applicable": True, **out}


def egger_test(
    model: MetaAnalysis, *, min_k: int = MIN_K_SMALL_STUDY
) -> EggerResult | NotApplicable:
    """Egger's regression test: meta-regression of yᵢ on sqrt(vᵢ) (Egger et al. 1997; Sterne & Egger
    2005, "rma" variant with the model's tau² estimator). NotApplicable when k < min_k."""
    if model.k < max(min_k, 3):
        return not_applicable_small_k("egger", model.k)
    reg = MetaRegression(
        model.yi, model.vi, np.sqrt(model.vi), method=model.method, test=model.test,
        level=model.level, control=model.control,
    ).fit().result  # fmt: skip
    return EggerResult(
        k=model.k,
        method=model.method,
        test=model.test,
        statistic=reg.statistic[1],
        p=reg.p[1],
        df=reg.df,
        slope=reg.coef[1],
        slope_se=reg.se[1],
        limit_estimate=reg.coef[0],
        limit_ci_low=reg.ci_low[0],
        limit_ci_high=reg.ci_high[0],
        tau2=reg.tau2,
    )


@dataclass(frozen=True)
class TrimFillResult:
    """Trim-and-fill with the L0 estimator (Duval & Tweedie 2000).

    ``side`` is where studies are missing; ``k0`` how many were imputed (``se_k0`` its SE);
    ``filled_yi``/``filled_vi`` the imputed studies (mirror images about the trimmed estimate);
    ``fit`` the model refitted to the k + k0 studies with the input model's method, test and level
    (metafor refits with its default test "z"; the golden tests use z-test models).
    """

    side: str
    k0: int
    se_k0: float
    iterations: int
    filled_yi: tuple[float, ...]
    filled_vi: tuple[float, ...]
    fit: MetaResult

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary."""
        out = json_safe(asdict(self))
        assert isinstance(out, dict)
        out["fit"] = self.fit.to_dict()
        return {"analysis": "trim-and-fill", "applicable": True, **out}


def _missing_side(model: MetaAnalysis) -> str:
    """metafor's rule: regress yᵢ on sqrt(vᵢ); a negative slope means studies missing on the right."""
    reg = (
        MetaRegression(
            model.yi, model.vi, np.sqrt(model.vi), method=model.method, control=model.control
        )
        .fit()
        .result
    )
    return "right" if reg.coef[1] < 0 else "left"


def _l0(centred: Array) -> tuple[float, float]:
    """L0 and its SE from signed ranks of the centred effects (Duval & Tweedie 2000, eqs. for L0)."""
    k = centred.size
    ranks = np.empty(k)
    ranks[np.argsort(np.abs(centred), kind="stable")] = np.arange(1, k + 1)
    s_rank = float(np.sum(ranks[centred > 0]))
    k0 = (4 * s_rank - k * (k + 1)) / (2 * k - 1)
    var_sr = (
        k * (k + 1) * (2 * k + 1) + 10 * k0**3 + 27 * k0**2 + 17 * k0
        - 18 * k * k0**2 - 18 * k * k0 + 6 * k**2 * k0
    ) / 24  # fmt: skip
    # Var(S_rank) can be negative for negative raw k0; the SE is then undefined (NaN, as in metafor).
    return k0, 4 * math.sqrt(var_sr) / (2 * k - 1) if var_sr >= 0 else math.nan


def trim_and_fill(
    model: MetaAnalysis,
    *,
    side: str | None = None,
    max_iter: int = 100,
    min_k: int = MIN_K_SMALL_STUDY,
) -> TrimFillResult | NotApplicable:
    """Iterative trim-and-fill (L0): trim the k0 most extreme studies on the side opposite the gap,
    re-estimate, repeat until k0 is stable, then fill their mirror images and refit.

    ``side`` ("left"/"right") is where studies are missing; None chooses it as metafor does.
    NotApplicable when k < min_k. ConvergenceError when k0 does not settle within max_iter rounds.
    """
    if model.k < max(min_k, 3):
        return not_applicable_small_k("trim-and-fill", model.k)
    if side is None:
        side = _missing_side(model)
    if side not in ("left", "right"):
        raise MetaArgumentError(f"side must be 'left', 'right' or None, got {side!r}")
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * model.yi, kind="stable")
    y, v = sign * model.yi[order], model.vi[order]
    k, k0, previous, iteration = model.k, 0, -1, 0
    beta, se_k0 = 0.0, 0.0
    while k0 != previous:
        previous, iteration = k0, iteration + 1
        if iteration > max_iter:
            raise ConvergenceError(f"trim-and-fill: k0 did not settle within {max_iter} iterations")
        trimmed = MetaAnalysis(y[: k - k0], v[: k - k0], method=model.method, control=model.control)
        beta = trimmed.fit().result.estimate
        k0_raw, se_k0 = _l0(y - beta)
        k0 = max(0, round(k0_raw))  # round half to even, as R's round()
    fill_y = tuple(float(sign * (2 * beta - yy)) for yy in y[k - k0 :])
    fill_v = tuple(float(vv) for vv in v[k - k0 :])
    refit = MetaAnalysis(
        np.concatenate([model.yi, fill_y]), np.concatenate([model.vi, fill_v]),
        method=model.method, test=model.test, level=model.level, control=model.control,
    ).fit().result  # fmt: skip
    return TrimFillResult(side, k0, se_k0, iteration, fill_y, fill_v, refit)
