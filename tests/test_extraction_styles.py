"""Issue 15: one test per reporting style of real abstracts (the team's own sentences, not taken
from the blind sets), a property test on signs, spacing and brackets, and the blind-holdout gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_helpers import effects as _effects
from extraction_helpers import values_of as _of
from hypothesis import given, settings
from hypothesis import strategies as st

from spinereview.extraction.candidates import extract_candidates, load_corpus, score
from spinereview.extraction.text_scoring import precision_recall, total

# The blind holdout. holdout.yaml (frozen 29f0967) was retired to tuning data after its three recorded
# runs; the gate reads holdout2.yaml (frozen 60480a6), a new blind set written by another session.
HOLDOUT = Path(__file__).resolve().parent / "data" / "extraction_blind" / "holdout2.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Walking speed differed by 0.12 m/s between arms (95% CI 0.04 to 0.20 m/s).", 0.12),
        (
            "The difference favoured surgery by a 5.5-point margin on the RMDQ (95% CI 1.0 to 10.0).",
            5.5,
        ),
        ("Mean difference, 9.1 mm (95% CI, 2.0 mm to 16.2 mm) on the VAS.", 9.1),
        ("Handgrip force differed by 4.2 kgf [1.1, 7.3] between arms.", 4.2),
    ],
)
def test_units_glued_or_following(text: str, expected: float) -> None:
    found = _effects(text)
    assert len(found) == 1 and found[0][1] == "MD" and found[0][2] == expected


@pytest.mark.parametrize(
    "text",
    [
        "The mean difference was − 1.5 (95% CI − 2.5 to − 0.5).",
        "The mean difference was –1.5 (95% CI –2.5 to –0.5).",
        "The mean difference was -1.5 (95% CI -2.5 to -0.5).",
        "The mean difference was \u20111.5 (95% CI \u20112.5 to \u20110.5).",
        "Mean difference −1.5, 95%CI [− 2.5, − 0.5].",
    ],
)
def test_minus_variants_and_brackets(text: str) -> None:
    assert _effects(text) == [("effect", "MD", -1.5, -2.5, -0.5, 95.0)]


@pytest.mark.parametrize(
    "text",
    [
        "Disability scores fell by 7.5 more after surgery (95% CI for the difference 2.5 to 12.5).",
        "The difference between arms was 7.5 points, with a 95% confidence interval from 2.5 to 12.5.",
        "The decline was 7.5 points greater with surgery (95% CI of the difference, 2.5 to 12.5).",
    ],
)
def test_ci_phrasings(text: str) -> None:
    assert _effects(text) == [("effect", "MD", 7.5, 2.5, 12.5, 95.0)]


@pytest.mark.parametrize(
    "text",
    [
        "The 95% CI for the mean difference in back pain, −18 to +9, crossed zero.",
        "The 95% CI of the between-group difference ran from −0.6 to 1.2.",
        "The upper bound of the 95% CI for the risk difference was 0.08.",
    ],
)
def test_ci_without_estimate_is_no_effect(text: str) -> None:
    assert _effects(text) == []


@pytest.mark.parametrize(
    ("text", "measure"),
    [
        (
            "Effects are reported as hazard ratios. Relapse was less frequent (0.71; 95% CI 0.55 to 0.92).",
            "HR",
        ),
        ("aRR 1.31 (95% CI 1.02–1.68) for treatment success.", "RR"),
        ("aOR 2.10 (95% CI 1.20–3.70) for return to work.", "OR"),
        ("ROR 1.45 (95% CI 1.05–2.01) across trials.", "OR"),
        ("WMD −4.0 (95% CI −6.5 to −1.5) on the ODI.", "MD"),
        ("Diference between groups in leg pain, −0.8 (95% CI −1.5 to −0.1).", "MD"),
        ("Std. mean diff. −0.25 (95% CI −0.45 to −0.05).", "SMD"),
    ],
)
def test_measure_far_misspelled_abbreviated(text: str, measure: str) -> None:
    found = _effects(text)
    assert len(found) == 1 and found[0][0] == "effect" and found[0][1] == measure


@pytest.mark.parametrize(
    ("text", "estimate"),
    [
        ("More patients improved with the injection (difference 19%, 95% CI 5 to 33).", 19.0),
        (
            "Success rates differed by 12 percentage points (95% CI, 2 to 22 percentage points).",
            12.0,
        ),
        ("The difference in the proportion of responders was 0.14 (95% CI 0.03-0.25).", 0.14),
        ("Der Anteil unterschied sich um 9,5 Prozentpunkte (95-%-KI 1,5 bis 17,5).", 9.5),
    ],
)
def test_differences_in_proportions_are_rd(text: str, estimate: float) -> None:
    found = _effects(text)
    assert len(found) == 1 and found[0][1] == "RD" and found[0][2] == estimate


@pytest.mark.parametrize(
    ("text", "values"),
    [
        (
            "Days off work, median [25th percentile, 75th percentile], 5 [2, 9] with surgery.",
            (5, 2, 9),
        ),
        ("Median (first quartile, third quartile) pain score 3 (2, 5) at discharge.", (3, 2, 5)),
        ("The median ODI was 22 (Q1–Q3, 14–30) at one year.", (22, 14, 30)),
        ("Morphine use, median (25th–75th percentile), was 12 mg (6–20) per day.", (12, 6, 20)),
    ],
)
def test_medians_with_quartile_headers(text: str, values: tuple) -> None:
    found = _of(text, "median_iqr")
    assert [(f["median"], f["q1"], f["q3"]) for f in found] == [values]


@pytest.mark.parametrize(
    ("text", "events", "n"),
    [
        ("Numbness was reported by 3 of the 17 patients in the pilot group.", 3, 17),
        ("Reoperation occurred in [212 of 2,415] operated patients.", 212, 2415),
        ("Thirty-four of 40 participants completed the diary.", 34, 40),
        ("Seventeen patients had a repeat block. Of these, 13 (76%) were satisfied.", 13, 17),
        ("In the surgery arm (n = 50), 35 (70%) returned to work.", 35, 50),
        ("Neunzehn der 25 Patienten waren zufrieden.", 19, 25),
        ("Row | Surgery (n = 40) | Rest (n = 44) — Smokers, n (%) | 10 (25) | 11 (25)", 10, 40),
        ("Row | Surgery (n = 40) | Rest (n = 44) — Smokers, n (%) | 10 (25) | 11 (25)", 11, 44),
    ],
)
def test_events_styles(text: str, events: int, n: int) -> None:
    found = _of(text, "events")
    assert {"events": events, "n": n} in found


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The effect on disability was moderate (d = .55).", 0.55),
        ("Hedges' g 0.48 (95% CI 0.20 to 0.76) for pain.", 0.48),
        ("SMD −0.41 (−0.66 to −0.16) in favour of exercise.", -0.41),
    ],
)
def test_standardised_effects(text: str, value: float) -> None:
    found = _effects(text)
    assert len(found) == 1 and found[0][1] == "SMD" and found[0][2] == value


@pytest.mark.parametrize(
    "text",
    [
        "There was no difference in 10 min walking distance between the arms.",
        "Patients with back pain >6/10 were eligible.",
        "Failure was defined as leg pain <3/10 at week 6.",
        "Each patient was assigned to one of 2 groups by a computer.",
        "Two of the 4 centres used ultrasound guidance.",
        "We powered the trial to detect a difference of 8 points on the ODI.",
        "The within-group d = 1.1 showed large improvement in both arms.",
    ],
)
def test_false_friends(text: str) -> None:
    found = extract_candidates(text)
    assert not [c for c in found if c.kind in ("effect", "events")]


def test_mean_sd_with_ci_is_also_estimate_ci() -> None:
    text = "Mean ± SD gain was 2.4 ± 1.1 (95% CI 1.9–2.9)."
    assert _of(text, "mean_sd") == [{"mean": 2.4, "sd": 1.1}]
    assert _effects(text) == [("estimate_ci", None, 2.4, 1.9, 2.9, 95.0)]


def test_german_decimal_commas() -> None:
    text = "Die Mittelwertdifferenz betrug −2,6 Punkte (95-%-KI −4,0 bis −1,2; p = 0,001)."
    assert _effects(text) == [("effect", "MD", -2.6, -4.0, -1.2, 95.0)]


_MINUS = st.sampled_from(["-", "−", "–", "\u2011", "− ", "– "])
_BRACKETS = st.sampled_from([("(", ")"), ("[", "]")])
_SEP = st.sampled_from([" to ", ", ", "; ", " bis "])


@settings(max_examples=200, deadline=None)
@given(
    est=st.integers(min_value=2, max_value=999),
    width=st.integers(min_value=1, max_value=99),
    minus=_MINUS,
    brackets=_BRACKETS,
    sep=_SEP,
    spaced=st.booleans(),
)
def test_property_signs_spacing_brackets(
    est: int, width: int, minus: str, brackets: tuple[str, str], sep: str, spaced: bool
) -> None:
    """A negative MD with its interval reads the same whatever minus, spacing or bracket is used."""
    e, lo, hi = est / 10, (est + width) / 10, max(est - width, 1) / 10
    open_b, close_b = brackets
    pad = " " if spaced else ""
    text = (
        f"The mean difference was {minus}{e:.1f} {open_b}{pad}95% CI {minus}{lo:.1f}"
        f"{sep}{minus}{hi:.1f}{pad}{close_b}."
    )
    assert _effects(text) == [("effect", "MD", -e, -lo, -hi, 95.0)], text


def test_blind_holdout_gate() -> None:
    """Issue 15 targets on the frozen blind holdout2: effect statements and arm statistics
    (met at 8584247, run 3 in benchmarks/blind_holdout2_runs.md; P >= 0.95 and R >= 0.90)."""
    items = load_corpus(HOLDOUT)
    scored = [score(i["text"], i["expect"], extract_candidates(i["text"])) for i in items]
    p_eff, r_eff = precision_recall(total(scored, {"effect"}))
    p_arm, r_arm = precision_recall(total(scored, {"mean_sd", "median_iqr", "events"}))
    assert p_eff >= 0.95 and r_eff >= 0.90
    assert p_arm >= 0.95 and r_arm >= 0.90
