"""Issue 15, third round: arm statistics (events, medians with quartiles, means with SDs) in the
styles of real trial abstracts. Every sentence is the team's own (none from a paper or a blind set);
each style is exercised in several variants."""

from __future__ import annotations

import pytest
from extraction_helpers import values_of as _of

from spinereview.extraction.candidates import extract_candidates


def _events(text: str) -> list[tuple]:
    return [(c["events"], c.get("n")) for c in _of(text, "events")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Then 9/20 in group II had excellent outcomes.", [(9, 20)]),
        (
            "In all, 14/20 patients in group I and 9/20 in group II recovered.",
            [(14, 20), (9, 20)],
        ),
        ("Pain resolved in 11 of 30 in group B and 7 of 31 in group A.", [(11, 30), (7, 31)]),
        (
            "Bei 12 von 40 im Arm A und 6 von 38 im Arm B trat eine Besserung ein.",
            [(12, 40), (6, 38)],
        ),
    ],
)
def test_events_followed_by_in_group(text: str, expected: list) -> None:
    assert _events(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Two of 3 centres recruited faster than planned.",
        "One of 2 treatment groups was stopped early.",
        "Data from 4 of the 6 participating hospitals were complete.",
        "Two of the four surgeons operated in both arms.",
    ],
)
def test_study_units_are_still_not_events(text: str) -> None:
    assert _events(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We randomised 120 patients (60 per group). At 12 weeks, 38 (63%) in the injection "
            "group and 25 (42%) in the sham group were responders.",
            [(38, 60), (25, 60)],
        ),
        (
            "In all, 80 patients were randomised (40 per arm). Response rates were 24 (60%) vs "
            "14 (35%).",
            [(24, 40), (14, 40)],
        ),
        (
            "Of 96 participants, 48 were assigned to surgery and 48 to physiotherapy; 30 (62.5%) "
            "and 22 (45.8%) returned to work.",
            [(30, 48), (22, 48)],
        ),
        (
            "Fifty adults were enrolled, 25 in each arm; 10 (40%) and 5 (20%) had a dural tap.",
            [(10, 25), (5, 25)],
        ),
    ],
)
def test_arm_size_without_a_person_noun(text: str, expected: list) -> None:
    assert _events(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Complications: 6 (15%) vs 2 (5%); the arms had 40 and 40 patients.",
            [(6, 40), (2, 40)],
        ),
        (
            "Reoperation was needed in 3 (6%) and 5 (10%) of 50 patients per group.",
            [(3, 50), (5, 50)],
        ),
        ("Headache occurred in 4 (10%) of the 40 participants given the drug.", [(4, 40)]),
    ],
)
def test_arm_size_later_in_the_sentence_when_the_percentage_agrees(
    text: str, expected: list
) -> None:
    assert _events(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Dural puncture occurred in 7 (15%) patients; 90 patients were screened later.",
        "Six (12%) reported nausea, and the 30 patients of the pilot were excluded.",
        "Recurrence occurred in 5 (10%) patients, and 50 patients were lost.",
    ],
)
def test_later_size_that_disagrees_with_the_percentage_is_not_the_denominator(text: str) -> None:
    assert all(n is None for _, n in _events(text))


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Die Liegedauer betrug im Median 4 Tage (Interquartilsabstand 2–6).", (4.0, 2.0, 6.0)),
        ("Median 5 Punkte (Interquartilsabstand 3 bis 7) nach 6 Wochen.", (5.0, 3.0, 7.0)),
        ("Der Median lag bei 3,5 (Interquartilsabstand 2,0–5,5).", (3.5, 2.0, 5.5)),
    ],
)
def test_german_interquartile_range(text: str, values: tuple) -> None:
    got = [(c["median"], c["q1"], c["q3"]) for c in _of(text, "median_iqr")]
    assert got == [values]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Median time to return to work was 5 vs 3 days; IQR 3–8 and 2–5, respectively.",
            [(5.0, 3.0, 8.0), (3.0, 2.0, 5.0)],
        ),
        (
            "The median stay was 6 and 4 days (IQR 4 to 9 and 3 to 6).",
            [(6.0, 4.0, 9.0), (4.0, 3.0, 6.0)],
        ),
        (
            "Median NRS 4 versus 5 (IQRs 2–6 vs 3–7).",
            [(4.0, 2.0, 6.0), (5.0, 3.0, 7.0)],
        ),
    ],
)
def test_two_medians_with_their_quartiles_listed_after(text: str, expected: list) -> None:
    got = [(c["median"], c["q1"], c["q3"]) for c in _of(text, "median_iqr")]
    assert got == expected


