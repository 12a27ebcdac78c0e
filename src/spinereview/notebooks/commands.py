"""The run-notebook subcommand: execute one reviewer notebook and render it to HTML."""

from __future__ import annotations

import argparse
from pathlib import Path


def _run(args: argparse.Namespace) -> None:
    from spinereview.notebooks.run import parse_parameters, run_notebook

    parameters = parse_parameters(args.parameters) if args.parameters else {}
    timeout = {"timeout": args.timeout} if args.timeout else {}
    run_notebook(
        Path(args.notebook),
        html=Path(args.html),
        ipynb=Path(args.ipynb) if args.ipynb else None,
        parameters=parameters,
        cwd=Path(args.cwd),
        **timeout,
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``run-notebook`` to the spinereview command line."""
    # jupytext, nbclient and nbconvert are imported only when the subcommand runs, so that the
    # other subcommands do not pay for them.
    p = sub.add_parser(
        "run-notebook", help="execute a py:percent notebook in a fresh kernel, render it to HTML"
    )
    p.add_argument(
        "notebook", help="jupytext py:percent file, e.g. notebooks/01-search-and-screening.py"
    )
    p.add_argument("--html", required=True, help="write the rendered notebook here")
    p.add_argument("--ipynb", default=None, help="also write the executed notebook here")
    p.add_argument(
        "--parameters",
        default=None,
        help='JSON object overriding the cell tagged "parameters", e.g. {"results_dir": "results"}',
    )
    p.add_argument("--cwd", default=".", help="working directory of the kernel (repository root)")
    p.add_argument("--timeout", type=int, default=None, help="seconds per cell (default 300)")
    p.set_defaults(func=_run)
