"""Which figure file the report embeds for its language, and how it marks a figure in another one.

The figure stage names files ``<name>.<lang>.<ext>`` and writes every language of
``figures.languages`` (``spinereview.figures.names``). The report shows the figure in
``report.language`` when it is drawn; otherwise the first drawn language, marked with its ``lang``
and a visible note, never mislabelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spinereview.figures import names
from spinereview.report.html import figure


def figure_file(figures_dir: Path, name: str, lang: str, ext: str = "png") -> Path:
    """The file of figure ``name`` in language ``lang``."""
    return figures_dir / names.figure_file(name, lang, ext)


def report_language(config: Mapping[str, Any]) -> str:
    """Language of the report's figures, captions and alt texts (config report.language)."""
    return str((config.get("report") or {}).get("language") or "en")


def figure_language(config: Mapping[str, Any]) -> str:
    """The drawn language the report shows: report.language when drawn, else the first drawn."""
    want = report_language(config)
    drawn = names.languages_of(config["figures"])
    return want if want in drawn else drawn[0]


def language_figure(
    config: Mapping[str, Any],
    figures_dir: Path,
    name: str,
    alt: Mapping[str, str],
    *,
    caption: bool = False,
) -> str:
    """The figure ``name`` in the report's language (``alt`` per language; the figure stage's
    ``<name>.alt.<lang>.txt`` wins), with the article figure's full caption when ``caption``."""
    want, lang = report_language(config), figure_language(config)
    path = figure_file(figures_dir, name, lang)
    alt_text, _plain = names.read_alt(figures_dir, name, lang)
    text = ""
    if caption:
        cap = figures_dir / f"{name}.caption.{lang}.txt"
        text = cap.read_text(encoding="utf-8").strip() if cap.exists() else ""
    note = ""
    if lang != want:
        note = (
            f'<p class="note">This figure is drawn only in {lang} (figures.languages), not in '
            f"the report's language {want} (report.language).</p>"
        )
    return (
        figure(path, alt_text or alt.get(lang, name), text, lang=lang if lang != "en" else None)
        + note
    )
