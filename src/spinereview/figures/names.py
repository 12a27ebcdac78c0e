"""Figure file names, importable without matplotlib (Snakemake declares them when it parses)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ARTICLE = "article_pain_by_window"
EVIDENCE_MAP = "evidence_map"
PRISMA = "prisma_flow"
FUNNEL_DIR = "funnel"  # funnel plots where k >= 10, notes.txt and index.json
ROB_DIR = "rob"  # the RoB 2 traffic-light plot when its sheet exists, notes.txt and index.json
ROB_SHEET = "risk_of_bias.csv"  # beside the curated effect sheet


def forest_name(analysis_id: str) -> str:
    return f"forest_{analysis_id}"


def figure_names(meta: Mapping[str, Any]) -> list[str]:
    """The figures every run draws (without extension): a forest plot per analysis, the article
    figure, the evidence map and the PRISMA diagram."""
    return [
        *(forest_name(a["id"]) for a in meta.get("analyses", [])),
        ARTICLE,
        EVIDENCE_MAP,
        PRISMA,
    ]


def caption_name(language: str) -> str:
    return f"{ARTICLE}.caption.{language}.txt"
