"""Numbered Vancouver (ICMJE/NLM) reference lists as plain text, Markdown and escaped HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from spinereview.citations.model import MONTHS, Reference

MAX_AUTHORS = 6  # ICMJE/NLM: list the first six authors, then "et al."


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


def _date(year: int | None, month: int | None = None, day: int | None = None) -> str:
    parts = [str(year)] if year else []
    if year and month:
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


def _article(ref: Reference) -> list[Segment]:
    parts = [author_string(ref), _sentence(ref.title) if ref.title else ""]
    parts += [_sentence(ref.container) if ref.container else "", locator(ref)]
    return [Segment(" ".join(p for p in parts if p) + " "), *_identifiers(ref)]


def _guideline(ref: Reference) -> list[Segment]:
    parts = [author_string(ref), _sentence(ref.title) if ref.title else ""]
    if ref.number:
        parts.append(f"Guideline {ref.number}.")
    issued = _date(ref.year, ref.month, ref.day)
    if ref.updated:
        issued += f" [updated {_date(*ref.updated)}]"
    if ref.publisher or issued:
        parts.append(_sentence("; ".join(p for p in (ref.publisher, issued) if p)))
    segments = [Segment(" ".join(p for p in parts if p) + " "), *_identifiers(ref)]
    if ref.url:
        segments += [Segment("Available from: "), Segment(ref.url, ref.url), Segment(" ")]
    return segments


def _unresolved(ref: Reference) -> list[Segment]:
    return [Segment(_clean(ref.cited_as or ref.title or "") + " ")]


def segments(ref: Reference) -> list[Segment]:
    """The reference as text and link segments, notes last."""
    if ref.kind == "guideline":
        out = _guideline(ref)
    elif ref.kind == "unresolved":
        out = _unresolved(ref)
    else:
        out = _article(ref)
    for number, note in enumerate(ref.notes):
        out += [Segment(" ")] if number else []
        out.append(Segment(f"[{_sentence(note)}]", note=True))
    return out


def plain(ref: Reference) -> str:
    """One reference as plain text, notes included."""
    return " ".join("".join(s.text for s in segments(ref)).split())


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|#])")


def escape_markdown(text: str) -> str:
    """Backslash-escape the characters that CommonMark would read as markup or entities."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _markdown_item(ref: Reference) -> str:
    parts = []
    for s in segments(ref):
        text = escape_markdown(s.text)
        if s.url:
            text = f"[{text}](<{s.url}>)"
        elif s.note:
            text = f"*{text}*"
        parts.append(text)
    return "".join(parts).strip()


def markdown_list(title: str, refs: Sequence[Reference]) -> str:
    """A Markdown document: a heading and the references numbered 1..n in the order given."""
    lines = [f"# {escape_markdown(title)}", ""]
    if not refs:
        lines.append("No references.")
    lines += [f"{i}. {_markdown_item(ref)}" for i, ref in enumerate(refs, start=1)]
    return "\n".join(lines) + "\n"


def _html_item(ref: Reference) -> str:
    parts = []
    for s in segments(ref):
        text = html.escape(s.text)
        if s.url:
            text = f'<a href="{html.escape(s.url)}">{text}</a>'
        elif s.note:
            text = f'<span class="note">{text}</span>'
        parts.append(text)
    return f'<li id="ref-{html.escape(ref.key)}">{"".join(parts).strip()}</li>'


def html_list(title: str, refs: Sequence[Reference], lang: str = "en") -> str:
    """A small self-contained HTML page: a heading and an ordered list; every text is escaped."""
    items = [_html_item(ref) for ref in refs] or []
    body = ['<ol class="references">', *items, "</ol>"] if items else ["<p>No references.</p>"]
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
