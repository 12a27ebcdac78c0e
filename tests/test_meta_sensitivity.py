"""Golden tests for leave-one-out, Egger's test, trim-and-fill and subgroups, plus k < 10 handling."""

from __future__ import annotations

from typing import Any

import pytest
from test_meta_golden import assert_close, design, reference

from spinereview.meta import MetaAnalysis, MetaArgumentError
from spinereview.meta.bias import EggerResult, TrimFillResult, egger_test, trim_and_fill
from spinereview.meta.sensitivity import (
    LeaveOneOut,
    NotApplicable,
    leave_one_out,
    subgroup_analysis,
)


def model(case: dict[str, Any], test: str | None = None) -> MetaAnalysis:
    yi, vi = design(case["design"])
    return MetaAnalysis(yi, vi, method=case["method"], test=test or case.get("test", "z"))


def _id(case: dict[str, Any]) -> str:
    side = case.get("side_requested", "")
    return "/".join(x for x in (case["design"], case["method"], case.get("test", ""), side) if x)


@pytest.mark.parametrize("case", reference()["leave1out"], ids=_id)
def test_leave_one_out_golden(case: dict[str, Any]) -> None:
    res = leave_one_out(model(case))
    assert isinstance(res, LeaveOneOut)
    fields = {
        "estimate": ("estimate", "estimate"),
        "se": ("se", "se"),
        "zval": ("statistic", "statistic"),
        "pval": ("p", "p"),
        "ci_lb": ("ci_low", "ci"),
        "ci_ub": ("ci_high", "ci"),
        "Q": ("q", "q"),
        "Qp": ("q_p", "q"),
        "tau2": ("tau2", "tau2"),
        "I2": ("i2", "i2"),
        "H2": ("h2", "h2"),
    }
    for key, (attr, tol) in fields.items():
        for i, (fit, ref) in enumerate(zip(res.fits, case[key], strict=True)):
            assert_close(f"{attr} without study {i}", tol, getattr(fit, attr), ref, _id(case))


@pytest.mark.parametrize("case", reference()["egger"], ids=_id)
def test_egger_golden(case: dict[str, Any]) -> None:
    res = egger_test(model(case))
    assert isinstance(res, EggerResult)
    assert res.df == case["ddf"]
    pairs = [
        ("statistic", "statistic", "stat"),
        ("p", "p", "pval"),
        ("limit_estimate", "estimate", "limit_estimate"),
        ("limit_ci_low", "ci", "limit_ci_lb"),
        ("limit_ci_high", "ci", "limit_ci_ub"),
        ("slope", "estimate", "slope"),
        ("slope_se", "se", "slope_se"),
        ("tau2", "tau2", "tau2"),
    ]
    for attr, tol, key in pairs:
        assert_close(attr, tol, getattr(res, attr), case[key], _id(case))


@pytest.mark.parametrize("case", reference()["trimfill"], ids=_id)
def test_trim_and_fill_golden(case: dict[str, Any]) -> None:
    side = None if case["side_requested"] == "auto" else case["side_requested"]
    res = trim_and_fill(model(case, test="z"), side=side)
    assert isinstance(res, TrimFillResult)
    assert (res.k0, res.side, res.fit.k) == (case["k0"], case["side"], case["k"])
    assert_close("se_k0", "estimate", res.se_k0, case["se_k0"], _id(case))
    yi, _ = design(case["design"])
    filled = [*yi, *res.filled_yi]
    for i, (ours, ref) in enumerate(zip(filled, case["yi_filled"], strict=True)):
        assert_close(f"yi[{i}]", "estimate", ours, ref, _id(case))
    pairs = [
        ("estimate", "estimate", "estimate"),
        ("se", "se", "se"),
        ("statistic", "statistic", "zval"),
        ("p", "p", "pval"),
        ("ci_low", "ci", "ci_lb"),
        ("ci_high", "ci", "ci_ub"),
        ("tau2", "tau2", "tau2"),
        ("q", "q", "QE"),
    ]
    for attr, tol, key in pairs:
        assert_close(attr, tol, getattr(res.fit, attr), case[key], _id(case))


