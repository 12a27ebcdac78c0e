"""Figure file names, importable without matplotlib (Snakemake declares them when it parses).

Every figure file carries its language: ``article_pain_by_window.de.svg``; its alt text and
plain-language caption sit beside it (``article_pain_by_window.alt.de.txt``). One run writes every
language of ``figures.languages``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ARTICLE = "article_pain_by_window"
EVIDENCE_MAP = "evidence_map"
PRISMA = "prisma_flow"
FUNNEL_DIR = "funnel"  # funnel plots where k >= 10, notes.txt and index.json
ROB_DIR = "rob"  # the RoB 2 traffic-light plot when its sheet exists, notes.txt and index.json
ROB_SHEET = "risk_of_bias.csv"  # beside the curated effect sheet
#: The language a reader of the (English) report and notebooks sees when it is drawn.
READER_LANGUAGE = "en"


def forest_name(analysis_id: str) -> str:
    return f"forest_{analysis_id}"


def figure_names(meta: Mapping[str, Any]) -> list[str]:
    """The figures every run draws (without language and extension): a forest plot per analysis,
    the article figure, the evidence map and the PRISMA diagram."""
    return [
        *(forest_name(a["id"]) for a in meta.get("analyses", [])),
        ARTICLE,
        EVIDENCE_MAP,
        PRISMA,
    ]


def figure_file(name: str, language: str, fmt: str) -> str:
    """``article_pain_by_window.de.svg``."""
    return f"{name}.{language}.{fmt}"


def figure_paths(
    folder: str, names: Sequence[str], languages: Sequence[str], formats: Sequence[str]
) -> list[str]:
    """Every language and format of the figures ``names`` in ``folder`` (the rule's outputs)."""
    return [
        f"{folder}/{figure_file(name, lang, fmt)}"
        for name in names
        for lang in languages
        for fmt in formats
    ]


def alt_name(name: str, language: str) -> str:
    """The alt text and plain-language caption of figure ``name``: ``<name>.alt.<language>.txt``."""
    return f"{name}.alt.{language}.txt"


def caption_name(language: str) -> str:
    """The article figure's full (methods) caption."""
    return f"{ARTICLE}.caption.{language}.txt"


def reader_language(languages: Sequence[str]) -> str:
    """The language of the figures the report and notebooks show: English when drawn, else the first."""
    return READER_LANGUAGE if READER_LANGUAGE in languages else languages[0]


def languages_of(figures: Mapping[str, Any]) -> list[str]:
    """The configured ``figures.languages`` as a list."""
    return list(figures["languages"])


def reader_figure(folder: Path, name: str, figures: Mapping[str, Any], fmt: str = "png") -> Path:
    """The file of figure ``name`` in the reader's language (see ``reader_language``)."""
    return folder / figure_file(name, reader_language(languages_of(figures)), fmt)


def read_alt(folder: Path, name: str, language: str) -> tuple[str, str]:
    """(alt text, plain-language caption) written beside figure ``name``; empty when missing."""
    path = folder / alt_name(name, language)
    if not path.is_file():
        return "", ""
    alt, _, caption = path.read_text(encoding="utf-8").strip().partition("\n\n")
    return alt.strip(), caption.strip()
