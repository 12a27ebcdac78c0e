"""Eligibility decisions: one per record, the first failing criterion as the reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spinereview.screening.context import Document, find_hits, read_document
from spinereview.screening.dedup import Duplicate, DuplicateFinder, dedup_keys
from spinereview.screening.protocol import CLASSIFIED, SCREENED, Protocol, TextResult
from spinereview.screening.sources import CuratedStudy, OtherSource, Override, StudyLink

#: Publication type assumed for curated studies that have no PubMed indexing (all are randomised).
CURATED_TYPE = "Randomized Controlled Trial"
#: The publication-type class that passes.
PASSING_TYPE = "randomised"


@dataclass
class Item:
    """A record to screen: a PubMed record or one identified by other methods."""

    record_id: str
    source: str  # "pubmed" or "other"
    pmid: str
    doi: str
    title: str
    year: str
    query_ids: list[str]
    publication_types: list[str]
    mesh: list[str]
    text: str
    curated: list[CuratedStudy] = field(default_factory=list)
    other_method: str = ""


@dataclass(frozen=True)
class Classification:
    """The class of one criterion for one comparison, with its basis and evidence."""

    value: str | None
    basis: str  # curated | text | none
    evidence: str
    disagreement: str = ""
    phrase: str = ""  # the matched phrase (text) or the curated code
    span: tuple[int, int] | None = None  # its sentence, as offsets into the screened text

    @property
    def span_text(self) -> str:
        return f"{self.span[0]}:{self.span[1]}" if self.span else ""


def screened_text(title: str, abstract: str, keywords: Sequence[str]) -> str:
    """The text the rules read: title, abstract, then the keywords as a labelled last line.

    Evidence offsets in decisions.csv point into this text.
    """
    text = " ".join(filter(None, [title, abstract]))
    return f"{text}\nKeywords: {'; '.join(keywords)}" if keywords else text


def document_of(item: Item, protocol: Protocol) -> Document:
    """The item's text split into sentences with roles (the title is the first sentence)."""
    title_end = len(item.title) if item.title and item.text.startswith(item.title) else 0
    return read_document(item.text, title_end, protocol.context)


def items_from_records(
    rows: Sequence[Mapping[str, Any]], curated: Sequence[CuratedStudy], with_text: bool = True
) -> list[Item]:
    """Turn records-table rows into screening items, attaching curated rows with the same PMID.

    ``with_text=False`` leaves the text empty, for items whose classes are already known (a
    per-shard job classified them): the decisions never read the text again.
    """
    by_pmid: dict[str, list[CuratedStudy]] = {}
    for study in curated:
        if study.pmid:
            by_pmid.setdefault(study.pmid, []).append(study)
    items = []
    for row in rows:
        text = (
            screened_text(row["title"], row["abstract"] or "", row["keywords"]) if with_text else ""
        )
        items.append(
            Item(
                record_id=f"pmid:{row['pmid']}",
                source="pubmed",
                pmid=row["pmid"],
                doi=row["doi"] or "",
                title=row["title"],
                year=str(row["year"] or ""),
                query_ids=list(row["query_ids"]),
                publication_types=list(row["publication_types"]),
                mesh=[m["descriptor"] for m in row["mesh"]],
                text=text,
                curated=by_pmid.get(row["pmid"], []),
            )
        )
    return items


def items_from_other(others: Sequence[OtherSource], curated: Sequence[CuratedStudy]) -> list[Item]:
    """Records identified by other methods; their bibliographic facts come from the curated sheet."""
    by_id = {c.publication_id: c for c in curated}
    items = []
    for other in others:
        study = by_id[other.publication_id]
        items.append(
            Item(
                record_id=f"other:{study.publication_id}",
                source="other",
                pmid="",
                doi=study.doi,
                title=study.title,
                year=study.year,
                query_ids=[],
                publication_types=[],
                mesh=[],
                text=study.title,
                curated=[study],
                other_method=other.method,
            )
        )
    return items


def _curated_code(study: CuratedStudy, criterion: str) -> str:
    return {
        "intervention": study.intervention,
        "drug": study.drug,
        "region": "",
        "comparator": study.comparator,
        "population": study.condition,
        "duration": study.chronic,
    }[criterion]


def _classify_curated(study: CuratedStudy, protocol: Protocol, name: str) -> tuple[str, str] | None:
    criterion = protocol.classified[name]
    code = _curated_code(study, name)
    if name == "drug":  # the sheet describes the injectate in free text
        found = criterion.classify_text(code) if code else None
        return (found[0], f"curated free text, {found[1]}") if found else None
    if name == "region":  # the sheet has no region column
        return None
    return criterion.classify_curated(code)


