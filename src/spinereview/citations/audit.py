"""Reference audit rules: resolve each article reference, compare year, ID and claim, give a verdict."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spinereview.citations.article import (
    COMPARATORS,
    FINDINGS,
    INTERVENTIONS,
    POPULATIONS,
    ArticleReference,
    as_date,
)
from spinereview.citations.citeparse import ParsedCitation, parse_citation
from spinereview.citations.evidence import (
    TableRow,
    context_checks,
    not_pooled_markers,
    pooled_rows,
    review_rows,
    rows_about,
)
from spinereview.citations.model import Reference
from spinereview.pubmed.eutils import Citation, CitationMatch

SEVERITIES = ("info", "minor", "major", "blocking")
VERDICT_BY_SEVERITY = {"blocking": "unresolved", "major": "mismatch", "minor": "partial"}
Resolver = Callable[[Citation], CitationMatch]


@dataclass(frozen=True)
class Check:
    """One machine-made finding about a reference. ``severity`` decides the verdict: any
    'blocking' -> unresolved, else any 'major' -> mismatch, else any 'minor' -> partial, else match."""

    code: str
    severity: str
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")


@dataclass(frozen=True)
class AuditInputs:
    """Everything a reference is compared with. ``resolver`` (ECitMatch) is None offline."""

    records: Mapping[str, Reference] = field(default_factory=dict)  # by PMID
    decisions: Mapping[str, str] = field(default_factory=dict)  # study_id -> decision
    reviews: Sequence[TableRow] = ()  # data/evidence/reviews_pooled.csv
    pooled: Sequence[TableRow] = ()  # results/meta/pooled.csv, main run
    resolver: Resolver | None = None


@dataclass(frozen=True)
class AuditResult:
    """The audit of one reference: verdict, the checks behind it, and context (never decisive)."""

    id: str
    cited_as: str
    claim: str
    verdict: str
    expected_verdict: str | None
    resolved: Mapping[str, Any]
    checks: tuple[Check, ...]
    context: tuple[Check, ...]


def verdict_of(checks: Sequence[Check]) -> str:
    """The verdict the most severe check calls for ('match' when nothing is wrong)."""
    for severity in ("blocking", "major", "minor"):
        if any(c.severity == severity for c in checks):
            return VERDICT_BY_SEVERITY[severity]
    return "match"


def _years(years: Sequence[int]) -> str:
    return " or ".join(str(y) for y in sorted(set(years)))


# --- identity ----------------------------------------------------------------------------------


def _identify(cited: Sequence[str], known: str, what: str) -> Check:
    if known in cited:
        return Check("id_match", "info", f"{what} {known} identified by its number in the citation")
    if cited:
        return Check("id_mismatch", "major", f"cited {what} {', '.join(cited)} is not {known}")
    return Check(
        "id_missing",
        "minor",
        f"citation gives no {what} number; resolved by the curator to {known}",
    )


def _journal_version(resolved: Mapping[str, Any], inputs: AuditInputs) -> list[Check]:
    version = resolved.get("journal_version") or {}
    pmid = str(version.get("pmid") or "")
    if not pmid:
        return []
    where = "in the records table" if pmid in inputs.records else "not in the records table"
    label = " ".join(str(version[k]) for k in ("journal", "year") if version.get(k))
    return [Check("journal_version", "info", f"journal version {label}, PMID {pmid} ({where})")]


def _ecitmatch(
    ref: ArticleReference, parsed: ParsedCitation, inputs: AuditInputs
) -> tuple[str | None, Check]:
    """Ask the resolver (ECitMatch, live mode only) for a PMID: (PMID or None, what happened)."""
    if inputs.resolver is None:
        return None, Check("ecitmatch_offline", "info", "ECitMatch not queried (offline)")
    fields = {"journal": parsed.journal, "year": parsed.citation_year,
              "volume": parsed.volume, "first page": parsed.first_page}  # fmt: skip
    missing = [name for name, value in fields.items() if not value]
    if missing:
        message = "ECitMatch not queried: citation has no " + ", ".join(missing)
        return None, Check("ecitmatch_skipped", "info", message)
    query = Citation(
        journal=str(parsed.journal), year=str(parsed.citation_year), volume=str(parsed.volume),
        first_page=str(parsed.first_page), author="", key=ref.id,
    )  # fmt: skip
    match = inputs.resolver(query)
    if match.pmid:
        return match.pmid, Check("ecitmatch_found", "info", f"ECitMatch: PMID {match.pmid}")
    message = f"ECitMatch: {match.status} {match.detail}".strip()
    return None, Check("ecitmatch_" + match.status, "info", message)


def resolve(
    ref: ArticleReference, parsed: ParsedCitation, inputs: AuditInputs
) -> tuple[dict[str, Any], list[Check]]:
    """Identify what ``ref`` cites: guideline and review numbers, PMIDs via the records table,
    ECitMatch (live mode only) for a citation with no identifier."""
    resolved = ref.resolves_to
    kind = resolved["kind"]
    if kind == "guideline":
        number = str(resolved["number"])
        return {"kind": kind, "id": number}, [
            _identify(parsed.guideline_numbers, number, "guideline")
        ]
    if kind == "systematic_review":
        review_id = str(resolved["review_id"])
        checks = [
            _identify(parsed.cd_numbers, review_id, "review"),
            *_journal_version(resolved, inputs),
        ]
        return {"kind": kind, "id": review_id}, checks
    pmid = str(resolved.get("pmid") or "") or next(iter(parsed.pmids), "")
    if kind == "article" and pmid:
        if pmid in inputs.records:
            return {"kind": kind, "id": pmid}, [
                Check("record_found", "info", f"PMID {pmid} found in the records table")
            ]
        return {"kind": kind, "id": pmid}, [
            Check(
                "record_missing",
                "minor",
                f"PMID {pmid} is not in the records table; compared with the reference file only",
            )
        ]
    found, asked = _ecitmatch(ref, parsed, inputs)
    checks = [asked]
    if found and found in inputs.records:
        return {"kind": "article", "id": found}, checks
    detail = "the truncated citation" if parsed.truncation else "the citation"
    checks.append(
        Check(
            "not_resolved",
            "blocking",
            f"{detail} cannot be matched to an article (no PMID, DOI, review or guideline number)",
        )
    )
    for candidate in resolved.get("candidates") or []:
        label = candidate.get("what", "")
        doi = f" (doi:{candidate['doi']})" if candidate.get("doi") else ""
        checks.append(Check("candidate", "info", f"candidate, not confirmed: {label}{doi}"))
    return {"kind": "unresolved", "id": found}, checks


# --- year -------------------------------------------------------------------------------------


def _label_year_checks(parsed: ParsedCitation) -> list[Check]:
    if parsed.citation_year is None:
        return []
    other = sorted({y for y in parsed.label_years if y != parsed.citation_year})
    return [
        Check(
            "years_disagree",
            "major",
            f"cited year {parsed.citation_year} and label year {y} disagree",
        )
        for y in other
    ]


def _guideline_years(parsed: ParsedCitation, resolved: Mapping[str, Any]) -> list[Check]:
    dates = [as_date(resolved.get(k)) for k in ("published", "last_updated")]
    known = {d.year for d in dates if d}
    facts = ", ".join(
        f"{k.replace('_', ' ')} {as_date(resolved[k]).isoformat()}"  # type: ignore[union-attr]
        for k in ("published", "last_updated")
        if resolved.get(k)
    )
    if not parsed.years:
        return [Check("year_missing", "minor", f"citation gives no year or version ({facts})")]
    wrong = sorted(set(parsed.years) - known)
    if wrong:
        return [
            Check(
                "year_mismatch",
                "major",
                f"cited year {_years(wrong)} matches neither publication nor update ({facts})",
            )
        ]
    return [Check("year_match", "info", f"cited year {_years(parsed.years)} agrees ({facts})")]


def _review_years(parsed: ParsedCitation, resolved: Mapping[str, Any]) -> list[Check]:
    versions = resolved.get("versions") or []
    known = sorted({int(v["year"]) for v in versions if v.get("year")})
    review_id = resolved["review_id"]
    if not parsed.years:
        return [Check("year_missing", "minor", f"citation gives no year for {review_id}")]
    wrong = sorted(set(parsed.years) - set(known))
    if wrong:
        return [
            Check(
                "version_missing",
                "major",
                f"no version of {review_id} dated {_years(wrong)}; "
                f"known versions {', '.join(map(str, known)) or 'none'}",
            )
        ]
    checks = [
        Check("version_match", "info", f"version {_years(parsed.years)} of {review_id} exists")
    ]
    cited_issue = parsed.issue
    for version in versions:
        issue = version.get("issue")
        if version.get("year") == parsed.citation_year and cited_issue and issue:
            if str(issue) == cited_issue:
                continue
            message = f"cited issue {cited_issue}, version {version['year']} is issue {issue}"
            checks.append(Check("issue_mismatch", "minor", message))
    return checks


def _record_years(parsed: ParsedCitation, record: Reference | None) -> list[Check]:
    if record is None or record.year is None or not parsed.years:
        return []
    if set(parsed.years) == {record.year}:
        return [Check("year_match", "info", f"cited year {record.year} agrees with the record")]
    return [
        Check(
            "year_mismatch",
            "major",
            f"cited year {_years(parsed.years)}, record year {record.year}",
        )
    ]


def _doi_checks(parsed: ParsedCitation, record: Reference | None) -> list[Check]:
    if record is None or not record.doi or not parsed.dois:
        return []
    if record.doi.lower() in {d.lower() for d in parsed.dois}:
        return [Check("doi_match", "info", f"cited DOI {record.doi} agrees with the record")]
    return [
        Check(
            "doi_mismatch", "major", f"cited DOI {', '.join(parsed.dois)}, record DOI {record.doi}"
        )
    ]


def year_checks(
    parsed: ParsedCitation, resolved: Mapping[str, Any], record: Reference | None
) -> list[Check]:
    """Cited years against each other, and against the guideline dates, review versions or record."""
    checks = _label_year_checks(parsed)
    kind = resolved["kind"]
    if kind == "guideline":
        checks += _guideline_years(parsed, resolved)
    elif kind == "systematic_review":
        checks += _review_years(parsed, resolved)
    else:
        checks += _record_years(parsed, record) + _doi_checks(parsed, record)
    return checks


# --- claim ------------------------------------------------------------------------------------


def _broader(code: str) -> set[str]:
    return set(INTERVENTIONS[code].broader)


def _intervention_check(claim: str, source: str) -> Check | None:
    c_label, s_label = INTERVENTIONS[claim].label, INTERVENTIONS[source].label
    if claim == source:
        return None
    if source in _broader(claim):
        return Check(
            "scope_intervention",
            "minor",
            f"source covers {s_label}, claim concerns {c_label} specifically",
        )
    if claim in _broader(source):
        return Check(
            "scope_intervention", "minor", f"claim concerns {c_label}, source only {s_label}"
        )
    return Check("intervention_mismatch", "major", f"claim concerns {c_label}, source {s_label}")


def _finding_check(claim: str, source: str) -> Check:
    compatible = {frozenset({"no_long_term_effect", "short_term_effect_only"})}
    if claim == source or frozenset({claim, source}) in compatible:
        return Check("finding_agrees", "info", f"core message agrees: {FINDINGS[source]}")
    return Check(
        "finding_mismatch",
        "major",
        f"claim states {FINDINGS[claim]}; source concludes {FINDINGS[source]}",
    )


def _exception_check(claim: Mapping[str, Any], resolved: Mapping[str, Any]) -> list[Check]:
    exceptions = resolved.get("exceptions") or []
    if not exceptions or claim.get("exceptions"):
        return []
    listed = "; ".join(
        f"{INTERVENTIONS[e['intervention']].label} ({e.get('condition', '')})" for e in exceptions
    )
    return [
        Check(
            "exceptions_omitted", "minor", f"claim omits {len(exceptions)} exception(s): {listed}"
        )
    ]


def claim_checks(claim: Mapping[str, Any], resolved: Mapping[str, Any]) -> list[Check]:
    """The claim against the source's coded findings: message, intervention, population, exceptions."""
    findings = resolved.get("findings") or []
    if not findings:
        return []
    finding = next((f for f in findings if f["finding"] == claim["finding"]), findings[0])
    checks = [_finding_check(claim["finding"], finding["finding"])]
    if scope := _intervention_check(claim["intervention"], finding["intervention"]):
        checks.append(scope)
    c_pop, s_pop = claim.get("population"), finding.get("population")
    if c_pop and s_pop and c_pop != s_pop:
        checks.append(
            Check(
                "scope_population",
                "minor",
                f"scope differs: claim concerns "
                f"{POPULATIONS[c_pop].label}, source {POPULATIONS[s_pop].label}",
            )
        )
    return checks + _exception_check(claim, resolved)


