"""The term matcher against the straightforward per-term pattern it replaced (issue 16).

``compile_terms`` checks the look-behinds once per start position instead of once per term. The
oracle below is the earlier code, kept as it was: each term carries its own look-behinds. Every match
(position, text) of every configured term list must be the same, on the snapshot's records, on texts
written for the edge cases, and on texts Hypothesis builds from the configured terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinereview.config import load_config
from spinereview.pubmed.records import merge_query_files
from spinereview.screening.context import compile_terms, find_hits
from spinereview.screening.protocol import Protocol
from spinereview.screening.screen import Item, document_of, screened_text

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "config/config.yaml")
PROTOCOL = Protocol.from_config(CONFIG["screening"])
_NOT_PREFIX = r"(?<!non-)(?<!non )(?<!nicht-)(?<!un-)"


def oracle_compile(terms: Iterable[str]) -> re.Pattern[str] | None:
    """The per-term pattern as it was before issue 16: every term has its own look-behinds."""
    parts = []
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
        body = ""
        for index, word in enumerate(words):
            body += word
            if index < len(words) - 1 and not word.startswith("(?:"):
                body += r"[\s-]+"
        body += r"\w*" if wildcard else ""
        parts.append(rf"(?<!\w){_NOT_PREFIX}{body}(?!\w)")
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def _term_lists(node: object, path: str = "") -> Iterator[tuple[str, list[str]]]:
    """Every list of terms or cues in the screening config, with where it sits."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _term_lists(value, f"{path}.{key}")
    elif isinstance(node, list):
        if node and all(isinstance(v, str) for v in node) and path.endswith(("terms", "cues")):
            yield path, list(node)
        else:
            for index, value in enumerate(node):
                yield from _term_lists(value, f"{path}[{index}]")


TERM_LISTS = list(_term_lists(CONFIG["screening"]))
PAIRS = [(name, compile_terms(terms), oracle_compile(terms)) for name, terms in TERM_LISTS]
ALL_TERMS = sorted({t for _, terms in TERM_LISTS for t in terms})


def _matches(pattern: re.Pattern[str] | None, text: str) -> list[tuple[int, int, str]]:
    return (
        []
        if pattern is None
        else [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]
    )


def _assert_same(text: str) -> None:
    for name, new, old in PAIRS:
        assert _matches(new, text) == _matches(old, text), (name, text)


def test_the_config_has_many_term_lists() -> None:
    assert len(TERM_LISTS) >= 10
    assert any(name.endswith("local_cues") for name, _ in TERM_LISTS)
    assert all(new is not None for _, new, old in PAIRS if old is not None)


@pytest.fixture(scope="module")
def snapshot_texts() -> list[tuple[str, str]]:
    snapshot = ROOT / CONFIG["search"]["snapshot_dir"]
    files = [(q["id"], snapshot / f"{q['id']}.xml") for q in CONFIG["search"]["queries"]]
    rows = merge_query_files(files)
    assert len(rows) >= 40
    return [
        (
            row["title"] or "",
            screened_text(row["title"] or "", row["abstract"] or "", row["keywords"] or []),
        )
        for row in rows
    ]


def test_every_term_list_matches_as_before_on_the_snapshot(snapshot_texts) -> None:
    total = 0
    for _, text in snapshot_texts:
        _assert_same(text)
        total += sum(len(_matches(new, text)) for _, new, _ in PAIRS)
    assert total > 300  # the records do contain terms


def _criteria() -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """Each classified criterion of the config with its classes' terms, in the listed order."""
    out = []
    for name, block in CONFIG["screening"].items():
        if isinstance(block, dict) and isinstance(block.get("classes"), list):
            out.append((name, [(c["id"], list(c.get("terms", []))) for c in block["classes"]]))
    return out


CRITERIA = _criteria()


def test_hits_and_their_sentences_are_as_before_on_the_snapshot(snapshot_texts) -> None:
    assert len(CRITERIA) >= 5
    compiled = [
        ([(i, compile_terms(t)) for i, t in classes], [(i, oracle_compile(t)) for i, t in classes])
        for _, classes in CRITERIA
    ]
    checked = 0
    for title, text in snapshot_texts:
        item = Item("pmid:1", "pubmed", "1", "", title, "2020", ["q"], [], [], text)
        doc = document_of(item, PROTOCOL)
        sentences = list(doc.sentences)
        for new, old in compiled:
            got = find_hits(doc, new, sentences, PROTOCOL.context)
            want = find_hits(doc, old, sentences, PROTOCOL.context)
            assert got == want, (title, got, want)
            checked += len(got)
    assert checked > 100


@pytest.mark.parametrize(
    "text",
    [
        "steroid at the start",
        "ends with steroid",
        "non-steroidal anti-inflammatory drugs, non steroid, nicht-steroidal, un-steroid",
        "NON-STEROIDAL and Non-Steroid and STEROID and Steroids",
        "nerve-root block, nerve root block, nerve - root, nerve--root",
        "facet joint injections; facet-joints; Facetgelenk; Kortison-Injektion",
        "epidural steroid injection with or without lidocaine, without epidural steroid",
        "Rückenschmerzen, Ischialgie, lumbale Radikulopathie, Übelkeit",
        "a transforaminal epidural steroid injection (TFESI) vs. saline",
        "steroidsteroid xsteroid steroid_x 2steroid steroid2",
        "",
    ],
)
def test_edge_texts_match_as_before(text: str) -> None:
    _assert_same(text)


_EXTRA = (
    "non-",
    "non ",
    "nicht-",
    "un-",
    "no ",
    "without ",
    "with or without ",
    "-",
    " - ",
    ", ",
    ". ",
    "\n",
    "x",
    "Ä",
    "ü",
    "ß",
    "'s",
    "(",
    ")",
    "s",
    "al",
    "e",
)
_PIECES = st.sampled_from([*ALL_TERMS, *_EXTRA])


def _variant(term: str, mode: int) -> str:
    return [term, term.upper(), term.title(), term.replace(" ", "-"), term.replace("*", "s")][mode]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(_PIECES, st.integers(0, 4), st.sampled_from(["", " ", "-", "  "])), max_size=12
    )
)
def test_generated_texts_match_as_before(pieces: list[tuple[str, int, str]]) -> None:
    text = "".join(_variant(piece, mode) + sep for piece, mode, sep in pieces)
    _assert_same(text)
