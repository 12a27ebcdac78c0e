"""The MetaAnalysis API: argument validation, edge designs, convergence failures and plain results."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from test_meta_golden import design, reference

from spinereview.errors import SpinereviewError
from spinereview.meta import (
    Control,
    ConvergenceError,
    MetaAnalysis,
    MetaArgumentError,
    MetaResult,
    meta_analysis,
)
from spinereview.meta.regression import MetaRegression


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "XYZ"}, "unknown method"),
        ({"method": 3}, "method must be a string"),
        ({"test": "wald"}, "unknown test"),
        ({"level": 95}, "level must be a number in"),
        ({"level": 0.0}, "level must be a number in"),
        ({"level": True}, "level must be a number in"),
    ],
)
def test_invalid_options_are_rejected_at_construction(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(MetaArgumentError, match=match):
        MetaAnalysis([0.1, 0.2], [0.01, 0.02], **kwargs)


@pytest.mark.parametrize(
    ("yi", "vi", "match"),
    [
        ([0.1, 0.2], [0.01], "differ in length"),
        ([], [], "k must be >= 1"),
        ([0.1, math.nan], [0.01, 0.02], "yi must be finite; study index 1"),
        ([0.1, 0.2], [0.01, math.inf], "vi must be finite"),
        ([0.1, 0.2], [0.01, 0.0], "vi must be > 0"),
        ([0.1, 0.2], [0.01, -1.0], "vi must be > 0"),
        ([[0.1], [0.2]], [0.01, 0.02], "one-dimensional"),
        (["a", "b"], [0.01, 0.02], "numeric"),
    ],
)
def test_invalid_data_are_rejected_at_construction(yi: Any, vi: Any, match: str) -> None:
    with pytest.raises(MetaArgumentError, match=match):
        MetaAnalysis(yi, vi)


def test_argument_errors_are_pipeline_errors() -> None:
    assert issubclass(MetaArgumentError, SpinereviewError)
    assert issubclass(MetaArgumentError, ValueError)
    assert issubclass(ConvergenceError, SpinereviewError)


@pytest.mark.parametrize(
    "kwargs",
    [{"threshold": 0}, {"tol": -1}, {"max_iter": 0}, {"max_iter": 2.5}, {"tau2_max": math.inf}],
)
def test_invalid_control_is_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(MetaArgumentError, match="control"):
        Control(**kwargs)


def test_aliases_map_to_canonical_names() -> None:
    model = MetaAnalysis([0.1, 0.3], [0.01, 0.02], method="fe", test="HKSJ")
    assert (model.method, model.test) == ("EE", "knha")


def test_fit_returns_self_and_result_requires_fit() -> None:
    model = MetaAnalysis([0.1, 0.3, 0.2], [0.01, 0.02, 0.03])
    with pytest.raises(RuntimeError, match="fit"):
        _ = model.result
    assert model.fit() is model
    assert isinstance(model.result, MetaResult)


def test_result_is_frozen_plain_data() -> None:
    res = meta_analysis(*design("k13_bcg"), method="PM", test="knha")
    with pytest.raises(AttributeError):
        res.estimate = 0.0  # type: ignore[misc]
    data = res.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False))["method"] == "PM"
    assert data["tau"] == pytest.approx(math.sqrt(res.tau2))
    assert sum(res.weights) == pytest.approx(100.0)
    assert res.converged and res.iterations > 0


def test_single_study_reports_the_study_and_says_no_pooling() -> None:
    yi, vi = design("k1")
    res = meta_analysis(yi, vi, method="REML", test="knha")
    assert res.k == 1
    assert res.estimate == yi[0] and res.se == pytest.approx(math.sqrt(vi[0]))
    assert res.test == "z" and res.df is None
    assert res.tau2 == 0.0 and res.tau2_ci is None and res.se_tau2 is None
    assert (res.q, res.q_df, res.q_p, res.i2, res.h2) == (0.0, 0, 1.0, 0.0, 1.0)
    assert any("no pooling possible" in n for n in res.notes)
    assert any("z-test is reported" in n for n in res.notes)
    assert json.dumps(res.to_dict(), allow_nan=False)


def test_two_studies_work_for_every_method_and_test() -> None:
    yi, vi = design("k2")
    for method in ("EE", "DL", "REML", "ML", "PM", "EB", "SJ", "HS", "HE"):
        for test in ("z", "t", "knha", "adhoc"):
            res = meta_analysis(yi, vi, method=method, test=test)
            assert res.k == 2 and np.isfinite(res.ci_low) and np.isfinite(res.ci_high)
            assert res.df == (None if test == "z" else 1)


def test_identical_effects_give_zero_tau2_and_a_null_set_interval() -> None:
    yi, vi = design("zero_tau2")
    res = meta_analysis(yi, vi, method="REML", test="knha")
    assert res.tau2 == 0.0 and res.q == pytest.approx(0.0, abs=1e-12)
    assert res.tau2_ci == (0.0, 0.0) and res.tau2_ci_null
    assert res.se == 0.0 and math.isinf(res.statistic)
    assert any("null set" in n for n in res.notes)
    assert any("adjusted standard error is 0" in n for n in res.notes)
    assert json.loads(json.dumps(res.to_dict(), allow_nan=False))["statistic"] == "Infinity"


def test_hksj_floor_is_reported() -> None:
    yi, vi = design("k5_homogeneous")
    res = meta_analysis(yi, vi, method="DL", test="adhoc")
    plain = meta_analysis(yi, vi, method="DL", test="knha")
    assert res.se > plain.se
    assert "HKSJ floor applied: s² < 1 replaced by 1" in res.notes
    assert not any("floor" in n for n in plain.notes)


def test_huge_variance_study_gets_negligible_weight() -> None:
    yi, vi = design("huge_variance")
    res = meta_analysis(yi, vi, method="REML")
    rest = meta_analysis(yi[1:], vi[1:], method="REML")
    assert res.weights[0] < 1e-4
    assert res.estimate == pytest.approx(rest.estimate, abs=1e-5)


def test_upper_qprofile_bound_beyond_search_limit_is_flagged() -> None:
    res = meta_analysis(*design("pain_k6"), method="DL")
    assert res.tau2_ci is not None
    assert res.tau2_ci[1] == pytest.approx(10 * res.tau2)
    assert any("beyond the search limit" in n for n in res.notes)


def _failures() -> list[dict[str, Any]]:
    return reference()["failures"]


@pytest.mark.parametrize("case", _failures(), ids=lambda c: c["method"])
def test_convergence_failure_raises_clearly(case: dict[str, Any]) -> None:
    """metafor errors on these calls (case["error"]); the engine raises ConvergenceError."""
    assert case["error"], "metafor was expected to fail on this call"
    yi, vi = design(case["design"])
    if case["method"] == "PM":
        control, match = Control(tau2_max=0.01), "tau2_max = 0.01"
    else:
        control, match = Control(max_iter=1), "did not converge within control.max_iter = 1"
    model = MetaAnalysis(yi, vi, method=case["method"], control=control)
    with pytest.raises(ConvergenceError, match=match) as info:
        model.fit()
    assert case["method"] in str(info.value) or "Paule-Mandel" in str(info.value)


def test_default_control_converges_where_metafor_default_fails() -> None:
    yi, vi = design("k13_bcg")
    res = meta_analysis(yi, vi, method="REML", control=Control(max_iter=50))
    assert res.converged and res.iterations <= 50


def test_meta_regression_validates_moderators() -> None:
    yi, vi = design("k13_bcg")
    with pytest.raises(MetaArgumentError, match="one row per study"):
        MetaRegression(yi, vi, [1.0, 2.0])
    with pytest.raises(MetaArgumentError, match="collinear"):
        MetaRegression(yi, vi, np.ones(len(yi)))
    with pytest.raises(MetaArgumentError, match="needs k >"):
        MetaRegression(yi[:2], vi[:2], [0.0, 1.0])
    with pytest.raises(RuntimeError, match="fit"):
        _ = MetaRegression(yi, vi, np.sqrt(vi)).result
    data = MetaRegression(yi, vi, np.sqrt(vi), test="t").fit().result.to_dict()
    assert data["qm_df"] == [1, 11]
