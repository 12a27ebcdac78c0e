"""Issue 15, second round: reporting styles found by reading the errors of the retired holdout and by
thinking about real abstracts. Every sentence is the team's own (none from a paper or a blind set);
each style is exercised in several variants."""

from __future__ import annotations

import pytest
from extraction_helpers import effects as _effects
from extraction_helpers import values_of as _of
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "RR 0.82 (lower 95% confidence limit 0.70, upper 0.96).",
            ("effect", "RR", 0.82, 0.70, 0.96, 95.0),
        ),
        (
            "The odds ratio of return to work was 1.7 (95% CI lower bound 1.1, upper bound 2.6).",
            ("effect", "OR", 1.7, 1.1, 2.6, 95.0),
        ),
        (
            "The hazard ratio was 0.64 (lower limit of the 95% CI 0.45; upper limit 0.91).",
            ("effect", "HR", 0.64, 0.45, 0.91, 95.0),
        ),
        (
            "The mean difference was 3.3, and its 95% CI ranged from 0.9 to 5.7.",
            ("effect", "MD", 3.3, 0.9, 5.7, 95.0),
        ),
        (
            "The risk ratio was 1.25; the 95% confidence interval extended from 1.01 to 1.55.",
            ("effect", "RR", 1.25, 1.01, 1.55, 95.0),
        ),
    ],
)
def test_ci_limits_named_or_narrated(text: str, expected: tuple) -> None:
    assert _effects(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "MD 2.2 (95% CI 0.4 to 4.0); the lower 95% confidence limit for function was 0.1.",
        "The upper 95% confidence bound of the risk difference was 6%.",
        "An upper 90% confidence limit of 1.4 excluded a large harm.",
    ],
)
def test_ci_level_is_not_a_percentage(text: str) -> None:
    levels = {90.0, 95.0}
    assert not [p for p in _of(text, "percent") if p["percent"] in levels]


@pytest.mark.parametrize(
    ("text", "estimate"),
    [
        (
            "Treated patients were 14 percentage points less likely to need surgery (95% CI 4 to 24).",
            14.0,
        ),
        ("Opioid use was 9 percentage points lower with the block (95% CI, 2-16).", 9.0),
        ("Return to work, percentage-point difference: 7.5 (95% CI 0.5 to 14.5).", 7.5),
        ("Die Erfolgsquote lag 11 Prozentpunkte höher (95-%-KI 3 bis 19).", 11.0),
    ],
)
def test_percentage_points_are_risk_differences(text: str, estimate: float) -> None:
    found = _effects(text)
    assert len(found) == 1 and found[0][:3] == ("effect", "RD", estimate)


@pytest.mark.parametrize(
    "text",
    [
        "At 6 months the mean difference in ODI was 6.5 percentage points (95% CI 1.5 to 11.5).",
        "The weighted mean difference in disability was 4.0% (95% CI 1.0% to 7.0%).",
        "Adjusted mean difference in ODI, −5.1 percentage points [95% CI −8.9 to −1.3].",
    ],
)
def test_explicit_mean_difference_stays_md(text: str) -> None:
    found = _effects(text)
    assert len(found) == 1 and found[0][1] == "MD"


@pytest.mark.parametrize(
    ("text", "estimate", "ci"),
    [
        (
            "A 6.4-point between-group difference on the Roland-Morris questionnaire favoured the "
            "exercise group at one year (95% CI, 2.1-10.7; P = .004).",
            6.4,
            (2.1, 10.7),
        ),
        (
            "A 3.0-point mean difference in favour of early surgery was seen on the pain scale at "
            "the final visit after 2 years (95% CI 0.8 to 5.2).",
            3.0,
            (0.8, 5.2),
        ),
    ],
)
def test_measure_after_the_estimate_with_a_far_interval(
    text: str, estimate: float, ci: tuple
) -> None:
    found = _effects(text)
    assert [(f[1], f[2], f[3], f[4]) for f in found] == [("MD", estimate, *ci)]


@pytest.mark.parametrize(
    ("text", "estimate"),
    [
        ("The difference in 10 m walk time was −1.2 s (95% CI −2.0 to −0.4).", -1.2),
        ("The mean difference in 6 min walk distance was 31 m (95% CI 9 to 53).", 31.0),
        ("The difference in 50 m gait speed was 0.08 m/s (95% CI 0.01 to 0.15).", 0.08),
    ],
)
def test_number_naming_the_outcome_is_not_the_estimate(text: str, estimate: float) -> None:
    assert [f[2] for f in _effects(text)] == [estimate]