def _trials_named(
    resolved: Mapping[str, Any], claim: Mapping[str, Any], inputs: AuditInputs
) -> str:
    for cited in resolved.get("trials_cited") or []:
        if cited.get("intervention") == claim["intervention"] and cited.get(
            "comparator"
        ) == claim.get("comparator"):
            names = [
                f"{s} ({inputs.decisions.get(s, 'not in the screening decisions')})"
                for s in cited.get("studies") or []
            ]
            return "; trial: " + ", ".join(names) if names else ""
    return ""


def _comparison_trials(
    rows: Sequence[TableRow],
    claim: Mapping[str, Any],
    resolved: Mapping[str, Any],
    inputs: AuditInputs,
) -> list[Check]:
    comparator = claim.get("comparator")
    if not comparator:
        return []
    about = rows_about(rows, INTERVENTIONS[claim["intervention"]], COMPARATORS[comparator])
    sized = [r for r in about if r.value("k_studies").isdigit()]
    if not sized:
        return []
    row = max(sized, key=lambda r: int(r.value("k_studies")))
    k, n = int(row.value("k_studies")), row.value("n_participants")
    what = (
        f"{k} trial{'s' if k != 1 else ''}"
        + (f" ({n} participants)" if n else "")
        + f" compared {INTERVENTIONS[claim['intervention']].label} with "
        f"{COMPARATORS[comparator].label} in {resolved['review_id']} "
        f"(reviews_pooled.csv line {row.number + 1})" + _trials_named(resolved, claim, inputs)
    )
    return [
        Check(
            "single_trial" if k == 1 else "trial_count",
            "minor" if k == 1 else "info",
            ("only " if k == 1 else "") + what,
        )
    ]


