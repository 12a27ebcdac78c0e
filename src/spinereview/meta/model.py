"""The meta-analysis model object (common effect or random effects) and its frozen result."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from spinereview.meta.estimators import Control
from spinereview.meta.fitting import (
    LinearFit,
    check_data,
    check_level,
    check_method,
    check_test,
    critical_value,
    fit_linear,
)
from spinereview.meta.heterogeneity import QProfileCI, qprofile_ci
from spinereview.meta.linalg import Array

NOTE_K1 = "k=1: no pooling possible; the single study is reported as is"


def json_safe(value: object) -> object:
    """Recursively turn tuples into lists, NaN into None and ±inf into "Infinity"/"-Infinity"."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
    return value


@dataclass(frozen=True)
class MetaResult:
    """A pooled effect with its uncertainty and heterogeneity; plain data (see ``to_dict``).

    ``df`` is the t distribution's degrees of freedom (None for z). ``pi_low``/``pi_high`` are the
    prediction interval (None for the common-effect model, as in metafor). ``tau2_ci`` etc. are Q-profile
    intervals (None for the common-effect model and k = 1). ``tau2_ci_signs`` are metafor's marks of
    those bounds (shared by the tau², tau, I² and H² intervals): "" for a bound, ">" for a bound that
    lies beyond the search limit and is reported as that limit, "<" on both bounds of the null set
    (see ``spinereview.meta.bounds``); ``tau2_ci_search`` is the searched [0, tau2_max]. ``i2`` is in
    percent. ``weights`` are the percentage weights of the studies in input order. ``notes`` explain
    special cases.
    """

    k: int
    method: str
    test: str
    level: float
    estimate: float
    se: float
    statistic: float
    p: float
    ci_low: float
    ci_high: float
    df: int | None
    pi_low: float | None
    pi_high: float | None
    tau2: float
    se_tau2: float | None
    tau2_ci: tuple[float, float] | None
    tau_ci: tuple[float, float] | None
    i2: float
    i2_ci: tuple[float, float] | None
    h2: float
    h2_ci: tuple[float, float] | None
    tau2_ci_null: bool
    tau2_ci_signs: tuple[str, str] | None
    tau2_ci_search: tuple[float, float] | None
    q: float
    q_df: int
    q_p: float
    converged: bool
    iterations: int
    weights: tuple[float, ...]
    notes: tuple[str, ...]

    @property
    def tau(self) -> float:
        """sqrt(tau²)."""
        return math.sqrt(self.tau2)

    def to_dict(self) -> dict[str, object]:
        """The result as JSON-ready built-in types (NaN → None, ±inf → "Infinity")."""
        out = json_safe(asdict(self))
        assert isinstance(out, dict)
        out["tau"] = self.tau
        return out


