"""Invisible control characters in record text are shown, not obeyed, in text for people (issue 13,
item 8: U+202E RIGHT-TO-LEFT OVERRIDE passed raw into HTML and Markdown)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from spinereview.citations import bibtex, vancouver
from spinereview.citations.model import Author, Reference
from spinereview.notebooks.view import table
from spinereview.report.html import esc
from spinereview.text import show_controls

# "Trojan Source": the override makes "gnidaeleb" display as "bleeding" after it in a browser.
TITLE = "Epidural steroid \u202etxet desrever\u202c and \u2066isolated\u2069 text\x07 bell"
REF = Reference(
    key="Bidi2020",
    kind="article",
    title=TITLE,
    authors=(Author("Smith", "J"),),
    journal_abbrev="Spine",
    year=2020,
)
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", [*BIDI, "\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
def test_every_override_isolate_and_control_is_made_visible(char: str) -> None:
    shown = show_controls(f"a{char}b")
    assert shown == f"a\u27e8U+{ord(char):04X}\u27e9b"


def test_ordinary_text_is_unchanged() -> None:
    text = "Rückenschmerzen – 腰痛 – Zoe\u0301\tline\nnext\r\n\u200e\u200f"  # LRM/RLM are harmless
    assert show_controls(text) == text


@pytest.mark.parametrize(
    "render",
    [
        lambda: vancouver.markdown_list("Included", [REF]),
        lambda: vancouver.html_list("Included", [REF]),
        lambda: esc(TITLE),
        lambda: table(pd.DataFrame({"title": [TITLE]}))._repr_html_(),
        lambda: repr(table(pd.DataFrame({"title": [TITLE]}))),
    ],
    ids=["markdown", "html", "report", "notebook-html", "notebook-text"],
)
def test_text_for_people_shows_the_characters_instead_of_obeying_them(render) -> None:
    out = render()
    assert not any(ch in out for ch in [*BIDI, "\x07"])
    assert "\u27e8U+202E\u27e9txet desrever\u27e8U+202C\u27e9" in out
    assert "\u27e8U+2066\u27e9isolated\u27e8U+2069\u27e9" in out


def test_data_formats_keep_the_text_as_pubmed_sent_it() -> None:
    entry = bibtex.entry(dataclasses.replace(REF, title="Plain \u202etitle"))
    assert "\u202e" in entry
