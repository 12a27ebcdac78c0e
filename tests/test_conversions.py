"""Effect-size conversions against hand-computed values and pinned metafor::escalc results."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from spinereview.extraction.convert import (
    hedges_j,
    md_from_arms,
    se_from_ci,
    se_from_p,
    smd_hedges,
    two_by_two,
    z_crit,
)

ESCALC = json.loads((Path(__file__).parent / "data/metafor/escalc.json").read_text())
CASES = {c["name"]: c for c in ESCALC["cases"]}
TOL = 1e-10  # closed-form formulas: agreement to floating-point rounding, far inside the 1e-6 brief


def _args(call: str) -> dict[str, list[float]]:
    """Parse the vectors of an escalc call string such as "escalc('MD', m1i=c(1, 2), ...)"."""
    out = {}
    body = call[call.index(",") + 1 : -1]
    for chunk in body.split("),"):
        name, values = chunk.split("=c(")
        out[name.strip()] = [float(v) for v in values.rstrip(")").split(",")]
    return out


def test_escalc_reference_is_pinned_with_versions() -> None:
    assert ESCALC["metafor"] and ESCALC["R"].startswith("R version")
    assert set(CASES) == {"MD", "SMD", "RR", "OR", "RD"}


@pytest.mark.parametrize("name", ["MD", "SMD"])
def test_continuous_measures_match_escalc(name: str) -> None:
    case, func = CASES[name], {"MD": md_from_arms, "SMD": smd_hedges}[name]
    a = _args(case["call"])
    for i, (yi, vi) in enumerate(zip(case["yi"], case["vi"], strict=True)):
        got = func(a["m1i"][i], a["sd1i"][i], a["n1i"][i], a["m2i"][i], a["sd2i"][i], a["n2i"][i])
        assert got == pytest.approx((yi, vi), abs=TOL, rel=TOL)


@pytest.mark.parametrize("name", ["RR", "OR", "RD"])
def test_count_measures_match_escalc_including_zero_cells(name: str) -> None:
    case = CASES[name]
    a = _args(case["call"])
    for i, (yi, vi) in enumerate(zip(case["yi"], case["vi"], strict=True)):
        got_yi, got_vi, _ = two_by_two(a["ai"][i], a["n1i"][i], a["ci"][i], a["n2i"][i], name)
        assert (got_yi, got_vi) == pytest.approx((yi, vi), abs=TOL, rel=TOL)


def test_hand_computed_values() -> None:
    # 95% CI -13.3 to 10.7 -> SE = 24 / (2 * 1.959964) = 6.1225
    assert se_from_ci(-13.3, 10.7) == pytest.approx(24 / (2 * 1.959963984540054))
    # RR 0.62 (0.41 to 0.92): SE(log RR) = (ln 0.92 - ln 0.41) / 3.919928
    assert se_from_ci(0.41, 0.92, log_scale=True) == pytest.approx(
        (math.log(0.92) - math.log(0.41)) / 3.919927969080108
    )
    assert se_from_ci(-1, 1, level=0.90) == pytest.approx(1 / 1.6448536269514722)
    # estimate 5 with p = 0.05 -> z = 1.959964 -> SE = 2.551
    assert se_from_p(5, 0.05) == pytest.approx(5 / 1.959963984540054)
    assert z_crit() == pytest.approx(1.959963984540054)
    # J(10) = Γ(5) / (√5 Γ(4.5)) = 24 / (2.23607 * 11.63173) = 0.922725
    assert hedges_j(10) == pytest.approx(24 / (math.sqrt(5) * math.gamma(4.5)))
    # 2x2 without zero cells: 10/20 vs 5/20 -> RR 2, Var = 1/10 - 1/20 + 1/5 - 1/20
    yi, vi, corrected = two_by_two(10, 20, 5, 20, "RR")
    assert (yi, vi, corrected) == (pytest.approx(math.log(2)), pytest.approx(0.2), False)
    assert two_by_two(0, 10, 3, 11, "RD")[2] is True


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: se_from_ci(2, 1), "below lower limit"),
        (lambda: se_from_ci(-0.1, 1, log_scale=True), "must be positive"),
        (lambda: se_from_p(1.0, 1.0), "p-value"),
        (lambda: md_from_arms(1, -1, 10, 1, 1, 10), "negative"),
        (lambda: smd_hedges(1, 1, 1, 1, 1, 1), "degree of freedom"),
        (lambda: two_by_two(11, 10, 1, 10, "RR"), "between 0 and n"),
        (lambda: two_by_two(1, 10, 1, 10, "HR"), "unknown measure"),
        (lambda: z_crit(95), "level"),
    ],
)
def test_invalid_inputs_raise(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
