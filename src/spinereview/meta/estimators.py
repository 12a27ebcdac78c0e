"""Estimators of the between-study variance tau²: DL, HE, HS, SJ, PM, ML, REML and EB."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from spinereview.meta.errors import ConvergenceError, MetaArgumentError
from spinereview.meta.linalg import Array, generalised_q, log_likelihood, wls

#: Names of the tau² estimators (``EE`` is the common-effect model, tau² = 0).
TAU2_METHODS: tuple[str, ...] = ("DL", "HE", "HS", "SJ", "PM", "ML", "REML", "EB")

# R's mad() constant (1 / qnorm(3/4) rounded as in R's stats::mad); used for metafor's PM search limit.
_MAD_CONSTANT = 1.4826


@dataclass(frozen=True)
class Control:
    """Convergence settings of the iterative estimators and root searches.

    Defaults are tighter than metafor's (threshold 1e-5, uniroot tol ~1.2e-4) so that results agree with
    an equally tightened metafor to far below 1e-6.

    threshold: Fisher scoring (ML, REML, EB) stops when |Δtau²| <= threshold.
    max_iter:  maximum number of Fisher-scoring steps / root-finder iterations.
    tol:       absolute tolerance on tau² for root searches (PM, Q-profile CI); also the log-likelihood
               margin of the ML/REML check against tau² = 0.
    tau2_max:  upper limit of the tau² searches, as metafor's ``rma(control = list(tau2.max = …))``:
               the PM root search (None: metafor's max(100, 10·mad(y)²)) and the Q-profile CI
               (None: max(100, 10·tau²)); a Q-profile bound beyond it is reported as '>tau2_max'.
    step_adj:  step-length factor of the Fisher-scoring update (metafor's ``stepadj``).
    """

    threshold: float = 1e-10
    max_iter: int = 1000
    tol: float = 1e-12
    tau2_max: float | None = None
    step_adj: float = 1.0

    def __post_init__(self) -> None:
        for name in ("threshold", "tol", "step_adj"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and np.isfinite(value) and value > 0):
                raise MetaArgumentError(
                    f"control.{name} must be a positive finite number, got {value!r}"
                )
        if (
            not isinstance(self.max_iter, int)
            or isinstance(self.max_iter, bool)
            or self.max_iter < 1
        ):
            raise MetaArgumentError(
                f"control.max_iter must be an integer >= 1, got {self.max_iter!r}"
            )
        if self.tau2_max is not None and not (
            isinstance(self.tau2_max, int | float)
            and not isinstance(self.tau2_max, bool)
            and np.isfinite(self.tau2_max)
            and self.tau2_max > 0
        ):
            raise MetaArgumentError(
                f"control.tau2_max must be positive and finite, got {self.tau2_max!r}"
            )


@dataclass(frozen=True)
class Tau2Estimate:
    """An estimate of tau² (truncated at 0), its standard error, and how it was obtained."""

    tau2: float
    se_tau2: float
    iterations: int = 0
    converged: bool = True
    note: str | None = None


def _df(x: Array) -> int:
    return x.shape[0] - x.shape[1]


def tau2_dl(y: Array, v: Array, x: Array) -> Tau2Estimate:
    """DerSimonian–Laird method-of-moments estimator (DerSimonian & Laird 1986).

    tau² = (Q − (k − p)) / tr(P) with Q and P from the fixed-effect weights 1/vᵢ (for p = 1,
    tr(P) = Σw − Σw²/Σw). SE: Var(Q) of the moment equation (Viechtbauer 2007, metafor).
    """
    fit = wls(y, v, x)
    df, tr_p = _df(x), fit.trace_p
    tau2 = max(0.0, (fit.rss - df) / tr_p)
    var = (2 * df + 4 * tau2 * tr_p + 2 * tau2**2 * fit.sum_pp) / tr_p**2
    return Tau2Estimate(tau2, float(np.sqrt(var)))


def tau2_he(y: Array, v: Array, x: Array) -> Tau2Estimate:
    """Hedges (1983) unweighted method-of-moments ("variance component") estimator.

    tau² = (RSSₒₗₛ − tr(P₀V)) / (k − p) with P₀ = I − X(X'X)⁻¹X' the unweighted residual projector.
    """
    k, _ = x.shape
    fit = wls(y, np.ones(k), x)
    p0, df = fit.p_matrix, _df(x)
    tr_pv = float(np.sum(np.diag(p0) * v))
    tau2 = max(0.0, (fit.rss - tr_pv) / df)
    sum_pvpv = float(np.sum(p0 * p0 * np.outer(v, v)))
    var = (2 * sum_pvpv + 4 * tau2 * tr_pv + 2 * tau2**2 * df) / df**2
    return Tau2Estimate(tau2, float(np.sqrt(var)))


def tau2_hs(y: Array, v: Array, x: Array) -> Tau2Estimate:
    """Hunter–Schmidt estimator (Hunter & Schmidt 2004; Viechtbauer 2005): (Q − k) / Σwᵢ, wᵢ = 1/vᵢ."""
    k = x.shape[0]
    fit = wls(y, v, x)
    sw, df = float(np.sum(fit.weights)), _df(x)
    tau2 = max(0.0, (fit.rss - k) / sw)
    var = (2 * df + 4 * tau2 * fit.trace_p + 2 * tau2**2 * fit.sum_pp) / sw**2
    return Tau2Estimate(tau2, float(np.sqrt(var)))


def tau2_sj(y: Array, v: Array, x: Array) -> Tau2Estimate:
    """Sidik–Jonkman estimator (Sidik & Jonkman 2005): tau² = tau₀² · Q(tau₀²) / (k − p).

    The initial value tau₀² is the (biased, divisor k) sample variance of the yᵢ.
    """
    df = _df(x)
    tau2_0 = float(np.var(y))
    fit = wls(y, v + tau2_0, x)
    tau2 = max(0.0, tau2_0 * fit.rss / df)
    pp = fit.p_matrix * fit.p_matrix
    sum_pvpv = float(np.sum(pp * np.outer(v, v)))
    sum_pvp = float(np.sum(pp * v[None, :]))
    var = tau2_0**2 / df**2 * (2 * sum_pvpv + 4 * tau2 * sum_pvp + 2 * tau2**2 * float(np.sum(pp)))
    return Tau2Estimate(tau2, float(np.sqrt(var)))


def _moment_se(x: Array, v: Array, tau2: float) -> float:
    """SE used by metafor for PM and EB: sqrt(2k² / (k − p) / (Σwᵢ)²), wᵢ = 1/(vᵢ + tau²)."""
    k = x.shape[0]
    sw = float(np.sum(1.0 / (v + tau2)))
    return float(np.sqrt(2 * k**2 / _df(x) / sw**2))


def pm_search_limit(y: Array, control: Control) -> float:
    """Upper limit of the PM root search: control.tau2_max, else metafor's max(100, 10·mad(y)²)."""
    if control.tau2_max is not None:
        return control.tau2_max
    mad = _MAD_CONSTANT * float(np.median(np.abs(y - np.median(y))))
    return max(100.0, 10 * mad**2)


def tau2_pm(y: Array, v: Array, x: Array, control: Control) -> Tau2Estimate:
    """Paule–Mandel estimator (Paule & Mandel 1982): the root of Q(tau²) = k − p.

    Q(tau²) decreases in tau²; if Q(0) < k − p the estimate is 0. Brent's method on [0, tau2_max].
    """
    target = _df(x)
    if generalised_q(y, v, x, 0.0) < target:
        return Tau2Estimate(0.0, _moment_se(x, v, 0.0))
    upper = pm_search_limit(y, control)
    if generalised_q(y, v, x, upper) > target:
        raise ConvergenceError(
            f"Paule-Mandel estimator: Q(tau2) is still above k - p = {target} at the search limit "
            f"tau2_max = {upper:g}; increase Control.tau2_max or choose another method"
        )
    tau2, info = find_root(lambda t: generalised_q(y, v, x, t) - target, 0.0, upper, control, "PM")
    return Tau2Estimate(tau2, _moment_se(x, v, tau2), iterations=info)


def find_root(
    func: Callable[[float], float], lower: float, upper: float, control: Control, what: str
) -> tuple[float, int]:
    """Brent root of func on [lower, upper] at absolute tolerance control.tol."""
    try:
        root, res = optimize.brentq(
            func,
            lower,
            upper,
            xtol=control.tol,
            maxiter=control.max_iter,
            full_output=True,
            disp=False,
        )
    except (ValueError, RuntimeError) as exc:  # pragma: no cover - bracket was checked by callers
        raise ConvergenceError(
            f"{what}: root search on [{lower:g}, {upper:g}] failed: {exc}"
        ) from exc
    if not res.converged:
        raise ConvergenceError(
            f"{what}: root search did not converge within control.max_iter = {control.max_iter} "
            f"iterations (last value {root:g})"
        )
    return float(root), int(res.iterations)


def _scoring_step(method: str, y: Array, v: Array, x: Array, tau2: float) -> float:
    """One Fisher-scoring increment of tau² for ML, REML or EB (Viechtbauer 2005; Morris 1983)."""
    fit = wls(y, v + tau2, x)
    if method == "ML":
        return (fit.ypp_y - float(np.sum(fit.weights))) / float(np.sum(fit.weights**2))
    if method == "REML":
        return (fit.ypp_y - fit.trace_p) / fit.sum_pp
    k = x.shape[0]
    return (fit.rss * k / _df(x) - k) / float(np.sum(fit.weights))


def tau2_fisher_scoring(
    method: str, y: Array, v: Array, x: Array, control: Control
) -> Tau2Estimate:
    """ML, REML (Viechtbauer 2005) or empirical Bayes (Morris 1983) tau² by Fisher scoring.

    Starts at the HE estimate (truncated at 0), steps tau² ← tau² + step_adj·Δ, halving Δ while it
    would make tau² negative, and stops when |Δ| <= control.threshold. For ML/REML a converged
    estimate is replaced by 0 when the (restricted) log-likelihood at 0 is larger (a local maximum).
    Raises ConvergenceError after control.max_iter steps.
    """
    tau2, iterations, change = tau2_he(y, v, x).tau2, 0, np.inf
    while change > control.threshold:
        if iterations == control.max_iter:
            raise ConvergenceError(
                f"{method} estimator: Fisher scoring did not converge within control.max_iter = "
                f"{control.max_iter} steps (last tau2 = {tau2:.6g}, last change = {change:.3g} > "
                f"threshold {control.threshold:g}); increase max_iter, lower step_adj or use 'PM'"
            )
        iterations += 1
        adj = _scoring_step(method, y, v, x, tau2) * control.step_adj
        if not np.isfinite(adj):
            adj = 0.0
        while tau2 + adj < 0:
            adj /= 2
        change, tau2 = abs(adj), tau2 + adj
    note = None
    if method in ("ML", "REML") and tau2 > control.threshold:
        reml = method == "REML"
        ll0 = log_likelihood(y, v, x, 0.0, reml=reml)
        if ll0 - log_likelihood(y, v, x, tau2, reml=reml) > control.tol:
            note = f"{method}: Fisher scoring stopped at a local maximum; tau2 set to 0"
            tau2 = 0.0
    return Tau2Estimate(tau2, _scoring_se(method, y, v, x, tau2), iterations, True, note)


def _scoring_se(method: str, y: Array, v: Array, x: Array, tau2: float) -> float:
    """SE of tau² from the expected information: ML sqrt(2/Σw²), REML sqrt(2/tr(PP)), EB as PM."""
    fit = wls(y, v + tau2, x)
    if method == "ML":
        return float(np.sqrt(2 / np.sum(fit.weights**2)))
    if method == "REML":
        return float(np.sqrt(2 / fit.sum_pp))
    return _moment_se(x, v, tau2)


def estimate_tau2(method: str, y: Array, v: Array, x: Array, control: Control) -> Tau2Estimate:
    """Dispatch to the tau² estimator named ``method`` (one of TAU2_METHODS); needs k > p."""
    if method in ("ML", "REML", "EB"):
        return tau2_fisher_scoring(method, y, v, x, control)
    if method == "PM":
        return tau2_pm(y, v, x, control)
    simple = {"DL": tau2_dl, "HE": tau2_he, "HS": tau2_hs, "SJ": tau2_sj}
    if method not in simple:
        raise MetaArgumentError(
            f"unknown tau2 estimator {method!r}; expected one of {TAU2_METHODS}"
        )
    return simple[method](y, v, x)
