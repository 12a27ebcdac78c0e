"""CLI subcommands write-citations and audit-references (registered by spinereview.cli)."""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spinereview.citations.model import Reference

log = logging.getLogger("spinereview.citations")
FORMATS = ("md", "html", "bib", "ris", "json")


ARTICLE_TITLES = {"de": "Literatur", "en": "References"}
ARTICLE_LANGUAGES = ("de", "en")


def render(
    refs: Sequence[Reference], title: str, lang: str = "en", notes: bool = True
) -> dict[str, str]:
    """Every format of one reference list, by file extension. With ``notes`` False the working
    notes are left out of every format (the article's own list)."""
    from dataclasses import replace

    from spinereview.citations.bibtex import bibtex
    from spinereview.citations.csljson import csl_json
    from spinereview.citations.ris import ris
    from spinereview.citations.vancouver import html_list, markdown_list

    data = refs if notes else [replace(ref, notes=()) for ref in refs]
    return {
        "md": markdown_list(title, refs, lang, notes),
        "html": html_list(title, refs, lang, notes),
        "bib": bibtex(data),
        "ris": ris(data),
        "json": csl_json(data),
    }


def article_files(refs: Sequence[Reference]) -> dict[str, str]:
    """The article's list, clean (no working notes): 'article.de.md', 'article.de.html',
    'article.en.md', 'article.en.html', and one BibTeX, RIS and CSL-JSON file ('article.bib'...)."""
    files: dict[str, str] = {}
    for lang in ARTICLE_LANGUAGES:
        rendered = render(refs, ARTICLE_TITLES[lang], lang, notes=False)
        files[f"article.{lang}.md"] = rendered.pop("md")
        files[f"article.{lang}.html"] = rendered.pop("html")
        files.update({f"article.{ext}": text for ext, text in rendered.items()})
    return files


def _records(path: Path, *hints: str | Path) -> Mapping[str, Reference]:
    """The records table's References by PMID (``RecordReferences``). The number runs in the
    ``hints`` files (included.csv, references.yaml) are the PMIDs read in one pass; any other
    PMID looked up is read when asked for, so a missing or unreadable hint costs only time."""
    import re

    from spinereview.citations.included import RecordReferences

    wanted: set[str] = set()
    for hint in hints:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            wanted.update(re.findall(r"[0-9]+", Path(hint).read_text(encoding="utf-8")))
    return RecordReferences(path, wanted)


def cmd_write_citations(args: argparse.Namespace) -> None:
    from spinereview.citations.article import citation_entry, load_references
    from spinereview.citations.completeness import COLUMNS, gaps, web_sources_without_access_date
    from spinereview.citations.included import included_references
    from spinereview.citations.spellings import apply_spellings, load_spellings
    from spinereview.io import write_csv_atomic, write_text_atomic

    spellings = load_spellings(args.spellings)
    records = _records(Path(args.records), args.included, args.references)
    included = included_references(
        records, Path(args.included), Path(args.decisions), Path(args.studies), Path(args.records)
    )
    included, fixed = apply_spellings(included, spellings, "included")
    article = [citation_entry(ref, records) for ref in load_references(args.references)]
    article, fixed_article = apply_spellings(article, spellings, "article")
    rows = [*fixed, *gaps("included", included), *fixed_article, *gaps("article", article)]
    out_dir = Path(args.out_dir)
    files = {f"included.{ext}": text for ext, text in render(included, "Included studies").items()}
    files.update(article_files(article))
    for name, text in files.items():
        write_text_atomic(out_dir / name, text)
    write_csv_atomic(out_dir / "missing.csv", [r.row() for r in rows], COLUMNS)
    log.info(
        "%d included reports, %d article references -> %s; %d missing facts (missing.csv)",
        len(included),
        len(article),
        out_dir,
        sum(r.status == "missing" for r in rows),
    )
    if undated := web_sources_without_access_date(article):
        log.warning(
            "article references cited by URL without an access date: %s (fill "
            "resolves_to.accessed in %s)",
            ", ".join(undated),
            args.references,
        )


