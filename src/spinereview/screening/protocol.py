"""The eligibility protocol from config: ordered term classes, eligible sets and curated mappings."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spinereview.screening.arms import (
    ArmHits,
    NumericDurations,
    arm_segments,
    control_of_segments,
)
from spinereview.screening.context import (
    ContextRules,
    Document,
    Hit,
    Sentence,
    compile_terms,
    find_hits,
)

__all__ = ["CLASSIFIED", "CRITERIA", "SCREENED", "Criterion", "Protocol", "compile_terms"]

CRITERIA = (
    "publication_type",
    "intervention",
    "drug",
    "region",
    "comparator",
    "population",
    "duration",
)
#: Criteria the curated sheet codes (columns of comparisons.csv and included.csv).
CLASSIFIED = ("intervention", "comparator", "population", "duration")
#: Criteria classified for every record (columns of decisions.csv).
SCREENED = ("intervention", "drug", "region", "comparator", "population", "duration")
#: Sentence roles each scope reads (see spinereview.screening.context).
SCOPES = {"arms": ("arms",), "record": ("arms", "other")}
# Between two words of one noun phrase ("radiofrequency denervation of the facet joints") there is
# none of these; they separate the arms ("facet injection versus radiofrequency").
_SEPARATOR = re.compile(
    r"[,;:()]|\b(?:versus|vs|compared|comparing|or|and|with|plus|than|against|after|before"
    r"|during|following|for|in|oder|und|mit|gegenüber|nach|vor|bei|zur|zum)\b",
    re.IGNORECASE,
)
_PHRASE_SPAN = 60  # characters: one noun phrase, not the rest of the sentence


@dataclass(frozen=True)
class TextResult:
    """What the text says about one criterion: class, evidence, phrase and sentence offsets."""

    value: str
    evidence: str
    phrase: str = ""
    span: tuple[int, int] | None = None  # the sentence, into the screened text


def _result(hit: Hit) -> TextResult:
    sent = hit.sentence
    span = (sent.start, sent.end) if sent is not None else None
    where = f" at {span[0]}:{span[1]}" if span else ""
    return TextResult(hit.class_id, f"term '{hit.phrase}'{where}", hit.phrase, span)


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
    """A classified criterion (intervention, drug, region, comparator, population, duration).

    ``scope`` names the sentences read (``arms``: the title and sentences describing the arms;
    ``record``: every sentence but background, exclusion criteria, rescue medication and outcomes).
    ``select`` says which class the hits give: ``first_phrase`` (the first intervention named in the
    first arm sentence that names one; within one noun phrase the class listed first), ``eligible_any``
    (an eligible class wherever it is named, so an extra arm does not decide; else the first listed
    class found), ``order`` (the first listed class found). ``absent`` is the class when nothing is
    found (e.g. ``unknown`` duration); without it the criterion stays unclassified.
    """

    name: str
    eligible: frozenset[str]
    classes: tuple[TermClass, ...]
    curated: Mapping[str, str] = field(default_factory=dict)
    scope: str = "record"
    select: str = "order"
    absent: str | None = None
    numeric: NumericDurations | None = None
    drug_arms: Mapping[str, str] = field(default_factory=dict)
    active_arms: str | None = None
    tested_arm: bool = False

    def classify_text(
        self, text: str, mesh: Sequence[str] = (), *, control: bool = False
    ) -> tuple[str, str] | None:
        """Return (class id, evidence) for the first class whose MeSH or terms match, else None.

        Used on curated free text (``other:...``), which describes one thing only. ``control=True``
        also uses each class's ``control_terms`` (text describing the control arm only).
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

    def classify_document(
        self,
        doc: Document,
        mesh: Sequence[str],
        rules: ContextRules,
        keep: Callable[[Hit], bool] | None = None,
    ) -> TextResult | None:
        """Classify a record's text in context; None when neither text nor MeSH says anything.

        ``keep`` filters the hits of classes outside ``eligible`` (e.g. a drug named only in the
        comparator arm does not describe the tested injection).
        """
        sentences = doc.in_roles(SCOPES[self.scope])
        hits = self.hits(doc, sentences, rules)
        if keep is not None:
            hits = [h for h in hits if h.class_id in self.eligible or keep(h)]
        if self.numeric is not None:
            hits = sorted(hits + self.numeric.hits(doc, sentences, rules), key=lambda h: h.start)
        if hits:
            return self._select(hits, doc)
        mesh_folded = {m.casefold() for m in mesh}
        for term_class in self.classes:
            found = sorted(term_class.mesh & mesh_folded)
            if found:
                return TextResult(term_class.id, f"MeSH {found[0]}", f"MeSH {found[0]}")
        if self.absent is not None:
            return TextResult(self.absent, "not stated in the record")
        return None

    def _rank(self, class_id: str) -> int:
        return next(i for i, c in enumerate(self.classes) if c.id == class_id)

    def _first_listed(self, hits: Sequence[Hit]) -> Hit:
        return min(hits, key=lambda h: (self._rank(h.class_id), h.start))

    def hits(self, doc: Document, sentences: Sequence[Sentence], rules: ContextRules) -> list[Hit]:
        """Every term hit of this criterion's classes in ``sentences``, in text order."""
        return find_hits(doc, [(c.id, c.terms) for c in self.classes], sentences, rules)

    @property
    def ranks(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.classes)}

    def _select(self, hits: Sequence[Hit], doc: Document) -> TextResult:
        if self.select == "first_phrase":
            return _result(self._first_listed(_first_phrase(hits, doc.text)))
        if self.select == "eligible_any":
            # One class per arm (the class listed first), then any eligible arm.
            sentences = list(dict.fromkeys(h.sentence for h in hits if h.sentence is not None))
            winners = []
            for seg in arm_segments(doc, sentences):
                in_arm = [h for h in hits if seg.holds(h)]
                if in_arm:
                    winners.append(self._first_listed(in_arm))
            eligible = [h for h in winners if h.class_id in self.eligible]
            if eligible:
                return _result(self._first_listed(eligible))
            return _result(self._first_listed(winners or hits))
        return _result(self._first_listed(hits))


