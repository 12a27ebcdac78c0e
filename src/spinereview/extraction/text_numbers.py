"""Number tokens, number words, German detection and sentence spans for abstract text."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# Characters used as a minus sign: ASCII hyphen-minus, U+2212 minus, en dash, em dash, figure dash.
DASHES = "-−–—‒\u2011\ufe63\uff0d"
DASH_CLASS = r"\-−–—‒\u2011\ufe63\uff0d"  # the same, escaped for use inside a character class
# A dash is a minus sign only when it follows whitespace, an opening bracket, a comparator, a
# separator, another dash or the start of the text — so "2.0-4.5" is a range, "−2.0–−0.5" is two
# negative numbers, and "-2.0 - -0.5" reads as (−2.0, −0.5).
# A plus sign is read the same way ("+1.1"). A Unicode minus or en dash separated from its number by
# one space ("− 0.9", "– 5,2") is a sign unless a number comes just before it ("0.2 – 1.4" is a range).
MINUS = rf"(?<![^\s(\[{{=:,;<>≤≥{DASH_CLASS}])(?:[{DASH_CLASS}+]|(?<![\d%]\s)[−–]\s(?=[\d.,·]))"
# Unsigned decimal: point, comma or Lancet middle dot; a leading dot ("P < .001") is allowed.
# The lookbehind stops numbers inside identifiers such as NCT01234567 or in "1.2.3".
UNSIGNED = r"(?<![\w.·])(?:\d+(?:[.,·]\d+)?|[.,·]\d+)"
NUM = rf"(?:{MINUS})?{UNSIGNED}"
# Whole numbers, also with thousands separators ("1,250", German "1.250", "1 250" with a thin,
# no-break or plain space before a word); never the tail "250" of "1 250".
_SPACES = "\u00a0\u2009\u202f"
INTEGER = (
    rf"(?<![\w.,·/])(?<!\d[ {_SPACES}])(?:\d{{1,3}}(?:[.,{_SPACES}]\d{{3}}){{1,3}}(?![.,·]?\d)"
    r"|\d{1,3}(?: \d{3}){1,2}(?=\s+[A-Za-zÄÖÜäöü])|\d+(?![.,·]\d))"
)

_EN_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_DE_UNITS = ["ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_DE_TEENS = [
    "zehn",
    "elf",
    "zwölf",
    "dreizehn",
    "vierzehn",
    "fünfzehn",
    "sechzehn",
    "siebzehn",
    "achtzehn",
    "neunzehn",
]
_DE_TENS = ["zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]
# Single number words (English and German); compounds ("twenty-nine", "one hundred and twelve",
# "Sechsundzwanzig") are parsed by ``word_value``.
NUMBER_WORDS: dict[str, int] = {
    **{w: i + 1 for i, w in enumerate(_EN_UNITS)},
    **{w: i + 10 for i, w in enumerate(_EN_TEENS)},
    **{w: 10 * (i + 2) for i, w in enumerate(_EN_TENS)},
    "hundred": 100,
    **{w: i + 1 for i, w in enumerate(_DE_UNITS)},
    "eins": 1,
    "einem": 1,
    "einer": 1,
    "eine": 1,
    **{w: i + 10 for i, w in enumerate(_DE_TEENS)},
    **{w: 10 * (i + 2) for i, w in enumerate(_DE_TENS)},
    "hundert": 100,
}


def _alt(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_EN_BELOW_100 = (
    rf"(?:(?:{_alt(_EN_TENS)})(?:[\s-]+(?:{_alt(_EN_UNITS)}))?|{_alt(_EN_TEENS)}|{_alt(_EN_UNITS)})"
)
_EN_WORD = (
    rf"(?:(?:(?:{_alt(_EN_UNITS)}|a)[\s-]+)?hundred(?:[\s-]+(?:and[\s-]+)?{_EN_BELOW_100})?"
    rf"|{_EN_BELOW_100})"
)
_DE_WORD = (
    rf"(?:(?:{_alt(_DE_UNITS)})und(?:{_alt(_DE_TENS)})|{_alt(_DE_TEENS)}|{_alt(_DE_TENS)}"
    rf"|eins|einem|einer|eine|{_alt(_DE_UNITS)}|hundert)"
)
# Use as ``\b(?i:{NUMBER_WORD})``: the longest number word or compound, ending at a word boundary.
NUMBER_WORD = rf"(?:{_EN_WORD}|{_DE_WORD})(?!\w)"
_COMPOUND_DE = re.compile(rf"({_alt(_DE_UNITS)})und({_alt(_DE_TENS)})")


def word_value(raw: str) -> int | None:
    """The value of a number word as printed ("Twenty-nine" 29, "One hundred and twelve" 112,
    "Sechsundzwanzig" 26), or None when ``raw`` is not one."""
    low = raw.lower().strip()
    if low in NUMBER_WORDS:
        return NUMBER_WORDS[low]
    de = _COMPOUND_DE.fullmatch(low)
    if de:
        return NUMBER_WORDS[de.group(1)] + NUMBER_WORDS[de.group(2)]
    parts = [p for p in re.split(r"[\s-]+", low) if p != "and"]
    if not parts or any(p not in NUMBER_WORDS and p != "a" for p in parts):
        return None
    total = 0
    for part in parts:
        if part == "hundred":
            total = max(total, 1) * 100
        elif part != "a":
            total += NUMBER_WORDS[part]
    return total


_GERMAN = re.compile(
    r"\b(?:KI|bis|und|der|die|das|mit|nach|bei|Bei|von|Von|wurden|betrug|zwischen|sowie|Wochen"
    r"|Monate[n]?|Jahre[n]?|Patienten|Patientinnen|Teilnehmende[n]?|Gruppe|Studie)\b"
)
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3}){1,3}")


@dataclass(frozen=True)
class Token:
    """A number as written: its span in the text and its parsed value."""

    start: int
    end: int
    value: float


def is_german(text: str) -> bool:
    """Return True when the text reads as German (decimal comma, "bis" ranges)."""
    return len(_GERMAN.findall(text)) >= 2


def parse_number(raw: str, german: bool = False, integer_context: bool = False) -> float:
    """Parse a number as written: any dash as minus, decimal point/comma/middle dot.

    "1,300" is read as 1300 only where an integer is expected (counts) and the text is English;
    "1.300" likewise only for German counts; otherwise the separator is a decimal mark.
    """
    s = re.sub(r"[\s\u00a0\u2009\u202f]", "", raw)
    if s[:1] == "+":
        s = s[1:]
    negative = bool(s) and s[0] in DASHES
    if negative:
        s = s[1:]
    thousands_sep = "." if german else ","
    if integer_context and _THOUSANDS.fullmatch(s) and set(re.sub(r"\d", "", s)) == {thousands_sep}:
        s = s.replace(thousands_sep, "")
    elif integer_context and _THOUSANDS.fullmatch(s) and len(set(re.sub(r"\d", "", s))) == 1:
        # A count cannot be fractional: "1.024 von 2.048" in a text not recognised as German.
        s = re.sub(r"\D", "", s)
    s = s.replace("·", ".").replace(",", ".")
    value = float(s)
    return -value if negative else value


_TOKEN_RE = re.compile(NUM)


def number_tokens(text: str, german: bool) -> list[Token]:
    """All numbers in the text, left to right, with signs resolved by ``MINUS``."""
    return [
        Token(m.start(), m.end(), parse_number(m.group(), german)) for m in _TOKEN_RE.finditer(text)
    ]


# Abbreviations after which a full stop does not end a sentence ("vs.", "e.g.", "et al.").
_ABBREVIATIONS = frozenset(
    [
        "vs",
        "v",
        "e.g",
        "i.e",
        "al",
        "approx",
        "ca",
        "cf",
        "fig",
        "figs",
        "no",
        "nos",
        "dr",
        "mr",
        "mrs",
        "ref",
        "refs",
        "resp",
        "bzw",
        "z.b",
        "u.a",
        "vgl",
        "sog",
        "n.s",
        "s.d",
        "inc",
        "ltd",
        "st",
        "mio",
        "std",
    ]
)
_BOUNDARY = re.compile(r"[.!?](?=\s+[\"'(\[]?[A-ZÄÖÜ0-9])|\n\s*\n")
_LAST_WORD = re.compile(r"([\w.]+)$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split into sentence spans; never inside decimals ("1.3") or after "vs."/"e.g."/"et al."."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group().startswith((".",)):
            word = _LAST_WORD.search(text, max(0, m.start() - 12), m.start())
            if word and word.group(1).lower().strip(".") in _ABBREVIATIONS:
                continue
            if word and len(word.group(1)) == 1 and word.group(1).isupper():
                continue  # an initial such as "J. Smith"
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


class SentenceIndex:
    """Map a character offset to the sentence containing it, by binary search."""

    def __init__(self, text: str) -> None:
        self.spans = sentence_spans(text) or [(0, len(text))]
        self._starts = [s for s, _ in self.spans]

    def index(self, offset: int) -> int:
        """Index of the sentence containing ``offset``."""
        return max(0, bisect_right(self._starts, offset) - 1)

    def span(self, offset: int) -> tuple[int, int]:
        """Span of the sentence containing ``offset``."""
        return self.spans[self.index(offset)]
