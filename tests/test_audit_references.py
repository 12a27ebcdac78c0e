"""Reference audit: computed verdicts for the article's references and for every rule path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from spinereview.citations.article import check_reference, load_references
from spinereview.citations.audit import AuditInputs, Check, audit_reference, verdict_of
from spinereview.citations.citeparse import parse_citation
from spinereview.citations.evidence import (
    REVIEW_COLUMNS,
    not_pooled_markers,
    pooled_rows,
    read_rows,
    review_rows,
)
from spinereview.citations.model import Reference
from spinereview.errors import InputError
from spinereview.pubmed.eutils import Citation, CitationMatch

REPO = Path(__file__).resolve().parents[1]
REFERENCES = REPO / "data" / "article" / "references.yaml"
REVIEWS = read_rows(REPO / "data" / "evidence" / "reviews_pooled.csv", REVIEW_COLUMNS)
RECORD = Reference(
    key="pmid9171065",
    kind="article",
    title="Epidural corticosteroid injections",
    year=1997,
    pmid="9171065",
    doi="10.1056/NEJM199706053362303",
)
SPINE = Reference(key="pmid19127161", kind="systematic_review", year=2009, pmid="19127161")
INPUTS = AuditInputs(
    records={"9171065": RECORD, "19127161": SPINE},
    decisions={"Carette1991": "included in this review"},
    reviews=REVIEWS,
)


def snapshot_results() -> dict[str, Any]:
    return {r.id: audit_reference(r, INPUTS) for r in load_references(REFERENCES)}


def messages(result) -> list[str]:
    return [c.message for c in result.checks if c.severity != "info"]


# --- the article's three references ---------------------------------------------------------


def test_computed_verdicts_equal_the_collectors_expected_verdicts() -> None:
    results = snapshot_results()
    assert {k: r.verdict for k, r in results.items()} == {
        "nice-ng59": "partial",
        "cochrane-cd001824": "mismatch",
        "daeb-2020": "unresolved",
    }
    for ref in load_references(REFERENCES):
        assert results[ref.id].verdict == ref.expected_verdict


def test_verdicts_do_not_read_the_expected_verdict(tmp_path: Path) -> None:
    text = REFERENCES.read_text(encoding="utf-8").replace(
        "expected_verdict: mismatch", "expected_verdict: match"
    )
    altered = tmp_path / "references.yaml"
    altered.write_text(text, encoding="utf-8")
    results = {r.id: audit_reference(r, INPUTS) for r in load_references(altered)}
    assert results["cochrane-cd001824"].verdict == "mismatch"
    assert results["cochrane-cd001824"].expected_verdict == "match"


def test_nice_is_partial_for_missing_date_scope_and_omitted_exceptions() -> None:
    result = snapshot_results()["nice-ng59"]
    assert result.resolved == {"kind": "guideline", "id": "NG59"}
    assert [c.code for c in result.checks if c.severity == "minor"] == [
        "year_missing",
        "scope_population",
        "exceptions_omitted",
    ]
    assert "core message agrees: recommends against" in [c.message for c in result.checks]
    assert any("radiofrequency denervation" in m for m in messages(result))


def test_cochrane_is_a_mismatch_for_years_version_and_no_pooling() -> None:
    result = snapshot_results()["cochrane-cd001824"]
    found = messages(result)
    assert "cited year 2015 and label year 2021 disagree" in found
    assert "no version of CD001824 dated 2015 or 2021; known versions 1999, 2008" in found
    assert any(m.startswith("CD001824 did not pool data (reviews_pooled.csv line ") for m in found)
    assert any(
        m.startswith("only 1 trial (97 participants) compared facet-joint injection")
        and "Carette1991 (included in this review)" in m
        for m in found
    )
    assert "journal version Spine (Phila Pa 1976) 2009, PMID 19127161 (in the records table)" in [
        c.message for c in result.checks
    ]


def test_aerzteblatt_is_unresolved_because_truncated() -> None:
    result = snapshot_results()["daeb-2020"]
    assert "citation truncated: no closing parenthesis, no pages" in messages(result)
    assert [c.code for c in result.checks if c.severity == "blocking"] == ["not_resolved"]
    assert "ECitMatch not queried (offline)" in [c.message for c in result.checks]
    context = [c.message for c in result.context]
    assert any(m.startswith("Pinto2012_AnnInternMed: leg_pain") for m in context)
    assert any("radicular pain (sciatica)" in m for m in context)


# --- citation parsing ------------------------------------------------------------------------


def test_parse_citation_separates_label_year_from_citation_year() -> None:
    parsed = parse_citation(
        "Cochrane Review 2021 ... Cochrane Database Syst Rev. 2015;(9):CD001824."
    )
    assert (parsed.citation_year, parsed.label_years, parsed.journal) == (
        2015,
        (2021,),
        "Cochrane Database Syst Rev",
    )
    assert (parsed.issue, parsed.pages, parsed.cd_numbers, parsed.truncation) == (
        "9",
        "CD001824",
        ("CD001824",),
        (),
    )


@pytest.mark.parametrize(
    ("text", "truncation"),
    [
        ("Deutsches Ärzteblatt (2020) ... DÄ 2020; 117(17", ("no closing parenthesis", "no pages")),
        ("Dtsch Arztebl Int. 2020;117(17):", ("no pages", "ends on a separator")),
        ("Dtsch Arztebl Int. 2020;117(17):289-96.", ()),
        ("NICE-Leitlinie UK (NG59)", ()),
    ],
)
def test_parse_citation_detects_truncation(text: str, truncation: tuple[str, ...]) -> None:
    assert parse_citation(text).truncation == truncation


def test_parse_citation_reads_identifiers() -> None:
    parsed = parse_citation(
        "Carette S, et al. N Engl J Med. 1997;336(23):1634-40. "
        "doi:10.1056/NEJM199706053362303. PMID: 9171065. See NG59 and CD001824."
    )
    assert parsed.dois == ("10.1056/NEJM199706053362303",) and parsed.pmids == ("9171065",)
    assert (parsed.journal, parsed.volume, parsed.first_page) == ("N Engl J Med", "336", "1634")
    assert parsed.guideline_numbers == ("NG59",) and parsed.cd_numbers == ("CD001824",)


# --- evidence tables ----------------------------------------------------------------------------


def test_pooling_is_read_from_reviews_pooled() -> None:
    staal = review_rows(
        REVIEWS,
        {
            "kind": "systematic_review",
            "review_id": "CD001824",
            "journal_version": {"pmid": "19127161"},
        },
    )
    assert {r.value("review_id").split()[0] for r in staal} == {
        "Staal2008_CD001824",
        "Nelemans1999_CD001824",
    }
    assert pooled_rows(staal) == []
    assert [r.value("measure") for r in not_pooled_markers(staal)] == [
        "count (no meta-analysis)",
        "none pooled",
    ]
    pinto = [r for r in REVIEWS if r.value("review_id").startswith("Pinto2012")]
    assert [r.value("outcome") for r in pooled_rows(pinto)] == [
        "leg_pain",
        "disability",
        "back_pain",
    ]


# --- hand-written references: every verdict path -----------------------------------------------

GUIDELINE = {
    "id": "g",
    "cited_as": "NICE guideline NG59 (2016)",
    "claim": {
        "text": "t",
        "type": "recommendation",
        "finding": "recommend_against",
        "intervention": "spinal_injections",
        "population": "low_back_pain_without_sciatica",
    },
    "resolves_to": {
        "kind": "guideline",
        "number": "NG59",
        "title": "Low back pain",
        "published": "2016-11-30",
        "last_updated": "2020-12-11",
        "findings": [
            {
                "type": "recommendation",
                "finding": "recommend_against",
                "intervention": "spinal_injections",
                "population": "low_back_pain_without_sciatica",
            }
        ],
    },
}
ARTICLE = {
    "id": "a",
    "cited_as": "Carette S, et al. N Engl J Med. 1997;336(23):1634-40. PMID: 9171065.",
    "claim": {
        "text": "t",
        "type": "effect",
        "finding": "short_term_effect_only",
        "intervention": "epidural_corticosteroid_injection",
    },
    "resolves_to": {
        "kind": "article",
        "pmid": "9171065",
        "findings": [
            {
                "type": "effect",
                "finding": "no_long_term_effect",
                "intervention": "epidural_corticosteroid_injection",
            }
        ],
    },
}
REVIEW = {
    "id": "r",
    "cited_as": "Staal JB, et al. Cochrane Database Syst Rev. 2008;(3):CD001824.",
    "claim": {
        "text": "t",
        "type": "recommendation",
        "finding": "inconclusive",
        "intervention": "any_injection",
    },
    "resolves_to": {
        "kind": "systematic_review",
        "review_id": "CD001824",
        "title": "Injection therapy",
        "versions": [{"year": 1999}, {"year": 2008, "issue": 3}],
        "findings": [
            {"type": "synthesis", "finding": "inconclusive", "intervention": "any_injection"}
        ],
    },
}
UNRESOLVED = {
    "id": "u",
    "cited_as": "Dtsch Arztebl Int. 2020;117(17):289-96.",
    "claim": {
        "text": "t",
        "type": "effect",
        "finding": "short_term_effect_only",
        "intervention": "epidural_corticosteroid_injection",
    },
    "resolves_to": {"kind": "unresolved"},
}


def audit(entry: dict, changes: dict | None = None, inputs: AuditInputs = INPUTS):
    entry = copy.deepcopy(entry)
    for path, value in (changes or {}).items():
        target = entry
        *parents, last = path.split(".")
        for name in parents:
            target = target[name]
        target[last] = value
    return audit_reference(check_reference(Path("test.yaml"), 1, entry), inputs)


@pytest.mark.parametrize(
    ("entry", "changes", "verdict", "code"),
    [
        (GUIDELINE, {}, "match", None),
        (ARTICLE, {}, "match", None),
        (REVIEW, {}, "match", None),
        (GUIDELINE, {"cited_as": "NICE guideline NG59"}, "partial", "year_missing"),
        (GUIDELINE, {"cited_as": "NICE guideline (2016)"}, "partial", "id_missing"),
        (GUIDELINE, {"claim.population": "chronic_low_back_pain"}, "partial", "scope_population"),
        (
            REVIEW,
            {"cited_as": "Cochrane Database Syst Rev. 2008;(3"},
            "partial",
            "citation_truncated",
        ),
        (
            REVIEW,
            {"cited_as": "Cochrane Database Syst Rev. 2008;(9):CD001824."},
            "partial",
            "issue_mismatch",
        ),
        (REVIEW, {"claim.intervention": "facet_joint_injection"}, "partial", "scope_intervention"),
        (GUIDELINE, {"cited_as": "NICE guideline NG60 (2016)"}, "mismatch", "id_mismatch"),
        (GUIDELINE, {"cited_as": "NICE guideline NG59 (2019)"}, "mismatch", "year_mismatch"),
        (GUIDELINE, {"claim.finding": "recommend_for"}, "mismatch", "finding_mismatch"),
        (
            ARTICLE,
            {"cited_as": "N Engl J Med. 1998;336(23):1634-40. PMID: 9171065."},
            "mismatch",
            "year_mismatch",
        ),
        (
            ARTICLE,
            {"cited_as": "N Engl J Med. 1997;336:1634. doi:10.1056/OTHER PMID: 9171065"},
            "mismatch",
            "doi_mismatch",
        ),
        (
            ARTICLE,
            {"claim.intervention": "radiofrequency_denervation"},
            "mismatch",
            "intervention_mismatch",
        ),
        (
            REVIEW,
            {"cited_as": "Cochrane Review 2021 ... Cochrane Database Syst Rev. 2008;(3):CD001824."},
            "mismatch",
            "years_disagree",
        ),
        (UNRESOLVED, {}, "unresolved", "not_resolved"),
    ],
)
def test_every_verdict_path(entry: dict, changes: dict, verdict: str, code: str | None) -> None:
    result = audit(entry, changes)
    assert result.verdict == verdict, [(c.severity, c.message) for c in result.checks]
    if code is None:
        assert messages(result) == []
    else:
        assert code in [c.code for c in result.checks if c.severity != "info"]


def test_article_not_in_records_is_partial_not_invented() -> None:
    result = audit(
        ARTICLE, {"resolves_to.pmid": "1234567", "cited_as": "N Engl J Med. 1997;336:1-2."}
    )
    assert result.verdict == "partial"
    assert (
        "PMID 1234567 is not in the records table; compared with the reference file only"
        in messages(result)
    )


def test_effect_claim_on_a_review_that_pooled_nothing_is_a_mismatch() -> None:
    changes = {
        "claim.type": "effect",
        "claim.finding": "inconclusive",
        "resolves_to.journal_version": {"pmid": "19127161"},
    }
    result = audit(REVIEW, changes)
    assert result.verdict == "mismatch"
    assert [c.code for c in result.checks if c.severity == "major"] == ["not_pooled"]


def test_resolver_hook_resolves_an_unidentified_citation_to_a_record() -> None:
    asked: list[Citation] = []

    def resolver(citation: Citation) -> CitationMatch:
        asked.append(citation)
        return CitationMatch(citation.key, "9171065", "found", "")

    inputs = AuditInputs(records=INPUTS.records, reviews=REVIEWS, resolver=resolver)
    entry = {**UNRESOLVED, "cited_as": "N Engl J Med. 1997;336(23):1634-40."}
    result = audit(entry, inputs=inputs)
    assert asked == [Citation("N Engl J Med", "1997", "336", "1634", "", "u")]
    assert result.resolved == {"kind": "article", "id": "9171065"}
    assert result.verdict == "match"
    assert "cited year 1997 agrees with the record" in [c.message for c in result.checks]


def test_resolver_not_found_stays_unresolved_and_incomplete_citations_are_not_sent() -> None:
    calls: list[Citation] = []

    def resolver(citation: Citation) -> CitationMatch:
        calls.append(citation)
        return CitationMatch(citation.key, None, "not_found", "NOT_FOUND")

    inputs = AuditInputs(records=INPUTS.records, reviews=REVIEWS, resolver=resolver)
    assert audit(UNRESOLVED, inputs=inputs).verdict == "unresolved" and len(calls) == 1
    truncated = audit(UNRESOLVED, {"cited_as": "DÄ 2020; 117(17"}, inputs=inputs)
    assert truncated.verdict == "unresolved" and len(calls) == 1
    assert "ECitMatch not queried: citation has no first page" in [
        c.message for c in truncated.checks
    ]


def test_verdict_is_the_most_severe_check() -> None:
    def checks(*severities: str) -> list[Check]:
        return [Check("c", s, "m") for s in severities]

    assert verdict_of(checks()) == "match" and verdict_of(checks("info")) == "match"
    assert verdict_of(checks("info", "minor")) == "partial"
    assert verdict_of(checks("minor", "major")) == "mismatch"
    assert verdict_of(checks("major", "blocking", "minor")) == "unresolved"
    with pytest.raises(ValueError):
        Check("c", "fatal", "m")


# --- the reference file ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("finding: no_long_term_effect", "finding: no_benefit", "references[2].claim.finding"),
        ("kind: guideline ", "kind: leaflet ", "references[1].resolves_to.kind"),
        ("expected_verdict: partial", "expected_verdict: maybe", "references[1].expected_verdict"),
        ("id: daeb-2020", "id: nice-ng59", "references[3].id"),
        ('    cited_as: "NICE-Leitlinie UK (NG59)"\n', "", "references[1].cited_as"),
    ],
)
def test_bad_reference_file_names_the_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    text = REFERENCES.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "references.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_references(bad)
    assert info.value.field == field and info.value.path == str(bad)


def test_audit_cli_writes_json_and_markdown_byte_identically(tmp_path: Path) -> None:
    from test_citations_cli import write_inputs

    from spinereview.cli import main

    paths = write_inputs(tmp_path)
    pooled = tmp_path / "pooled.csv"
    pooled.write_text(
        "analysis,run,window,scale,k,estimate,ci_low,ci_high\n"
        "pain_facet_placebo,main,long,pain_0_100,0,,,\n"
        "pain_epidural_placebo,main,short,pain_0_100,1,-1.3,-13.3,10.7\n",
        encoding="utf-8",
    )
    outputs = []
    for run in ("a", "b"):
        args = [
            "audit-references",
            "--references",
            str(REFERENCES),
            "--records",
            str(paths["records.parquet"]),
            "--decisions",
            str(paths["decisions.csv"]),
            "--pooled",
            str(pooled),
            "--reviews",
            str(REPO / "data" / "evidence" / "reviews_pooled.csv"),
            "--out-json",
            str(tmp_path / run / "audit.json"),
            "--out-md",
            str(tmp_path / run / "audit.md"),
        ]
        assert main(args) == 0
        outputs.append([(tmp_path / run / n).read_bytes() for n in ("audit.json", "audit.md")])
    assert outputs[0] == outputs[1]
    data = json.loads(outputs[0][0])
    assert data["mode"] == "offline" and data["summary"] == {
        "match": 0,
        "partial": 1,
        "mismatch": 1,
        "unresolved": 1,
    }
    by_id = {r["id"]: r for r in data["references"]}
    assert all(r["agrees_with_expected"] for r in data["references"])
    assert "CD001824 did not pool data" in " ".join(by_id["cochrane-cd001824"]["reasons"])
    assert (
        "this review, pain_epidural_placebo, short window: k=1, -1.3 (-13.3 to 10.7)"
        in " ".join(c["message"] for c in by_id["daeb-2020"]["context"])
    )
    assert "| 3 | daeb-2020 |" in outputs[0][1].decode("utf-8")


def test_audit_keeps_the_working_notes_the_article_list_leaves_out(tmp_path: Path) -> None:
    from test_citations_cli import write_inputs

    from spinereview.cli import main

    paths = write_inputs(tmp_path)
    pooled = tmp_path / "pooled.csv"
    pooled.write_text("analysis,run,window,scale,k,estimate,ci_low,ci_high\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["audit-references", "--references", str(REFERENCES)]
    args += ["--records", str(paths["records.parquet"]), "--decisions", str(paths["decisions.csv"])]
    args += ["--pooled", str(pooled), "--reviews", str(REPO / "data/evidence/reviews_pooled.csv")]
    args += ["--out-json", str(out / "audit.json"), "--out-md", str(out / "audit.md")]
    assert main(args) == 0
    by_id = {r["id"]: r for r in json.loads((out / "audit.json").read_text())["references"]}
    assert by_id["nice-ng59"]["list_notes"] == ["Cited in the article as: NICE-Leitlinie UK (NG59)"]
    assert by_id["cochrane-cd001824"]["list_notes"][1] == (
        "Journal version: Spine (Phila Pa 1976) 2009; PMID 19127161"
    )
    assert by_id["daeb-2020"]["list_notes"] == [
        "Not resolved: citation truncated (no closing parenthesis, no pages)"
    ]
    md = (out / "audit.md").read_text(encoding="utf-8")
    assert "Notes (not printed in the article's reference list):" in md
    assert "- Cited in the article as: NICE-Leitlinie UK (NG59)" in md