def test_listed_quartiles_that_do_not_bracket_the_medians_are_not_paired() -> None:
    text = "Median stay was 12 vs 3 days; IQR 3–8 and 2–5, respectively."
    got = [(c["median"], c["q1"], c["q3"]) for c in _of(text, "median_iqr")]
    assert (3.0, 3.0, 8.0) not in got


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The groups had mean NRS scores of 5.6 and 5.9 (SDs 2.1 and 2.3).",
            [(5.6, 2.1), (5.9, 2.3)],
        ),
        ("Mean ODI 31.2 vs 35.0 (SD 12.4 vs 13.1).", [(31.2, 12.4), (35.0, 13.1)]),
        (
            "Mean ages were 44 and 47 years; SD 10 and 12, respectively.",
            [(44.0, 10.0), (47.0, 12.0)],
        ),
    ],
)
def test_two_means_with_their_sds_listed_after(text: str, expected: list) -> None:
    assert [(c["mean"], c["sd"]) for c in _of(text, "mean_sd")] == expected


def test_sample_size_pair_is_not_arm_statistics() -> None:
    text = "We assumed means of 5.0 and 6.0 (SDs 2.0 and 2.0) to detect a difference."
    assert _of(text, "mean_sd") == []


@pytest.mark.parametrize(
    "text",
    [
        "Patients attended 8 of 10 sessions on average.",
        "Thirty of 40 items were completed.",
        "Dosage was reduced in 3 of 4 cycles.",
        "The device was worn on 5 of 7 days.",
        "Two of 5 questions concerned sleep.",
        "Only 12 of 30 RCTs reported adverse events.",
    ],
)
def test_counts_of_sessions_items_and_days_are_not_events(text: str) -> None:
    assert _events(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Scores ranged from 0/50 to 50/50.",
        "Pain fell from 7/10 to 3/10 in most.",
        "Eligible scores lay between 4/20 and 16/20.",
    ],
)
def test_both_ends_of_a_score_range_are_not_events(text: str) -> None:
    assert _events(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reoperations, No. (%): 4 (6.5) vs 7 (11.5).", [(4, None), (7, None)]),
        (
            "Responders, n (%) — injection (n = 40): 18 (45.0); sham (n = 40): 9 (22.5).",
            [(18, 40), (9, 40)],
        ),
        (
            "Dural tap, No. (%) — surgery (n = 62): 3 (4.8); rehabilitation (n = 61): 0 (0).",
            [(3, 62), (0, 61)],
        ),
    ],
)
def test_table_rows_headed_no_percent_or_introduced_by_a_dash(text: str, expected: list) -> None:
    assert _events(text) == expected


def _medians(text: str) -> list[tuple]:
    return [(c["median"], c["q1"], c["q3"]) for c in _of(text, "median_iqr")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("None of the 40 patients in the sham group had a motor block.", [(0, 40)]),
        ("none of 38 participants given saline reported numbness", [(0, 38)]),
        (
            "Bei keinem der 40 Patienten trat eine Infektion auf; keiner der 41 Patienten",
            [(0, 40), (0, 41)],
        ),
        ("None of the twenty patients needed surgery.", [(0, 20)]),
    ],
)
def test_none_of_n_is_zero_events(text: str, expected: list) -> None:
    assert _events(text) == expected
    assert _of(text, "n") == []