@pytest.mark.parametrize(
    "text",
    [
        "The within-group effect size was large (d = 1.4), unlike the between-group effect.",
        "Pre-post effect sizes were large (g = 1.2) in both arms.",
        "Within-patient change was marked (SMD 1.1) after the programme.",
    ],
)
def test_within_group_effect_sizes_are_not_effects(text: str) -> None:
    assert [f for f in _effects(text) if f[0] == "effect"] == []


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("Mean difference in cortisol at day 7 was −0.4 U (95% CI −0.7 to −0.1).", 7.0, "day"),
        ("At year 2, the difference in ODI was 4.1 points (95% CI 1.0 to 7.2).", 2.0, "year"),
        ("Pain at week 12 was lower after surgery.", 12.0, "week"),
    ],
)
def test_unit_first_follow_up(text: str, amount: float, unit: str) -> None:
    assert {"amount": amount, "unit": unit} in [
        {"amount": f["amount"], "unit": f["unit"]} for f in _of(text, "followup")
    ]
    assert all(f[2] != amount for f in _effects(text))


@pytest.mark.parametrize(
    "text",
    [
        "Eingeschlossen wurden Erwachsene zwischen 20 und 70 Jahren mit Rückenschmerzen.",
        "Adults between 18 and 75 years with sciatica were included.",
        "We enrolled patients aged 25 to 65 years.",
        "Participants were 30-60 years old.",
        "Chronic pain was defined as pain persisting for 3 months or longer.",
        "Inclusion required symptoms for at least 6 weeks.",
        "Days off work were fewer with surgery (9.1 vs 14.2 days).",
        "The registry was set up in the year 2015.",
    ],
)
def test_ages_durations_and_values_are_not_follow_up(text: str) -> None:
    assert _of(text, "followup") == []


def test_follow_up_in_years_after_an_age_range_is_kept() -> None:
    text = "Adults aged 18 to 70 years were followed up at 1 and 2 years."
    assert [f["amount"] for f in _of(text, "followup")] == [1.0, 2.0]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Length of stay (first quartile, third quartile): 4 (3, 6) days.", (4, 3, 6)),
        ("Hospital stay [Q1, Q3] was 3 [2, 5] days after surgery.", (3, 2, 5)),
        ("Median ODI 34 (Q1 26, Q3 44) at entry.", (34, 26, 44)),
        ("Median weight 81.5 kg (25th to 75th percentile 72.0 to 90.5).", (81.5, 72.0, 90.5)),
        ("Median BMI 26.1 kg/m2 (IQR 23.9–29.4).", (26.1, 23.9, 29.4)),
        (
            "The median time to return to work was 21 days (interquartile range: 14-35).",
            (21, 14, 35),
        ),
    ],
)
def test_median_quartile_styles(text: str, values: tuple) -> None:
    assert [(f["median"], f["q1"], f["q3"]) for f in _of(text, "median_iqr")] == [values]


@pytest.mark.parametrize(
    "text",
    [
        "Pain was rated 0/10 to 10/10 at each visit.",
        "Patients with leg pain of at least 6/10 were eligible.",
        "Responders reported pain below 3/10 or a 50/100 drop on the VAS.",
        "The diary was completed at visit 3 of 5.",
        "Session 2 of 6 was supervised by a physiotherapist.",
        "Eligibility required back pain rated 4/10 or higher.",
    ],
)
def test_scores_and_positions_are_not_events(text: str) -> None:
    assert _of(text, "events") == []


@pytest.mark.parametrize(
    ("text", "events", "n"),
    [
        ("Headache occurred in 3/10 patients of the pilot.", 3, 10),
        ("Two arms had adverse events (3/10, 30%; 1/10, 10%).", 3, 10),
        (
            "Among 400 enrolled adults (mean [SD] age, 51.0 [9.9] years; 212 [53.0%] women).",
            212,
            400,
        ),
        ("Among 75 participants, five had a dural tap.", 5, 75),
        ("Of the 48 patients in the surgery group, 6 developed a wound infection.", 6, 48),
        ("Smoking: injection 12/60 (20.0%), control 15/61 (24.6%).", 12, 60),
    ],
)
def test_events_styles_more(text: str, events: int, n: int) -> None:
    assert {"events": events, "n": n} in _of(text, "events")


def test_screening_flow_count_is_not_an_event() -> None:
    text = "Of the 300 screened people, 210 were eligible and 180 were randomised."
    assert _of(text, "events") == []


