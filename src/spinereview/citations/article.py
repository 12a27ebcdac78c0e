"""The article's references (data/article/references.yaml): vocabulary, loading, citation entries."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from spinereview.citations.citeparse import parse_citation
from spinereview.citations.model import Author, Reference, parse_author_list
from spinereview.errors import InputError

VERDICTS = ("match", "partial", "mismatch", "unresolved")
RESOLVED_KINDS = ("article", "systematic_review", "guideline", "unresolved")
CLAIM_TYPES = ("recommendation", "effect")
FINDING_TYPES = ("recommendation", "synthesis", "effect")
FINDINGS = {
    "recommend_against": "recommends against",
    "recommend_for": "recommends",
    "no_long_term_effect": "no long-term effect",
    "short_term_effect_only": "short-term effect only",
    "no_effect": "no effect",
    "inconclusive": "no strong evidence for or against",
}


@dataclass(frozen=True)
class Term:
    """A coded intervention, comparator or population: label, broader codes, words that name it in
    free text (reviews_pooled.csv), and the word that names it in an analysis id (pooled.csv)."""

    label: str
    broader: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    analysis_token: str | None = None


INTERVENTIONS = {
    "any_injection": Term("injection therapy of any type", (), ("injection therapy",)),
    "spinal_injections": Term("spinal injections", ("any_injection",), ("spinal injection",)),
    "facet_joint_injection": Term(
        "facet-joint injection",
        ("spinal_injections", "any_injection"),
        ("facet joint", "facet-joint"),
        "facet",
    ),
    "epidural_corticosteroid_injection": Term(
        "epidural corticosteroid injection",
        ("spinal_injections", "any_injection"),
        ("epidural corticosteroid", "epidural steroid"),
        "epidural",
    ),
    "epidural_local_anaesthetic_and_steroid": Term(
        "epidural local anaesthetic with steroid",
        ("spinal_injections", "any_injection"),
        ("epidural local anaesthetic + steroid",),
        "epidural",
    ),
    "radiofrequency_denervation": Term("radiofrequency denervation", (), ("radiofrequency",)),
}
COMPARATORS = {"placebo": Term("placebo or sham", (), ("placebo", "sham"), "placebo")}
POPULATIONS = {
    "chronic_low_back_pain": Term("non-specific chronic low back pain"),
    "low_back_pain_without_sciatica": Term("low back pain without sciatica"),
    "subacute_chronic_low_back_pain": Term("subacute and chronic low back pain"),
    "radicular_pain": Term(
        "radicular pain (sciatica)", (), ("sciatica", "radicular", "radiculopathy")
    ),
    "axial_spine_pain": Term("chronic axial spine pain", (), ("axial",)),
    "spinal_stenosis": Term("spinal stenosis", (), ("stenosis",)),
}


@dataclass(frozen=True)
class ArticleReference:
    """One entry of references.yaml, checked: the citation as printed, the claim it supports (coded),
    what it resolves to (a mapping of facts), and the collector's verdict."""

    id: str
    cited_as: str
    claim: Mapping[str, Any]
    resolves_to: Mapping[str, Any]
    expected_verdict: str | None
    sources: tuple[str, ...]
    index: int  # 1-based position in the file (the article's numbering)


def _check_code(
    path: Path, where: str, value: Any, allowed: Sequence[str] | Mapping[str, Any]
) -> None:
    if value not in allowed:
        raise InputError(path, f"{value!r} is not one of {', '.join(allowed)}", field=where)


def _check_claim(path: Path, where: str, claim: Any) -> None:
    if not isinstance(claim, Mapping):
        raise InputError(path, "claim must be a mapping (text, type, finding, ...)", field=where)
    for name in ("text", "type", "finding", "intervention"):
        if not claim.get(name):
            raise InputError(path, "value is required", field=f"{where}.{name}")
    _check_code(path, f"{where}.type", claim["type"], CLAIM_TYPES)
    _check_code(path, f"{where}.finding", claim["finding"], FINDINGS)
    _check_code(path, f"{where}.intervention", claim["intervention"], INTERVENTIONS)
    if claim.get("comparator") is not None:
        _check_code(path, f"{where}.comparator", claim["comparator"], COMPARATORS)
    if claim.get("population") is not None:
        _check_code(path, f"{where}.population", claim["population"], POPULATIONS)


def _check_resolved(path: Path, where: str, resolved: Any) -> None:
    if not isinstance(resolved, Mapping):
        raise InputError(path, "resolves_to must be a mapping", field=where)
    _check_code(path, f"{where}.kind", resolved.get("kind"), RESOLVED_KINDS)
    for number, finding in enumerate(resolved.get("findings") or [], start=1):
        at = f"{where}.findings[{number}]"
        _check_code(path, f"{at}.type", finding.get("type"), FINDING_TYPES)
        _check_code(path, f"{at}.finding", finding.get("finding"), FINDINGS)
        _check_code(path, f"{at}.intervention", finding.get("intervention"), INTERVENTIONS)
        if finding.get("population") is not None:
            _check_code(path, f"{at}.population", finding["population"], POPULATIONS)
    for number, exception in enumerate(resolved.get("exceptions") or [], start=1):
        _check_code(
            path,
            f"{where}.exceptions[{number}].intervention",
            exception.get("intervention"),
            INTERVENTIONS,
        )
    for name in ("published", "last_updated", "accessed"):
        try:
            as_date(resolved.get(name))
        except ValueError:
            raise InputError(
                path, f"{resolved[name]!r} is not a date (YYYY-MM-DD)", field=f"{where}.{name}"
            ) from None
    published, accessed = as_date(resolved.get("published")), as_date(resolved.get("accessed"))
    if published and accessed and accessed < published:
        raise InputError(
            path, f"accessed {accessed} is before published {published}", field=f"{where}.accessed"
        )
    required = {"guideline": ("number", "title"), "systematic_review": ("review_id", "title")}
    for name in required.get(resolved["kind"], ()):
        if not resolved.get(name):
            raise InputError(path, "value is required", field=f"{where}.{name}")


