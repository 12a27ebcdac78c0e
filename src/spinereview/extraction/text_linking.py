"""Link each effect to the follow-up time, outcome and instrument mentioned in its sentence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spinereview.extraction.text_model import Candidate
from spinereview.extraction.text_numbers import SentenceIndex

# The outcome an instrument measures when the sentence names no outcome word.
INSTRUMENT_OUTCOME = {
    "VAS": "pain_overall",
    "NRS": "pain_overall",
    "ODI": "disability",
    "RMDQ": "disability",
}
_LINKED_KINDS = ("followup", "outcome", "instrument")


@dataclass(frozen=True)
class EffectStatement:
    """An effect (or estimate with CI) with the context it was linked to, all by offsets."""

    effect: Candidate
    followup: Candidate | None
    outcome: Candidate | None
    instrument: Candidate | None
    sentence_start: int
    sentence_end: int

    @property
    def outcome_code(self) -> str | None:
        """The outcome word's code, else the outcome implied by the instrument."""
        if self.outcome is not None:
            return self.outcome.code
        if self.instrument is not None:
            return INSTRUMENT_OUTCOME.get(self.instrument.code or "")
        return None


def link_candidates(text: str, candidates: Sequence[Candidate]) -> list[EffectStatement]:
    """Associate every effect/estimate_ci with a follow-up time, outcome and instrument.

    Only the effect's own sentence is searched (sentences split as in ``sentence_spans``: not on
    decimals, "vs." or "et al."). A mention inside the effect's span wins. Otherwise, per kind, the
    sentence's reporting order decides: if a mention of that kind comes before the sentence's first
    effect ("At 6 weeks, MD …; at 12 weeks, MD …") the nearest *preceding* mention is taken, else the
    nearest *following* one ("MD … at 6 weeks and … at 12 weeks"); the other direction is the
    fallback. Unlinked context stays None.
    """
    index = SentenceIndex(text)
    by_sentence: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_sentence.setdefault(index.index(c.start), []).append(c)
    out: list[EffectStatement] = []
    for sentence, members in sorted(by_sentence.items()):
        effects = sorted(
            (c for c in members if c.kind in ("effect", "estimate_ci")), key=lambda c: c.start
        )
        if not effects:
            continue
        first = effects[0].start
        context = {
            k: sorted((c for c in members if c.kind == k), key=lambda c: c.start)
            for k in _LINKED_KINDS
        }
        prefix = {k: any(c.end <= first for c in v) for k, v in context.items()}
        s_start, s_end = index.spans[sentence]
        for eff in effects:
            linked = {k: _nearest(eff, context[k], prefix[k]) for k in _LINKED_KINDS}
            out.append(EffectStatement(eff, **linked, sentence_start=s_start, sentence_end=s_end))
    return out


def _nearest(eff: Candidate, mentions: list[Candidate], prefer_before: bool) -> Candidate | None:
    inside = [c for c in mentions if c.start >= eff.start and c.end <= eff.end]
    if inside:
        return inside[0]
    before = [c for c in mentions if c.end <= eff.start]
    after = [c for c in mentions if c.start >= eff.end]
    near_before = before[-1] if before else None
    near_after = after[0] if after else None
    if prefer_before:
        return near_before or near_after
    return near_after or near_before