@pytest.mark.parametrize("case", reference()["subgroups"], ids=_id)
def test_subgroups_golden(case: dict[str, Any]) -> None:
    yi, vi = design(case["design"])
    res = subgroup_analysis(yi, vi, case["groups"], method=case["method"], test=case["test"])
    where = _id(case)
    assert res.q_between_df == case["Q_between_df"]
    assert_close("q_between", "q", res.q_between, case["Q_between"], where)
    assert_close("q_between_p", "q", res.q_between_p, case["Q_between_p"], where)
    mod = res.moderator
    assert mod is not None
    assert list(mod.qm_df) == case["QMdf"]
    for attr, tol, key in [
        ("qm", "q", "QM"),
        ("qm_p", "p", "QMp"),
        ("q", "q", "QE_mod"),
        ("q_p", "q", "QEp_mod"),
        ("tau2", "tau2", "tau2_mod"),
        ("i2", "i2", "I2_mod"),
    ]:
        assert_close(attr, tol, getattr(mod, attr), case[key], where)
    for i, (ours, ref) in enumerate(zip(mod.coef, case["coef"], strict=True)):
        assert_close(f"coef[{i}]", "estimate", ours, ref, where)
    for i, (ours, ref) in enumerate(zip(mod.se, case["coef_se"], strict=True)):
        assert_close(f"coef_se[{i}]", "se", ours, ref, where)
    for group, ref in zip(res.fits, case["separate"], strict=True):
        assert group.k == ref["k"]
        for attr, tol, key in [
            ("estimate", "estimate", "estimate"),
            ("se", "se", "se"),
            ("ci_low", "ci", "ci_lb"),
            ("ci_high", "ci", "ci_ub"),
            ("tau2", "tau2", "tau2"),
            ("q", "q", "QE"),
        ]:
            assert_close(f"{ref['group']}.{attr}", tol, getattr(group, attr), ref[key], where)


def test_common_effect_subgroup_tests_coincide() -> None:
    """For EE, Q-between from separate fits equals the moderator QM (a known identity)."""
    case = reference()["subgroups"][0]
    yi, vi = design("k13_bcg")
    res = subgroup_analysis(yi, vi, case["groups"], method="EE")
    assert res.moderator is not None
    assert res.q_between == pytest.approx(res.moderator.qm, abs=1e-9)


@pytest.mark.parametrize("analysis", [leave_one_out, egger_test, trim_and_fill])
@pytest.mark.parametrize("name", ["k1", "k2", "k5_homogeneous", "pain_k6"])
def test_small_k_not_applicable(analysis: Any, name: str) -> None:
    yi, vi = design(name)
    res = analysis(MetaAnalysis(yi, vi, method="REML"))
    assert isinstance(res, NotApplicable)
    assert res.reason.startswith("not applicable (k < 10")
    assert res.to_dict()["applicable"] is False


def test_leave_one_out_can_be_forced_for_small_k() -> None:
    yi, vi = design("pain_k6")
    res = leave_one_out(MetaAnalysis(yi, vi, method="DL"), min_k=2)
    assert isinstance(res, LeaveOneOut)
    assert len(res.fits) == 6 and all(f.k == 5 for f in res.fits)
    assert res.to_dict()["rows"][0]["omitted"] == 0


def test_trim_and_fill_rejects_bad_side() -> None:
    yi, vi = design("k13_bcg")
    with pytest.raises(MetaArgumentError, match="side"):
        trim_and_fill(MetaAnalysis(yi, vi), side="up")


def test_subgroups_validate_labels() -> None:
    yi, vi = design("k13_bcg")
    with pytest.raises(MetaArgumentError, match="labels"):
        subgroup_analysis(yi, vi, ["a"] * 3)
    with pytest.raises(MetaArgumentError, match="at least 2"):
        subgroup_analysis(yi, vi, ["a"] * len(yi))