def check_reference(path: Path, index: int, entry: Any) -> ArticleReference:
    """Validate one entry of ``references`` (1-based ``index``) and return it typed."""
    where = f"references[{index}]"
    if not isinstance(entry, Mapping):
        raise InputError(path, "each reference must be a mapping", field=where)
    for name in ("id", "cited_as", "claim", "resolves_to"):
        if not entry.get(name):
            raise InputError(path, "value is required", field=f"{where}.{name}")
    _check_claim(path, f"{where}.claim", entry["claim"])
    _check_resolved(path, f"{where}.resolves_to", entry["resolves_to"])
    expected = entry.get("expected_verdict")
    if expected is not None:
        _check_code(path, f"{where}.expected_verdict", expected, VERDICTS)
    return ArticleReference(
        id=str(entry["id"]),
        cited_as=str(entry["cited_as"]),
        claim=entry["claim"],
        resolves_to=entry["resolves_to"],
        expected_verdict=expected,
        sources=tuple(entry.get("sources") or ()),
        index=index,
    )


def load_references(path: str | Path) -> list[ArticleReference]:
    """Read and check references.yaml; ids must be unique and usable as citation keys."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(path, f"not valid YAML: {exc}", line=line) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("references"), list):
        raise InputError(path, "expected a mapping with a 'references' list", field="references")
    refs = [check_reference(path, i, e) for i, e in enumerate(data["references"], start=1)]
    seen: set[str] = set()
    for ref in refs:
        if ref.id in seen:
            raise InputError(path, f"duplicate id {ref.id!r}", field=f"references[{ref.index}].id")
        seen.add(ref.id)
    return refs


def as_date(value: Any) -> datetime.date | None:
    """A YAML date (parsed by PyYAML) or an ISO 'YYYY-MM-DD' string; None or '' is no date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _ymd(value: datetime.date | None) -> tuple[int, int, int] | None:
    return (value.year, value.month, value.day) if value else None


def _guideline(ref: ArticleReference) -> Reference:
    """A guideline from its resolved facts; ``accessed`` is the date recorded in references.yaml
    (the day someone checked the URL), never the day of the run."""
    r = ref.resolves_to
    published, updated = as_date(r.get("published")), as_date(r.get("last_updated"))
    publisher = r.get("publisher")
    return Reference(
        key=ref.id,
        kind="guideline",
        title=r["title"],
        number=str(r["number"]),
        authors=(Author(collective=publisher),) if publisher else (),
        publisher=publisher,
        year=published.year if published else None,
        month=published.month if published else None,
        day=published.day if published else None,
        url=r.get("url"),
        updated=_ymd(updated),
        accessed=_ymd(as_date(r.get("accessed"))),
    )


def _review(ref: ArticleReference) -> Reference:
    """The latest version of a (Cochrane) review; its journal version, if any, as a note."""
    r = ref.resolves_to
    versions = sorted(r.get("versions") or [], key=lambda v: v.get("year") or 0)
    latest = versions[-1] if versions else {}
    authors, complete = parse_author_list(str(latest.get("authors") or ""), separator=",")
    notes = []
    if journal_version := r.get("journal_version"):
        bits = [journal_version.get("journal"), journal_version.get("year")]
        text = "Journal version: " + " ".join(str(b) for b in bits if b)
        if journal_version.get("pmid"):
            text += f"; PMID {journal_version['pmid']}"
        notes.append(text)
    return Reference(
        key=ref.id,
        kind="systematic_review",
        title=r["title"],
        authors=authors,
        authors_complete=complete,
        journal_abbrev=r.get("journal"),
        year=latest.get("year"),
        issue=str(latest["issue"]) if latest.get("issue") else None,
        pages=str(r["review_id"]),
        doi=str(latest["doi"]) if latest.get("doi") else None,
        notes=tuple(notes),
    )


def _unresolved(ref: ArticleReference) -> Reference:
    parsed = parse_citation(ref.cited_as)
    notes = ["Not resolved"]
    if parsed.truncation:
        notes[0] += ": citation truncated (" + ", ".join(parsed.truncation) + ")"
    return Reference(
        key=ref.id,
        kind="unresolved",
        cited_as=ref.cited_as,
        year=parsed.citation_year or (parsed.years[0] if parsed.years else None),
        notes=tuple(notes),
    )


def citation_entry(ref: ArticleReference, records: Mapping[str, Reference]) -> Reference:
    """The entry the article's reference list should carry for ``ref``, with how it was cited.

    Guidelines and reviews are written from the resolved facts; an article with a PMID from the
    records table; an unresolved citation as printed, marked as not resolved.
    """
    kind = ref.resolves_to["kind"]
    if kind == "guideline":
        entry = _guideline(ref)
    elif kind == "systematic_review":
        entry = _review(ref)
    elif kind == "article" and str(ref.resolves_to.get("pmid") or "") in records:
        entry = _replace_key(records[str(ref.resolves_to["pmid"])], ref.id)
    else:
        return _unresolved(ref)
    return _with_notes(entry, (f"Cited in the article as: {ref.cited_as}", *entry.notes))


def _replace_key(ref: Reference, key: str) -> Reference:
    from dataclasses import replace

    return replace(ref, key=key)


def _with_notes(ref: Reference, notes: Sequence[str]) -> Reference:
    from dataclasses import replace

    return replace(ref, notes=tuple(notes))