def pooling_checks(
    claim: Mapping[str, Any], resolved: Mapping[str, Any], inputs: AuditInputs
) -> list[Check]:
    """An effect claim cited to a review needs the review to have pooled data on it."""
    if claim["type"] != "effect" or resolved["kind"] != "systematic_review":
        return []
    review_id = resolved["review_id"]
    rows = review_rows(inputs.reviews, resolved)
    if not rows:
        return [
            Check("pooling_unknown", "info", f"no results of {review_id} in reviews_pooled.csv")
        ]
    checks = _comparison_trials(rows, claim, resolved, inputs)
    if pooled_rows(rows):
        return [Check("pooled", "info", f"{review_id} pooled data"), *checks]
    markers = not_pooled_markers(rows)
    if markers:
        where = ", ".join(f"line {r.number + 1}: '{r.value('measure')}'" for r in markers)
        return [
            Check(
                "not_pooled", "major", f"{review_id} did not pool data (reviews_pooled.csv {where})"
            ),
            *checks,
        ]
    return [
        Check("no_pooled_estimate", "minor", f"no pooled estimate of {review_id} recorded"),
        *checks,
    ]


# --- one reference ----------------------------------------------------------------------------


def truncation_checks(parsed: ParsedCitation) -> list[Check]:
    if not parsed.truncation:
        return []
    return [
        Check("citation_truncated", "minor", "citation truncated: " + ", ".join(parsed.truncation))
    ]