class MetaAnalysis:
    """Common-effect or random-effects meta-analysis of effects ``yi`` with sampling variances ``vi``.

    Arguments are validated at construction (MetaArgumentError); ``fit()`` returns self and sets
    ``result`` (a MetaResult). ``method``: "EE" (common/fixed effect; aliases "FE", "CE") or a tau²
    estimator "DL", "REML", "ML", "PM", "EB", "SJ", "HS", "HE". ``test``: "z", "t" (k − 1 df),
    "knha" (Hartung–Knapp–Sidik–Jonkman; alias "hksj"), or "adhoc" (HKSJ with the floor max(1, s²)).
    ``level``: confidence level for CIs, PI and Q-profile intervals, as a fraction (0.95).
    Sampling variances must be > 0 for every method (also EE): a zero variance gives the study an
    infinite weight, and Q, I², H², DL, HS and PM are undefined (metafor refuses them as well).
    """

    def __init__(
        self,
        yi: Sequence[float] | Array,
        vi: Sequence[float] | Array,
        *,
        method: str = "REML",
        test: str = "z",
        level: float = 0.95,
        control: Control | None = None,
    ) -> None:
        self.yi, self.vi = check_data(yi, vi)
        self.method = check_method(method)
        self.test = check_test(test)
        self.level = check_level(level)
        self.control = Control() if control is None else control
        if not isinstance(self.control, Control):
            raise TypeError(f"control must be a Control, got {type(self.control).__name__}")
        self._result: MetaResult | None = None

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.size)

    @property
    def result(self) -> MetaResult:
        """The fitted result; call ``fit()`` first."""
        if self._result is None:
            raise RuntimeError("MetaAnalysis.result is not available before fit() is called")
        return self._result

    def fit(self) -> MetaAnalysis:
        """Estimate tau², the pooled effect and its intervals; raises ConvergenceError if stuck."""
        if self.k == 1:
            self._result = self._single_study()
        else:
            x = np.ones((self.k, 1))
            fitted = fit_linear(
                self.yi, self.vi, x, self.method, self.test, self.level, self.control
            )
            self._result = self._summarise(fitted, x)
        return self

    def _single_study(self) -> MetaResult:
        """k = 1: the study itself with a z-test; tau² = 0, Q = 0, I² = 0, H² = 1 (metafor's output)."""
        y, se = float(self.yi[0]), math.sqrt(float(self.vi[0]))
        crit = critical_value("z", None, self.level)
        notes = [NOTE_K1]
        if self.test != "z":
            notes.append(f"k=1: test {self.test!r} needs k >= 2; a z-test is reported")
        statistic = y / se
        low, high = y - crit * se, y + crit * se
        pi = (None, None) if self.method == "EE" else (low, high)
        return MetaResult(
            k=1,
            method=self.method,
            test="z",
            level=self.level,
            estimate=y,
            se=se,
            statistic=statistic,
            p=2 * _norm_sf(abs(statistic)),
            ci_low=low,
            ci_high=high,
            df=None,
            pi_low=pi[0],
            pi_high=pi[1],
            tau2=0.0,
            se_tau2=None,
            tau2_ci=None,
            tau_ci=None,
            i2=0.0,
            i2_ci=None,
            h2=1.0,
            h2_ci=None,
            tau2_ci_null=False,
            tau2_ci_signs=None,
            tau2_ci_search=None,
            q=0.0,
            q_df=0,
            q_p=1.0,
            converged=True,
            iterations=0,
            weights=(100.0,),
            notes=tuple(notes),
        )

    def _summarise(self, fitted: LinearFit, x: Array) -> MetaResult:
        inf, het, est = fitted.inference, fitted.heterogeneity, fitted.tau2_estimate
        notes: list[str] = []
        b, se = float(inf.beta[0]), float(inf.se[0])
        pi: tuple[float | None, float | None] = (None, None)
        ci = None
        if est is not None:
            half = inf.crit * math.sqrt(se**2 + fitted.tau2)
            pi = (b - half, b + half)
            ci = qprofile_ci(
                self.yi, self.vi, x, fitted.tau2, het.typical_v, self.level, self.control
            )
            notes.extend(_ci_notes(ci))
            if est.note:
                notes.append(est.note)
        elif self.test in ("knha", "adhoc"):
            notes.append(
                "Knapp-Hartung adjustment applied to a common-effect model (usually not meant)"
            )
        if inf.floor_applied:
            notes.append("HKSJ floor applied: s² < 1 replaced by 1")
        if self.test in ("knha", "adhoc") and inf.s2w == 0:
            notes.append("HKSJ: residual Q is 0, so the adjusted standard error is 0")
        return MetaResult(
            k=self.k,
            method=self.method,
            test=self.test,
            level=self.level,
            estimate=b,
            se=se,
            statistic=float(inf.statistic[0]),
            p=float(inf.p[0]),
            ci_low=float(inf.ci_low[0]),
            ci_high=float(inf.ci_high[0]),
            df=inf.df,
            pi_low=pi[0],
            pi_high=pi[1],
            tau2=fitted.tau2,
            se_tau2=None if est is None else est.se_tau2,
            tau2_ci=None if ci is None else ci.tau2,
            tau_ci=None if ci is None else ci.tau,
            i2=het.i2,
            i2_ci=None if ci is None else ci.i2,
            h2=het.h2,
            h2_ci=None if ci is None else ci.h2,
            tau2_ci_null=False if ci is None else ci.null_set,
            tau2_ci_signs=None if ci is None else ci.signs,
            tau2_ci_search=None if ci is None else ci.search,
            q=het.q,
            q_df=het.df,
            q_p=het.p,
            converged=True,
            iterations=0 if est is None else est.iterations,
            weights=tuple(float(w) for w in fitted.weights),
            notes=tuple(notes),
        )


def _ci_notes(ci: QProfileCI) -> list[str]:
    """Explain Q-profile bounds that are not interior roots (metafor's '<' and '>' marks)."""
    limit = f"{ci.search_max:g}"
    how = "raise tau2_max (metafor's tau2.max) to find it"
    if ci.null_set:
        return [
            "Q-profile CI for tau² is the null set (Q(0) below the lower quantile): "
            "both bounds are shown as <0"
        ]
    if ci.lower_at_limit:
        return [
            f"Q-profile CI for tau² lies entirely beyond the search limit tau2_max = {limit}: "
            f"both bounds are shown as >{limit}; {how}"
        ]
    if ci.upper_at_limit:
        return [
            f"Q-profile upper bound for tau² lies beyond the search limit tau2_max = {limit} "
            f"and is shown as >{limit}; {how}"
        ]
    return []


def _norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def meta_analysis(
    yi: Sequence[float] | Array,
    vi: Sequence[float] | Array,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    control: Control | None = None,
) -> MetaResult:
    """Shorthand for ``MetaAnalysis(yi, vi, ...).fit().result``."""
    return MetaAnalysis(yi, vi, method=method, test=test, level=level, control=control).fit().result
