"""Which files each reviewer notebook reads, for the render_notebook rule's inputs."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spinereview.notebooks import NOTEBOOKS

#: Result files each notebook reads, relative to the results folder ({analysis} = every analysis id).
RESULT_FILES: dict[str, tuple[str, ...]] = {
    "01-search-and-screening": (
        "pubmed/snapshot_verified.json",
        "records.parquet",
        "screening/decisions.csv",
        "screening/duplicates.csv",
        "screening/included.csv",
        "screening/comparisons.csv",
        "screening/prisma.json",
        "screening/to_review.csv",
        "screening/agreement.json",
    ),
    "02-extraction-audit": (
        "pubmed/snapshot_verified.json",
        "records.parquet",
        "screening/included.csv",
        "extraction/effects.parquet",
        "extraction/candidates.csv",
        "extraction/crosscheck.csv",
        "extraction/draft_rows.csv",
    ),
    "03-meta-analysis": (
        "meta/pooled.csv",
        "meta/loo.csv",
        "meta/subgroups.csv",
        "meta/bias.csv",
        "meta/estimators.csv",
        "meta/analyses/{analysis}.json",
    ),
    "04-article-figures-and-references": (
        "meta/pooled.csv",
        "reviews/estimates.csv",
        "evidence/summary_of_findings.csv",
    ),
}

#: Files under reports/ each notebook shows if a rule writes them (glob patterns).
REPORT_PATTERNS: dict[str, tuple[str, ...]] = {
    "01-search-and-screening": ("reports/figures/prisma*.png",),
    "02-extraction-audit": (),
    "03-meta-analysis": ("reports/figures/forest_*.png", "reports/figures/funnel"),
    "04-article-figures-and-references": (
        "reports/figures/*.png",
        "reports/figures/article*.txt",
        "reports/citations/audit.json",
    ),
}


#: Other files each notebook reads, by the name its caller gives them (notebook_inputs ``other``):
#: ``snapshot`` the snapshot's manifest (the ``snapshot_dir`` parameter), ``sheet`` the curated
#: effect sheet (extraction.sheet of the configuration).
OTHER_INPUTS: dict[str, tuple[str, ...]] = {
    "01-search-and-screening": ("snapshot",),
    "02-extraction-audit": ("snapshot", "sheet"),
    "03-meta-analysis": (),
    "04-article-figures-and-references": (),
}


def result_inputs(notebook: str, results_dir: str, analysis_ids: Sequence[str]) -> list[str]:
    """The results files ``notebook`` reads, under ``results_dir``."""
    _known(notebook)
    paths: list[str] = []
    for name in RESULT_FILES[notebook]:
        names = [name.format(analysis=a) for a in analysis_ids] if "{analysis}" in name else [name]
        paths += [f"{results_dir}/{n}" for n in names]
    return paths


def report_inputs(notebook: str, rule_outputs: Iterable[str]) -> list[str]:
    """The figures and audit files ``notebook`` shows that some rule of the workflow writes.

    ``rule_outputs`` are the output paths of every rule; the notebook then runs after the rules that
    write what it shows (a figure no rule writes is reported as missing in the notebook instead).
    Outputs with wildcards are skipped: they name no single file.
    """
    _known(notebook)
    patterns = REPORT_PATTERNS[notebook]
    found = {
        path
        for path in rule_outputs
        if "{" not in path and any(fnmatch.fnmatchcase(path, p) for p in patterns)
    }
    return sorted(found)


def notebook_inputs(
    notebook: str,
    results_dir: str,
    analysis_ids: Sequence[str],
    rule_outputs: Iterable[str],
    other: Mapping[str, str | Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Named inputs of the render_notebook rule: ``results`` and ``reports`` (see above), and those
    of ``other`` (name -> path or paths) that the notebook reads (OTHER_INPUTS)."""
    inputs: dict[str, Any] = {
        "results": result_inputs(notebook, results_dir, analysis_ids),
        "reports": report_inputs(notebook, rule_outputs),
    }
    for name in OTHER_INPUTS[notebook]:
        if other is not None and name in other:
            inputs[name] = other[name]
    return inputs


def _known(notebook: str) -> None:
    if notebook not in NOTEBOOKS:
        raise KeyError(f"unknown notebook {notebook!r}; known: {', '.join(NOTEBOOKS)}")
