"""Which figure file the report embeds for its language, and how it marks a figure in another one.

The figure stage names files ``<name>.<lang>.<ext>``; ``figure_file`` is the one place that knows
this. A run from before that naming has only ``<name>.<ext>``, drawn in ``figures.language``: the
report then embeds that file, marks it with its ``lang`` and says so, never mislabelling it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spinereview.report.html import figure


def figure_file(figures_dir: Path, name: str, lang: str, ext: str = "png") -> Path:
    """The file of figure ``name`` in language ``lang``."""
    return figures_dir / f"{name}.{lang}.{ext}"


def report_language(config: Mapping[str, Any]) -> str:
    """Language of the report's figures, captions and alt texts (config report.language)."""
    return str((config.get("report") or {}).get("language") or "en")


def language_figure(
    config: Mapping[str, Any],
    figures_dir: Path,
    name: str,
    alt: Mapping[str, str],
    *,
    caption: bool = False,
) -> str:
    """The figure ``name`` in the report's language (``alt`` per language; a figure stage's
    ``<name>.alt.<lang>.txt`` wins), with its caption file when ``caption``."""
    want = report_language(config)
    path, lang = figure_file(figures_dir, name, want), want
    if not path.exists():
        path, lang = figures_dir / f"{name}.png", str(config["figures"]["language"])
    alt_file = figures_dir / f"{name}.alt.{lang}.txt"
    alt_text = alt_file.read_text(encoding="utf-8").strip() if alt_file.exists() else alt[lang]
    text = ""
    if caption:
        cap = figures_dir / f"{name}.caption.{lang}.txt"
        text = cap.read_text(encoding="utf-8").strip() if cap.exists() else ""
    note = ""
    if lang != want and path.exists():
        note = (
            '<p class="note">This figure exists only in the language of figures.language '
            f"({lang}), not in report.language ({want}).</p>"
        )
    return figure(path, alt_text, text, lang=lang if lang != "en" else None) + note
