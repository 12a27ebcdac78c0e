"""Screening in context: each pattern of issue 12 on records written for this test, as in live mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spinereview.config import load_config
from spinereview.screening.context import compile_terms, split_sentences
from spinereview.screening.protocol import Protocol
from spinereview.screening.screen import Item, decide, screened_text

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = Protocol.from_config(load_config(ROOT / "config/config.yaml")["screening"])
RCT = ["Randomized Controlled Trial"]


def screen_text(title: str, abstract: str = "", *, types=RCT, mesh=()) -> dict:
    text = screened_text(title, abstract, [])
    record = Item("pmid:7", "pubmed", "7", "", title, "2020", ["q"], list(types), list(mesh), text)
    row = decide(record, PROTOCOL, {}, None)
    row["_text"] = text
    return row


def verdict(row: dict) -> tuple[str, str]:
    return row["decision"], row["reason"]


# --- sentences and terms ---------------------------------------------------------------------------


def test_sentences_keep_offsets_section_labels_and_abbreviations() -> None:
    title = "Facet steroid vs. saline"
    text = (
        f"{title} BACKGROUND: Facet pain is common, e.g. in older adults. "
        "METHODS: We randomised 40 adults (mean age 61.5 years).\nRESULTS: Pain fell."
    )
    parts = split_sentences(text, len(title))
    assert [(text[s:e].split(":")[0][:10], label) for s, e, label in parts] == [
        ("Facet ster", "TITLE"),
        ("BACKGROUND", "BACKGROUND"),
        ("METHODS", "METHODS"),
        ("RESULTS", "RESULTS"),
    ]


def test_non_prefix_and_word_gaps_in_terms() -> None:
    steroid = compile_terms(["steroid*"])
    assert steroid.search("epidural steroids") and not steroid.search("a non-steroidal drug")
    inflammatory = compile_terms(["spondylarthropath*"])
    assert not inflammatory.search("non-spondylarthropathic sacroiliac pain")
    acute = compile_terms(["acute ~2 sciatica"])
    assert acute.search("acute unilateral sciatica") and not acute.search(
        "acute pain in the back and sciatica"
    )


# --- comparator: only words that describe the arms count -----------------------------------------


def test_nsaid_in_exclusion_criteria_and_rescue_medication_is_not_the_comparator() -> None:
    row = screen_text(
        "Transforaminal triamcinolone or saline for chronic lumbar radicular pain",
        "Patients taking NSAIDs daily were excluded. Paracetamol and diclofenac were allowed as "
        "rescue medication. Sixty patients were randomised to triamcinolone or saline.",
    )
    assert verdict(row) == ("included", "") and row["comparator"] == "placebo_sham"


def test_radiofrequency_in_background_or_as_an_outcome_is_not_the_comparator() -> None:
    row = screen_text(
        "Intra-articular facet joint steroid injection for chronic low back pain",
        "BACKGROUND: Radiofrequency neurotomy is widely used for facet pain. METHODS: Patients "
        "were randomised to intra-articular methylprednisolone or intra-articular saline. "
        "RESULTS: The number of patients who needed radiofrequency neurotomy within a year did "
        "not differ.",
    )
    assert verdict(row) == ("included", "")
    assert (row["intervention"], row["comparator"]) == ("facet_intraarticular", "placebo_sham")


def test_a_third_arm_with_another_drug_does_not_make_the_control_active() -> None:
    row = screen_text(
        "Epidural corticosteroid, etanercept or saline for lumbosacral radiculopathy of long duration",
        "Participants with chronic radicular pain were randomized to epidural methylprednisolone, "
        "epidural etanercept, or epidural saline.",
    )
    assert verdict(row) == ("included", "")
    assert (row["drug"], row["comparator"]) == ("corticosteroid", "placebo_sham")


def test_an_active_drug_beside_a_sham_injection_is_an_active_arm() -> None:
    row = screen_text(
        "Epidural steroid injection or oral pregabalin for chronic sciatica",
        "Adults were randomized to an epidural steroid injection with placebo tablets, or to oral "
        "pregabalin with a sham injection.",
    )
    assert verdict(row) == ("excluded", "comparator")


def test_two_active_routes_without_any_control_are_an_active_comparison() -> None:
    row = screen_text(
        "Interlaminar versus transforaminal epidural dexamethasone in chronic lumbar radiculopathy"
    )
    assert verdict(row) == ("excluded", "comparator")
    assert "two active arms" in row["reason_detail"]


def test_local_anaesthetic_alone_arm_is_an_eligible_control() -> None:
    row = screen_text(
        "Caudal epidural betamethasone with lidocaine compared with lidocaine in chronic low back pain"
    )
    assert verdict(row) == ("included", "") and row["comparator"] == "local_anaesthetic"


# --- intervention: the tested injection -----------------------------------------------------------


def test_an_intervention_named_in_the_background_does_not_classify_the_trial() -> None:
    row = screen_text(
        "A randomized trial in chronic discogenic back pain",
        "Intradiscal treatments have produced mixed results. We randomized 50 adults to a "
        "transforaminal epidural injection of dexamethasone or of normal saline.",
    )
    assert row["intervention"] == "epidural_transforaminal" and verdict(row) == ("included", "")


def test_a_radiofrequency_trial_is_not_a_facet_injection() -> None:
    row = screen_text(
        "Radiofrequency denervation of the lumbar facet joints versus sham denervation",
        "Patients with chronic facet pain were randomised to radiofrequency or sham.",
    )
    assert verdict(row) == ("excluded", "intervention") and row["intervention"] == "radiofrequency"


def test_a_non_injection_trial_with_injections_only_in_the_history_is_excluded() -> None:
    row = screen_text(
        "Supervised exercise therapy versus usual care for chronic back pain",
        "Patients who had previously received facet joint injections were randomised to exercise "
        "therapy or usual care.",
    )
    assert verdict(row) == ("excluded", "intervention")


# --- drug and region -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "drug"),
    [
        ("Transforaminal etanercept versus saline in chronic sciatica", "biologic"),
        ("Epidural oxygen-ozone injection versus sham for chronic low back pain", "ozone"),
        ("Intra-articular platelet-rich plasma versus saline in chronic facet pain", None),
        ("Medial branch blocks with bupivacaine versus saline for chronic facet pain", None),
    ],
)
def test_a_tested_drug_other_than_a_corticosteroid_excludes(title: str, drug) -> None:
    row = screen_text(title)
    assert verdict(row) == ("excluded", "drug")
    if drug:
        assert row["drug"] == drug


def test_a_control_drug_does_not_count_as_the_tested_drug() -> None:
    row = screen_text("Caudal epidural injection versus oral diclofenac in chronic sciatica")
    assert verdict(row) == ("excluded", "comparator") and row["drug"] == "unknown"


@pytest.mark.parametrize(
    "title",
    [
        "Cervical interlaminar epidural steroid versus saline for disc herniation",
        "Thoracic medial branch blocks with triamcinolone versus saline in chronic spinal pain",
    ],
)
def test_cervical_and_thoracic_injections_are_excluded_for_region(title: str) -> None:
    assert verdict(screen_text(title)) == ("excluded", "region")


def test_lumbar_is_assumed_only_when_no_region_is_named() -> None:
    assert screen_text("Epidural steroid versus saline in chronic radiculopathy")["region"] == (
        "unknown"
    )
    row = screen_text("Epidural steroid versus saline in cervical and lumbar radiculopathy")
    assert row["region"] == "lumbar" and verdict(row) == ("included", "")


# --- population and duration -----------------------------------------------------------------------


def test_negated_population_words_do_not_count() -> None:
    row = screen_text(
        "Facet joint steroid versus saline in chronic low back pain without radicular pain"
    )
    assert row["population"] == "facet_pain"
    row = screen_text("Sacroiliac steroid versus saline in non-spondylarthropathic sacroiliac pain")
    assert row["population"] == "sacroiliac_pain" and verdict(row) == ("included", "")


@pytest.mark.parametrize(
    ("abstract", "duration", "decision"),
    [
        ("Adults with acute or chronic sciatica were randomised.", "mixed", "included"),
        (
            "Adults with chronic low back pain and an acute exacerbation were randomised.",
            "chronic",
            "included",
        ),
        ("Adults with leg pain below the knee were randomised.", "unknown", "included"),
        ("Adults with sciatica for 1 to 8 weeks were randomised.", "subacute", "excluded"),
        (
            "Adults with radicular pain for more than 4 months were randomised.",
            "chronic",
            "included",
        ),
        ("Adults with acute sciatica were randomised.", "acute", "excluded"),
        ("We randomised adults; acute adverse events were recorded.", "unknown", "included"),
    ],
)
def test_duration_from_text(abstract: str, duration: str, decision: str) -> None:
    row = screen_text("Transforaminal steroid versus saline placebo for sciatica", abstract)
    assert (row["duration"], row["decision"]) == (duration, decision)


# --- conservative exclusion ------------------------------------------------------------------------


def test_every_text_exclusion_names_the_phrase_and_its_sentence() -> None:
    title = "Lumbar transforaminal steroid versus saline in sciatica"
    row = screen_text(
        title, "BACKGROUND: Not known. METHODS: Adults with acute sciatica were randomised."
    )
    assert verdict(row) == ("excluded", "duration")
    start, end = (int(x) for x in row["evidence_span"].split(":"))
    sentence = row["_text"][start:end]
    assert sentence.startswith("METHODS:") and row["evidence_phrase"] in sentence
    assert row["evidence_phrase"] == "acute sciatica"


@pytest.mark.parametrize(
    ("types", "abstract", "decision"),
    [
        (
            [],
            "Sixty adults were randomly allocated to steroid or saline.",
            "awaiting_classification",
        ),
        (["Journal Article"], "We randomised sixty adults.", "awaiting_classification"),
        ([], "Sixty adults were treated.", "awaiting_classification"),
        (["Journal Article"], "A retrospective review of 60 charts.", "excluded"),
        ([], "A meta-analysis of randomised trials of steroid versus saline.", "excluded"),
        (["Comparative Study"], "Two hospitals were compared.", "excluded"),
        (
            [],
            "Earlier cohort studies were small. We randomised 60 adults.",
            "awaiting_classification",
        ),
        (
            [],
            "Sixty adults were randomised; retrospectively registered.",
            "awaiting_classification",
        ),
    ],
)
def test_publication_type_missing_or_untyped(types, abstract: str, decision: str) -> None:
    row = screen_text(
        "Caudal epidural steroid versus saline in chronic sciatica", abstract, types=types
    )
    assert (row["decision"], row["reason"]) == (decision, "publication_type")


def test_unclear_criteria_hold_the_record_rather_than_exclude_it() -> None:
    row = screen_text("Spinal injections for back pain: a randomised trial")
    assert row["decision"] == "awaiting_classification"
    assert row["evidence_phrase"] == "" and row["evidence_span"] == ""


def test_german_abstract() -> None:
    row = screen_text(
        "Periradikuläre Injektion von Triamcinolon versus Kochsalzlösung bei chronischer Ischialgie",
        "METHODEN: Patienten mit Beinschmerzen seit mehr als drei Monaten wurden randomisiert. "
        "Patienten mit zervikaler Radikulopathie wurden ausgeschlossen.",
    )
    assert verdict(row) == ("included", "")
    assert (row["drug"], row["duration"]) == ("corticosteroid", "chronic")


def test_a_co_intervention_in_every_arm_does_not_make_the_control_active() -> None:
    row = screen_text(
        "Facet joint triamcinolone plus exercise versus sham injection plus exercise for chronic "
        "low back pain"
    )
    assert verdict(row) == ("included", "") and row["comparator"] == "placebo_sham"


def test_saline_as_diluent_is_not_a_placebo_arm() -> None:
    row = screen_text(
        "Caudal epidural injection for chronic sciatica",
        "Patients were randomised to 80 mg methylprednisolone in 10 ml saline or to oral "
        "diclofenac.",
    )
    assert verdict(row) == ("excluded", "comparator")


@pytest.mark.parametrize(
    ("abstract", "duration"),
    [
        ("Adults with sciatica of 6 weeks to 1 year duration were randomised.", "mixed"),
        ("Adults with leg pain were randomised; pain relief for 6 weeks was measured.", "unknown"),
        ("Adults with leg pain were randomised and seen at follow-up of 4 weeks.", "unknown"),
        ("Patienten mit Ischialgie seit zwei bis vier Wochen wurden randomisiert.", "acute"),
    ],
)
def test_stated_durations_by_number(abstract: str, duration: str) -> None:
    row = screen_text("Transforaminal steroid versus saline placebo for sciatica", abstract)
    assert row["duration"] == duration


def test_german_spine_abbreviations_give_the_region() -> None:
    row = screen_text("Epidurale Steroidinjektion versus Placebo bei Radikulopathie der HWS")
    assert verdict(row) == ("excluded", "region")


# --- long text: the negation check is linear in the sentence (bad-input corpus, size_title_128kib) ---


def test_negation_with_the_sentences_cues_found_once_gives_the_same_answer() -> None:
    from spinereview.screening.context import discounted

    rules = PROTOCOL.context
    sentences = [
        "Patients without disc herniation, radiculitis, or facet joint pain received a steroid",
        "with or without steroid injection, no prior surgery, history of epidural injections",
        "no difference between steroid and saline; patients who needed opioids were excluded",
        "Keine vorherige Injektion, ohne radikuläre Schmerzen, mit oder ohne Steroid",
    ]
    for sentence in sentences:
        cues = list(rules.local_cues.finditer(sentence))
        starts = [m.start() for m in re.finditer(r"(?<!\w)\w", sentence)]  # hits start words
        for offset in starts:
            assert discounted(sentence, offset, rules, cues) == discounted(
                sentence, offset, rules
            ), (sentence, offset)


def test_a_cue_further_than_its_reach_does_not_discount() -> None:
    from spinereview.screening.context import _REACH, discounted

    rules = PROTOCOL.context
    near = "without radicular pain"
    assert discounted(near, near.index("radicular"), rules)
    far = "without " + "x" * _REACH + " radicular pain"
    assert not discounted(far, far.index("radicular"), rules)


def test_a_title_over_128_kib_is_screened() -> None:
    """Before: each hit searched every cue before it anew, quadratic in the title (hours)."""
    title = "Lumbar epidural steroid injection" + " lumbar disc" * 11000
    row = screen_text(title)
    assert len(title) > 128 * 1024
    assert row["decision"] in ("included", "excluded", "awaiting_classification")