def _first_phrase(hits: Sequence[Hit], text: str) -> list[Hit]:
    """The hits of the first noun phrase: from the first hit on, in its sentence, until a separator."""
    first = hits[0]
    phrase = [first]
    for hit in hits[1:]:
        previous = phrase[-1]
        if hit.sentence != first.sentence or hit.start - first.start > _PHRASE_SPAN:
            break
        between = text[previous.start + len(previous.phrase) : hit.start]
        if hit.start >= previous.start + len(previous.phrase) and _SEPARATOR.search(between):
            break
        phrase.append(hit)
    return phrase


@dataclass(frozen=True)
class PublicationTypeRules:
    """Publication types and the words that show (non-)randomisation when the types do not."""

    include: frozenset[str]
    exclude: frozenset[str]
    not_randomised: frozenset[str]
    randomised_terms: re.Pattern[str] | None
    not_randomised_terms: re.Pattern[str] | None

    @classmethod
    def from_config(cls, block: Mapping[str, Any]) -> PublicationTypeRules:
        def folded(key: str) -> frozenset[str]:
            return frozenset(t.casefold() for t in block.get(key, []))

        return cls(
            include=folded("include"),
            exclude=folded("exclude"),
            not_randomised=folded("not_randomised"),
            randomised_terms=compile_terms(block.get("randomised_terms", [])),
            not_randomised_terms=compile_terms(block.get("not_randomised_terms", [])),
        )


@dataclass(frozen=True)
class Protocol:
    """The screening protocol: criteria order, publication-type rules, classified criteria."""

    criteria: tuple[str, ...]
    publication_type: PublicationTypeRules
    classified: Mapping[str, Criterion]
    dedup_keys: tuple[str, ...]
    context: ContextRules

    @property
    def include_types(self) -> frozenset[str]:
        return self.publication_type.include

    @property
    def exclude_types(self) -> frozenset[str]:
        return self.publication_type.exclude

    def classify_document(self, name: str, doc: Document, mesh: Sequence[str]) -> TextResult | None:
        """Classify one criterion from a record's text; the comparator reads the arms."""
        criterion = self.classified[name]
        if criterion.tested_arm:
            return criterion.classify_document(
                doc, mesh, self.context, keep=self._in_tested_arm(criterion, doc)
            )
        if name != "comparator" or not (criterion.drug_arms or criterion.active_arms):
            return criterion.classify_document(doc, mesh, self.context)
        sentences = doc.in_roles(SCOPES[criterion.scope])
        hits = ArmHits(
            comparator=criterion.hits(doc, sentences, self.context),
            drug=self.classified["drug"].hits(doc, sentences, self.context),
            intervention=self.classified["intervention"].hits(doc, sentences, self.context),
        )
        found = control_of_segments(
            arm_segments(doc, sentences),
            hits,
            rank=criterion.ranks,
            eligible=criterion.eligible,
            drug_arms=criterion.drug_arms,
            active_arms=criterion.active_arms,
        )
        if found is None:
            return None
        hit, note = found
        result = _result(hit)
        if not note:
            return result
        where = f" at {result.span[0]}:{result.span[1]}" if result.span else ""
        return TextResult(hit.class_id, f"two active arms {note}{where}", hit.phrase, result.span)

    def _in_tested_arm(self, criterion: Criterion, doc: Document) -> Callable[[Hit], bool]:
        """Whether a hit sits in the tested arm: the first arm of its sentence, or an arm that
        names an injection ("randomised to etanercept or saline"; not "steroid versus NSAIDs")."""
        sentences = doc.in_roles(SCOPES[criterion.scope])
        injections = self.classified["intervention"].hits(doc, sentences, self.context)
        segments = arm_segments(doc, sentences)

        def keep(hit: Hit) -> bool:
            for index, seg in enumerate(segments):
                if seg.holds(hit):
                    first = index == 0 or segments[index - 1].sentence != seg.sentence
                    return first or any(seg.holds(h) for h in injections)
            return True

        return keep

    @classmethod
    def from_config(cls, screening: Mapping[str, Any]) -> Protocol:
        classified = {}
        for name in SCREENED:
            block = screening[name]
            classified[name] = Criterion(
                name=name,
                eligible=frozenset(block["eligible"]),
                classes=tuple(TermClass.from_config(c) for c in block["classes"]),
                curated=dict(block.get("curated", {})),
                scope=block.get("scope", "record"),
                select=block.get("select", "order"),
                absent=block.get("absent"),
                numeric=NumericDurations.from_config(block.get("numeric")),
                drug_arms=dict(block.get("drug_arms", {})),
                active_arms=block.get("active_arms"),
                tested_arm=bool(block.get("tested_arm", False)),
            )
        return cls(
            criteria=tuple(screening["criteria"]),
            publication_type=PublicationTypeRules.from_config(screening["publication_type"]),
            classified=classified,
            dedup_keys=tuple(screening["deduplicate"]),
            context=ContextRules.from_config(screening["context"]),
        )
