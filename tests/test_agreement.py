"""Cohen's kappa and its standard error against values worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinereview.screening.agreement import (
    cohen_kappa,
    contingency,
    kappa_variance,
    observed_expected,
)

TWO = ("include", "exclude")
# Exact quantities (perfect agreement, a product table) are checked to rounding error; worked
# examples to 1e-9, far below the 4 decimals a hand calculation shows and far above float noise.
EXACT = 1e-12
HAND = 1e-9


def test_perfect_agreement_is_one_with_zero_standard_error() -> None:
    k = cohen_kappa([[12, 0], [0, 8]], TWO)
    assert k.kappa == pytest.approx(1.0, abs=EXACT)
    assert k.observed == 1.0
    assert k.se == pytest.approx(0.0, abs=1e-7)
    assert (k.ci_low, k.ci_high) == pytest.approx((1.0, 1.0), abs=1e-6)


def test_agreement_at_chance_level_is_zero() -> None:
    # Rows 10/15, columns 15/10, each cell the product of its margins over n = 25 (6, 4, 9, 6):
    # p_o = (6 + 6)/25 = 0.48 and p_e = 0.4*0.6 + 0.6*0.4 = 0.48, so kappa = 0.
    k = cohen_kappa([[6, 4], [9, 6]], TWO)
    assert k.observed == pytest.approx(0.48, abs=EXACT)
    assert k.expected == pytest.approx(0.48, abs=EXACT)
    assert k.kappa == pytest.approx(0.0, abs=EXACT)
    assert k.ci_low < 0 < k.ci_high


def test_complete_disagreement_with_balanced_margins_is_minus_one() -> None:
    # p_o = 0, p_e = 0.5*0.5 + 0.5*0.5 = 0.5, kappa = (0 - 0.5)/(1 - 0.5) = -1
    k = cohen_kappa([[0, 5], [5, 0]], TWO)
    assert k.kappa == pytest.approx(-1.0, abs=EXACT)
    assert k.ci_low == -1.0  # the interval is cut to the range kappa can take


def test_worked_two_by_two_example() -> None:
    """Rules (rows) vs reviewer (columns), n = 50, computed by hand.

                     reviewer include   reviewer exclude
        rules include        20                 5          | 25 (p1. = 0.5)
        rules exclude        10                15          | 25 (p2. = 0.5)
                             30 (p.1 = 0.6)    20 (p.2 = 0.4)

    p_o = (20 + 15)/50 = 0.70;  p_e = 0.5*0.6 + 0.5*0.4 = 0.50;  kappa = (0.7 - 0.5)/(1 - 0.5) = 0.40.
    Fleiss, Cohen & Everitt (1969), with 1 - kappa = 0.6 and p11 = .4, p22 = .3, p12 = .1, p21 = .2:
      A = .4 [1 - (.5 + .6)(.6)]^2 + .3 [1 - (.5 + .4)(.6)]^2 = .4 (.34)^2 + .3 (.46)^2
        = .04624 + .06348 = .10972
      B = .6^2 [ .1 (p.1 + p2.)^2 + .2 (p.2 + p1.)^2 ] = .36 [ .1 (1.1)^2 + .2 (.9)^2 ]
        = .36 (.121 + .162) = .10188
      C = [.4 - .5 (.6)]^2 = .01
      Var = (A + B - C)/(n (1 - p_e)^2) = .2016/(50 * .25) = .016128;  SE = .1269961
    95 % CI: .4 -+ 1.959964 * .1269961 = (.151092, .648908).
    """
    k = cohen_kappa([[20, 5], [10, 15]], TWO)
    assert k.n == 50
    assert k.observed == pytest.approx(0.70, abs=HAND)
    assert k.expected == pytest.approx(0.50, abs=HAND)
    assert k.kappa == pytest.approx(0.40, abs=HAND)
    assert k.se**2 == pytest.approx(0.016128, abs=HAND)
    assert k.ci_low == pytest.approx(0.4 - 1.959963985 * math.sqrt(0.016128), abs=HAND)
    assert k.ci_high == pytest.approx(0.4 + 1.959963985 * math.sqrt(0.016128), abs=HAND)
    assert (round(k.ci_low, 4), round(k.ci_high, 4)) == (0.1511, 0.6489)


def test_worked_three_way_example_where_the_reviewer_never_says_awaiting() -> None:
    """Rules include / awaiting / exclude (rows) vs the reviewer (columns, never "awaiting"), n = 20.

        include  [3, 0, 1]   row 4  (.2)
        awaiting [4, 0, 2]   row 6  (.3)
        exclude  [1, 0, 9]   row 10 (.5)
        columns   8  0  12   (.4, 0, .6)

    p_o = (3 + 0 + 9)/20 = .6;  p_e = .2*.4 + .3*0 + .5*.6 = .38;  kappa = .22/.62 = .3548387.
    """
    k = cohen_kappa([[3, 0, 1], [4, 0, 2], [1, 0, 9]], ("include", "awaiting", "exclude"))
    assert k.observed == pytest.approx(0.6, abs=HAND)
    assert k.expected == pytest.approx(0.38, abs=HAND)
    assert k.kappa == pytest.approx(0.22 / 0.62, abs=HAND)


@pytest.mark.parametrize("size", [2, 3, 4])
def test_standard_error_is_the_delta_method_standard_error(size: int) -> None:
    """FCE 1969 is the delta-method variance of kappa under multinomial sampling: check it against
    a numerical gradient of kappa(p) and the multinomial covariance (diag(p) - p p')/n."""
    rng = np.random.default_rng(size)
    table = rng.integers(0, 30, (size, size)) + 20 * np.eye(size, dtype=int)
    n = table.sum()
    p = (table / n).ravel()

    def kappa_of(q: np.ndarray) -> float:
        o, e = observed_expected(q.reshape(size, size))
        return (o - e) / (1 - e)

    step = 1e-6
    grad = np.array(
        [
            (kappa_of(p + step * np.eye(p.size)[i]) - kappa_of(p - step * np.eye(p.size)[i]))
            / (2 * step)
            for i in range(p.size)
        ]
    )
    delta = grad @ ((np.diag(p) - np.outer(p, p)) / n) @ grad
    k = cohen_kappa(table.tolist(), [str(i) for i in range(size)])
    assert kappa_variance(table.astype(float), k.kappa) == pytest.approx(delta, rel=1e-6)
    assert k.se == pytest.approx(math.sqrt(delta), rel=1e-6)


def test_undefined_kappa_says_why_instead_of_a_number() -> None:
    none = cohen_kappa([[0, 0], [0, 0]], TWO)
    assert none.kappa is None and none.observed is None and "no records" in none.undefined
    one_category = cohen_kappa([[7, 0], [0, 0]], TWO)
    assert one_category.kappa is None and one_category.se is None
    assert one_category.observed == 1.0 and "same single category" in one_category.undefined


def test_one_rater_using_one_category_gives_kappa_zero_without_an_interval() -> None:
    # The rules exclude all four records, the reviewer includes one: p_o = 3/4 = p_e
    # (p_e = 1 * 3/4), so kappa = 0 although three of four agree; no interval, and a note says why.
    k = cohen_kappa([[0, 0], [1, 3]], TWO)
    assert k.observed == 0.75 and k.expected == 0.75 and k.kappa == 0.0
    assert k.se is None and k.ci_low is None and k.ci_high is None
    assert "rater of the rows put every record in one category" in k.note
    assert cohen_kappa([[2, 1], [1, 2]], TWO).note == ""


def test_contingency_counts_pairs_and_refuses_unknown_categories() -> None:
    pairs = [("include", "include"), ("include", "exclude"), ("exclude", "exclude")] * 2
    assert contingency(pairs, TWO) == ((2, 2), (0, 2))
    with pytest.raises(ValueError, match="outside"):
        contingency([("include", "maybe")], TWO)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="2 x 2"):
        cohen_kappa([[1, 2, 3]], TWO)
    with pytest.raises(ValueError, match="negative"):
        cohen_kappa([[1, -1], [0, 1]], TWO)
    with pytest.raises(ValueError, match="level"):
        cohen_kappa([[1, 0], [0, 1]], TWO, level=95)


def test_as_dict_is_json_ready_with_the_table_by_category() -> None:
    d = cohen_kappa([[20, 5], [10, 15]], TWO).as_dict()
    assert d["table"] == {
        "include": {"include": 20, "exclude": 5},
        "exclude": {"include": 10, "exclude": 15},
    }
    assert d["kappa"] == 0.4 and d["ci_level"] == 0.95 and d["undefined"] == ""
