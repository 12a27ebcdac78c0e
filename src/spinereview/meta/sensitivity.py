"""Sensitivity analyses: leave-one-out and subgroups with a test for subgroup differences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from spinereview import distributions
from spinereview.meta.errors import MetaArgumentError
from spinereview.meta.estimators import Control
from spinereview.meta.linalg import Array
from spinereview.meta.model import MetaAnalysis, MetaResult, json_safe
from spinereview.meta.regression import MetaRegression, RegressionResult

#: Minimum number of studies for leave-one-out, Egger's test and trim-and-fill.
MIN_K_SMALL_STUDY = 10


@dataclass(frozen=True)
class NotApplicable:
    """An analysis that was not run, and why (e.g. "not applicable (k < 10)")."""

    analysis: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        """{"analysis": ..., "applicable": False, "reason": ...}."""
        return {"analysis": self.analysis, "applicable": False, "reason": self.reason}


def not_applicable_small_k(analysis: str, k: int) -> NotApplicable:
    """The standard 'k < 10' verdict."""
    return NotApplicable(analysis, f"not applicable (k < {MIN_K_SMALL_STUDY}; k = {k})")


@dataclass(frozen=True)
class LeaveOneOut:
    """One MetaResult per omitted study (``omitted[i]`` is the 0-based index left out)."""

    omitted: tuple[int, ...]
    fits: tuple[MetaResult, ...]

    def to_dict(self) -> dict[str, object]:
        """Rows of the omitted index plus the fit without it."""
        rows = [
            {"omitted": i, **fit.to_dict()} for i, fit in zip(self.omitted, self.fits, strict=True)
        ]
        return {"analysis": "leave-one-out", "applicable": True, "rows": rows}


def leave_one_out(
    model: MetaAnalysis, *, min_k: int = MIN_K_SMALL_STUDY
) -> LeaveOneOut | NotApplicable:
    """Refit ``model`` (same method, test, level, control) k times, each time without one study.

    Returns NotApplicable when k < min_k (the protocol's k >= 10 rule; pass min_k=2 to force it).
    """
    k = model.k
    if k < max(min_k, 2):
        return not_applicable_small_k("leave-one-out", k)
    fits = []
    for i in range(k):
        keep = np.arange(k) != i
        sub = MetaAnalysis(
            model.yi[keep], model.vi[keep], method=model.method, test=model.test,
            level=model.level, control=model.control,
        )  # fmt: skip
        fits.append(sub.fit().result)
    return LeaveOneOut(tuple(range(k)), tuple(fits))


@dataclass(frozen=True)
class SubgroupResult:
    """Per-subgroup fits and two tests for subgroup differences.

    ``q_between``: Cochran's Q of the subgroup estimates with weights 1/se² from the separate fits
    (each subgroup has its own tau²; "random-effects with separate tau²", as RevMan), chi² with
    G − 1 df. ``moderator``: the meta-regression on subgroup indicators with one common tau²
    (metafor's ``rma(yi, vi, mods = ~ factor(group))``); its QM is the test of moderators. For the
    common-effect model both tests coincide.
    """

    levels: tuple[str, ...]
    fits: tuple[MetaResult, ...]
    q_between: float
    q_between_df: int
    q_between_p: float
    moderator: RegressionResult | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary."""
        out = json_safe(asdict(self))
        assert isinstance(out, dict)
        out["fits"] = [
            dict(fit.to_dict(), group=g) for g, fit in zip(self.levels, self.fits, strict=True)
        ]
        return out


def subgroup_analysis(
    yi: Sequence[float] | Array,
    vi: Sequence[float] | Array,
    groups: Sequence[str],
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    control: Control | None = None,
) -> SubgroupResult:
    """Fit each subgroup separately and test for differences between the subgroups.

    Levels are sorted (the first is the reference level of the moderator model, like R's factor()).
    The moderator model needs k > G; otherwise ``moderator`` is None.
    """
    labels = [str(g) for g in groups]
    if len(labels) != len(yi):
        raise MetaArgumentError(f"groups has {len(labels)} labels for {len(yi)} studies")
    levels = tuple(sorted(set(labels)))
    if len(levels) < 2:
        raise MetaArgumentError(f"subgroup analysis needs at least 2 subgroups, got {levels}")
    y, v = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    codes = np.array([levels.index(g) for g in labels])
    options = {"method": method, "test": test, "level": level, "control": control}
    fits = tuple(
        MetaAnalysis(y[codes == j], v[codes == j], **options).fit().result  # type: ignore[arg-type]
        for j in range(len(levels))
    )
    between = (
        MetaAnalysis([f.estimate for f in fits], [f.se**2 for f in fits], method="EE", level=level)
        .fit()
        .result
    )
    moderator = None
    if y.size > len(levels):
        dummies = (codes[:, None] == np.arange(1, len(levels))[None, :]).astype(float)
        moderator = MetaRegression(y, v, dummies, **options).fit().result  # type: ignore[arg-type]
    df = len(levels) - 1
    return SubgroupResult(
        levels, fits, between.q, df, float(distributions.chi2_sf(between.q, df)), moderator
    )
