"""Published worked examples: the BCG vaccine meta-analysis (Colditz et al. 1994) as in metafor."""

from __future__ import annotations

import pytest
from test_meta_golden import design, reference

from spinereview.meta import MetaAnalysis
from spinereview.meta.bias import EggerResult, TrimFillResult, egger_test, trim_and_fill
from spinereview.meta.sensitivity import subgroup_analysis


def bcg(method: str = "REML", test: str = "z") -> MetaAnalysis:
    yi, vi = design("k13_bcg")
    return MetaAnalysis(yi, vi, method=method, test=test)


def r4(x: float) -> float:
    """Round to the 4 decimals metafor prints."""
    return round(x, 4)


def test_analysis_example_colditz1994_reml() -> None:
    """metafor's printout of rma(yi, vi, data = dat.bcg) (Viechtbauer 2010, J Stat Softw 36(3))."""
    res = bcg().fit().result
    assert (r4(res.estimate), r4(res.se), r4(res.statistic)) == (-0.7145, 0.1798, -3.9744)
    assert (r4(res.ci_low), r4(res.ci_high)) == (-1.0669, -0.3622)
    assert (r4(res.pi_low), r4(res.pi_high)) == (-1.8667, 0.4376)
    assert (r4(res.tau2), r4(res.se_tau2), r4(res.tau)) == (0.3132, 0.1664, 0.5597)
    assert (round(res.i2, 2), round(res.h2, 2)) == (92.22, 12.86)
    assert (r4(res.q), res.q_df) == (152.2330, 12)
    assert res.p < 1e-4 and res.q_p < 1e-4
    # confint(res): Q-profile intervals. metafor's default printout says I² lower 81.9177 and H² lower
    # 5.5303 because uniroot stops at tol = .Machine$double.eps^0.25 (~1.2e-4 on tau²); with
    # control = list(tol = 1e-10) metafor agrees with the exact roots asserted here.
    assert res.tau2_ci is not None and res.tau_ci is not None
    assert res.i2_ci is not None and res.h2_ci is not None
    assert tuple(map(r4, res.tau2_ci)) == (0.1197, 1.1115)
    assert tuple(map(r4, res.tau_ci)) == (0.3460, 1.0543)
    assert tuple(map(r4, res.i2_ci)) == (81.9206, 97.6781)
    assert tuple(map(r4, res.h2_ci)) == (5.5311, 43.0677)


def test_analysis_example_colditz1994_dl() -> None:
    res = bcg("DL").fit().result
    assert (r4(res.estimate), r4(res.se), r4(res.statistic)) == (-0.7141, 0.1787, -3.9952)
    assert (r4(res.tau2), r4(res.se_tau2), round(res.i2, 2)) == (0.3088, 0.2299, 92.12)


def test_analysis_example_colditz1994_knha() -> None:
    res = bcg(test="knha").fit().result
    assert (r4(res.se), r4(res.statistic), res.df, r4(res.p)) == (0.1808, -3.9522, 12, 0.0019)
    assert (r4(res.ci_low), r4(res.ci_high)) == (-1.1084, -0.3206)


def test_analysis_example_colditz1994_allocation_moderator() -> None:
    """rma(yi, vi, mods = ~ factor(alloc), data = dat.bcg): the mixed-effects subgroup model."""
    groups = reference()["subgroups"][0]["groups"]
    yi, vi = design("k13_bcg")
    res = subgroup_analysis(yi, vi, groups, method="REML")
    mod = res.moderator
    assert mod is not None
    assert res.levels == ("alternate", "random", "systematic")
    assert (r4(mod.qm), mod.qm_df, r4(mod.qm_p)) == (1.7675, (2, None), 0.4132)
    assert (r4(mod.q), mod.q_df, r4(mod.tau2)) == (132.3676, 10, 0.3615)
    assert tuple(map(r4, mod.coef)) == (-0.5180, -0.4478, 0.0890)


def test_analysis_example_colditz1994_egger() -> None:
    """regtest(res, model = "rma", predictor = "sei") on the REML fit."""
    res = egger_test(bcg())
    assert isinstance(res, EggerResult)
    assert (r4(res.statistic), r4(res.p)) == (-0.8033, 0.4218)
    assert (r4(res.limit_estimate), r4(res.limit_ci_low), r4(res.limit_ci_high)) == (
        -0.5104,
        -1.1182,
        0.0974,
    )


@pytest.mark.parametrize(("method", "k0", "side"), [("REML", 1, "right"), ("EE", 4, "right")])
def test_analysis_example_colditz1994_trimfill(method: str, k0: int, side: str) -> None:
    """trimfill(res): one study imputed on the right for REML (SE of k0 2.4528), four for EE."""
    res = trim_and_fill(bcg(method))
    assert isinstance(res, TrimFillResult)
    assert (res.k0, res.side) == (k0, side)
    if method == "REML":
        assert r4(res.se_k0) == 2.4528
        assert (r4(res.fit.estimate), r4(res.fit.se), r4(res.fit.tau2)) == (-0.6571, 0.1785, 0.3313)