def _study_decisions(path: Path) -> dict[str, str]:
    """study_id -> 'included'/'excluded' (included wins when a study has several records)."""
    from spinereview.io import iter_table

    out: dict[str, str] = {}
    for row in iter_table(path, ("study_id", "decision")):
        study = row["study_id"].strip()
        if study and out.get(study) != "included":
            out[study] = f"{row['decision'].strip()} in this review"
    return out


def _resolver(args: argparse.Namespace) -> Any:
    if not args.ecitmatch:
        return None
    from spinereview.pubmed.eutils import EutilsClient, EutilsSettings, ecitmatch

    client = EutilsClient(EutilsSettings.from_config(args.eutils))
    return lambda citation: ecitmatch(client, [citation])[0]


def cmd_audit_references(args: argparse.Namespace) -> None:
    from spinereview.citations.article import citation_entry, load_references
    from spinereview.citations.audit import AuditInputs, audit_reference
    from spinereview.citations.audit_report import write_audit
    from spinereview.citations.evidence import POOLED_COLUMNS, REVIEW_COLUMNS, read_rows

    inputs = AuditInputs(
        records=_records(Path(args.records), args.references),
        decisions=_study_decisions(Path(args.decisions)),
        reviews=read_rows(args.reviews, REVIEW_COLUMNS),
        pooled=read_rows(args.pooled, POOLED_COLUMNS),
        resolver=_resolver(args),
    )
    refs = load_references(args.references)
    results = [audit_reference(ref, inputs) for ref in refs]
    notes = {ref.id: citation_entry(ref, inputs.records).notes for ref in refs}
    mode = "live (ECitMatch)" if args.ecitmatch else "offline"
    write_audit(results, Path(args.out_json), Path(args.out_md), mode, notes)
    for r in results:
        flag = (
            "" if r.expected_verdict in (None, r.verdict) else f" (expected {r.expected_verdict})"
        )
        (log.warning if flag else log.info)("%s: %s%s", r.id, r.verdict, flag)


def _json_object(text: str) -> dict[str, Any]:
    from spinereview.cli import _json_object as parse

    return parse(text)


def register(sub: Any) -> None:
    """Add write-citations and audit-references to the CLI's subparsers."""
    p = sub.add_parser(
        "write-citations",
        help="included studies and article references: Vancouver (md, html), BibTeX, RIS, CSL-JSON",
    )
    p.add_argument("--records", default="results/records.parquet")
    p.add_argument("--included", default="results/screening/included.csv")
    p.add_argument("--decisions", default="results/screening/decisions.csv")
    p.add_argument(
        "--studies",
        default="data/evidence/studies.csv",
        help="bibliographic facts of records without a PMID",
    )
    p.add_argument("--references", default="data/article/references.yaml")
    p.add_argument(
        "--spellings",
        default="data/article/author_spellings.csv",
        help="sourced corrections of author names whose record lost its diacritics",
    )
    p.add_argument("--out-dir", default="reports/citations")
    p.set_defaults(func=cmd_write_citations)

    p = sub.add_parser("audit-references", help="check the article's references: year, ID, claim")
    p.add_argument("--references", default="data/article/references.yaml")
    p.add_argument("--records", default="results/records.parquet")
    p.add_argument("--decisions", default="results/screening/decisions.csv")
    p.add_argument("--pooled", default="results/meta/pooled.csv")
    p.add_argument("--reviews", default="data/evidence/reviews_pooled.csv")
    p.add_argument("--out-json", default="reports/citations/audit.json")
    p.add_argument("--out-md", default="reports/citations/audit.md")
    p.add_argument(
        "--ecitmatch",
        action="store_true",
        help="live mode: resolve citations without identifiers with NCBI ECitMatch",
    )
    p.add_argument(
        "--eutils",
        type=_json_object,
        default=None,
        help="JSON of search.eutils for --ecitmatch (no API key: set NCBI_API_KEY)",
    )
    p.set_defaults(func=cmd_audit_references)
