"""Subcommands of the screening stage's human review, registered into the package's CLI."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger("spinereview.screening")


def _human_review(args: argparse.Namespace) -> dict:
    from spinereview.config import load_config

    return load_config(args.config)["screening"]["human_review"]


def cmd_write_review_sheet(args: argparse.Namespace) -> None:
    from spinereview.screening.review import write_review_sheet

    settings = _human_review(args) if None in (args.sample_excluded, args.seed) else {}
    sample = settings["sample_excluded"] if args.sample_excluded is None else args.sample_excluded
    seed = settings["seed"] if args.seed is None else args.seed
    rows = write_review_sheet(Path(args.decisions), Path(args.out), sample, seed)
    log.info("%d record(s) to review -> %s", len(rows), args.out)


def cmd_measure_agreement(args: argparse.Namespace) -> None:
    from spinereview.screening.review import measure_agreement

    sheet = args.sheet if args.sheet is not None else _human_review(args)["sheet"]
    summary = measure_agreement(Path(args.decisions), Path(args.to_review), sheet, Path(args.out))
    if summary["status"] == "reviewed":
        binary = summary["binary"]
        log.info(
            "%s; kappa (binary) %s, n %d -> %s",
            summary["message"],
            binary["kappa"] if binary["kappa"] is not None else "undefined",
            binary["n"],
            args.out,
        )
    else:
        log.info("%s -> %s", summary["message"], args.out)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``write-review-sheet`` and ``measure-agreement`` to the spinereview command line."""
    p = sub.add_parser("write-review-sheet", help="the human reviewer's screening sheet")
    p.add_argument("--config", default="config/config.yaml")
    p.add_argument("--decisions", default="results/screening/decisions.csv")
    p.add_argument(
        "--sample-excluded",
        type=int,
        default=None,
        help="text-decided exclusions to sample (default: screening.human_review.sample_excluded)",
    )
    p.add_argument("--seed", type=int, default=None, help="default: screening.human_review.seed")
    p.add_argument("--out", default="results/screening/to_review.csv")
    p.set_defaults(func=cmd_write_review_sheet)

    p = sub.add_parser("measure-agreement", help="Cohen's kappa: the rules vs the human reviewer")
    p.add_argument("--config", default="config/config.yaml")
    p.add_argument("--decisions", default="results/screening/decisions.csv")
    p.add_argument("--to-review", default="results/screening/to_review.csv")
    p.add_argument(
        "--sheet",
        default=None,
        help="the reviewer's filled-in sheet; a missing file means not yet reviewed "
        "(default: screening.human_review.sheet)",
    )
    p.add_argument("--out", default="results/screening/agreement.json")
    p.set_defaults(func=cmd_measure_agreement)