def classify(
    item: Item, study: CuratedStudy | None, protocol: Protocol, name: str, doc: Document
) -> Classification:
    """Classify one criterion: the curated sheet wins; the text decides where the sheet cannot.

    A curated class always wins, ``unknown`` included (a passing word in the abstract does not
    override what was read in the paper); where the text says otherwise, the note keeps it visible.
    """
    text_hit: TextResult | None = protocol.classify_document(name, doc, item.mesh)
    cur_hit = _classify_curated(study, protocol, name) if study else None
    if cur_hit:
        note = ""
        if text_hit and text_hit.value != cur_hit[0] and text_hit.phrase:
            note = f"{name}: curated {cur_hit[0]}, text {text_hit.value} ({text_hit.evidence})"
        return Classification(cur_hit[0], "curated", cur_hit[1], note, _curated_code(study, name))
    if text_hit:
        return Classification(
            text_hit.value, "text", text_hit.evidence, phrase=text_hit.phrase, span=text_hit.span
        )
    return Classification(None, "none", "not recognised in the record or the curated sheet")


def check_publication_type(item: Item, protocol: Protocol, doc: Document) -> Classification:
    """The publication-type criterion: value ``randomised`` passes, None is unclear.

    An excluded type, or (when no type says randomised) a text saying non-randomised (read first:
    "a meta-analysis of randomised trials") or a non-randomised type, is positive evidence; a text
    saying randomised holds the record for a human.
    """
    rules = protocol.publication_type
    types = item.publication_types or ([CURATED_TYPE] if item.curated else [])
    shown = ", ".join(types) or "none"
    excluded = sorted(t for t in types if t.casefold() in rules.exclude)
    if excluded:
        detail = f"publication type {', '.join(excluded)}"
        return Classification(excluded[0], "text", detail, phrase=excluded[0])
    if any(t.casefold() in rules.include for t in types):
        return Classification(PASSING_TYPE, "text", shown)
    sentences = [s for s in doc.sentences if s.role in ("arms", "other")]
    for pattern, value in (
        (rules.not_randomised_terms, "not_randomised"),
        (rules.randomised_terms, None),
    ):
        for hit in find_hits(doc, [("", pattern)], sentences, protocol.context):
            sent = hit.sentence
            if sent is not None:
                where = f"term '{hit.phrase}' at {sent.start}:{sent.end}"
                if value is None:
                    return Classification(
                        None, "none", f"publication type {shown}; the text says {where}"
                    )
                return Classification(
                    value,
                    "text",
                    f"publication type {shown}; {where}",
                    phrase=hit.phrase,
                    span=(sent.start, sent.end),
                )
    other = sorted(t for t in types if t.casefold() in rules.not_randomised)
    if other:
        detail = f"publication type {', '.join(other)}, randomisation not stated"
        return Classification("not_randomised", "text", detail, phrase=other[0])
    return Classification(None, "none", f"publication type {shown}, randomisation not stated")


@dataclass
class ComparisonResult:
    """All classified criteria of one comparison, its first failure and first unclear criterion.

    ``failure`` is the first criterion (index, name) with positive evidence against eligibility;
    ``unclear`` the first criterion the record and the sheet leave unclassified.
    """

    publication_id: str
    classes: dict[str, Classification]
    failure: tuple[int, str] | None
    unclear: tuple[int, str] | None = None

    @property
    def passes(self) -> bool:
        return self.failure is None and self.unclear is None


def evaluate_comparisons(
    item: Item, protocol: Protocol, doc: Document | None = None
) -> list[ComparisonResult]:
    """Evaluate the classified criteria for each curated comparison (or the record's text alone)."""
    doc = doc or document_of(item, protocol)
    results = []
    for study in item.curated or [None]:
        classes = {name: classify(item, study, protocol, name, doc) for name in SCREENED}
        failure = unclear = None
        for index, name in enumerate(protocol.criteria):
            if name not in classes:
                continue
            value = classes[name].value
            if value is None:
                unclear = unclear or (index, name)
            elif value not in protocol.classified[name].eligible and failure is None:
                failure = (index, name)
        results.append(
            ComparisonResult(study.publication_id if study else "", classes, failure, unclear)
        )
    return results


def study_id_of(item: Item, links: Mapping[str, StudyLink]) -> str:
    """The study a record reports: the linked trial, else its curated id, else the record id."""
    ids = sorted(
        {
            links[c.publication_id].study_id if c.publication_id in links else c.publication_id
            for c in item.curated
        }
    )
    return "; ".join(ids) if ids else item.record_id