def test_none_of_study_units_is_not_events() -> None:
    assert _events("None of the 4 centres stopped recruiting.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("All 32 patients in the surgery arm attended the 2-year visit.", [(32, 32)]),
        ("All twelve participants given the brace completed the diary.", [(12, 12)]),
        ("All 18 patients recovered without sequelae.", [(18, 18)]),
    ],
)
def test_all_of_n_with_an_outcome_verb_is_events(text: str, expected: list) -> None:
    assert _events(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "All 120 patients were randomised within 2 weeks.",
        "All 60 participants received the allocated injection.",
    ],
)
def test_all_of_n_randomised_or_treated_is_no_event(text: str) -> None:
    assert _events(text) == []


@pytest.mark.parametrize(
    ("text", "expected_events", "expected_n"),
    [
        (
            "Sixty-two patients received the block and 61 received placebo. Rescue medication "
            "was needed by 12 (19%) and 27 (44%).",
            [(12, 62), (27, 61)],
            [62, 61],
        ),
        (
            "Of 120 patients, 60 received a steroid and 60 received saline. At 6 weeks, 31 "
            "(51.7%) and 18 (30.0%) were responders.",
            [(31, 60), (18, 60)],
            [120, 60, 60],
        ),
        (
            "45 underwent fusion and 44 underwent decompression alone; 9 (20%) and 4 (9.1%) "
            "had a reoperation.",
            [(9, 45), (4, 44)],
            [45, 44],
        ),
    ],
)
def test_two_arm_sizes_named_by_treatment(
    text: str, expected_events: list, expected_n: list
) -> None:
    assert _events(text) == expected_events
    assert [c["n"] for c in _of(text, "n")] == expected_n


@pytest.mark.parametrize(
    "text",
    [
        "Inclusion required a back pain score > 7 of 10.",
        "Motor weakness of grade 4 of 5 was the worst finding.",
        "Patients rated their satisfaction 8 of 10.",
        "In 2 of the 3 sensitivity analyses the result did not change.",
    ],
)
def test_scores_and_analyses_written_k_of_n_are_not_events(text: str) -> None:
    assert _events(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Patients received a median of 3 injections (range 1–6).", [(3.0, 1.0, 6.0)]),
        ("The median duration of symptoms was 7 months (range 3–24).", [(7.0, 3.0, 24.0)]),
        ("Disability score, median (range): 22 (4–46) and 28 (8–50).", [(22, 4, 46), (28, 8, 50)]),
        ("Das mediane Alter betrug 61 Jahre (Spannweite 34–82).", [(61.0, 34.0, 82.0)]),
        ("Number of falls: median 3, range 0–9.", [(3.0, 0.0, 9.0)]),
        ("Median (min–max) NRS: 6 (3–9) vs 5 (2–9).", [(6.0, 3.0, 9.0), (5.0, 2.0, 9.0)]),
        ("Median hospital stay 3 days, range 1 to 12.", [(3.0, 1.0, 12.0)]),
    ],
)
def test_median_with_its_range(text: str, expected: list) -> None:
    assert _medians(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mean BMI was 27.9 kg/m² (range 19.4–41.0).", []),
        ("The mean duration of surgery was 96 min (range, 55–170).", []),
        ("Median age 58 (range 31–84) years; mean BMI 27.4 (range 19–41).", [(58.0, 31.0, 84.0)]),
        (
            "Mean operating time was 96 min (range 55–170), and the median blood loss was "
            "150 mL (range 50–600).",
            [(150.0, 50.0, 600.0)],
        ),
    ],
)
def test_a_mean_with_its_range_is_not_a_median(text: str, expected: list) -> None:
    assert _medians(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Opioid intake, Md (IQR): 15 mg (5–30) vs 35 mg (20–60).",
            [(15.0, 5.0, 30.0), (35.0, 20.0, 60.0)],
        ),
        ("Funktion (FFbH), Md [IQR]: 67 [54; 79] vs. 58 [46; 71].", [(67, 54, 79), (58, 46, 71)]),
        (
            "Median time to first unassisted walk was 6.5 hours (interquartile range 4.0–9.0).",
            [(6.5, 4.0, 9.0)],
        ),
        ("The median ODI at 1 year was 14 points, with an IQR of 6 to 24.", [(14.0, 6.0, 24.0)]),
        ("Median length of stay 4 days, with an interquartile range of 3 to 6.", [(4.0, 3.0, 6.0)]),
    ],
)
def test_median_headers_units_and_narrated_iqr(text: str, expected: list) -> None:
    assert _medians(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mean changes (SD) in leg pain were −3.9 (2.6) after surgery and −2.4 (2.8) after care.",
            [(-3.9, 2.6), (-2.4, 2.8)],
        ),
        ("Mean scores (SD): 4.2 (1.1) vs 5.3 (1.4).", [(4.2, 1.1), (5.3, 1.4)]),
        ("Mean values (SE) were 4.2 (0.3) and 5.3 (0.4).", []),
    ],
)
def test_mean_sd_header_with_a_noun(text: str, expected: list) -> None:
    assert [(c["mean"], c["sd"]) for c in _of(text, "mean_sd")] == expected