def test_event_count_in_words_is_not_a_sample_size() -> None:
    text = "Four patients in the block group (4/40, 10%) reported numbness."
    assert _of(text, "n") == []
    assert {"events": 4, "n": 40} in _of(text, "events")


@pytest.mark.parametrize(
    "text",
    [
        "The target difference of 1.5 (SD 3.0) on the NRS required 80 patients per group.",
        "Assuming a mean change of 5 (SD 10), 64 patients per arm gave 80% power.",
        "We planned to detect 2.0 ± 4.0 points on the RMDQ.",
    ],
)
def test_sample_size_numbers_are_not_arm_statistics(text: str) -> None:
    assert _of(text, "mean_sd") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Forty-two per cent of patients (21/50) were satisfied.", 42.0),
        ("Sixty percent of the injected volume was contrast.", 60.0),
        ("Fünfzig Prozent der Teilnehmenden waren Frauen.", 50.0),
    ],
)
def test_percentages_in_words(text: str, value: float) -> None:
    assert {"percent": value} in _of(text, "percent")


@pytest.mark.parametrize(
    "text",
    [
        "Odds of a 30% improvement were higher with the injection.",
        "Response was defined as a 50% reduction in leg pain.",
        "Fewer patients reached an 80% decrease in disability.",
    ],
)
def test_responder_thresholds_are_not_percentages(text: str) -> None:
    assert _of(text, "percent") == []


def test_table_header_names_the_ci_level() -> None:
    text = "Subtotal (95% CI) 210 205 −0.21 [−0.40, −0.02] (IV, Random, 95% CI)"
    assert _effects(text) == [("estimate_ci", None, -0.21, -0.40, -0.02, 95.0)]


@pytest.mark.parametrize(
    "text",
    [
        "The OR of 2.0 was chosen as the non-inferiority margin.",
        "A non-inferiority margin of 1.5 points on the NRS was used.",
        "The minimal important difference of 10 points was exceeded in both arms.",
        "A minimally important difference of 4 points on the RMDQ was assumed.",
        "Between-group difference in responders: 18% vs 9%.",
        "The difference in satisfaction was 62 vs 48 points.",
    ],
)
def test_margins_and_arm_values_are_not_effects(text: str) -> None:
    assert [f for f in _effects(text) if f[0] == "effect"] == []


@pytest.mark.parametrize(
    ("text", "estimates"),
    [
        (
            "The difference in leg pain was not significant: 3.2 (95% CI 2.8 to 3.6) vs 3.5 "
            "(95% CI 3.0 to 4.0).",
            [3.2, 3.5],
        ),
        (
            "Mean differences in function favoured neither arm, 41 (95% CI 37 to 45) versus 43 "
            "(95% CI 39 to 47).",
            [41.0, 43.0],
        ),
    ],
)
def test_arm_values_compared_by_vs_are_estimates_only(text: str, estimates: list) -> None:
    found = _effects(text)
    assert [f[0] for f in found] == ["estimate_ci"] * len(estimates)
    assert [f[2] for f in found] == estimates


@pytest.mark.parametrize(
    "text",
    [
        "MD −1.2 (95% CI −2.0 to −0.4) vs placebo.",
        "The MD was −1.2 (95% CI −2.0 to −0.4) versus sham at 6 weeks.",
    ],
)
def test_effect_against_a_named_comparator_stays_an_effect(text: str) -> None:
    assert _effects(text) == [("effect", "MD", -1.2, -2.0, -0.4, 95.0)]


@pytest.mark.parametrize(
    "text",
    [
        "The mean age was 45 years (SD 11) and mean symptom duration 8 months.",
        "Each patient received 3 injections at 2-week intervals.",
        "Patients were 5 to 10 years older in the surgery arm.",
        "Die Symptomdauer betrug 7 Monate.",
    ],
)
def test_more_durations_are_not_follow_up(text: str) -> None:
    assert _of(text, "followup") == []


@pytest.mark.parametrize("minus", ["\u2212", "\u2012", "\u2014", "\uff0d", "\ufe63", "\u2013", "-"])
def test_more_minus_variants(minus: str) -> None:
    text = f"Mean difference {minus}1.2 (95% CI {minus}2.0 to {minus}0.4)."
    assert _effects(text) == [("effect", "MD", -1.2, -2.0, -0.4, 95.0)]


