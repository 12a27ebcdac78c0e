"""The arms a record describes: arm segments of its sentences, their control class and durations."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spinereview.screening.context import ContextRules, Document, Hit, Sentence, compile_terms

# Between two arms of one sentence ("steroid or saline", "A versus B", "mit X gegenüber Y").
_ARM_SEPARATOR = re.compile(
    r";|\b(?:versus|vs|or|compared with|compared to|against|oder|gegenüber|im Vergleich zu"
    r"|verglichen mit)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Segment:
    """One arm of an arm sentence: offsets into the screened text."""

    sentence: Sentence
    start: int
    end: int

    def holds(self, hit: Hit) -> bool:
        return self.start <= hit.start < self.end


def arm_segments(doc: Document, sentences: Sequence[Sentence]) -> list[Segment]:
    """Each sentence cut at the words that separate arms ("versus", "or", "compared with")."""
    out = []
    for sent in sentences:
        start = sent.start
        for sep in _ARM_SEPARATOR.finditer(doc.text, sent.start, sent.end):
            out.append(Segment(sent, start, sep.start()))
            start = sep.end()
        out.append(Segment(sent, start, sent.end))
    return out


# --- symptom duration stated in numbers ----------------------------------------------------------

_NUMBER_WORDS = {
    **dict.fromkeys(("one", "a", "ein", "eine", "einem", "einen", "einer"), 1),
    **dict.fromkeys(("two", "zwei"), 2),
    **dict.fromkeys(("three", "drei"), 3),
    **dict.fromkeys(("four", "vier"), 4),
    **dict.fromkeys(("five", "fünf"), 5),
    **dict.fromkeys(("six", "sechs"), 6),
    **dict.fromkeys(("seven", "sieben"), 7),
    **dict.fromkeys(("eight", "acht"), 8),
    **dict.fromkeys(("nine", "neun"), 9),
    **dict.fromkeys(("ten", "zehn"), 10),
    **dict.fromkeys(("eleven", "elf"), 11),
    **dict.fromkeys(("twelve", "zwölf"), 12),
    **dict.fromkeys(("eighteen", "achtzehn"), 18),
    **dict.fromkeys(("twenty-four", "vierundzwanzig"), 24),
}
_NUM = "|".join([r"\d+(?:[.,]\d+)?", *sorted(_NUMBER_WORDS, key=len, reverse=True)])
_AT_LEAST = (
    r"at least|more than|longer than|greater than|over|exceeding|>|≥|mindestens|mehr als"
    r"|länger als|über"
)
_AT_MOST = (
    r"less than|fewer than|shorter than|under|up to|within|<|≤|weniger als|kürzer als|unter|bis zu"
)
_UNIT_WEEKS = {"day": 1 / 7, "week": 1.0, "month": 52 / 12, "year": 52.0}
_UNITS = {
    **dict.fromkeys(("day", "days", "tag", "tage", "tagen"), "day"),
    **dict.fromkeys(("week", "weeks", "wk", "wks", "woche", "wochen"), "week"),
    **dict.fromkeys(("month", "months", "mo", "monat", "monate", "monaten", "monats"), "month"),
    **dict.fromkeys(("year", "years", "jahr", "jahre", "jahren", "jahres"), "year"),
}
_UNIT = "|".join(_UNITS)
_DURATION = re.compile(
    rf"(?<!\w)(?:(?P<lead>for|of|lasting|since|persisting|present for|duration of|seit|von)\s+)?"
    rf"(?:(?P<low>{_AT_LEAST})|(?P<high>{_AT_MOST}))?\s*(?P<n1>{_NUM})(?:\s*(?P<u1>{_UNIT}))?"
    rf"(?:\s*(?:to|-|–|and|bis|und)\s*(?P<n2>{_NUM})\s*(?P<u2>{_UNIT}))?(?!\w)",
    re.IGNORECASE,
)
# A number right after these words is a follow-up time or an effect, not the symptom duration.
_NOT_DURATION = re.compile(
    r"\b(?:follow[- ]?up|followed|after|at|relief|improvement|reduction|effect|outcome|"
    r"Nachbeobachtung|nach|Linderung)\b",
    re.IGNORECASE,
)


def _number(token: str) -> float:
    token = token.casefold()
    return float(_NUMBER_WORDS[token]) if token in _NUMBER_WORDS else float(token.replace(",", "."))


@dataclass(frozen=True)
class NumericDurations:
    """Symptom durations stated in numbers ("sciatica for 2 to 12 weeks", "seit über drei Monaten").

    A number counts only after a duration word ("for", "of", "since", "seit") or a bound ("more
    than", "less than"), with a symptom word (``symptom_terms``) in the same clause. The bounds
    give the class: lower bound ≥ ``chronic_weeks`` → chronic; upper bound within ``chronic_weeks``
    → acute (≤ ``acute_weeks``) or subacute; a range across the threshold → mixed.
    """

    symptoms: re.Pattern[str] | None
    chronic_weeks: float
    acute_weeks: float

    @classmethod
    def from_config(cls, block: Mapping[str, Any] | None) -> NumericDurations | None:
        if not block:
            return None
        return cls(
            symptoms=compile_terms(block["symptom_terms"]),
            chronic_weeks=float(block["chronic_weeks"]),
            acute_weeks=float(block["acute_weeks"]),
        )

    def classify(self, low: float | None, high: float | None) -> str | None:
        # A stated duration is rounded to whole weeks: "3 months" (13 weeks) and "12 weeks" are chronic.
        if low is not None and low >= self.chronic_weeks - 0.5:
            return "chronic"
        if high is not None and high <= self.chronic_weeks + 1.5:
            return "acute" if high <= self.acute_weeks else "subacute"
        if low is not None:
            return "mixed"
        return None

    def hits(self, doc: Document, sentences: Sequence[Sentence], rules: ContextRules) -> list[Hit]:
        out = []
        for sent in sentences:
            body = doc.text[sent.start : sent.end]
            for m in _DURATION.finditer(body):
                unit2 = m.group("u2") or m.group("u1")
                if not unit2 or not (m.group("lead") or m.group("low") or m.group("high")):
                    continue
                if not self._about_symptoms(body, m):
                    continue
                if _NOT_DURATION.search(" ".join(body[: m.start()].split()[-3:])):
                    continue
                unit1 = m.group("u1") or unit2
                first = _number(m.group("n1")) * _UNIT_WEEKS[_UNITS[unit1.casefold()]]
                second = (
                    _number(m.group("n2")) * _UNIT_WEEKS[_UNITS[unit2.casefold()]]
                    if m.group("n2")
                    else None
                )
                if second is not None:
                    low, high = first, second
                elif m.group("low"):
                    low, high = first, None
                elif m.group("high"):
                    low, high = None, first
                else:
                    low = high = first
                value = self.classify(low, high)
                if value:
                    out.append(Hit(value, m.group(0).strip(), sent.start + m.start(), sent))
        return out

    def _about_symptoms(self, body: str, m: re.Match[str]) -> bool:
        if self.symptoms is None:
            return False
        before = re.split(r"[;:()]", body[: m.start()])[-1].split()[-8:]
        after = re.split(r"[,;:()]", body[m.end() :])[0].split()[:6]
        return bool(self.symptoms.search(" ".join(before + after)))


# --- the control arm ------------------------------------------------------------------------------


def _co_interventions(
    segments: Sequence[Segment], comparator: Sequence[Hit], eligible: frozenset[str]
) -> set[Hit]:
    """Active-treatment hits whose phrase recurs in another arm of the same sentence."""
    by_phrase: dict[tuple[Sentence | None, str], set[int]] = {}
    arm_of: dict[Hit, int] = {}
    for index, seg in enumerate(segments):
        for hit in comparator:
            if seg.holds(hit) and hit.class_id not in eligible:
                by_phrase.setdefault((hit.sentence, hit.phrase.casefold()), set()).add(index)
                arm_of[hit] = index
    return {h for h in arm_of if len(by_phrase[(h.sentence, h.phrase.casefold())]) >= 2}


@dataclass(frozen=True)
class ArmHits:
    """The hits of one record's arm sentences for the comparator, the drug and the intervention."""

    comparator: list[Hit]
    drug: list[Hit]
    intervention: list[Hit]


def control_of_segments(
    segments: Sequence[Segment],
    hits: ArmHits,
    *,
    rank: Mapping[str, int],
    eligible: frozenset[str],
    drug_arms: Mapping[str, str],
    active_arms: str | None,
) -> tuple[Hit, str] | None:
    """The control class the arms show, with the hit that shows it and a short note.

    In each arm the comparator class listed first wins (an active drug beside a sham injection makes
    that arm active); an active treatment named in two arms of one sentence is a co-intervention
    ("steroid plus physiotherapy versus sham plus physiotherapy") and does not count. An arm without
    comparator words that names only a drug of ``drug_arms`` (a local anaesthetic) is that control.
    Any eligible control arm keeps the record; otherwise an active arm excludes it; two arms that
    each name a tested drug or injection and no control are an active comparison (``active_arms``).
    """
    winners: list[Hit] = []
    tested: dict[Sentence, list[Hit]] = {}
    shared = _co_interventions(segments, hits.comparator, eligible)
    for seg in segments:
        comp = [h for h in hits.comparator if seg.holds(h) and h not in shared]
        if comp:
            winners.append(min(comp, key=lambda h: (rank[h.class_id], h.start)))
            continue
        drugs = [h for h in hits.drug if seg.holds(h)]
        injections = [h for h in hits.intervention if seg.holds(h)]
        classes = {h.class_id for h in drugs}
        if drugs and classes <= set(drug_arms) and not injections:
            first = drugs[0]
            winners.append(
                Hit(drug_arms[first.class_id], first.phrase, first.start, first.sentence)
            )
        elif drugs or injections:
            tested.setdefault(seg.sentence, []).append(
                min(drugs + injections, key=lambda h: h.start)
            )
    good = [h for h in winners if h.class_id in eligible]
    if good:
        return min(good, key=lambda h: (rank[h.class_id], h.start)), ""
    if winners:
        return min(winners, key=lambda h: (rank[h.class_id], h.start)), ""
    if active_arms is not None:
        for arms in tested.values():
            if len(arms) >= 2:
                note = " | ".join(f"'{h.phrase}'" for h in arms)
                first = arms[0]
                return Hit(active_arms, first.phrase, first.start, first.sentence), note
    return None
