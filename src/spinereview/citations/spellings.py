"""Sourced corrections of author names whose record lost its diacritics (Kyllonen -> Kyllönen).

The embedded snapshot was rebuilt from bibliographic facts written in ASCII, so some records spell
a name without its umlauts; the parser and the writers keep every character they are given. A row
of `data/article/author_spellings.csv` restores one name, with the page it was read on. A
correction may only add diacritics: folded to ASCII it must equal the record's spelling, so it can
never change a name into another one. It is applied only when the record still has the spelling the
row names (a live PubMed record that is already right, or has changed, is left as it is).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from spinereview.citations.completeness import Gap
from spinereview.citations.model import Reference, ascii_fold
from spinereview.errors import InputError
from spinereview.io import read_table

COLUMNS = ("pmid", "position", "record_last_name", "last_name", "source_url", "locator")


@dataclass(frozen=True)
class Spelling:
    pmid: str
    position: int  # 1-based position in the record's author list
    record_last_name: str
    last_name: str
    source_url: str
    locator: str


def load_spellings(path: str | Path | None) -> dict[tuple[str, int], Spelling]:
    """Read and check the corrections table; None (no table) gives no corrections."""
    if path is None:
        return {}
    path = Path(path)
    out: dict[tuple[str, int], Spelling] = {}
    for number, row in enumerate(read_table(path, COLUMNS), start=1):
        values = {name: (row[name] or "").strip() for name in COLUMNS}
        for name in COLUMNS:
            if not values[name]:
                raise InputError(path, "value is required", row=number, field=name)
        if not values["pmid"].isdigit():
            raise InputError(
                path, f"PMID {values['pmid']!r} is not a number", row=number, field="pmid"
            )
        if not values["position"].isdigit() or int(values["position"]) < 1:
            raise InputError(
                path,
                f"{values['position']!r} is not a position (1, 2, ...)",
                row=number,
                field="position",
            )
        old, new = values["record_last_name"], values["last_name"]
        if ascii_fold(old).casefold() != ascii_fold(new).casefold() or old == new:
            raise InputError(
                path,
                f"{new!r} is not {old!r} with diacritics restored (a correction may only add "
                "accents)",
                row=number,
                field="last_name",
            )
        key = (values["pmid"], int(values["position"]))
        if key in out:
            raise InputError(path, f"author {key[1]} of PMID {key[0]} is listed twice", row=number)
        out[key] = Spelling(
            values["pmid"], key[1], old, new, values["source_url"], values["locator"]
        )
    return out


def apply_spellings(
    refs: Sequence[Reference], spellings: Mapping[tuple[str, int], Spelling], list_name: str
) -> tuple[list[Reference], list[Gap]]:
    """``refs`` with the corrections for their PMIDs applied, and a row for each correction
    ('corrected', or 'not_applied' when the record has another spelling)."""
    by_pmid: dict[str, list[Spelling]] = {}
    for spelling in spellings.values():
        by_pmid.setdefault(spelling.pmid, []).append(spelling)
    out, rows = [], []
    for ref in refs:
        authors = list(ref.authors)
        for s in sorted(by_pmid.get(ref.pmid or "", []), key=lambda s: s.position):
            source = f"{s.source_url} ({s.locator})"
            field = f"authors[{s.position}].family"
            current = authors[s.position - 1].family if s.position <= len(authors) else None
            if current == s.record_last_name:
                authors[s.position - 1] = replace(authors[s.position - 1], family=s.last_name)
                detail = f"{s.record_last_name} -> {s.last_name} (record spelt without diacritics)"
                rows.append(Gap(list_name, ref.key, s.pmid, field, "corrected", detail, source))
            elif current != s.last_name:
                detail = f"record has {current!r}, correction expects {s.record_last_name!r}"
                rows.append(Gap(list_name, ref.key, s.pmid, field, "not_applied", detail, source))
        out.append(replace(ref, authors=tuple(authors)))
    return out, rows