@pytest.mark.parametrize(
    "text",
    [
        "Patients were recruited between 03/2017 and 12/2019.",
        "Recruitment ran from 1/2018 to 6/2020.",
        "Blood pressure was 80/120 mmHg at baseline.",
        "Complete pain relief (0/10) was reported rarely.",
    ],
)
def test_dates_pressures_and_scores_are_not_events(text: str) -> None:
    assert _of(text, "events") == []


@pytest.mark.parametrize(
    ("text", "events", "n"),
    [
        ("Three patients in the injection group (3/10) had headache.", 3, 10),
        ("Complete pain relief (0/10) was reported by 9 of 40 patients.", 9, 40),
    ],
)
def test_bracketed_counts_after_people_are_events(text: str, events: int, n: int) -> None:
    assert _of(text, "events") == [{"events": events, "n": n}]


@pytest.mark.parametrize(
    ("text", "measure"),
    [
        (
            "The proportion with a good outcome was 0.71 with surgery and 0.52 with rest "
            "(difference 0.19; 95% CI 0.05 to 0.33).",
            "RD",
        ),
        ("Response rates were 45% and 30% (difference 15; 95% CI 3 to 27).", "RD"),
        (
            "The response rate was higher, but the difference in pain was 1.2 (95% CI 0.4 to 2.0).",
            "MD",
        ),
        ("Success rates were similar; the difference was 1.1 points (95% CI −0.2 to 2.4).", "MD"),
    ],
)
def test_proportion_named_earlier_in_the_sentence(text: str, measure: str) -> None:
    found = _effects(text)
    assert len(found) == 1 and found[0][1] == measure


@pytest.mark.parametrize(
    "text",
    [
        "An SMD of 0.5 was considered clinically relevant.",
        "A mean difference of 1.5 points is regarded as important by patients.",
        "An odds ratio of 1.5 was deemed the smallest worthwhile effect.",
    ],
)
def test_values_that_are_judgements_are_not_effects(text: str) -> None:
    assert _effects(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Bei 1.024 von 2.048 Patienten trat eine Besserung ein.",
        "Improvement occurred in 1.024 of 2.048 patients.",
        "Improvement occurred in 1,024 of 2,048 patients.",
    ],
)
def test_thousands_separators_in_counts_never_truncate(text: str) -> None:
    assert _of(text, "events") == [{"events": 1024, "n": 2048}]


@pytest.mark.parametrize(
    ("text", "effect"),
    [
        (
            "Nach 6 Monaten betrug die mittlere Differenz −1,4 Punkte (95-%-KI −2,2 bis −0,6).",
            ("effect", "MD", -1.4, -2.2, -0.6, 95.0),
        ),
        (
            "Die Odds Ratio lag bei 2,1 (95-%-KI: 1,2–3,7).",
            ("effect", "OR", 2.1, 1.2, 3.7, 95.0),
        ),
        (
            "Das relative Risiko betrug 0,82 (95 % KI 0,70–0,96).",
            ("effect", "RR", 0.82, 0.7, 0.96, 95.0),
        ),
        (
            "Risikodifferenz 8,5 Prozentpunkte (90%-KI 1,0 bis 16,0).",
            ("effect", "RD", 8.5, 1.0, 16.0, 90.0),
        ),
    ],
)
def test_german_effects(text: str, effect: tuple) -> None:
    assert _effects(text) == [effect]


@pytest.mark.parametrize(
    ("text", "effect"),
    [
        (
            "The odds ratio for patients older than 60 years was 1.8 (95% CI 1.1 to 2.9).",
            ("effect", "OR", 1.8, 1.1, 2.9, 95.0),
        ),
        (
            "The odds ratio for 3 or more levels was 2.2 (95% CI 1.3 to 3.7).",
            ("effect", "OR", 2.2, 1.3, 3.7, 95.0),
        ),
        (
            "The hazard ratio in stratum 2 was 0.7 (95% CI 0.5 to 0.9).",
            ("effect", "HR", 0.7, 0.5, 0.9, 95.0),
        ),
        (
            "The difference between the 2 groups was 1.3 points (95% CI 0.5 to 2.1).",
            ("effect", "MD", 1.3, 0.5, 2.1, 95.0),
        ),
    ],
)
def test_numbers_inside_the_outcome_phrase(text: str, effect: tuple) -> None:
    assert _effects(text) == [effect]


@pytest.mark.parametrize(
    "text",
    [
        "Patients older than 60 years had more pain.",
        "Patients over 50 years were excluded.",
        "Mean age was 47 years.",
    ],
)
def test_ages_are_not_follow_up(text: str) -> None:
    assert _of(text, "followup") == []