def audit_reference(ref: ArticleReference, inputs: AuditInputs) -> AuditResult:
    """Audit one reference; the verdict follows from the checks alone (see ``verdict_of``)."""
    parsed = parse_citation(ref.cited_as)
    resolved, checks = resolve(ref, parsed, inputs)
    record = (
        inputs.records.get(str(resolved.get("id") or "")) if resolved["kind"] == "article" else None
    )
    # A citation ECitMatch resolved to a record is compared with that record only: the reference
    # file holds no facts about it.
    facts = (
        ref.resolves_to
        if resolved["kind"] != "article" or ref.resolves_to["kind"] == "article"
        else {"kind": "article"}
    )
    checks = truncation_checks(parsed) + checks + year_checks(parsed, facts, record)
    if resolved["kind"] != "unresolved":
        checks += claim_checks(ref.claim, facts) + pooling_checks(ref.claim, facts, inputs)
    context = context_checks(
        ref.claim, inputs.reviews, inputs.pooled, review_rows(inputs.reviews, facts)
    )
    return AuditResult(
        id=ref.id,
        cited_as=ref.cited_as,
        claim=str(ref.claim["text"]),
        verdict=verdict_of(checks),
        expected_verdict=ref.expected_verdict,
        resolved=resolved,
        checks=tuple(checks),
        context=tuple(Check(c[0], "info", c[1]) for c in context),
    )