@pytest.mark.parametrize(
    ("text", "expected_events", "expected_n"),
    [
        (
            "Von 64 randomisierten Patienten erhielten 32 eine Infiltration und 32 eine "
            "Scheininjektion. Ein Therapieerfolg wurde bei 19 (59 %) bzw. 11 (34 %) erreicht.",
            [(19, 32), (11, 32)],
            [64, 32, 32],
        ),
        (
            "Insgesamt erhielten 40 Patienten die Operation und 38 Patienten die Physiotherapie; "
            "davon besserten sich 30 (75 %) bzw. 19 (50 %).",
            [(30, 40), (19, 38)],
            [40, 38],
        ),
    ],
)
def test_german_arm_sizes_named_by_treatment(
    text: str, expected_events: list, expected_n: list
) -> None:
    assert _events(text) == expected_events
    assert [c["n"] for c in _of(text, "n")] == expected_n


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Of 2,046 eligible patients, 1,537 (75.1%) consented and 509 declined.",
            [(1537, 2046), (509, 2046)],
        ),
        ("Of 90 patients, 61 (67.8%) responded and 29 did not.", [(61, 90), (29, 90)]),
        ("Of 90 patients, 61 (67.8%) responded and 20 declined.", [(61, 90)]),
    ],
)
def test_rest_of_the_cohort_only_when_the_counts_add_up(text: str, expected: list) -> None:
    assert _events(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Responders, n/N (%): steroid 33/71 (46.5); lidocaine 24/70 (34.3).",
            [(33, 71, 46.5), (24, 70, 34.3)],
        ),
        ("Infection, n/N (%): 2/60 (3.3) vs 1/61 (1.6).", [(2, 60, 3.3), (1, 61, 1.6)]),
    ],
)
def test_table_cells_under_n_slash_n_percent(text: str, expected: list) -> None:
    events = _events(text)
    percents = [c["percent"] for c in _of(text, "percent")]
    assert [(e, n, p) for (e, n), p in zip(events, percents, strict=True)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "In die Auswertung gingen 2 von 4 geplanten Studienarmen ein.",
        "Zwei von drei Behandlungsarmen wurden vorzeitig beendet.",
    ],
)
def test_german_study_arms_are_not_events(text: str) -> None:
    assert _events(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Assuming 80% power, a two-sided alpha of 0.05 and 30% dropout, we planned 150 participants.",
        "We expected a responder rate of 40% with placebo and 60% with the active drug.",
        "Allowing for 15% attrition, 96 patients were needed.",
    ],
)
def test_sample_size_percentages_are_not_percent(text: str) -> None:
    assert _of(text, "percent") == []


@pytest.mark.parametrize(
    "text",
    [
        "Pain: 4.1 ± 0.3 vs 4.9 ± 0.4 (mean ± SEM).",
        "ODI 31.0 ± 1.9 and 35.2 ± 2.0 (values are means ± SE).",
        "Die Werte (4,1 ± 0,3 bzw. 4,9 ± 0,4) sind Mittelwert ± Standardfehler.",
    ],
)
def test_plus_minus_named_a_standard_error_later_is_not_sd(text: str) -> None:
    assert _of(text, "mean_sd") == []


