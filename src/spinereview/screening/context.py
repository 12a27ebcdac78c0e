"""Where a term sits: sentences with offsets, their role (arms, background, exclusion) and negation."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Roles of a sentence. ``arms``: the title or a sentence that describes the trial's arms;
#: ``other``: any other sentence of the record; ``background``: a labelled background section;
#: ``excluded``: exclusion criteria, rescue medication, outcomes — words there never classify a record.
ROLES = ("arms", "other", "background", "excluded")

# A label such as "METHODS:" or "Hintergrund:" at the start of a sentence opens a section (PubMed
# joins labelled sections with a line break): upper-case words, or one of the usual mixed-case labels.
_LABEL = re.compile(
    r"([A-ZÄÖÜ][A-ZÄÖÜ &/-]{2,40}|Background|Introduction|Context|Objectives?|Aims?|Purpose|Design"
    r"|Methods?|Patients and methods|Setting|Participants|Interventions?|Results|Findings"
    r"|Conclusions?|Interpretation|Hintergrund|Einleitung|Fragestellung|Ziel|Methoden|Methodik"
    r"|Patienten und Methoden|Ergebnisse|Schlussfolgerungen?|Fazit|Keywords|Schlüsselwörter):\s"
)
# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "vs",
        "v",
        "e.g",
        "i.e",
        "al",
        "dr",
        "fig",
        "no",
        "approx",
        "ca",
        "bzw",
        "z.b",
        "resp",
        "incl",
        "cf",
        "mg",
        "ml",
        "nr",
        "min",
        "max",
    ]
)
_NOT_PREFIX = r"(?<!non-)(?<!non )(?<!nicht-)(?<!un-)"


def compile_terms(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Compile protocol terms into one case-insensitive pattern matched on word boundaries.

    A space or hyphen in a term matches any run of spaces or hyphens ("nerve root" finds "nerve-root");
    a trailing ``*`` matches any word ending ("facet joint*" finds "facet joints"); a word ``~N``
    stands for up to N other words ("acute ~2 sciatica" finds "acute unilateral sciatica"). A term
    right after "non-" does not match ("steroid*" is not found in "non-steroidal").
    """
    parts: list[
        tuple[str | None, str]
    ] = []  # (the letter or digit a term starts with, its pattern)
    for term in terms:
        stem, wildcard = (term[:-1], True) if term.endswith("*") else (term, False)
        words = []
        for word in re.split(r"[\s-]+", stem.strip()):
            if not word:
                continue
            gap = re.fullmatch(r"~(\d+)", word)
            words.append(rf"(?:[\w'-]+[\s-]+){{0,{gap.group(1)}}}" if gap else re.escape(word))
        if not words:
            continue
        first = words[0][0]
        key = first.lower() if first.isascii() and first.isalnum() else None
        body = ""
        for index, word in enumerate(words):
            body += word
            if index < len(words) - 1 and not word.startswith("(?:"):
                body += r"[\s-]+"
        body += r"\w*" if wildcard else ""
        parts.append((key, rf"{body}(?!\w)"))
    if not parts:
        return None
    return re.compile(rf"(?<!\w){_NOT_PREFIX}(?:{_by_first_letter(parts)})", re.IGNORECASE)


def _by_first_letter(parts: Sequence[tuple[str | None, str]]) -> str:
    """The terms' alternation, grouped by the ASCII letter or digit each term starts with.

    Each group keeps the terms in their listed order, with the terms that start otherwise (a gap
    ``~N``, a sign, a non-ASCII letter) in their places, and is entered only where the text has that
    letter (in either case; no character matches two ASCII letters without case), so the first term
    that matches at a position is the same as in the plain alternation of all terms. The look-behinds,
    which depend only on the position, are checked once before it instead of once per term. The same
    matches; most positions fail at the first look-behind and most words at one group.
    """
    keys = dict.fromkeys(key for key, _ in parts if key is not None)
    if len(keys) < 2:
        return "|".join(body for _, body in parts)
    groups = [
        rf"(?={re.escape(key)})(?:{'|'.join(b for k, b in parts if k in (key, None))})"
        for key in keys
    ]
    others = [body for key, body in parts if key is None]
    if others:
        groups.append("|".join(others))
    return "|".join(groups)


_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-ZÄÖÜ0-9])|\n+")


@dataclass(frozen=True)
class Sentence:
    """A sentence of the screened text: offsets into it, its section label and its role."""

    start: int
    end: int
    section: str
    role: str


def split_sentences(text: str, title_end: int = 0) -> list[tuple[int, int, str]]:
    """Split ``text`` into (start, end, section label) sentences; ``text[:title_end]`` is the title.

    Boundaries are a full stop, question or exclamation mark followed by space and a capital or digit
    (not after an abbreviation such as "vs." or "e.g."), a line break, and a section label.
    """
    cuts = {0, len(text)}
    if 0 < title_end < len(text):
        cuts.add(title_end)
    for match in _BOUNDARY.finditer(text):
        before = text[: match.start()].rsplit(None, 1)
        last = before[-1].rstrip(".!?").casefold() if before else ""
        if match.group(0).strip() == "" and "\n" not in match.group(0) and last in _ABBREVIATIONS:
            continue
        cuts.add(match.end())
    out, section = [], ""
    ordered = sorted(cuts)
    for start, end in itertools.pairwise(ordered):
        s, e = start, end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            continue
        if title_end and s < title_end:
            out.append((s, e, "TITLE"))
            continue
        label = _LABEL.match(text, s)
        if label and label.end() <= e:
            section = label.group(1).strip().upper()
        out.append((s, e, section))
    return out


