"""CSL-JSON writer: items shaped as the CSL 1.0.2 input schema (csl-data.json) defines them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from spinereview.citations.model import Author, Reference, split_pages

TYPES = {
    "article": "article-journal",
    "systematic_review": "article-journal",
    "guideline": "report",
    "unresolved": "article",
}


def _name(author: Author) -> dict[str, str]:
    if author.collective:
        return {"literal": author.collective}
    name = {"family": author.family}
    if author.given_or_initials:
        name["given"] = author.given_or_initials
    return name


def _date_parts(year: int | None, month: int | None, day: int | None) -> dict[str, Any] | None:
    if year is None:
        return None
    parts = [year] + ([month] if month else []) + ([day] if month and day else [])
    return {"date-parts": [parts]}


def _page(ref: Reference) -> str | None:
    first, last = split_pages(ref.pages)
    return f"{first}-{last}" if first and last else first


def _notes(ref: Reference) -> str | None:
    notes = [f"Cited as: {ref.cited_as}"] if ref.kind == "unresolved" and ref.cited_as else []
    if ref.authors and not ref.authors_complete:
        notes.append("Author list incomplete (et al.)")
    if ref.updated_note:  # CSL 1.0.2 has no date variable for "last updated"
        notes.append(ref.updated_note)
    notes += list(ref.notes)
    return " ".join(n if n.endswith(".") else n + "." for n in notes) or None


def item(ref: Reference) -> dict[str, Any]:
    """One CSL item; absent values are left out, never written as null."""
    data: dict[str, Any] = {
        "id": ref.key,
        "type": TYPES[ref.kind],
        "title": ref.title,
        "author": [_name(a) for a in ref.authors] or None,
        "issued": _date_parts(ref.year, ref.month, ref.day),
        "accessed": _date_parts(*ref.accessed) if ref.accessed else None,
        "volume": ref.volume,
        "issue": ref.issue,
        "page": _page(ref),
        "DOI": ref.doi,
        "PMID": ref.pmid,
        "URL": ref.url or ref.doi_url or ref.pubmed_url,
        "note": _notes(ref),
    }
    if ref.kind == "guideline":
        data.update(publisher=ref.publisher, number=ref.number, genre="Guideline")
    else:
        data["container-title"] = ref.journal or ref.journal_abbrev
        data["container-title-short"] = ref.journal_abbrev
        data["journalAbbreviation"] = ref.journal_abbrev
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def csl_json(refs: Sequence[Reference]) -> str:
    """A CSL-JSON array for ``refs`` in the order given, UTF-8 (not ASCII-escaped), sorted keys."""
    return (
        json.dumps([item(ref) for ref in refs], indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