@pytest.mark.parametrize(
    ("text", "estimate"),
    [
        ("Pooled OR 1.4 (3 studies, 450 participants) favoured surgery.", 1.4),
        ("The MD was −0.5 (4 trials; 512 patients).", -0.5),
        ("RR 1.3 (1 trial, 60 patients; low-certainty evidence).", 1.3),
        ("The difference was 12.0 (from 30.1 to 42.1 points).", 12.0),
    ],
)
def test_brackets_that_are_not_intervals(text: str, estimate: float) -> None:
    assert _effects(text) == [("effect", _effects(text)[0][1], estimate, None, None, None)]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        (
            "Treatment success, n (%) of N: 33 (55.0) of 60 vs 21 (35.6) of 59.",
            [(33, 60), (21, 59)],
        ),
        ("Return to work, n (%) of N: 18 (45.0) of 40 and 12 (30.0) of 40.", [(18, 40), (12, 40)]),
    ],
)
def test_table_cells_with_their_denominator(text: str, values: list) -> None:
    assert [(e["events"], e["n"]) for e in _of(text, "events")] == values


@pytest.mark.parametrize(
    "text",
    [
        "The effect was 0.5 ± 0.2 (mean ± SE).",
        "Change, mean ± SE: 1.5 ± 0.3 vs 0.9 ± 0.3.",
        "Change, mean (SE): 1.5 (0.3) vs 0.9 (0.3).",
    ],
)
def test_standard_errors_are_not_sds(text: str) -> None:
    assert _of(text, "mean_sd") == []


def test_sd_header_still_gives_mean_sd() -> None:
    text = "Change, mean ± SD: 1.5 ± 0.3 vs 0.9 ± 0.3."
    assert _of(text, "mean_sd") == [{"mean": 1.5, "sd": 0.3}, {"mean": 0.9, "sd": 0.3}]


@pytest.mark.parametrize(
    "text",
    [
        "Assuming a dropout rate of 20%, 150 patients were needed.",
        "A two-sided significance level of 5% was used.",
        "We expected 40% of placebo patients to respond.",
    ],
)
def test_sample_size_percentages_are_not_percentages(text: str) -> None:
    assert _of(text, "percent") == []


@pytest.mark.parametrize(
    ("text", "effects"),
    [
        (
            "Results are given as mean differences with 95% CIs. Leg pain: −1.2 (−2.0 to −0.4); "
            "back pain: −0.5 (−1.1 to 0.1).",
            [("effect", "MD", -1.2, -2.0, -0.4, 95.0), ("effect", "MD", -0.5, -1.1, 0.1, 95.0)],
        ),
        (
            "Effects are expressed as risk ratios (95% CI). Reoperation was rarer after surgery, "
            "0.62 (0.41 to 0.94).",
            [("effect", "RR", 0.62, 0.41, 0.94, 95.0)],
        ),
        (
            "Effects are shown as hazard ratios. Relapse was rarer, 0.70 (0.52 to 0.94).",
            [("effect", "HR", 0.70, 0.52, 0.94, None)],
        ),
    ],
)
def test_measure_and_level_named_for_the_passage(text: str, effects: list) -> None:
    assert _effects(text) == effects
    assert _of(text, "percent") == []


@pytest.mark.parametrize(
    "text",
    [
        "Vital signs were stable (HR 72 bpm, BP 120/80 mmHg).",
        "HR 88 beats per minute at discharge.",
        "Dosing was repeated at d = 7 and d = 14.",
    ],
)
def test_heart_rates_and_days_are_not_effects(text: str) -> None:
    assert _effects(text) == []


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Effect sizes: d = 0.41 (pain), g = 1.05 (function).", [0.41, 1.05]),
        ("The effect on disability was moderate (d = .55).", [0.55]),
        ("Hedges' g = −0,32 für Schmerz.", [-0.32]),
    ],
)
def test_standardised_effects_with_decimals(text: str, values: list) -> None:
    assert [(f[1], f[2]) for f in _effects(text)] == [("SMD", v) for v in values]


_LABELS = st.sampled_from(
    [("mean difference", "MD"), ("odds ratio", "OR"), ("SMD", "SMD"), ("aHR", "HR"), ("RR", "RR")]
)
_MINUS = st.sampled_from(["-", "\u2212", "\u2013", "\u2012", "\uff0d", "\u2212 "])
_LEVEL = st.sampled_from([90, 95, 99])


