"""The one text form of a confidence bound at a search limit: '>4167.3' written and read back."""

from __future__ import annotations

import math

import pytest

from spinereview.meta.bounds import Bound, bound_cell, parse_bound


def test_exact_bound_stays_a_number_and_a_limit_gets_its_sign() -> None:
    assert bound_cell(45.71908439236254, "") == 45.71908439236254
    assert bound_cell(4167.286987129042, ">") == ">4167.286987129042"
    assert bound_cell(0.0, "<") == "<0.0"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (">4167.286987129042", Bound(4167.286987129042, ">")),
        ("<0.0", Bound(0.0, "<")),
        ("45.71908439236254", Bound(45.71908439236254)),
        (12.5, Bound(12.5)),
        (3, Bound(3.0)),
        ("", None),
        ("  ", None),
        (None, None),
        (math.nan, None),
    ],
)
def test_parse_bound_reads_every_cell_form(cell: object, expected: Bound | None) -> None:
    assert parse_bound(cell) == expected


def test_round_trip_is_exact() -> None:
    for value, sign in ((19454.853390953776, ">"), (0.0, "<"), (97.70176682308522, "")):
        assert parse_bound(bound_cell(value, sign)) == Bound(value, sign)


@pytest.mark.parametrize("cell", ["~4", ">", "abc", True, object()])
def test_parse_bound_refuses_anything_else(cell: object) -> None:
    with pytest.raises(ValueError, match="not a bound"):
        parse_bound(cell)


def test_text_shows_the_sign_before_the_rounded_limit() -> None:
    assert Bound(4167.286987129042, ">").text(1) == ">4167.3"
    assert Bound(31.805478240167545).text(0) == "32"
    assert not Bound(1.0, ">").exact and Bound(1.0).exact
    with pytest.raises(ValueError, match="sign"):
        Bound(1.0, "≥")