@dataclass(frozen=True)
class Classified:
    """What the rules read in one record: each comparison's classes and the publication type.

    The costly part of screening, and a function of the record, its curated rows and the protocol
    alone; a per-shard job computes it (``classify_item``) and the gathering job decides with it.
    """

    comparisons: list[ComparisonResult]
    publication_type: Classification

    def to_json(self) -> dict[str, Any]:
        return {
            "comparisons": [
                {
                    "publication_id": c.publication_id,
                    "classes": {name: vars(cls) for name, cls in c.classes.items()},
                    "failure": c.failure,
                    "unclear": c.unclear,
                }
                for c in self.comparisons
            ],
            "publication_type": vars(self.publication_type),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Classified:
        def classification(value: Mapping[str, Any]) -> Classification:
            span = value["span"]
            return Classification(**{**value, "span": tuple(span) if span is not None else None})

        def pair(value: Sequence[Any] | None) -> tuple[int, str] | None:
            return (int(value[0]), str(value[1])) if value is not None else None

        return cls(
            [
                ComparisonResult(
                    c["publication_id"],
                    {name: classification(v) for name, v in c["classes"].items()},
                    pair(c["failure"]),
                    pair(c["unclear"]),
                )
                for c in data["comparisons"]
            ],
            classification(data["publication_type"]),
        )


def classify_item(item: Item, protocol: Protocol) -> Classified:
    """The classes of every comparison of ``item`` and its publication type (one read of its text)."""
    doc = document_of(item, protocol)
    return Classified(
        evaluate_comparisons(item, protocol, doc), check_publication_type(item, protocol, doc)
    )


def decide(
    item: Item,
    protocol: Protocol,
    links: Mapping[str, StudyLink],
    override: Override | None,
    classified: Classified | None = None,
) -> dict[str, Any]:
    """The decision row of one (non-duplicate) record.

    Included: every criterion passes for some comparison. Excluded: positive evidence against
    every comparison (the reason is the first such criterion, with its phrase and sentence).
    Otherwise awaiting classification, with the first criterion the rules could not settle.
    ``classified`` is the item's ``classify_item`` when a per-shard job has computed it.
    """
    classified = classified or classify_item(item, protocol)
    comparisons = classified.comparisons
    passing = [c for c in comparisons if c.passes]
    holding = [c for c in comparisons if c.failure is None]
    failed = [c for c in comparisons if c.failure is not None]
    shown = passing or holding or [max(failed, key=lambda c: c.failure[0])]  # type: ignore[index]
    ptype = classified.publication_type
    checks_type = "publication_type" in protocol.criteria
    row = _base_row(item, links, shown)
    if checks_type and ptype.value is not None and ptype.value != PASSING_TYPE:
        _reject(row, "publication_type", ptype, "screening")
    elif passing and (ptype.value == PASSING_TYPE or not checks_type):
        row.update(decision="included", stage="eligibility", reason="", reason_detail="")
    elif holding:
        first = holding[0]
        if checks_type and ptype.value is None:
            name, cls = "publication_type", ptype
        else:
            name = first.unclear[1]  # type: ignore[index]
            cls = first.classes[name]
        row.update(
            decision="awaiting_classification",
            stage="screening" if cls.basis != "curated" else "eligibility",
            reason=name,
            reason_detail=cls.evidence,
        )
    else:
        name = shown[0].failure[1]  # type: ignore[index]
        cls = shown[0].classes[name]
        _reject(row, name, cls, "eligibility" if cls.basis == "curated" else "screening")
    if override is not None:
        rules = f"{row['decision']}" + (f" ({row['reason']})" if row["reason"] else "")
        row.update(
            decision=override.decision,
            stage="eligibility",
            reason="reviewer_override",
            reason_detail=override.reason,
            override_reviewer=override.reviewer,
            rules_decision=rules,
        )
    return row


def _reject(row: dict[str, Any], name: str, cls: Classification, stage: str) -> None:
    detail = (
        cls.evidence if name == "publication_type" else f"{name} class {cls.value} ({cls.evidence})"
    )
    row.update(
        decision="excluded",
        stage=stage,
        reason=name,
        reason_detail=detail,
        evidence_phrase=cls.phrase,
        evidence_span=cls.span_text,
    )


def _base_row(
    item: Item, links: Mapping[str, StudyLink], shown: Sequence[ComparisonResult]
) -> dict[str, Any]:
    def joined(name: str, part: str) -> str:
        return "; ".join(dict.fromkeys(str(getattr(c.classes[name], part) or "") for c in shown))

    row: dict[str, Any] = {
        "record_id": item.record_id,
        "source": item.source,
        "pmid": item.pmid,
        "doi": item.doi,
        "query_ids": "; ".join(item.query_ids),
        "other_method": item.other_method,
        "study_id": study_id_of(item, links),
        "publication_ids": "; ".join(c.publication_id for c in shown if c.publication_id),
        "year": item.year,
        "title": item.title,
    }
    for name in SCREENED:
        row[name] = joined(name, "value")
        row[f"{name}_basis"] = joined(name, "basis")
    notes = [
        c.classes[n].disagreement for c in shown for n in SCREENED if c.classes[n].disagreement
    ]
    row["text_disagreements"] = " | ".join(dict.fromkeys(notes))
    row["evidence_phrase"] = ""
    row["evidence_span"] = ""
    row["override_reviewer"] = ""
    row["rules_decision"] = ""
    return row


def screen_items(
    items: Iterable[Item],
    protocol: Protocol,
    links: Mapping[str, StudyLink],
    overrides: Mapping[str, Override],
    classified: Callable[[str], Classified | None] | None = None,
    last: Sequence[Item] = (),
) -> Iterator[tuple[Item, dict[str, Any], list[ComparisonResult], Duplicate | None]]:
    """``screen`` one item at a time: (item, its decision row, its comparisons, its row of
    ``find_duplicates`` or None), for ``items``, then for ``last``.

    An item is a duplicate of an earlier kept one (``find_duplicates``); nothing of an item of
    ``items`` is kept after it is yielded but its de-duplication keys, so their record ids must be
    unique (a records table's are). ``last`` is de-duplicated as a whole first, as ``screen`` does:
    where a record id is repeated there, every item with it is decided as the last of them that is
    a duplicate. ``classified`` gives an item's ``classify_item`` by record id (computed per
    shard), None where it is classified here.
    """
    finder = DuplicateFinder()

    def check(item: Item) -> Duplicate | None:
        keys = dedup_keys(item.pmid, item.doi, item.title, item.year, protocol.dedup_keys)
        return finder.check(item.record_id, keys)

    for item in items:
        dup = check(item)
        yield item, *_screened(item, dup, protocol, links, overrides, classified), dup
    own = [check(item) for item in last]
    dup_of = {d.record_id: d for d in own if d is not None}
    for item, dup in zip(last, own, strict=True):
        found = dup_of.get(item.record_id)
        yield item, *_screened(item, found, protocol, links, overrides, classified), dup


def _screened(
    item: Item,
    dup: Duplicate | None,
    protocol: Protocol,
    links: Mapping[str, StudyLink],
    overrides: Mapping[str, Override],
    classified: Callable[[str], Classified | None] | None,
) -> tuple[dict[str, Any], list[ComparisonResult]]:
    """The decision row and the comparisons of one item, a duplicate (``dup``) or not."""
    found = classified(item.record_id) if classified is not None else None
    if dup is not None:
        comparisons = found.comparisons if found else evaluate_comparisons(item, protocol)
        row = _base_row(item, links, comparisons)
        row.update(
            decision="duplicate",
            stage="deduplication",
            reason=f"duplicate_{dup.key}",
            reason_detail=f"same {dup.key} as {dup.kept_id}",
        )
        return row, comparisons
    found = found or classify_item(item, protocol)
    row = decide(item, protocol, links, overrides.get(item.record_id), found)
    return row, found.comparisons


def screen(
    items: Sequence[Item],
    protocol: Protocol,
    links: Mapping[str, StudyLink],
    overrides: Mapping[str, Override],
    classified: Mapping[str, Classified] | None = None,
) -> tuple[list[dict[str, Any]], list[Duplicate]]:
    """De-duplicate, then decide every remaining record. Returns (decisions, duplicates).

    ``classified`` maps record ids to their ``classify_item`` (computed per shard); items without
    an entry are classified here.
    """
    lookup = classified.get if classified is not None else None
    screened = list(screen_items((), protocol, links, overrides, lookup, items))
    return [row for _, row, _, _ in screened], [dup for *_, dup in screened if dup is not None]


COMPARISON_COLUMNS = (
    "publication_id",
    "record_id",
    "study_id",
    "comparison_id",
    "record_decision",
    "eligible",
    *CLASSIFIED,
)


def item_comparison_rows(
    item: Item, results: Sequence[ComparisonResult], links: Mapping[str, StudyLink], decision: str
) -> list[dict[str, Any]]:
    """One row per curated publication/comparison of ``item`` (whose record has ``decision``):
    its study, comparison id and classes, in the order of ``results``.

    ``comparison_id`` is the study id, except for the separate comparisons of one publication (link
    role ``comparison``, e.g. the two arms of FACTS against one saline arm), which keep their own id.
    Later stages join effects to studies through this table (sorted by publication id).
    """
    out = []
    for result in results:
        if not result.publication_id:
            continue
        link = links.get(result.publication_id)
        study_id = link.study_id if link else result.publication_id
        comparison_id = result.publication_id if link and link.role == "comparison" else study_id
        out.append(
            {
                "publication_id": result.publication_id,
                "record_id": item.record_id,
                "study_id": study_id,
                "comparison_id": comparison_id,
                "record_decision": decision,
                "eligible": "yes" if result.passes else "no",
                **{name: result.classes[name].value or "" for name in CLASSIFIED},
            }
        )
    return out