@settings(max_examples=150, deadline=None)
@given(
    label=_LABELS,
    minus=_MINUS,
    level=_LEVEL,
    german=st.booleans(),
    whole=st.integers(min_value=1, max_value=9),
    tenth=st.integers(min_value=1, max_value=9),
)
def test_property_same_values_in_english_and_german_print(
    label: tuple[str, str], minus: str, level: int, german: bool, whole: int, tenth: int
) -> None:
    """An effect reads the same whatever minus sign, decimal mark, language and CI level is used."""
    word, measure = label
    negative = measure in ("MD", "SMD")
    est = whole + tenth / 10
    # printed lower bound first: −(est + 0.5) to −(est − 0.5), or est − 0.5 to est + 0.5
    first, second = (est + 0.5, est - 0.5) if negative else (est - 0.5, est + 0.5)
    sign = minus if negative else ""

    def fmt(x: float) -> str:
        s = f"{x:.1f}"
        return s.replace(".", ",") if german else s

    if german:
        text = f"Die {word} betrug {sign}{fmt(est)} ({level}%-KI {sign}{fmt(first)} bis {sign}{fmt(second)})."
    else:
        text = f"The {word} was {sign}{fmt(est)} ({level}% CI {sign}{fmt(first)} to {sign}{fmt(second)})."
    k = -1 if negative else 1
    found = _effects(text)
    expected = ("effect", measure, k * est, k * first, k * second, float(level))
    assert len(found) == 1 and found[0][:2] == expected[:2], text
    assert found[0][2:] == pytest.approx(expected[2:]), text


@pytest.mark.parametrize(
    "text",
    [
        "Patients received physiotherapy twice weekly for 6 weeks.",
        "The programme lasted 8 weeks.",
        "Treatment was given over 12 weeks.",
        "Die Behandlungsdauer betrug 14 Tage.",
        "A 6-week course of exercise was compared with usual care.",
        "Hospital stay was 3 days shorter after endoscopic surgery.",
        "Median hospital stay was 2 days.",
        "Return to work took 21 days on average.",
        "Time to return to work was 11 days.",
    ],
)
def test_treatment_durations_and_values_are_not_follow_up(text: str) -> None:
    assert _of(text, "followup") == []


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("Patients were treated for 3 months and followed up for 2 years.", [2.0]),
        ("Follow-up lasted 24 months in both arms.", [24.0]),
        ("Outcomes were assessed 6 weeks after treatment.", [6.0]),
        ("The median follow-up of 18 months was complete.", [18.0]),
    ],
)
def test_follow_up_durations_are_kept(text: str, amounts: list) -> None:
    assert [f["amount"] for f in _of(text, "followup")] == amounts


@pytest.mark.parametrize(
    "text",
    [
        "In 120 patients the between-group difference had a 95% CI of −0.2 to 1.4.",
        "Among 88 patients, the odds ratio's 95% CI was 0.7 to 1.9.",
        "At 12 weeks the 95% CI for the mean difference was −26 to +16.",
        "Die Differenz war nicht signifikant (95-%-KI −0,9 bis 0,3).",
    ],
)
def test_ci_without_estimate_takes_no_nearby_number(text: str) -> None:
    assert _effects(text) == []


@pytest.mark.parametrize(
    ("text", "effects"),
    [
        (
            "OR 2.1 (95% CI 1.2–3.6) in women vs 1.1 (95% CI 0.7–1.8) in men.",
            [("effect", "OR", 2.1, 1.2, 3.6, 95.0), ("effect", "OR", 1.1, 0.7, 1.8, 95.0)],
        ),
        (
            "The mean difference was −1.2 (95% CI −2.0 to −0.4) vs −0.4 (95% CI −1.1 to 0.3) in "
            "the per-protocol set.",
            [("effect", "MD", -1.2, -2.0, -0.4, 95.0), ("effect", "MD", -0.4, -1.1, 0.3, 95.0)],
        ),
    ],
)
def test_subgroup_effects_compared_by_vs_stay_effects(text: str, effects: list) -> None:
    assert _effects(text) == effects


@pytest.mark.parametrize(
    "label", ["95%CI", "95 % CI", "CI95%", "CI 95%:", "95% C.I.", "95% confidence interval,"]
)
def test_ci_label_spellings(label: str) -> None:
    assert _effects(f"OR 1.5 ({label} 1.1-2.0).") == [("effect", "OR", 1.5, 1.1, 2.0, 95.0)]
