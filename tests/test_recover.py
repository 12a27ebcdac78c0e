"""Precision-recovery conversions against pinned metafor values (conv.wald, conv.fivenum, escalc).

Every input here is synthetic (tools/metafor/conversions_reference.R); none is study data.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from scipy.stats import norm

from spinereview.extraction.convert import se_from_p
from spinereview.extraction.recover import (
    events_from_percent,
    mean_ci_crit,
    mean_sd_from_fivenum,
    pooled_sd,
    sd_change,
    sd_from_ci,
    sd_from_se,
)

REF = json.loads((Path(__file__).parent / "data/metafor/conversions.json").read_text())
#: closed-form formulas; the JSON keeps 15 significant digits, so 1e-9 relative is far inside it
REL = 1e-9
#: the pinned grid must not shrink (cases per function)
GRID = {
    "events_from_percent": 8,
    "sd_from_se": 4,
    "sd_from_ci": 6,
    "fivenum": 9,
    "sd_change": 5,
    "se_from_p": 4,
    "pooled_sd": 3,
}


def test_reference_records_versions_and_the_grid_did_not_shrink() -> None:
    assert REF["R"].startswith("R version")
    assert int(REF["metafor"].split(".")[0]) >= 4  # conv.fivenum exists from metafor 4.0 on
    assert {name: len(REF[name]) for name in GRID} == GRID


@pytest.mark.parametrize("case", REF["events_from_percent"])
def test_events_from_percent_matches_r(case: dict) -> None:
    got = events_from_percent(case["percent"], case["n"], case["decimals"])
    assert isinstance(got, int) and got == case["events"]


@pytest.mark.parametrize("case", REF["sd_from_se"])
def test_sd_from_se_matches_r(case: dict) -> None:
    assert sd_from_se(case["se"], case["n"]) == pytest.approx(case["sd"], rel=REL, abs=1e-12)


@pytest.mark.parametrize("case", REF["sd_from_ci"])
def test_sd_from_ci_matches_conv_wald_or_the_t_formula(case: dict) -> None:
    got = sd_from_ci(case["low"], case["high"], case["n"])
    assert got == pytest.approx(case["sd"], rel=REL, abs=1e-12)


@pytest.mark.parametrize("case", REF["fivenum"])
def test_mean_sd_from_fivenum_matches_conv_fivenum(case: dict) -> None:
    args = dict(
        n=case["n"],
        median=case["median"],
        q1=case["q1"],
        q3=case["q3"],
        minimum=case["min"],
        maximum=case["max"],
    )
    if case["mean"] is None:  # metafor returns NA: skewed, or n < 5
        with pytest.raises(ValueError, match=r"skewed|n >= 5"):
            mean_sd_from_fivenum(**args)
        return
    got = mean_sd_from_fivenum(**args)
    assert (got.mean, got.sd) == pytest.approx((case["mean"], case["sd"]), rel=REL)
    expected = {(True, False): "S1", (False, True): "S2", (True, True): "S3"}
    assert got.scenario == expected[(case["min"] is not None, case["q1"] is not None)]


@pytest.mark.parametrize("case", REF["sd_change"])
def test_sd_change_matches_escalc_mc(case: dict) -> None:
    got = sd_change(case["sd_baseline"], case["sd_followup"], case["r"])
    assert got == pytest.approx(case["sd"], rel=REL, abs=1e-12)


@pytest.mark.parametrize("case", REF["se_from_p"])
def test_se_from_p_matches_conv_wald(case: dict) -> None:
    assert se_from_p(case["estimate"], case["p"]) == pytest.approx(case["se"], rel=REL)


@pytest.mark.parametrize("case", REF["pooled_sd"])
def test_pooled_sd_matches_r(case: dict) -> None:
    assert pooled_sd(case["sds"], case["ns"]) == pytest.approx(case["sd"], rel=REL)


def test_t_below_60_per_arm_and_z_from_60_on() -> None:
    assert mean_ci_crit(59) == pytest.approx(2.0017174841452352)  # t(0.975, 58)
    assert mean_ci_crit(60) == pytest.approx(1.959963984540054)
    assert mean_ci_crit(2) == pytest.approx(12.706204736174698)  # t(0.975, 1)
    assert mean_ci_crit(200, level=0.90) == pytest.approx(1.6448536269514722)


def test_percent_rounding_ties_to_even_and_checks_the_reporting_precision() -> None:
    # 1% of 250 = 2.5 -> 2 (tie, to even); 2/250 = 0.8%, within 0.5 points of "1%"
    assert events_from_percent(1, 250) == 2
    # 3% of 150 = 4.5 -> 4 (tie, to even)
    assert events_from_percent(3, 150) == 4
    # 33.3% of 30 = 9.99 -> 10 = 33.33%, within 0.05 of a one-decimal report
    assert events_from_percent(33.3, 30, decimals=1) == 10
    # 33% of 10 = 3.3 -> 3 = 30%: not what was reported
    with pytest.raises(ValueError, match="not a whole count"):
        events_from_percent(33, 10)
    # 33.3% of 31 = 10.3 -> 10 = 32.26%: disagrees at one decimal
    with pytest.raises(ValueError, match="not a whole count"):
        events_from_percent(33.3, 31, decimals=1)


def test_fivenum_scenario_formulas_by_hand() -> None:
    # S2 with a symmetric IQR: mean = median; SD = IQR / eta(n), eta = 2 Phi^-1((0.75n - 0.125)/(n + 0.25))
    eta = 2 * norm.ppf((0.75 * 100 - 0.125) / (100 + 0.25))
    got = mean_sd_from_fivenum(100, 50, q1=40, q3=60)
    assert (got.mean, got.sd, got.scenario) == (pytest.approx(50), pytest.approx(20 / eta), "S2")
    # for large n, eta tends to 2 z(0.75) = 1.349: SD -> IQR / 1.35 (Handbook 6.5.2.5)
    assert mean_sd_from_fivenum(10**6, 0, q1=-1, q3=1).sd == pytest.approx(2 / 1.3489795, rel=1e-5)
    # the skewness test can be switched off: metafor's test = FALSE
    skewed = mean_sd_from_fivenum(30, 4, q1=3, q3=5, minimum=2, maximum=30, skew_test=False)
    assert skewed.scenario == "S3" and skewed.mean > 4


def test_sd_change_with_r_one_and_equal_sds_is_zero_and_r_zero_adds_variances() -> None:
    assert sd_change(2, 2, 1) == 0
    assert sd_change(3, 4, 0) == pytest.approx(5)


def test_pooled_sd_of_one_donor_is_its_sd() -> None:
    assert pooled_sd([7.5], [20]) == 7.5


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: events_from_percent(101, 10), "between 0 and 100"),
        (lambda: events_from_percent(-1, 10), "between 0 and 100"),
        (lambda: events_from_percent(50, 10.5), "whole number"),
        (lambda: events_from_percent(50, 0), "positive"),
        (lambda: events_from_percent(50, 10, decimals=-1), "precision"),
        (lambda: sd_from_se(-1, 10), "negative"),
        (lambda: sd_from_se(1, 0), "positive"),
        (lambda: sd_from_se(1, math.nan), "positive"),
        (lambda: sd_from_ci(2, 1, 30), "below lower limit"),
        (lambda: sd_from_ci(1, 2, 1), "at least 2"),
        (lambda: sd_from_ci(1, 2, 30, level=95), "level"),
        (lambda: mean_sd_from_fivenum(4, 5, q1=3, q3=7), "n >= 5"),
        (lambda: mean_sd_from_fivenum(20, 5), "IQR"),
        (lambda: mean_sd_from_fivenum(20, 5, q1=3), "both"),
        (lambda: mean_sd_from_fivenum(20, 5, minimum=1), "both"),
        (lambda: mean_sd_from_fivenum(20, 5, q1=6, q3=7), "min <= q1"),
        (lambda: mean_sd_from_fivenum(20, 5, minimum=6, maximum=9), "min <= q1"),
        (lambda: mean_sd_from_fivenum(20, 5, q1=5, q3=5), "interquartile range of zero"),
        (lambda: mean_sd_from_fivenum(20, 5, minimum=5, maximum=5), "range of zero"),
        (lambda: sd_change(-1, 2, 0.5), "negative"),
        (lambda: sd_change(1, 2, 1.5), "correlation"),
        (lambda: pooled_sd([], []), "no donor"),
        (lambda: pooled_sd([1.0], [1, 2]), "one sample size"),
        (lambda: pooled_sd([1.0], [1]), "at least 2"),
        (lambda: pooled_sd([-1.0], [10]), "negative"),
    ],
)
def test_impossible_inputs_raise(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
