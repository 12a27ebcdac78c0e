"""The eligibility protocol from config: ordered term classes, eligible sets and curated mappings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CRITERIA = ("publication_type", "intervention", "comparator", "population", "duration")
CLASSIFIED = ("intervention", "comparator", "population", "duration")


def compile_terms(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Compile protocol terms into one case-insensitive pattern matched on word boundaries.

    A space or hyphen in a term matches any run of spaces or hyphens ("nerve root" finds "nerve-root");
    a trailing ``*`` matches any word ending ("facet joint*" finds "facet joints").
    """
    parts = []
    for term in terms:
        stem, wildcard = (term[:-1], True) if term.endswith("*") else (term, False)
        words = [re.escape(w) for w in re.split(r"[\s-]+", stem.strip()) if w]
        if not words:
            continue
        body = r"[\s-]+".join(words) + (r"\w*" if wildcard else "")
        parts.append(rf"(?<!\w){body}(?!\w)")
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class TermClass:
    """One class of a classified criterion: recognised by MeSH descriptors or terms."""

    id: str
    terms: re.Pattern[str] | None
    mesh: frozenset[str] = frozenset()
    control_terms: re.Pattern[str] | None = None

    @classmethod
    def from_config(cls, entry: Mapping[str, Any]) -> TermClass:
        return cls(
            id=entry["id"],
            terms=compile_terms(entry.get("terms", [])),
            mesh=frozenset(m.casefold() for m in entry.get("mesh", [])),
            control_terms=compile_terms(entry.get("control_terms", [])),
        )


@dataclass(frozen=True)
class Criterion:
    """A classified criterion (intervention, comparator, population, duration)."""

    name: str
    eligible: frozenset[str]
    classes: tuple[TermClass, ...]
    curated: Mapping[str, str] = field(default_factory=dict)

    def classify_text(
        self, text: str, mesh: Sequence[str] = (), *, control: bool = False
    ) -> tuple[str, str] | None:
        """Return (class id, evidence) for the first class whose MeSH or terms match, else None.

        ``control=True`` also uses each class's ``control_terms`` (text describing the control arm only).
        """
        mesh_folded = {m.casefold() for m in mesh}
        for term_class in self.classes:
            hit = sorted(term_class.mesh & mesh_folded)
            if hit:
                return term_class.id, f"MeSH {hit[0]}"
            for pattern in (term_class.terms, term_class.control_terms if control else None):
                found = pattern.search(text) if pattern is not None and text else None
                if found:
                    return term_class.id, f"term '{found.group(0)}'"
        return None

    def classify_curated(self, code: str) -> tuple[str, str] | None:
        """Map a curated code; ``other:<free text>`` codes are classified from their text."""
        if code in self.curated:
            return self.curated[code], f"curated '{code}'"
        if code.startswith("other:"):
            found = self.classify_text(code[len("other:") :], control=True)
            if found:
                return found[0], f"curated free text, {found[1]}"
            return None
        if code in {c.id for c in self.classes}:
            return code, f"curated '{code}'"
        return None


@dataclass(frozen=True)
class Protocol:
    """The screening protocol: criteria order, publication-type rules, classified criteria."""

    criteria: tuple[str, ...]
    include_types: frozenset[str]
    exclude_types: frozenset[str]
    classified: Mapping[str, Criterion]
    dedup_keys: tuple[str, ...]

    @classmethod
    def from_config(cls, screening: Mapping[str, Any]) -> Protocol:
        classified = {}
        for name in CLASSIFIED:
            block = screening[name]
            classified[name] = Criterion(
                name=name,
                eligible=frozenset(block["eligible"]),
                classes=tuple(TermClass.from_config(c) for c in block["classes"]),
                curated=dict(block.get("curated", {})),
            )
        types = screening["publication_type"]
        return cls(
            criteria=tuple(screening["criteria"]),
            include_types=frozenset(t.casefold() for t in types["include"]),
            exclude_types=frozenset(t.casefold() for t in types["exclude"]),
            classified=classified,
            dedup_keys=tuple(screening["deduplicate"]),
        )
