"""Golden tests: Q-profile bounds at and beyond the search limit tau2.max, against metafor at 1e-6.

The reference (tests/data/metafor/qprofile_limit.json, from tools/metafor/qprofile_limit_reference.R)
pins two cells of this review's own pooling whose upper bound lies far beyond metafor's default limit
max(100, 10·tau²): each with the default limit ('>' marks), a raised limit (the true bound) and a
limit below the estimate (both bounds '>', or metafor's PM error).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from spinereview.meta import Control, ConvergenceError, MetaAnalysis, MetaResult

REFERENCE = Path(__file__).parent / "data" / "metafor" / "qprofile_limit.json"

# Roots of Q(tau²) = χ² quantile; metafor's uniroot runs at tol = 1e-10 and brentq at xtol = 1e-12,
# so bounds up to ~57,000 agree to ~1e-9 absolute; I²/H² are smooth transforms of those bounds.
QPROFILE_TOL = 1e-6
# the fit itself (tau² by Fisher scoring / root search at 1e-10; estimate and CI closed form given tau²)
FIT_TOL = 1e-6

# The cases as pinned here; a regenerated file must not silently lose them.
PINNED_IDS = {
    f"{design}/{method}/{limit}/rma"
    for design in ("pain_k2", "responders_k3")
    for method in ("DL", "REML", "PM")
    for limit in ("default", "raised", "below_estimate")
} | {
    f"{design}/REML/{limit}/confint"
    for design in ("pain_k2", "responders_k3")
    for limit in ("raised", "below_estimate")
}


@cache
def reference() -> dict[str, Any]:
    with REFERENCE.open(encoding="utf-8") as fh:
        return json.load(fh)


def _cases() -> list[dict[str, Any]]:
    return reference()["cases"]


def _case(case_id: str) -> dict[str, Any]:
    return next(c for c in _cases() if c["id"] == case_id)


def _fit(case: dict[str, Any]) -> MetaResult:
    d = reference()["designs"][case["design"]]
    limit = case["tau2_max"]
    control = Control(tau2_max=None if limit is None else float(limit))
    return (
        MetaAnalysis(d["yi"], d["vi"], method=case["method"], test=case["test"], control=control)
        .fit()
        .result
    )


def _close(actual: float, expected: object) -> bool:
    return abs(actual - float(expected)) <= QPROFILE_TOL  # type: ignore[arg-type]


@pytest.mark.parametrize("case", [c for c in _cases() if "error" not in c], ids=lambda c: c["id"])
def test_qprofile_bounds_and_marks_match_metafor(case: dict[str, Any]) -> None:
    """tau² in rma(control = list(tau2.max = …)) reaches both the fit and confint(); for REML the same
    limit given to confint() alone gives the same interval, which Control.tau2_max reproduces."""
    res = _fit(case)
    fit, ci = case["fit"], case["confint"]
    for name, actual in (
        ("estimate", res.estimate),
        ("se", res.se),
        ("ci_lb", res.ci_low),
        ("ci_ub", res.ci_high),
        ("tau2", res.tau2),
        ("I2", res.i2),
    ):
        assert abs(actual - float(fit[name])) <= FIT_TOL, (case["id"], name, actual, fit[name])
    ours = {"tau2": res.tau2_ci, "tau": res.tau_ci, "I2": res.i2_ci, "H2": res.h2_ci}
    for name, bounds in ours.items():
        assert bounds is not None
        assert _close(bounds[0], ci[name]["lb"]), (case["id"], name, bounds, ci[name])
        assert _close(bounds[1], ci[name]["ub"]), (case["id"], name, bounds, ci[name])
    assert res.tau2_ci_signs == (ci["lb_sign"], ci["ub_sign"]), case["id"]
    assert res.tau2_ci_null == ci["ci_null"]
    assert res.tau2_ci_search is not None and res.tau2_ci_search[0] == float(ci["tau2_min"])


def test_responder_cell_default_limit_is_marked_and_raised_limit_finds_19455() -> None:
    """The issue's example: REML's upper bound 4167.29 is the limit 10·tau², the true bound 19,454.85."""
    default = _fit(_case("responders_k3/REML/default/rma"))
    assert default.tau2_ci is not None and default.tau2_ci_signs == ("", ">")
    assert default.tau2_ci[1] == pytest.approx(10 * default.tau2, abs=1e-9)
    assert any(">4167.29" in n and "tau2_max = 4167.29" in n for n in default.notes)
    raised = _fit(_case("responders_k3/REML/raised/rma"))
    assert raised.tau2_ci is not None and raised.tau2_ci_signs == ("", "")
    assert raised.tau2_ci[1] == pytest.approx(19454.853390953776, abs=QPROFILE_TOL)
    assert not any("search limit" in n for n in raised.notes)


def test_pain_k2_cell_upper_bound_is_57171_with_a_raised_limit() -> None:
    res = _fit(_case("pain_k2/REML/raised/rma"))
    assert res.tau2_ci is not None
    assert res.tau2_ci[1] == pytest.approx(57170.59497938166, abs=QPROFILE_TOL)
    assert _fit(_case("pain_k2/REML/default/rma")).tau2_ci_signs == ("", ">")


def test_limit_below_the_estimate_marks_both_bounds() -> None:
    res = _fit(_case("responders_k3/REML/below_estimate/rma"))
    assert res.tau2_ci == (40.0, 40.0) and res.tau2_ci_signs == (">", ">")
    assert any("both bounds are shown as >40" in n for n in res.notes)


@pytest.mark.parametrize("case", [c for c in _cases() if "error" in c], ids=lambda c: c["id"])
def test_pm_with_a_limit_below_its_root_fails_like_metafor(case: dict[str, Any]) -> None:
    assert "tau2.max" in case["error"]
    with pytest.raises(ConvergenceError, match="tau2_max = 40"):
        _fit(case)


def test_reference_did_not_shrink_and_records_its_calls() -> None:
    ref = reference()
    assert {c["id"] for c in _cases()} >= PINNED_IDS
    gen = ref["generator"]
    assert gen["script"] == "tools/metafor/qprofile_limit_reference.R"
    assert gen["R_version"].startswith("R version") and gen["metafor_version"]
    for c in _cases():
        assert c["call"].startswith("res <- rma(yi, vi, method = ")
        if "confint" in c:
            assert c["confint"]["call"].startswith("confint(res, control = ")
