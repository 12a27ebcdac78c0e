"""The ``draw-figures`` and ``draw-prisma`` subcommands, registered into the package's CLI."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from spinereview.errors import SpinereviewError


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None


def _block(value: Any, flag: str, kind: type) -> Any:
    if not isinstance(value, kind):
        raise SpinereviewError(f"{flag} must be a JSON {kind.__name__}")
    return value


def cmd_draw_figures(args: argparse.Namespace) -> None:
    import logging

    from spinereview.figures.run import Inputs, draw_figures

    # fontTools reports every font subset it makes for the PDFs at INFO level
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    figures = _block(args.settings, "--settings", dict)
    meta = _block(args.meta_settings, "--meta-settings", dict)
    windows = _block(args.windows, "--windows", list) if args.windows is not None else None
    inputs = Inputs(
        pooled=Path(args.pooled),
        analyses_dir=Path(args.analyses_dir),
        prisma=Path(args.prisma),
        included=Path(args.included) if args.included else None,
        rob_sheet=Path(args.rob_sheet) if args.rob_sheet else None,
        reviews=Path(args.reviews) if args.reviews else None,
        findings=Path(args.findings) if args.findings else None,
    )
    draw_figures(
        inputs,
        figures,
        meta,
        Path(args.out_dir),
        windows,
        jobs=args.jobs,
        prisma_figure=args.prisma_figure,
    )


def cmd_draw_prisma(args: argparse.Namespace) -> None:
    import logging

    from spinereview.figures.run import draw_prisma_figures

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    draw_prisma_figures(
        Path(args.prisma), _block(args.settings, "--settings", dict), Path(args.out_dir)
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``draw-figures`` and ``draw-prisma`` to the CLI's subcommands."""
    p = sub.add_parser("draw-figures", help="forest, article, funnel, PRISMA and RoB figures")
    p.add_argument("--pooled", default="results/meta/pooled.csv")
    p.add_argument("--analyses-dir", default="results/meta/analyses")
    p.add_argument("--prisma", default="results/screening/prisma.json")
    p.add_argument("--included", default=None, help="included.csv (n randomised per study)")
    p.add_argument(
        "--reviews", default=None, help="results/reviews/estimates.csv (published reviews)"
    )
    p.add_argument(
        "--findings", default=None, help="results/evidence/summary_of_findings.csv (certainty)"
    )
    p.add_argument("--rob-sheet", default=None, help="RoB 2 sheet; a missing file gives a note")
    p.add_argument(
        "--settings", type=_json, required=True, help="JSON of the config's figures block"
    )
    p.add_argument("--meta-settings", type=_json, required=True, help="JSON of the meta block")
    p.add_argument(
        "--windows",
        type=_json,
        default=None,
        help="JSON of extraction.windows (bounds in window labels)",
    )
    p.add_argument("--out-dir", default="reports/figures")
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="draw in up to this many processes (languages, funnels, RoB; same files as with 1)",
    )
    p.add_argument(
        "--no-prisma",
        dest="prisma_figure",
        action="store_false",
        help="leave the PRISMA flow diagram to draw-prisma (neither drawn nor removed here)",
    )
    p.set_defaults(func=cmd_draw_figures)
    p = sub.add_parser("draw-prisma", help="the PRISMA 2020 flow diagram in every language")
    p.add_argument("--prisma", default="results/screening/prisma.json")
    p.add_argument(
        "--settings", type=_json, required=True, help="JSON of the config's figures block"
    )
    p.add_argument("--out-dir", default="reports/figures")
    p.set_defaults(func=cmd_draw_prisma)
