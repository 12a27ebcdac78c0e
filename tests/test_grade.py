"""GRADE certainty of pooled cells: every domain at its boundaries, statements en/de, config errors."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinereview.config import check_config, load_config
from spinereview.errors import InputError
from spinereview.evidence import (
    DOMAINS,
    LEVELS,
    CellEvidence,
    Certainty,
    GradeRules,
    StudyEvidence,
    ois_binary,
    ois_continuous,
    rate_cell,
    size_of,
)

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "config" / "config.yaml")
MCID = CONFIG["figures"]["mcid"]["value"]
RULES = GradeRules.from_config(CONFIG["grade"], MCID)
ESI = {"en": "epidural steroid injection", "de": "die epidurale Steroidinjektion"}
LEG = {"en": "leg pain", "de": "den Beinschmerz"}
RESP = {
    "en": "the proportion of responders",
    "de": "den Anteil der Patientinnen und Patienten mit Ansprechen",
}


def study(study_id: str = "S1", **kw: Any) -> StudyEvidence:
    values: dict[str, Any] = {
        "intervention": "epidural_transforaminal",
        "comparator": "placebo_sham",
        "population": "radicular_pain",
        "duration": "chronic",
        "rob_overall": "low",
    }
    values.update(kw)
    return StudyEvidence(study_id, **values)


def cell(studies: tuple[StudyEvidence, ...] | None = None, **kw: Any) -> CellEvidence:
    """A precise, consistent, direct, low-risk single-study cell: high certainty unless changed."""
    studies = studies or (study(weight_percent=100.0),)
    values: dict[str, Any] = {
        "analysis_id": "pain_epidural_placebo",
        "window": "short",
        "scale": "pain_0_100",
        "k": len(studies),
        "n": 500,
        "estimate": -15.0,
        "ci_low": -20.0,
        "ci_high": -11.0,
        "pi_low": None,
        "pi_high": None,
        "i2": 0.0 if len(studies) > 1 else None,
        "egger_p": None,
        "question": {"comparator": ("placebo_sham",)},
    }
    values.update(kw)
    return CellEvidence(studies=studies, **values)


def many(k: int, **kw: Any) -> tuple[StudyEvidence, ...]:
    return tuple(study(f"S{i + 1}", weight_percent=100 / k, **kw) for i in range(k))


def rate(c: CellEvidence, rules: GradeRules = RULES, outcome: dict[str, str] = LEG) -> Certainty:
    return rate_cell(c, rules, intervention=ESI, outcome=outcome)


def domain(c: CellEvidence, name: str, rules: GradeRules = RULES) -> tuple[int, str, str]:
    d = next(d for d in rate(c, rules).downgrades if d.domain == name)
    return d.levels, d.reason_en, d.reason_de


def rules_with(section: str, **changes: Any) -> GradeRules:
    return dataclasses.replace(
        RULES, **{section: dataclasses.replace(getattr(RULES, section), **changes)}
    )


# --- the reference cell and the structure of a rating ----------------------------------------------


def test_reference_cell_is_high_with_five_reasons() -> None:
    result = rate(cell())
    assert result.level == "high"
    assert [d.domain for d in result.downgrades] == list(DOMAINS)
    assert all(d.levels == 0 for d in result.downgrades)
    for d in result.downgrades:
        assert d.reason_en.endswith("not downgraded.")
        assert d.reason_de.endswith("keine Abwertung.")
    assert result.size == "important_benefit"
    assert (
        result.statement_en
        == "Epidural steroid injection reduces leg pain at short-term follow-up."
    )
    assert (
        result.statement_de
        == "Die epidurale Steroidinjektion verringert den Beinschmerz kurzfristig."
    )
    assert result.notes_en == () and result.notes_de == ()


def test_levels_add_up_and_stop_at_very_low() -> None:
    # RoB 2 (high risk), inconsistency 2, indirectness 1, imprecision 2, publication bias 1 = 8 levels.
    studies = tuple(
        study(f"S{i}", weight_percent=10.0, rob_overall="high", comparator="local_anaesthetic")
        for i in range(10)
    )
    c = cell(
        studies,
        ci_low=-30.0,
        ci_high=25.0,
        pi_low=-60.0,
        pi_high=50.0,
        i2=90.0,
        egger_p=0.01,
    )
    result = rate(c)
    assert [d.levels for d in result.downgrades] == [2, 2, 1, 2, 1]
    assert result.total_levels == 8
    assert result.level == "very_low"


@pytest.mark.parametrize(
    ("total", "level"), [(0, "high"), (1, "moderate"), (2, "low"), (3, "very_low")]
)
def test_level_from_total_downgrade(total: int, level: str) -> None:
    # not-assessed RoB gives 0 or 1; imprecision gives 0, 1 or 2.
    rob = min(total, 1)
    ci = {0: (-20.0, -11.0), 1: (-20.0, -5.0), 2: (-20.0, 5.0)}[total - rob]
    rules = rules_with("risk_of_bias", not_assessed_levels=rob)
    c = cell((study(weight_percent=100.0, rob_overall=None),), ci_low=ci[0], ci_high=ci[1])
    assert rate(c, rules).level == level


# --- risk of bias ----------------------------------------------------------------------------------


def test_rob_not_assessed_downgrades_one_level_by_rule() -> None:
    c = cell(many(3, rob_overall=None), i2=0.0)
    levels, en, de = domain(c, "risk_of_bias")
    assert levels == 1
    assert en == (
        "Risk of bias not assessed (no RoB 2 judgement for any study of this cell); downgraded one "
        "level by rule (grade.risk_of_bias.not_assessed_levels)."
    )
    assert "nicht bewertet" in de and de.endswith(
        "nach Regel (grade.risk_of_bias.not_assessed_levels) um eine Stufe abgewertet."
    )
    rules = rules_with("risk_of_bias", not_assessed_levels=0)
    assert domain(c, "risk_of_bias", rules)[0] == 0


@pytest.mark.parametrize(
    ("judgements", "weights", "levels"),
    [
        (("high", "low"), (60.0, 40.0), 2),  # high-risk studies carry most of the weight
        (("high", "low"), (50.0, 50.0), 0),  # exactly 50 % is not "more than"
        (("high", "some_concerns", "low"), (30.0, 30.0, 40.0), 1),  # 60 % of concern
        (("some_concerns", "low"), (50.0, 50.0), 0),
        (("some_concerns", "low"), (50.1, 49.9), 1),
        (("low", "low"), (70.0, 30.0), 0),
    ],
)
def test_rob_shares_of_weight(judgements, weights, levels) -> None:
    studies = tuple(
        study(f"S{i}", weight_percent=w, rob_overall=j)
        for i, (j, w) in enumerate(zip(judgements, weights, strict=True))
    )
    got, en, _ = domain(cell(studies, i2=0.0), "risk_of_bias")
    assert got == levels
    assert "of the weight" in en
    assert "carry 50% of the weight" not in en or "not more than 50%" in en


def test_shares_next_to_the_limit_are_shown_with_decimals() -> None:
    studies = (
        study("A", weight_percent=50.4, rob_overall="some_concerns"),
        study("B", weight_percent=49.6),
    )
    levels, en, de = domain(cell(studies, i2=0.0), "risk_of_bias")
    assert levels == 1
    assert "carry 50.4% of the weight (A), more than 50%" in en
    assert "tragen 50,4 % des Gewichts (A), mehr als 50 %" in de


def test_rob_some_concerns_can_be_left_out() -> None:
    studies = (
        study("A", weight_percent=30.0, rob_overall="high"),
        study("B", weight_percent=30.0, rob_overall="some_concerns"),
        study("C", weight_percent=40.0, rob_overall="low"),
    )
    rules = rules_with("risk_of_bias", count_some_concerns=False)
    assert domain(cell(studies, i2=0.0), "risk_of_bias", rules)[0] == 0
    rules = rules_with("risk_of_bias", very_serious_high_share=None)
    heavy = (study("A", weight_percent=90.0, rob_overall="high"), study("B", weight_percent=10.0))
    assert domain(cell(heavy, i2=0.0), "risk_of_bias", rules)[0] == 1


def test_rob_partly_assessed_counts_missing_judgements_as_concern() -> None:
    studies = (
        study("A", weight_percent=20.0, rob_overall="high"),
        study("B", weight_percent=40.0, rob_overall=None),
        study("C", weight_percent=40.0, rob_overall="low"),
    )
    levels, en, de = domain(cell(studies, i2=0.0), "risk_of_bias")
    assert levels == 1
    assert en == (
        "Studies at high risk or with some concerns or without a judgement carry 60% of the weight "
        "(A, B), more than 50%; downgraded one level."
    )
    assert "ohne Bewertung" in de


def test_rob_without_weights_uses_study_counts() -> None:
    studies = (
        study("A", rob_overall="high"),
        study("B", rob_overall="high"),
        study("C", rob_overall="low"),
    )
    levels, en, de = domain(cell(studies, i2=0.0), "risk_of_bias")
    assert levels == 2
    assert "67% of the weight, counting studies equally (weights missing)" in en
    assert "67 % des Gewichts, Studien gleich gezählt (Gewichte fehlen)" in de


def test_uncertain_data_is_a_note_not_a_downgrade() -> None:
    studies = (
        study("A", weight_percent=70.0, uncertain=True),
        study("B", weight_percent=30.0),
    )
    plain = rate(cell((study("A", weight_percent=70.0), study("B", weight_percent=30.0)), i2=0.0))
    flagged = rate(cell(studies, i2=0.0))
    assert [d.levels for d in flagged.downgrades] == [d.levels for d in plain.downgrades]
    assert flagged.notes_en == (
        "Curator-flagged uncertain data: A (70% of the weight). Not a downgrade: the flag marks "
        "uncertainty of extraction, not risk of bias; the sensitivity run without uncertain rows "
        "shows its influence.",
    )
    assert flagged.notes_de[0].startswith("Von der Kuration als unsicher markierte Daten: A (70 %")


# --- inconsistency ---------------------------------------------------------------------------------


def test_inconsistency_not_applicable_for_one_study() -> None:
    levels, en, de = domain(cell(i2=95.0), "inconsistency")
    assert levels == 0
    assert en == "Not applicable: a single study; not downgraded."
    assert de == "Nicht anwendbar: eine einzelne Studie; keine Abwertung."


@pytest.mark.parametrize(
    ("i2", "levels", "shown"),
    [
        (49.0, 0, "I² = 49% (< 50%)"),
        (49.96, 0, "I² = 49.96% (< 50%)"),
        (50.0, 1, "I² = 50% (≥ 50%)"),
    ],
)
def test_inconsistency_i2_boundary(i2: float, levels: int, shown: str) -> None:
    # k = 2: the prediction interval is not used (pi_min_k = 3), so I² alone decides.
    c = cell(many(2), i2=i2, pi_low=-80.0, pi_high=60.0)
    got, en, _ = domain(c, "inconsistency")
    assert got == levels
    assert en == f"{shown}; prediction interval not used (k < 3); " + (
        "downgraded one level." if levels else "not downgraded."
    )


@pytest.mark.parametrize(
    ("i2", "pi", "levels"),
    [
        (30.0, (-15.0, 3.0), 1),  # PI spans an important benefit and no effect
        (30.0, (-15.0, -1.0), 0),  # PI stays on the side of benefit
        (30.0, (-9.0, 4.0), 0),  # PI within the band of unimportant effects
        (20.0, (-2.0, 15.0), 1),  # mirrored: an important harm and no effect
        (0.0, (-15.0, 3.0), 0),  # I² = 0: the PI is the CI, rated under imprecision
        (80.0, (-20.0, 5.0), 1),  # I² ≥ 75 but PI does not reach an important harm
        (74.9, (-20.0, 12.0), 1),
        (75.0, (-20.0, 12.0), 2),  # I² ≥ 75 and PI from ≤ −10 to ≥ +10
        (75.0, (-10.0, 10.0), 2),  # the bounds count (≤, ≥)
    ],
)
def test_inconsistency_prediction_interval(i2: float, pi: tuple[float, float], levels: int) -> None:
    c = cell(many(3), i2=i2, pi_low=pi[0], pi_high=pi[1])
    assert domain(c, "inconsistency")[0] == levels


def test_inconsistency_reasons_in_both_languages() -> None:
    c = cell(many(3), i2=82.0, pi_low=-25.0, pi_high=14.0)
    levels, en, de = domain(c, "inconsistency")
    assert levels == 2
    assert en == (
        "I² = 82% (≥ 75%) and the prediction interval (−25.0 to 14.0) spans an important benefit "
        "(≤ −10) and an important harm (≥ 10); downgraded two levels."
    )
    assert de == (
        "I² = 82 % (≥ 75 %) und das Vorhersageintervall (−25,0 bis 14,0) reicht von einem wichtigen "
        "Nutzen (≤ −10) bis zu einem wichtigen Schaden (≥ 10); um zwei Stufen abgewertet."
    )


def test_inconsistency_without_prediction_interval_rule() -> None:
    rules = rules_with("inconsistency", prediction_interval=False)
    c = cell(many(3), i2=30.0, pi_low=-15.0, pi_high=3.0)
    levels, en, _ = domain(c, "inconsistency", rules)
    assert levels == 0 and "not used (rule)" in en


# --- imprecision -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimate", "ci", "n", "levels"),
    [
        (-6.0, (-9.0, -3.0), 450, 0),  # crosses none of −10, 0, 10 and n ≥ OIS (400)
        (-6.0, (-9.0, -3.0), 400, 0),  # n = OIS reaches it
        (-6.0, (-9.0, -3.0), 399, 1),  # below the optimal information size
        (-5.0, (-10.0, 0.0), 450, 0),  # bounds on a threshold do not cross it (strictly inside)
        (-8.0, (-12.0, -3.0), 450, 1),  # crosses −10
        (-12.0, (-16.0, -8.0), 450, 1),  # important estimate, CI includes a small benefit
        (-15.0, (-25.0, 2.0), 450, 2),  # crosses −10 and 0
        (-3.0, (-8.0, 2.0), 450, 0),  # trivial estimate: 0 is not a threshold for it
        (-5.0, (-12.0, 2.0), 450, 1),  # trivial estimate, CI reaches an important benefit
        (0.0, (-12.0, 12.0), 5000, 2),  # crosses both important effects
        (-2.0, (-30.0, 25.0), 5000, 2),  # two levels at most
    ],
)
def test_imprecision_thresholds_and_ois(
    estimate: float, ci: tuple[float, float], n: int, levels: int
) -> None:
    c = cell(estimate=estimate, ci_low=ci[0], ci_high=ci[1], n=n)
    assert domain(c, "imprecision")[0] == levels


def test_imprecision_can_count_the_null_for_trivial_estimates() -> None:
    c = cell(estimate=-3.0, ci_low=-8.0, ci_high=2.0, n=450)
    _, en, _ = domain(c, "imprecision")
    assert "around a trivial estimate (within ±10, so 0 is not a threshold here)" in en
    rules = rules_with("imprecision", count_null_for_trivial=True)
    levels, en, _ = domain(c, "imprecision", rules)
    assert levels == 1 and "0 (no effect)" in en


def test_imprecision_reasons() -> None:
    _, en, de = domain(cell(estimate=-6.0, ci_low=-9.0, ci_high=-3.0, n=120), "imprecision")
    assert en == (
        "The CI (−9.0 to −3.0) includes none of −10, 0, 10, but n = 120 is below the optimal "
        "information size (400 participants; GRADE rule of thumb for continuous outcomes); "
        "downgraded one level."
    )
    assert de.startswith("Das Konfidenzintervall (−9,0 bis −3,0) enthält keine der Schwellen")
    assert de.endswith(
        "aber n = 120 liegt unter der optimalen Informationsgröße (400 Teilnehmende; "
        "GRADE-Faustregel für stetige Endpunkte); um eine Stufe abgewertet."
    )
    _, en, _ = domain(cell(estimate=-15.0, ci_low=-25.0, ci_high=2.0), "imprecision")
    assert "includes 2 of the thresholds: −10 (an important benefit), 0 (no effect)" in en


def test_imprecision_unknown_n_is_stated() -> None:
    c = cell(estimate=-6.0, ci_low=-9.0, ci_high=-3.0, n=None)
    levels, en, de = domain(c, "imprecision")
    assert levels == 0
    assert "number of participants is unknown" in en and "could not be checked" in en
    assert "unbekannt" in de
    rules = rules_with("imprecision", unknown_n_levels=1)
    assert domain(c, "imprecision", rules)[0] == 1


def test_responder_scale_uses_its_own_ois_and_threshold() -> None:
    assert RULES.scales["responder_rd_pp"].ois == 488
    c = cell(scale="responder_rd_pp", estimate=-15.0, ci_low=-22.0, ci_high=-11.0, n=487)
    levels, en, _ = domain(c, "imprecision")
    assert levels == 1 and "488 participants" in en


# --- indirectness ----------------------------------------------------------------------------------


def test_local_anaesthetic_comparator_is_indirect_for_a_placebo_question() -> None:
    studies = (
        study("Cohen2012", weight_percent=40.0, comparator="local_anaesthetic"),
        study("Manchikanti2010", weight_percent=24.0, comparator="local_anaesthetic"),
        study("Carette1997", weight_percent=36.0),
    )
    c = cell(studies, i2=0.0, question={"comparator": ("placebo_sham",)})
    levels, en, de = domain(c, "indirectness")
    assert levels == 1
    assert en.startswith("Indirect studies carry 64% of the weight, more than 50%: comparator")
    assert "comparator local_anaesthetic (active control, not placebo; the local" in en
    assert "Cohen2012, Manchikanti2010" in en
    assert "Kontrolle local_anaesthetic (aktive Kontrolle, kein Placebo" in de


@pytest.mark.parametrize(("share", "levels"), [(50.0, 0), (50.5, 1)])
def test_indirect_share_boundary(share: float, levels: int) -> None:
    studies = (
        study("A", weight_percent=share, comparator="local_anaesthetic"),
        study("B", weight_percent=100 - share),
    )
    assert domain(cell(studies, i2=0.0), "indirectness")[0] == levels


def test_analysis_asking_about_local_anaesthetic_is_not_downgraded_for_it() -> None:
    studies = many(2, comparator="local_anaesthetic")
    c = cell(
        studies,
        analysis_id="pain_epidural_local_anaesthetic",
        i2=0.0,
        question={"comparator": ("local_anaesthetic",)},
    )
    levels, en, de = domain(c, "indirectness")
    assert levels == 0
    assert en == (
        "No study has a class rated indirect (population spinal_stenosis); comparator "
        "local_anaesthetic: the question of this analysis, so direct here; not downgraded."
    )
    assert "Fragestellung dieser Analyse" in de
    # ... but a stenosis population still counts there.
    stenosis = tuple(dataclasses.replace(s, population="spinal_stenosis") for s in studies)
    assert domain(dataclasses.replace(c, studies=stenosis), "indirectness")[0] == 1


def test_mixed_comparator_analysis_keeps_local_anaesthetic_indirect() -> None:
    # disability_epidural asks "vs placebo or local anaesthetic": placebo is the direct question.
    studies = (
        study("A", weight_percent=70.0, comparator="local_anaesthetic"),
        study("B", weight_percent=30.0),
    )
    question = {"comparator": ("placebo_sham", "local_anaesthetic")}
    c = cell(studies, analysis_id="disability_epidural", i2=0.0, question=question)
    levels, en, _ = domain(c, "indirectness")
    assert levels == 1
    assert "direct here" not in en


def test_indirectness_by_study_count_when_weights_are_missing() -> None:
    studies = (
        study("A", population="spinal_stenosis"),
        study("B", population="spinal_stenosis", comparator="local_anaesthetic"),
        study("C"),
    )
    levels, en, _ = domain(cell(studies, i2=0.0), "indirectness")
    assert levels == 1
    assert "67% of the weight, counting studies equally (weights missing)" in en
    assert "population spinal_stenosis" in en and "comparator local_anaesthetic" in en


def test_no_indirect_study() -> None:
    levels, en, _ = domain(cell(many(2), i2=0.0), "indirectness")
    assert levels == 0
    assert en.startswith("No study has a class rated indirect")


# --- publication bias ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "p", "levels", "words"),
    [
        (9, 0.001, 0, "Not assessed (k = 9 < 10"),
        (10, 0.05, 1, "suggests small-study effects"),
        (10, 0.0999, 1, "p = 0.100 (< 0.1)"),
        (10, 0.10, 0, "no sign of small-study effects"),
        (10, None, 0, "Egger's test not available"),
    ],
)
def test_publication_bias(k: int, p: float | None, levels: int, words: str) -> None:
    got, en, _ = domain(cell(many(k), i2=0.0, egger_p=p), "publication_bias")
    assert got == levels
    assert words in en


# --- size and statements ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimate", "ci", "size"),
    [
        (-12.0, (-20.0, 3.0), "important_benefit"),
        (-10.0, (-14.0, -6.0), "important_benefit"),
        (-6.0, (-9.0, -3.0), "small_benefit"),
        (-6.0, (-12.0, 0.0), "little_or_no"),  # CI reaches 0
        (-6.0, (-12.0, 1.0), "little_or_no"),
        (0.0, (-2.0, 2.0), "little_or_no"),
        (4.0, (1.0, 7.0), "small_harm"),
        (9.9, (-1.0, 20.0), "little_or_no"),
        (10.0, (5.0, 15.0), "important_harm"),
    ],
)
def test_size_categories(estimate: float, ci: tuple[float, float], size: str) -> None:
    assert size_of(estimate, ci[0], ci[1], 10.0) == size


def _certainty(level: str, estimate: float, ci: tuple[float, float], **kw: Any) -> Certainty:
    """A cell with the given level: not-assessed RoB and n below the OIS add one level each."""
    steps = LEVELS.index(level)
    rob = None if steps >= 1 else "low"
    n = 100 if steps >= 2 else 500
    rules = rules_with("risk_of_bias", not_assessed_levels=1)
    studies = (study(weight_percent=100.0, rob_overall=rob),)
    c = cell(studies, estimate=estimate, ci_low=ci[0], ci_high=ci[1], n=n, **kw)
    if steps == 3:
        c = dataclasses.replace(c, ci_low=ci[0] - 40, ci_high=ci[1] + 40)
    result = rate_cell(c, rules, intervention=ESI, outcome=LEG)
    assert result.level == level
    return result


BENEFIT, SMALL, NONE_, HARM = (
    (-15.0, (-18.0, -12.0)),
    (-6.0, (-9.0, -3.0)),
    (-1.0, (-4.0, 2.0)),
    (5.0, (2.0, 8.0)),
)


@pytest.mark.parametrize(
    ("level", "effect", "en", "de"),
    [
        (
            "high",
            SMALL,
            "Epidural steroid injection reduces leg pain slightly at short-term follow-up.",
            "Die epidurale Steroidinjektion verringert den Beinschmerz kurzfristig leicht.",
        ),
        (
            "moderate",
            BENEFIT,
            "Epidural steroid injection probably reduces leg pain at short-term follow-up.",
            "Die epidurale Steroidinjektion verringert den Beinschmerz kurzfristig wahrscheinlich.",
        ),
        (
            "moderate",
            SMALL,
            "Epidural steroid injection probably reduces leg pain slightly at short-term follow-up.",
            "Die epidurale Steroidinjektion verringert den Beinschmerz kurzfristig wahrscheinlich "
            "leicht.",
        ),
        (
            "high",
            NONE_,
            "Epidural steroid injection makes little or no difference to leg pain at short-term "
            "follow-up.",
            "Die epidurale Steroidinjektion hat kurzfristig wenig oder keinen Einfluss auf den "
            "Beinschmerz.",
        ),
        (
            "moderate",
            NONE_,
            "Epidural steroid injection probably makes little or no difference to leg pain at "
            "short-term follow-up.",
            "Die epidurale Steroidinjektion hat kurzfristig wahrscheinlich wenig oder keinen "
            "Einfluss auf den Beinschmerz.",
        ),
        (
            "low",
            NONE_,
            "Epidural steroid injection may make little or no difference to leg pain at short-term "
            "follow-up.",
            "Die epidurale Steroidinjektion hat kurzfristig möglicherweise wenig oder keinen "
            "Einfluss auf den Beinschmerz.",
        ),
        (
            "low",
            SMALL,
            "Epidural steroid injection may reduce leg pain slightly at short-term follow-up.",
            "Die epidurale Steroidinjektion verringert den Beinschmerz kurzfristig möglicherweise "
            "leicht.",
        ),
        (
            "low",
            HARM,
            "Epidural steroid injection may increase leg pain slightly at short-term follow-up.",
            "Die epidurale Steroidinjektion erhöht den Beinschmerz kurzfristig möglicherweise leicht.",
        ),
        (
            "very_low",
            BENEFIT,
            "The evidence is very uncertain about the effect of epidural steroid injection on leg "
            "pain at short-term follow-up.",
            "Die Evidenz ist sehr unsicher, wie die epidurale Steroidinjektion kurzfristig auf den "
            "Beinschmerz wirkt.",
        ),
    ],
)
def test_statements_by_level_and_size(level, effect, en, de) -> None:
    result = _certainty(level, effect[0], effect[1])
    assert result.statement_en == en
    assert result.statement_de == de


def test_statement_names_the_window() -> None:
    c = cell(window="long", estimate=-1.0, ci_low=-4.0, ci_high=2.0)
    result = rate(c)
    assert result.statement_en.endswith("at long-term follow-up.")
    assert "langfristig" in result.statement_de
    c = cell(window="immediate")
    assert rate(c).statement_en.endswith("immediately after treatment.")
    assert "unmittelbar nach der Behandlung" in rate(c).statement_de


def test_responders_benefit_is_an_increase() -> None:
    # Negative RD = more responders with the injection.
    c = cell(scale="responder_rd_pp", estimate=-20.0, ci_low=-28.0, ci_high=-12.0, n=600)
    result = rate(c, outcome=RESP)
    assert result.level == "high" and result.size == "important_benefit"
    assert result.statement_en == (
        "Epidural steroid injection increases the proportion of responders at short-term follow-up."
    )
    assert result.statement_de == (
        "Die epidurale Steroidinjektion erhöht den Anteil der Patientinnen und Patienten mit "
        "Ansprechen kurzfristig."
    )
    harm = rate(dataclasses.replace(c, estimate=20.0, ci_low=12.0, ci_high=28.0), outcome=RESP)
    assert harm.statement_en.startswith("Epidural steroid injection reduces the proportion")


# --- input errors ----------------------------------------------------------------------------------


def test_cells_without_studies_or_with_wrong_k_are_refused() -> None:
    with pytest.raises(ValueError, match="k >= 1"):
        cell((), k=0)
    with pytest.raises(ValueError, match="k = 3 but 2 studies"):
        cell(many(2), k=3)
    with pytest.raises(ValueError, match="rob_overall"):
        study(rob_overall="unclear")
    with pytest.raises(ValueError, match="both prediction-interval bounds"):
        cell(many(3), pi_low=-3.0)
    with pytest.raises(ValueError, match="question dimension"):
        cell(question={"outcome": ("leg_pain",)})


def test_scale_or_window_without_rules_names_the_config_key() -> None:
    with pytest.raises(InputError) as info:
        rate(cell(scale="log_rr"))
    assert info.value.field == "grade.scales.log_rr"
    with pytest.raises(InputError) as info:
        rate(cell(window="very_long"))
    assert info.value.field == "grade.windows.very_long"
    with pytest.raises(ValueError, match="'de'"):
        rate_cell(cell(), RULES, intervention={"en": "x"}, outcome=LEG)


# --- configuration ---------------------------------------------------------------------------------


def test_pain_threshold_defaults_to_the_mcid() -> None:
    assert "threshold" not in CONFIG["grade"]["scales"]["pain_0_100"]
    assert RULES.scales["pain_0_100"].threshold == MCID
    assert GradeRules.from_config(CONFIG["grade"], 15).scales["pain_0_100"].threshold == 15
    cfg = copy.deepcopy(CONFIG["grade"])
    cfg["scales"]["pain_0_100"]["threshold"] = 8
    assert GradeRules.from_config(cfg, 15).scales["pain_0_100"].threshold == 8


def test_ois_formulas() -> None:
    # n per arm = 2 (1.95996 + 0.84162)² 20² / 10² = 62.8 -> 63; both arms 126.
    assert ois_continuous(sd=20, delta=10, alpha=0.05, power=0.8) == 126
    # p_c 0.5, p_t 0.625: 7.849 × (0.25 + 0.234375) / 0.015625 = 243.3 -> 244 per arm.
    assert ois_binary(control_risk=0.5, relative_change=0.25, alpha=0.05, power=0.8) == 488
    cfg = copy.deepcopy(CONFIG["grade"])
    cfg["scales"]["pain_0_100"]["ois"] = {
        "method": "continuous",
        "alpha": 0.05,
        "power": 0.8,
        "sd": 20,
    }
    rule = GradeRules.from_config(cfg, MCID).scales["pain_0_100"]
    assert rule.ois == 126
    assert "SD 20" in rule.ois_basis[0]


def _set(path: str, value: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(CONFIG["grade"])
    *parents, last = path.split(".")
    target = cfg
    for key in parents:
        target = target[key]
    if value is _DROP:
        del target[last]
    else:
        target[last] = value
    return cfg


_DROP = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        ("inconsistency.serious_i2", "50%", "grade.inconsistency.serious_i2", "must be a number"),
        ("inconsistency.serious_i2", 0, "grade.inconsistency.serious_i2", "must be > 0"),
        (
            "inconsistency.very_serious_i2",
            40,
            "grade.inconsistency.very_serious_i2",
            ">= serious_i2",
        ),
        ("risk_of_bias.not_assessed_levels", 2, "grade.risk_of_bias.not_assessed_levels", "<= 1"),
        ("risk_of_bias.serious_share", 100, "grade.risk_of_bias.serious_share", "< 100"),
        (
            "risk_of_bias.count_some_concerns",
            "yes",
            "grade.risk_of_bias.count_some_concerns",
            "true",
        ),
        (
            "scales.disability_0_100.threshold",
            _DROP,
            "grade.scales.disability_0_100.threshold",
            "missing",
        ),
        (
            "scales.responder_rd_pp.benefit",
            "helps",
            "grade.scales.responder_rd_pp.benefit",
            "one of",
        ),
        (
            "scales.responder_rd_pp.ois.control_risk",
            0.9,
            "grade.scales.responder_rd_pp.ois.relative_change",
            "below 1",
        ),
        ("scales.pain_0_100.ois", {"method": "fixed"}, "grade.scales.pain_0_100.ois.n", "missing"),
        ("scales.vas", {}, "grade.scales.vas", "unknown scale"),
        (
            "indirectness.classes.setting",
            {},
            "grade.indirectness.classes.setting",
            "unknown dimension",
        ),
        (
            "indirectness.classes.comparator.local_anaesthetic",
            {"en": "active control"},
            "grade.indirectness.classes.comparator.local_anaesthetic.de",
            "missing",
        ),
        ("publication_bias.min_k", 2, "grade.publication_bias.min_k", ">= 3"),
        ("publication_bias.egger", 0.1, "grade.publication_bias.egger", "unknown key"),
        ("windows", {}, "grade.windows", "at least one"),
    ],
)
def test_bad_grade_config_names_the_field(path: str, value: Any, field: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        GradeRules.from_config(_set(path, value), MCID, source="cfg.yaml")
    assert info.value.field == field
    assert words in str(info.value)
    assert str(info.value).startswith("cfg.yaml")


def test_bad_mcid_and_missing_window_phrase() -> None:
    with pytest.raises(InputError) as info:
        GradeRules.from_config(CONFIG["grade"], 0)
    assert info.value.field == "figures.mcid.value"
    with pytest.raises(InputError) as info:
        GradeRules.from_config(CONFIG["grade"], MCID, windows=["short", "very_long"])
    assert info.value.field == "grade.windows"
    assert "very_long" in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            lambda c: c["grade"]["inconsistency"].update(serious_i2=150),
            "grade.inconsistency.serious_i2",
        ),
        (lambda c: c["grade"].pop("windows"), "grade"),
        (lambda c: c["grade"]["scales"].pop("responder_rd_pp"), "grade.scales.responder_rd_pp"),
        (lambda c: c["grade"]["windows"].pop("long"), "grade.windows.long"),
    ],
)
def test_config_schema_and_coverage_checks(mutate, field: str) -> None:
    bad = copy.deepcopy(CONFIG)
    mutate(bad)
    with pytest.raises(InputError) as info:
        check_config(bad, source="cfg.yaml")
    assert info.value.field == field


# --- monotonicity (property) -----------------------------------------------------------------------

JUDGEMENTS = (None, "low", "some_concerns", "high")


@st.composite
def cells(draw: st.DrawFn) -> CellEvidence:
    k = draw(st.integers(1, 12))
    weighted = draw(st.booleans())
    studies = tuple(
        StudyEvidence(
            f"S{i}",
            weight_percent=draw(st.floats(0.5, 50)) if weighted else None,
            comparator=draw(st.sampled_from(["placebo_sham", "local_anaesthetic"])),
            population=draw(st.sampled_from(["radicular_pain", "spinal_stenosis"])),
            rob_overall=draw(st.sampled_from(JUDGEMENTS)),
            uncertain=draw(st.booleans()),
        )
        for i in range(k)
    )
    estimate = draw(st.floats(-40, 40))
    low = estimate - draw(st.floats(0, 30))
    high = estimate + draw(st.floats(0, 30))
    has_pi = k > 1 and draw(st.booleans())
    widen = draw(st.floats(0, 30))
    return CellEvidence(
        analysis_id="a",
        window=draw(st.sampled_from(["immediate", "short", "intermediate", "long"])),
        scale=draw(st.sampled_from(["pain_0_100", "disability_0_100", "responder_rd_pp"])),
        k=k,
        n=draw(st.none() | st.integers(0, 1500)),
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        pi_low=low - widen if has_pi else None,
        pi_high=high + widen if has_pi else None,
        i2=draw(st.floats(0, 100)) if k > 1 else None,
        egger_p=draw(st.none() | st.floats(0, 1)),
        studies=studies,
        question=draw(st.sampled_from([{}, {"comparator": ("local_anaesthetic",)}])),
    )


def _worse_rob(s: StudyEvidence) -> StudyEvidence:
    step = {None: "high", "low": "some_concerns", "some_concerns": "high", "high": "high"}
    return dataclasses.replace(s, rob_overall=step[s.rob_overall])


def worsen(c: CellEvidence, how: str, i: int, amount: float) -> CellEvidence:
    """Add one reason to downgrade (or make an existing one stronger)."""
    j = i % c.k
    studies = list(c.studies)
    if how == "rob":
        studies[j] = _worse_rob(studies[j])
    elif how == "indirect_comparator":
        studies[j] = dataclasses.replace(studies[j], comparator="local_anaesthetic")
    elif how == "indirect_population":
        studies[j] = dataclasses.replace(studies[j], population="spinal_stenosis")
    elif how == "uncertain":
        studies[j] = dataclasses.replace(studies[j], uncertain=True)
    elif how == "wider_ci":
        return dataclasses.replace(c, ci_low=c.ci_low - amount, ci_high=c.ci_high + amount)
    elif how == "wider_pi" and c.pi_low is not None and c.pi_high is not None:
        return dataclasses.replace(c, pi_low=c.pi_low - amount, pi_high=c.pi_high + amount)
    elif how == "higher_i2" and c.i2 is not None:
        return dataclasses.replace(c, i2=min(100.0, c.i2 + amount))
    elif how == "lower_egger_p" and c.egger_p is not None:
        return dataclasses.replace(c, egger_p=c.egger_p * (1 - amount / 30))
    elif how == "fewer_participants" and c.n is not None:
        return dataclasses.replace(c, n=max(0, c.n - int(amount * 20)))
    return dataclasses.replace(c, studies=tuple(studies))


HOW = (
    "rob",
    "indirect_comparator",
    "indirect_population",
    "uncertain",
    "wider_ci",
    "wider_pi",
    "higher_i2",
    "lower_egger_p",
    "fewer_participants",
)


@settings(max_examples=400, deadline=None)
@given(
    c=cells(),
    how=st.lists(st.sampled_from(HOW), min_size=1, max_size=4),
    i=st.integers(0, 11),
    amount=st.floats(0, 30),
    count_some=st.booleans(),
    not_assessed=st.integers(0, 1),
    unknown_n=st.integers(0, 1),
)
def test_certainty_never_rises_when_a_reason_is_added(
    c, how, i, amount, count_some, not_assessed, unknown_n
) -> None:
    rules = dataclasses.replace(
        RULES,
        risk_of_bias=dataclasses.replace(
            RULES.risk_of_bias,
            count_some_concerns=count_some,
            not_assessed_levels=not_assessed,
        ),
        imprecision=dataclasses.replace(RULES.imprecision, unknown_n_levels=unknown_n),
    )
    before = rate(c, rules)
    worse = c
    for step in how:
        worse = worsen(worse, step, i, amount)
    after = rate(worse, rules)
    assert LEVELS.index(after.level) >= LEVELS.index(before.level)
    for old, new in zip(before.downgrades, after.downgrades, strict=True):
        assert new.levels >= old.levels, (old, new)
    assert after.level == LEVELS[min(after.total_levels, 3)]
    assert all(d.levels in (0, 1, 2) and d.reason_en and d.reason_de for d in after.downgrades)