@dataclass(frozen=True)
class ContextRules:
    """The configured cues that give a sentence its role and discount nearby words."""

    arm_cues: re.Pattern[str] | None
    excluded_cues: re.Pattern[str] | None
    background_sections: frozenset[str]
    local_cues: re.Pattern[str] | None  # negation or history: the next few words do not count
    local_window: int

    @classmethod
    def from_config(cls, block: Mapping[str, Any]) -> ContextRules:
        return cls(
            arm_cues=compile_terms(block["arm_cues"]),
            excluded_cues=compile_terms(block["excluded_cues"]),
            background_sections=frozenset(s.upper() for s in block["background_sections"]),
            local_cues=compile_terms(block["local_cues"]),
            local_window=int(block.get("local_window", 3)),
        )


@dataclass(frozen=True)
class Document:
    """The screened text of one record, split into sentences with roles."""

    text: str
    sentences: tuple[Sentence, ...]

    def in_roles(self, roles: Iterable[str]) -> list[Sentence]:
        wanted = set(roles)
        return [s for s in self.sentences if s.role in wanted]


def _role(sentence: str, section: str, rules: ContextRules) -> str:
    if section == "TITLE":
        return "arms"
    if rules.excluded_cues is not None and rules.excluded_cues.search(sentence):
        return "excluded"
    if section in rules.background_sections:
        return "background"
    if section.startswith("KEYWORD"):
        return "background"
    if rules.arm_cues is not None and rules.arm_cues.search(sentence):
        return "arms"
    return "other"


def read_document(text: str, title_end: int, rules: ContextRules) -> Document:
    """Split the screened text (title first) into sentences and give each its role."""
    sentences = tuple(
        Sentence(s, e, section, _role(text[s:e], section, rules))
        for s, e, section in split_sentences(text, title_end)
    )
    return Document(text, sentences)


_WITH_OR = re.compile(r"\b(?:with|mit)\s+(?:or|oder)\s+$", re.IGNORECASE)
# A list after a negation: "A, B, or C" / "A, B und C"; the hit starts an item.
_LIST_SEPARATOR = re.compile(
    r"\s*,\s*(?:or\s+|and\s+|nor\s+|oder\s+|und\s+)?|\s+(?:or|and|nor|oder|und|noch)\s+"
)
# "no difference between steroid and saline" negates the difference, not the arms.
_NOT_NEGATED = re.compile(r"\b(?:between|differ\w*|significant\w*|zwischen|Unterschied\w*)\b", re.I)
_CLAUSE_END = re.compile(
    r"[,;:()\[\]]|\b(?:and|or|but|while|whereas|versus|vs|between|und|oder|zwischen)\b", re.I
)


#: How far before a word (in characters) a negation or history cue can discount it.
_REACH = 2000


def discounted(
    sentence: str, offset: int, rules: ContextRules, cues: Sequence[re.Match[str]] | None = None
) -> bool:
    """Whether the word at ``offset`` of ``sentence`` is negated or names past/other care.

    A local cue ("without", "no", "prior", "history of", "who needed") discounts the next
    ``local_window`` words of its clause, and each item of a short list that follows it
    ("without disc herniation, radiculitis, or facet joint pain"). ``cues``: the cue matches of
    the whole sentence (``local_cues.finditer``), when the caller checks many words of it. Only cues
    within ``_REACH`` characters before the word count: without the bound, and with the cues found
    anew for every word, a long sentence with many hits (a 128 KiB title) took hours.
    """
    if rules.local_cues is None:
        return False
    reach = max(0, offset - _REACH)
    if cues is None:
        cues = list(rules.local_cues.finditer(sentence, reach, offset))
    first = bisect.bisect_left(cues, reach, key=lambda m: m.start())
    for cue in cues[first:]:
        if cue.end() > offset:
            break
        if _WITH_OR.search(sentence, reach, cue.start()):
            continue  # "with or without steroid": both arms, no negation
        between = sentence[cue.end() : offset]
        if _NOT_NEGATED.search(between):
            continue
        if not _CLAUSE_END.search(between):
            if len(between.split()) <= rules.local_window:
                return True
            continue
        items = _LIST_SEPARATOR.split(between)
        if all(0 < len(item.split()) <= rules.local_window for item in items[:-1]) and (
            len(items[-1].split()) == 0
        ):
            return True
    return False


@dataclass(frozen=True)
class Hit:
    """A class recognised in the text: the matched phrase and the sentence it sits in."""

    class_id: str
    phrase: str
    start: int  # of the phrase, into the screened text
    sentence: Sentence | None  # None for a MeSH descriptor


def find_hits(
    doc: Document,
    patterns: Sequence[tuple[str, re.Pattern[str] | None]],
    sentences: Sequence[Sentence],
    rules: ContextRules,
) -> list[Hit]:
    """Every (class, phrase) match in ``sentences`` that is not negated, in text order."""
    hits = []
    for sent in sentences:
        body = doc.text[sent.start : sent.end]
        cues = list(rules.local_cues.finditer(body)) if rules.local_cues is not None else []
        for class_id, pattern in patterns:
            if pattern is None:
                continue
            for m in pattern.finditer(body):
                if not discounted(body, m.start(), rules, cues):
                    hits.append(Hit(class_id, m.group(0), sent.start + m.start(), sent))
    return sorted(hits, key=lambda h: h.start)