def test_plus_minus_with_sd_named_and_an_se_elsewhere_stays_sd() -> None:
    text = "Mean ± SD ODI was 31.0 ± 9.9; the SE of the difference was 1.2."
    assert [(c["mean"], c["sd"]) for c in _of(text, "mean_sd")] == [(31.0, 9.9)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The mean (standard deviation) VAS was 62 mm (18 mm) in the steroid arm.", [(62.0, 18.0)]),
        ("Mean (SD) ODI: 38 points (14 points) vs 41 points (15 points).", [(38, 14), (41, 15)]),
    ],
)
def test_unit_repeated_inside_the_sd_bracket(text: str, expected: list) -> None:
    assert [(c["mean"], c["sd"]) for c in _of(text, "mean_sd")] == expected


def test_count_percentage_under_a_mean_sd_header_is_no_sd() -> None:
    text = "Mean (SD) age 51 (9); women, 47 (53%)."
    assert [(c["mean"], c["sd"]) for c in _of(text, "mean_sd")] == [(51.0, 9.0)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The trial enrolled 210 participants (106 surgery, 104 physiotherapy); 78 (73.6%) "
            "and 59 (56.7%) were satisfied.",
            [(78, 106), (59, 104)],
        ),
        (
            "We included 95 patients (48 steroid and 47 saline). Relief: 30 (62.5%) vs 20 (42.6%).",
            [(30, 48), (20, 47)],
        ),
    ],
)
def test_arm_sizes_listed_in_a_bracket(text: str, expected: list) -> None:
    assert _events(text) == expected


def test_times_listed_in_a_bracket_are_no_arm_sizes() -> None:
    text = "Pain was assessed twice (3 weeks, 6 months). Of them, 2 (50%) had relapsed."
    assert _events(text) == [(2, None)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A total of 14 (7%) patients were lost to follow-up.", [(14, None)]),
        ("In total, 210 patients enrolled; a total of 21 (10%) withdrew.", [(21, 210)]),
    ],
)
def test_a_total_of_k_is_a_count_not_a_denominator(text: str, expected: list) -> None:
    assert _events(text) == expected


def test_provocation_tests_are_not_events() -> None:
    assert _events("Eligible if 2 of 3 provocation tests were positive.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mean (±SD) ODI was 41.2 (±12.3).", [(41.2, 12.3)]),
        ("The mean ODI was 41.2 (± 12.3) versus 39.8 (± 11.9).", [(41.2, 12.3), (39.8, 11.9)]),
        ("Mean NRS 4.1 [+/- 1.2 SD] at discharge.", [(4.1, 1.2)]),
        ("Mean NRS 4.1 (±0.3 SE) at discharge.", []),
    ],
)
def test_sd_in_a_bracket_with_its_sign(text: str, expected: list) -> None:
    assert [(c["mean"], c["sd"]) for c in _of(text, "mean_sd")] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The median was 4.0 (interquartile range [IQR], 2.0–6.0).", [(4.0, 2.0, 6.0)]),
        ("Median stay, 3 days (interquartile range [IQR] 2–5 days).", [(3.0, 2.0, 5.0)]),
        ("Median NRS 5 (interquartile range (IQR) 3 to 7).", [(5.0, 3.0, 7.0)]),
    ],
)
def test_interquartile_range_with_its_abbreviation(text: str, expected: list) -> None:
    assert _medians(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A total of 1 024 patients were screened and 512 (50.0%) enrolled.", [(512, 1024)]),
        ("Of 2\u202f046 eligible patients, 1\u202f537 (75.1%) consented.", [(1537, 2046)]),
        ("Events: 140 of 1\u00a0339 patients.", [(140, 1339)]),
        ("Ereignisse bei 140 von 1\u2009339 Patienten.", [(140, 1339)]),
    ],
)
def test_thousands_separated_by_a_space(text: str, expected: list) -> None:
    assert _events(text) == expected


