"""Eligibility decisions: one per record, the first failing criterion as the reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spinereview.screening.dedup import Duplicate, dedup_keys, find_duplicates
from spinereview.screening.protocol import CLASSIFIED, Protocol
from spinereview.screening.sources import CuratedStudy, OtherSource, Override, StudyLink

#: Publication type assumed for curated studies that have no PubMed indexing (all are randomised).
CURATED_TYPE = "Randomized Controlled Trial"


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


def items_from_records(
    rows: Sequence[Mapping[str, Any]], curated: Sequence[CuratedStudy]
) -> list[Item]:
    """Turn records-table rows into screening items, attaching curated rows with the same PMID."""
    by_pmid: dict[str, list[CuratedStudy]] = {}
    for study in curated:
        if study.pmid:
            by_pmid.setdefault(study.pmid, []).append(study)
    items = []
    for row in rows:
        text = " ".join(filter(None, [row["title"], row["abstract"] or "", *row["keywords"]]))
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
        "comparator": study.comparator,
        "population": study.condition,
        "duration": study.chronic,
    }[criterion]


def classify(
    item: Item, study: CuratedStudy | None, protocol: Protocol, name: str
) -> Classification:
    """Classify one criterion: the curated sheet wins; the text decides where the sheet cannot.

    A curated class of ``unknown`` (e.g. symptom duration not reported on the pages read) is replaced
    by a class the text recognises; any other disagreement is kept as a note, never hidden.
    """
    criterion = protocol.classified[name]
    text_hit = criterion.classify_text(item.text, item.mesh)
    cur_hit = criterion.classify_curated(_curated_code(study, name)) if study else None
    if cur_hit and not (cur_hit[0] == "unknown" and text_hit):
        note = ""
        if text_hit and text_hit[0] != cur_hit[0]:
            note = f"{name}: curated {cur_hit[0]}, text {text_hit[0]} ({text_hit[1]})"
        return Classification(cur_hit[0], "curated", cur_hit[1], note)
    if text_hit:
        return Classification(text_hit[0], "text", text_hit[1])
    return Classification(None, "none", "not recognised in the record or the curated sheet")


def check_publication_type(item: Item, protocol: Protocol) -> tuple[bool, str]:
    """(passes, detail) for the publication-type criterion."""
    types = item.publication_types or ([CURATED_TYPE] if item.curated else [])
    folded = {t.casefold() for t in types}
    excluded = sorted(t for t in types if t.casefold() in protocol.exclude_types)
    if excluded:
        return False, f"publication type {', '.join(excluded)}"
    if not folded & protocol.include_types:
        return False, f"no eligible publication type (has: {', '.join(types) or 'none'})"
    return True, ", ".join(types)


@dataclass
class ComparisonResult:
    """All classified criteria of one comparison and its first failure (index, name) if any."""

    publication_id: str
    classes: dict[str, Classification]
    failure: tuple[int, str] | None


def evaluate_comparisons(item: Item, protocol: Protocol) -> list[ComparisonResult]:
    """Evaluate the classified criteria for each curated comparison (or the record's text alone)."""
    results = []
    for study in item.curated or [None]:
        classes = {name: classify(item, study, protocol, name) for name in CLASSIFIED}
        failure = None
        for index, name in enumerate(protocol.criteria):
            if name in classes and classes[name].value not in protocol.classified[name].eligible:
                failure = (index, name)
                break
        results.append(ComparisonResult(study.publication_id if study else "", classes, failure))
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


def decide(
    item: Item, protocol: Protocol, links: Mapping[str, StudyLink], override: Override | None
) -> dict[str, Any]:
    """The decision row of one (non-duplicate) record."""
    comparisons = evaluate_comparisons(item, protocol)
    passing = [c for c in comparisons if c.failure is None]
    shown = passing or [max(comparisons, key=lambda c: c.failure[0] if c.failure else 99)]
    type_ok, type_detail = check_publication_type(item, protocol)
    row = _base_row(item, links, shown)
    if "publication_type" in protocol.criteria and not type_ok:
        row.update(
            decision="excluded",
            stage="screening",
            reason="publication_type",
            reason_detail=type_detail,
        )
    elif passing:
        row.update(decision="included", stage="eligibility", reason="", reason_detail="")
    else:
        name = shown[0].failure[1]  # type: ignore[index]
        cls = shown[0].classes[name]
        unclear = cls.value is None
        row.update(
            decision="awaiting_classification" if unclear else "excluded",
            stage="eligibility" if cls.basis == "curated" else "screening",
            reason=name,
            reason_detail=cls.evidence if unclear else f"{name} class {cls.value} ({cls.evidence})",
        )
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
    for name in CLASSIFIED:
        row[name] = joined(name, "value")
        row[f"{name}_basis"] = joined(name, "basis")
    notes = [
        c.classes[n].disagreement for c in shown for n in CLASSIFIED if c.classes[n].disagreement
    ]
    row["text_disagreements"] = " | ".join(dict.fromkeys(notes))
    row["override_reviewer"] = ""
    row["rules_decision"] = ""
    return row


def screen(
    items: Sequence[Item],
    protocol: Protocol,
    links: Mapping[str, StudyLink],
    overrides: Mapping[str, Override],
) -> tuple[list[dict[str, Any]], list[Duplicate]]:
    """De-duplicate, then decide every remaining record. Returns (decisions, duplicates)."""
    keyed = [
        (i.record_id, dedup_keys(i.pmid, i.doi, i.title, i.year, protocol.dedup_keys))
        for i in items
    ]
    duplicates = find_duplicates(keyed)
    dup_of = {d.record_id: d for d in duplicates}
    rows = []
    for item in items:
        dup = dup_of.get(item.record_id)
        if dup is not None:
            row = _base_row(item, links, evaluate_comparisons(item, protocol))
            row.update(
                decision="duplicate",
                stage="deduplication",
                reason=f"duplicate_{dup.key}",
                reason_detail=f"same {dup.key} as {dup.kept_id}",
            )
            rows.append(row)
            continue
        rows.append(decide(item, protocol, links, overrides.get(item.record_id)))
    return rows, duplicates


COMPARISON_COLUMNS = (
    "publication_id",
    "record_id",
    "study_id",
    "comparison_id",
    "record_decision",
    "eligible",
    *CLASSIFIED,
)


def comparison_rows(
    items: Sequence[Item],
    protocol: Protocol,
    links: Mapping[str, StudyLink],
    decisions: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """One row per curated publication/comparison: its study, comparison id and classes.

    ``comparison_id`` is the study id, except for the separate comparisons of one publication (link
    role ``comparison``, e.g. the two arms of FACTS against one saline arm), which keep their own id.
    Later stages join effects to studies through this table.
    """
    decision_of = {d["record_id"]: d["decision"] for d in decisions}
    out = []
    for item in items:
        for result in evaluate_comparisons(item, protocol):
            if not result.publication_id:
                continue
            link = links.get(result.publication_id)
            study_id = link.study_id if link else result.publication_id
            comparison_id = (
                result.publication_id if link and link.role == "comparison" else study_id
            )
            out.append(
                {
                    "publication_id": result.publication_id,
                    "record_id": item.record_id,
                    "study_id": study_id,
                    "comparison_id": comparison_id,
                    "record_decision": decision_of[item.record_id],
                    "eligible": "yes" if result.failure is None else "no",
                    **{name: result.classes[name].value or "" for name in CLASSIFIED},
                }
            )
    return sorted(out, key=lambda r: r["publication_id"])
