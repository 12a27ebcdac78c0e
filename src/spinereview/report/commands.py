"""The write-report subcommand."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

log = logging.getLogger("spinereview")


def _run(args: argparse.Namespace) -> None:
    from spinereview.config import load_config
    from spinereview.report.build import write_report
    from spinereview.report.content import ReportInputs

    config = json.loads(args.config_json) if args.config_json else load_config(args.config)
    inputs = ReportInputs(
        config=config,
        manifest=Path(args.manifest),
        verified=Path(args.verified),
        prisma=Path(args.prisma),
        included=Path(args.included),
        decisions=Path(args.decisions),
        effects=Path(args.effects),
        meta_dir=Path(args.meta_dir),
        reviews=Path(args.reviews),
        figures_dir=Path(args.figures_dir),
        citations_dir=Path(args.citations_dir),
        findings=Path(args.findings) if args.findings else None,
        agreement=Path(args.agreement) if args.agreement else None,
        other_sources=Path(args.other_sources) if args.other_sources else None,
        overrides=Path(args.overrides) if args.overrides else None,
        drafts=Path(args.drafts) if args.drafts else None,
    )
    md = Path(args.checklist_md) if args.checklist_md else None
    html = Path(args.checklist_html) if args.checklist_html else None
    write_report(inputs, Path(args.out), md, html)
    log.info("report -> %s", args.out)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``write-report`` to the spinereview command line."""
    p = sub.add_parser("write-report", help="the self-contained HTML report")
    p.add_argument("--config", default="config/config.yaml")
    p.add_argument("--config-json", default=None, help="the merged config as JSON (Snakemake)")
    p.add_argument("--manifest", default="data/pubmed/snapshot/manifest.json")
    p.add_argument("--verified", default="results/pubmed/snapshot_verified.json")
    p.add_argument("--prisma", default="results/screening/prisma.json")
    p.add_argument("--included", default="results/screening/included.csv")
    p.add_argument("--decisions", default="results/screening/decisions.csv")
    p.add_argument("--effects", default="results/extraction/effects.parquet")
    p.add_argument("--meta-dir", default="results/meta")
    p.add_argument("--reviews", default="results/reviews/estimates.csv")
    p.add_argument("--findings", default="results/evidence/summary_of_findings.csv")
    p.add_argument("--agreement", default="results/screening/agreement.json")
    p.add_argument("--figures-dir", default="reports/figures")
    p.add_argument("--citations-dir", default="reports/citations")
    p.add_argument("--other-sources", default="data/screening/other_sources.csv")
    p.add_argument("--overrides", default="data/screening/overrides.csv")
    p.add_argument("--drafts", default=None, help="results/extraction/draft_rows.csv (optional)")
    p.add_argument("--out", default="reports/report.html")
    p.add_argument("--checklist-md", default="reports/prisma_checklist.md")
    p.add_argument("--checklist-html", default="reports/prisma_checklist.html")
    p.set_defaults(func=_run)
