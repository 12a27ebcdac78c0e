"""Numbered Vancouver (ICMJE/NLM) reference lists as plain text, Markdown and escaped HTML, in
English or German (the labels and dates of a German journal's Vancouver style, as the Deutsches
Ärzteblatt prints them: "aktualisiert", "Verfügbar unter", "Zugriff am", dates as 30.11.2016)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from spinereview.citations.model import MONTHS, Reference
from spinereview.text import show_controls

MAX_AUTHORS = 6  # ICMJE/NLM: list the first six authors, then "et al."
LANGUAGES = ("en", "de")
# Labels of a web source's dates and address. Round brackets, not NLM's square ones: a square bracket
# in a reference list reads as an editor's note, and Markdown would have to escape it ("\[").
LABELS = {
    "en": {
        "guideline": "Guideline",
        "updated": "updated",
        "available": "Available from:",
        "accessed": "accessed",
        "none": "No references.",
    },
    "de": {
        "guideline": "Leitlinie",
        "updated": "aktualisiert",
        "available": "Verfügbar unter:",
        "accessed": "Zugriff am",
        "none": "Keine Literatur.",
    },
}


@dataclass(frozen=True)
class Segment:
    """A piece of a formatted reference: text, optionally a link target, optionally a note."""

    text: str
    url: str | None = None
    note: bool = False


def _clean(text: str) -> str:
    return " ".join(text.split())


def _sentence(text: str) -> str:
    """``text`` ending in exactly one full stop (or its own '?', '!')."""
    text = _clean(text).rstrip()
    text = text[:-1] if text.endswith(".") else text
    return text if text.endswith(("?", "!")) else text + "."


def author_string(ref: Reference) -> str:
    """'Carette S, Leclaire R, Marcoux S, Morin F, Blaise GA, St-Pierre A, et al.'"""
    names = [a.vancouver for a in ref.authors[:MAX_AUTHORS]]
    if not names:
        return ""
    if len(ref.authors) > MAX_AUTHORS or not ref.authors_complete:
        names.append("et al")
    return _sentence(", ".join(names))


def locator(ref: Reference) -> str:
    """'1997;336(23):1634-40.', '2008;(3):CD001824.', '2011;343:d5278.' or '2009.'"""
    text = str(ref.year) if ref.year else ""
    detail = ref.volume or ""
    if ref.issue:
        detail += f"({ref.issue})"
    if ref.pages:
        detail += f":{ref.pages}"
    if detail:
        # NLM: '2012:301-11' when there is neither volume nor issue, else '2012;5:381-90'.
        separator = "" if detail.startswith(":") else ";"
        text = f"{text}{separator}{detail}" if text else detail.lstrip(":")
    return _sentence(text) if text else ""


def _labels(lang: str) -> dict[str, str]:
    if lang not in LABELS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return LABELS[lang]


def format_date(
    year: int | None, month: int | None = None, day: int | None = None, lang: str = "en"
) -> str:
    """NLM '2016 Nov 30' / '2016 Nov' / '2016' (en); '30.11.2016' / '11/2016' / '2016' (de)."""
    _labels(lang)
    if not year:
        return ""
    if lang == "de":
        if month and day:
            return f"{day:02d}.{month:02d}.{year}"
        return f"{month:02d}/{year}" if month else str(year)
    parts = [str(year)]
    if month:
        parts.append(MONTHS[month - 1])
        if day:
            parts.append(str(day))
    return " ".join(parts)


def _identifiers(ref: Reference) -> list[Segment]:
    out: list[Segment] = []
    if ref.doi:
        out += [Segment(f"doi:{ref.doi}", ref.doi_url), Segment(". ")]
    if ref.pmid:
        out += [Segment(f"PMID: {ref.pmid}", ref.pubmed_url), Segment(". ")]
    return out


def _article(ref: Reference, lang: str) -> list[Segment]:
    parts = [author_string(ref), _sentence(ref.title) if ref.title else ""]
    parts += [_sentence(ref.container) if ref.container else "", locator(ref)]
    return [Segment(" ".join(p for p in parts if p) + " "), *_identifiers(ref)]


def _guideline(ref: Reference, lang: str) -> list[Segment]:
    labels = _labels(lang)
    parts = [author_string(ref), _sentence(ref.title) if ref.title else ""]
    if ref.number:
        parts.append(f"{labels['guideline']} {ref.number}.")
    issued = format_date(ref.year, ref.month, ref.day, lang)
    if ref.updated:
        issued += f" ({labels['updated']} {format_date(*ref.updated, lang=lang)})"
    if ref.publisher or issued:
        parts.append(_sentence("; ".join(p for p in (ref.publisher, issued) if p)))
    segments = [Segment(" ".join(p for p in parts if p) + " "), *_identifiers(ref)]
    if ref.url:  # NLM: no full stop after a URL
        segments += [Segment(labels["available"] + " "), Segment(ref.url, ref.url)]
        if ref.accessed:
            accessed = format_date(*ref.accessed, lang=lang)
            segments.append(Segment(f" ({labels['accessed']} {accessed})"))
        segments.append(Segment(" "))
    return segments


def _unresolved(ref: Reference) -> list[Segment]:
    return [Segment(_clean(ref.cited_as or ref.title or "") + " ")]


def segments(ref: Reference, lang: str = "en", notes: bool = True) -> list[Segment]:
    """The reference as text and link segments; its working notes last unless ``notes`` is False
    (the article's own list carries none: they belong in the audit)."""
    _labels(lang)
    if ref.kind == "guideline":
        out = _guideline(ref, lang)
    elif ref.kind == "unresolved":
        out = _unresolved(ref)
    else:
        out = _article(ref, lang)
    for number, note in enumerate(ref.notes if notes else ()):
        out += [Segment(" ")] if number else []
        out.append(Segment(_sentence(note), note=True))
    return out


def plain(ref: Reference, lang: str = "en", notes: bool = True) -> str:
    """One reference as plain text, working notes (if shown) in square brackets."""
    text = "".join(f"[{s.text}]" if s.note else s.text for s in segments(ref, lang, notes))
    return " ".join(text.split())


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|#])")


def escape_markdown(text: str) -> str:
    """Backslash-escape the characters that CommonMark would read as markup or entities."""
    return _MD_SPECIAL.sub(r"\\\1", show_controls(text))


def _markdown_item(ref: Reference, lang: str, notes: bool) -> str:
    parts = []
    for s in segments(ref, lang, notes):
        text = escape_markdown(s.text)
        if s.url:
            text = f"[{text}](<{s.url}>)"
        elif s.note:
            text = f"*{text}*"
        parts.append(text)
    return "".join(parts).strip()


def markdown_list(
    title: str, refs: Sequence[Reference], lang: str = "en", notes: bool = True
) -> str:
    """A Markdown document: a heading and the references numbered 1..n in the order given; working
    notes in italics (without brackets) unless ``notes`` is False."""
    lines = [f"# {escape_markdown(title)}", ""]
    _labels(lang)
    if not refs:
        lines.append(_labels(lang)["none"])
    lines += [f"{i}. {_markdown_item(ref, lang, notes)}" for i, ref in enumerate(refs, start=1)]
    return "\n".join(lines) + "\n"


def _html_item(ref: Reference, lang: str, notes: bool) -> str:
    parts = []
    for s in segments(ref, lang, notes):
        text = html.escape(show_controls(s.text))
        if s.url:
            text = f'<a href="{html.escape(s.url)}">{text}</a>'
        elif s.note:
            text = f'<span class="note">{text}</span>'
        parts.append(text)
    return f'<li id="ref-{html.escape(ref.key)}">{"".join(parts).strip()}</li>'


def html_list(title: str, refs: Sequence[Reference], lang: str = "en", notes: bool = True) -> str:
    """A small self-contained HTML page: a heading and an ordered list; every text is escaped."""
    _labels(lang)
    items = [_html_item(ref, lang, notes) for ref in refs]
    none = f"<p>{html.escape(_labels(lang)['none'])}</p>"
    body = ['<ol class="references">', *items, "</ol>"] if items else [none]
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                f'<html lang="{html.escape(lang)}">',
                '<head><meta charset="utf-8"><title>' + html.escape(title) + "</title></head>",
                "<body>",
                f"<h1>{html.escape(title)}</h1>",
                *body,
                "</body>",
                "</html>",
            ]
        )
        + "\n"
    )