def test_the_tail_of_a_space_separated_number_is_no_sample_size() -> None:
    text = "A total of 1 024 patients were screened."
    assert [c["n"] for c in _of(text, "n")] == [1024]


@pytest.mark.parametrize(
    "text",
    [
        "The study was done in 3 of the 16 German federal states.",
        "At 3 of 4 time points the difference was significant.",
        "Muscle strength 4/5 was required.",
        "Weakness (strength 3/5) was present in the foot.",
    ],
)
def test_regions_time_points_and_strength_grades_are_not_events(text: str) -> None:
    assert _events(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pain resolved in 9 of 40 sham group patients.", [(9, 40)]),
        ("Wound infection: 1/5 patients in the pilot arm.", [(1, 5)]),
        ("Complications occurred in 3 of 45 (6.7%) in group B.", [(3, 45)]),
    ],
)
def test_people_after_a_group_word_are_still_events(text: str, expected: list) -> None:
    assert _events(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Patients were randomised to injection (n = 60) or sham (n = 61). Two patients (3.3%) "
            "in the injection group had numbness.",
            [(2, 60)],
        ),
        (
            "Patients were randomised to injection (n = 60) or sham (n = 61). Two patients (3.3%) "
            "in the sham group had numbness.",
            [(2, 61)],
        ),
        (
            "Surgery (n = 45) and rehabilitation (n = 44) were compared; 9 (20%) in the "
            "rehabilitation group needed another operation.",
            [(9, 44)],
        ),
    ],
)
def test_the_named_arm_breaks_a_tie_between_agreeing_sizes(text: str, expected: list) -> None:
    assert _events(text) == expected


def test_german_arm_size_per_group() -> None:
    text = "Eingeschlossen wurden 96 Patienten (48 pro Gruppe). Erfolg bei 30 (62,5 %) vs. 18 (37,5 %)."
    assert _events(text) == [(30, 48), (18, 48)]


@pytest.mark.parametrize(
    "text",
    [
        "Participants were asked to walk on 5 of 7 days each week.",
        "Diaries were returned on 6 of 7 days by most participants.",
        "Treatment was given three times per week for 4 weeks.",
        "Exercises were done twice a week for 6 weeks.",
    ],
)
def test_days_of_a_week_and_programme_lengths_are_no_follow_up(text: str) -> None:
    assert _of(text, "followup") == []


def test_follow_up_after_a_visit_position_is_kept() -> None:
    text = "Questionnaires were completed at visit 3 of 5, twelve weeks after surgery."
    assert [c["amount"] for c in _of(text, "followup")] == [12.0]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Die Odds Ratio für ein Ansprechen betrug 1,9 (1,1–3,3).", "Ansprechen"),
        ("Der Behandlungserfolg lag bei 55 %.", "Behandlungserfolg"),
    ],
)
def test_german_response_words_are_outcomes(text: str, span: str) -> None:
    found = [
        text[c.start : c.end]
        for c in extract_candidates(text)
        if c.kind == "outcome" and c.code == "responder"
    ]
    assert found == [span]


