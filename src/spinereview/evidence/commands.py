"""Subcommands of the evidence stage, registered into the package's CLI."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("spinereview.evidence")


def _config(text: str) -> dict[str, Any]:
    from spinereview.cli import _json_object

    return _json_object(text)


def _load_config(args: argparse.Namespace) -> dict[str, Any]:
    if args.config_json is not None:
        from spinereview.config import check_config

        return check_config(args.config_json, source="--config-json")
    from spinereview.config import load_config

    return load_config(args.config)


def cmd_review_estimates(args: argparse.Namespace) -> None:
    from spinereview.evidence.reviews import ESTIMATE_COLUMNS, Protocol, harmonise
    from spinereview.io import write_csv_atomic

    config = _load_config(args)
    rows = harmonise(args.evidence, args.mapping, Protocol.from_config(config))
    cells = [{c: _cell(r[c]) for c in ESTIMATE_COLUMNS} for r in rows]
    write_csv_atomic(Path(args.out), cells, ESTIMATE_COLUMNS)
    drawn = sum(r["in_figure"] for r in rows)
    kept_out = [r for r in rows if r["kind"] == "estimate" and not r["in_figure"]]
    log.info("%d review rows -> %s (%d drawn on the article figure)", len(rows), args.out, drawn)
    for r in kept_out:
        log.info("  %s %s: not drawn: %s", r["review_row"], r["label_en"], r["figure_reason"])


def cmd_summarise_findings(args: argparse.Namespace) -> None:
    from spinereview.evidence.findings import FINDINGS_COLUMNS, summarise
    from spinereview.io import write_csv_atomic

    config = _load_config(args)
    rows = summarise(
        config,
        Path(args.pooled),
        Path(args.analyses_dir),
        Path(args.effects),
        Path(args.bias),
        Path(args.rob_sheet) if args.rob_sheet else None,
        source="--config-json" if args.config_json is not None else args.config,
    )
    cells = [{c: _cell(r.get(c)) for c in FINDINGS_COLUMNS} for r in rows]
    write_csv_atomic(Path(args.out), cells, FINDINGS_COLUMNS)
    rated = [r for r in rows if r.get("certainty")]
    log.info("%d cells -> %s (%d with a certainty)", len(rows), args.out, len(rated))
    for r in rated:
        log.info("  %s / %s: %s (%s)", r["analysis"], r["window"], r["certainty"],
                 r["downgrades"] or "no downgrade")  # fmt: skip


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add the evidence stage's subcommands."""
    p = sub.add_parser(
        "review-estimates", help="validate and harmonise the published reviews' results"
    )
    p.add_argument("--evidence", default="data/evidence/reviews_pooled.csv")
    p.add_argument("--mapping", default="data/extraction/review_mapping.csv")
    p.add_argument("--config", default="config/config.yaml", help="review protocol (YAML)")
    p.add_argument("--config-json", type=_config, default=None, help="the merged config as JSON")
    p.add_argument("--out", default="results/reviews/estimates.csv")
    p.set_defaults(func=cmd_review_estimates)

    p = sub.add_parser(
        "summarise-findings", help="GRADE certainty for every pooled cell (summary of findings)"
    )
    p.add_argument("--pooled", default="results/meta/pooled.csv")
    p.add_argument("--analyses-dir", default="results/meta/analyses")
    p.add_argument("--effects", default="results/extraction/effects.csv")
    p.add_argument("--bias", default="results/meta/bias.csv")
    p.add_argument(
        "--rob-sheet", default=None, help="RoB 2 sheet (optional; missing = not assessed)"
    )
    p.add_argument("--config", default="config/config.yaml", help="review protocol (YAML)")
    p.add_argument("--config-json", type=_config, default=None, help="the merged config as JSON")
    p.add_argument("--out", default="results/evidence/summary_of_findings.csv")
    p.set_defaults(func=cmd_summarise_findings)
