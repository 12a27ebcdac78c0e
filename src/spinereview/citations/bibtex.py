"""BibTeX writer: UTF-8 text, LaTeX special characters escaped, acronyms protected by braces.

Encoding decision: non-ASCII characters are written as UTF-8, not as LaTeX accent macros
(``Kyllönen``, never ``Kyll{\\"o}nen``). Macros cannot express CJK or arbitrary combining sequences,
so only UTF-8 keeps every name and title intact; biber/biblatex, modern BibTeX with ``inputenc``,
Zotero, JabRef and bibtexparser read it (tests/test_citations_roundtrip.py reads names back).
The ten characters LaTeX treats specially (``\\ { } & % $ # _ ~ ^``) are escaped, so a field's
braces always balance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from spinereview.citations.model import Author, Reference, split_pages

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))
# A word of escaped text: escapes (\{, \textbackslash{}) are atomic, so bracing never splits one.
_WORD_RE = re.compile(r"(?:\\[A-Za-z]+(?:\{\})?|\\.|[^\s{}\\])+")
ENTRY_TYPES = {
    "article": "article",
    "systematic_review": "article",
    "guideline": "techreport",
    "unresolved": "misc",
}


def escape_latex(text: str) -> str:
    """Escape LaTeX's special characters; everything else (UTF-8) is kept as it is."""
    return _SPECIAL_RE.sub(lambda m: _LATEX_SPECIAL[m.group(0)], text)


def protect_case(escaped: str) -> str:
    """Brace words with a capital letter after their first character ('NICE', 'McGill', 'CD001824',
    'Z-Joint') so that bibliography styles that lower-case titles leave them alone."""

    def brace(match: re.Match[str]) -> str:
        word = match.group(0)
        return "{" + word + "}" if any(ch.isupper() for ch in word[1:]) else word

    return _WORD_RE.sub(brace, escaped)


def _name(author: Author) -> str:
    """'de Bie, R. A.'; a collective name is braced so it is never split into name parts."""
    if author.collective:
        return "{" + escape_latex(author.collective) + "}"
    family = escape_latex(author.family)
    if "," in author.family or re.search(r"\band\b", author.family):
        family = "{" + family + "}"
    given = escape_latex(author.given_or_initials)
    return f"{family}, {given}" if given else family


def author_field(ref: Reference) -> str:
    """Authors joined by 'and'; 'and others' marks an incomplete list (styles print 'et al.')."""
    names = [_name(a) for a in ref.authors]
    if names and not ref.authors_complete:
        names.append("others")
    return " and ".join(names)


def _pages(ref: Reference) -> str | None:
    first, last = split_pages(ref.pages)
    if first is None:
        return None
    return escape_latex(f"{first}--{last}" if last else first)


def fields(ref: Reference) -> list[tuple[str, str]]:
    """(field, value) pairs in a fixed order, values already escaped."""
    out: list[tuple[str, str]] = []

    def add(name: str, value: object, escape: bool = True) -> None:
        if value not in (None, ""):
            text = " ".join(str(value).split())
            out.append((name, escape_latex(text) if escape else text))

    if ref.authors:
        out.append(("author", author_field(ref)))
    if ref.title:
        out.append(("title", protect_case(escape_latex(" ".join(ref.title.split())))))
    if ref.kind == "guideline":
        add("institution", ref.publisher)
        add("type", "Guideline")
        add("number", ref.number)
    else:
        add("journal", ref.journal or ref.journal_abbrev)
        if ref.journal and ref.journal_abbrev:
            add("shortjournal", ref.journal_abbrev)
    add("year", ref.year)
    add("volume", ref.volume)
    if ref.kind != "guideline":
        add("number", ref.issue)
    out += [("pages", p)] if (p := _pages(ref)) else []
    add("doi", ref.doi)
    add("pmid", ref.pmid)
    if ref.pmid:
        out += [("eprint", ref.pmid), ("eprinttype", "pubmed")]
    add("url", ref.url)
    add("urldate", ref.accessed_iso)  # biblatex: the day the URL was accessed
    notes = [f"Cited as: {ref.cited_as}"] if ref.kind == "unresolved" and ref.cited_as else []
    notes += [ref.updated_note] if ref.updated_note else []
    add("note", " ".join(n if n.endswith(".") else n + "." for n in [*notes, *ref.notes]))
    return out


def entry(ref: Reference) -> str:
    """One '@type{key,\\n  field = {value},\\n}' entry."""
    lines = [f"@{ENTRY_TYPES[ref.kind]}{{{ref.key},"]
    lines += [f"  {name} = {{{value}}}," for name, value in fields(ref)]
    lines.append("}")
    return "\n".join(lines)


def bibtex(refs: Sequence[Reference]) -> str:
    """A .bib file for ``refs`` (in the order given); keys must be unique."""
    keys = [ref.key for ref in refs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"duplicate citation keys: {', '.join(duplicates)}")
    header = (
        "% Generated by spinereview (UTF-8). Do not edit: re-run `spinereview write-citations`."
    )
    return "\n\n".join([header, *(entry(ref) for ref in refs)]) + "\n"