@pytest.mark.parametrize(
    ("text", "cohort"),
    [
        ("Of the 80 patients, 12 received rescue medication and 5 received opioids.", 80),
        ("Among 200 participants, 30 underwent MRI and 9 underwent CT.", 200),
    ],
)
def test_counts_out_of_a_cohort_named_by_treatment_are_no_arm_sizes(text: str, cohort: int) -> None:
    assert [c["n"] for c in _of(text, "n")] == [cohort]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Schmerz (NRS, MW [SD]): 5,1 [1,9] vs. 5,8 [2,0].", [(5.1, 1.9), (5.8, 2.0)]),
        ("ODI, MW (SD): 34,2 (12,1) und 36,0 (11,4).", [(34.2, 12.1), (36.0, 11.4)]),
    ],
)
def test_german_mw_sd_header(text: str, expected: list) -> None:
    assert [(c["mean"], c["sd"]) for c in _of(text, "mean_sd")] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Median scores were 4 and 5, respectively (interquartile ranges 2–6 and 3–7).",
            [(4.0, 2.0, 6.0), (5.0, 3.0, 7.0)],
        ),
        (
            "Median pain was 4 and 5 (IQR 2–6 and 3–7, respectively).",
            [(4.0, 2.0, 6.0), (5.0, 3.0, 7.0)],
        ),
    ],
)
def test_two_medians_respectively_with_plural_ranges(text: str, expected: list) -> None:
    assert _medians(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mean ODI 30.1 and 34.5, with SDs of 10.2 and 11.3.", [(30.1, 10.2), (34.5, 11.3)]),
        (
            "Mean NRS was 4.2 and 5.1, respectively (standard deviations 1.2 and 1.4).",
            [(4.2, 1.2), (5.1, 1.4)],
        ),
    ],
)
def test_two_means_with_sds_of(text: str, expected: list) -> None:
    assert [(c["mean"], c["sd"]) for c in _of(text, "mean_sd")] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Side effects: headache in 6 (15.0%), flushing in 3 (7.5%) and insomnia in 1 (2.5%) "
            "of the 40 injected patients.",
            [(6, 40), (3, 40), (1, 40)],
        ),
        (
            "Nebenwirkungen: Kopfschmerz bei 5 (12,5 %) und Übelkeit bei 2 (5,0 %) von allen 40 "
            "behandelten Patienten.",
            [(5, 40), (2, 40)],
        ),
    ],
)
def test_adverse_event_list_ending_in_of_the_n(text: str, expected: list) -> None:
    assert _events(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The arms had 60 and 61 patients. Success: 30 (50.0%) vs 20 (32.8%).",
        "Arms (n = 60 and 61) were compared; 30 (50.0%) vs 20 (32.8%) succeeded.",
        "We randomly assigned 60 patients to surgery and 61 to rehabilitation. Success: 30 (50.0%) "
        "vs 20 (32.8%).",
        "Group A (60) and group B (61) were compared; 30 (50.0%) vs 20 (32.8%) succeeded.",
    ],
)
def test_more_ways_to_state_two_arm_sizes(text: str) -> None:
    assert _events(text) == [(30, 60), (20, 61)]


def test_group_size_stated_after_the_count_in_brackets() -> None:
    text = (
        "A good outcome was reported in 23 (57.5%) patients in group I (n = 40) and 16 (40%) "
        "in group II (n = 40)."
    )
    assert _events(text) == [(23, 40), (16, 40)]


@pytest.mark.parametrize(
    "text",
    [
        "Responder: 18 (45,0 %) vs. 9 (22,5 %); Gruppengröße je 40.",
        "Group size was 40. Responders: 18 (45%) vs 9 (22.5%).",
    ],
)
def test_group_size_named_as_such(text: str) -> None:
    assert _events(text) == [(18, 40), (9, 40)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ODI 42 (15 SD) at baseline.", [(42.0, 15.0)]),
        ("Mean pain 4.2 (sd 1.1).", [(4.2, 1.1)]),
        ("Mean pain 4.2 (S.D. 1.1).", [(4.2, 1.1)]),
        ("Mean NRS (± SD) 4.2 (1.1) vs 5.0 (1.3).", [(4.2, 1.1), (5.0, 1.3)]),
        ("ODI 42 (15 SE) at baseline.", []),
    ],
)
def test_more_sd_labels(text: str, expected: list) -> None:
    assert [(c["mean"], c["sd"]) for c in _of(text, "mean_sd")] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Median 4 (quartiles 3 and 6).", [(4.0, 3.0, 6.0)]),
        ("Median 4 (lower quartile 3, upper quartile 6).", [(4.0, 3.0, 6.0)]),
        (
            "The median NRS was 5 (lower quartile 4; upper quartile 7) at 6 weeks.",
            [(5.0, 4.0, 7.0)],
        ),
    ],
)
def test_quartiles_named_in_words(text: str, expected: list) -> None:
    assert _medians(text) == expected
