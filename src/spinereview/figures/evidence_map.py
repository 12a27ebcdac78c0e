"""The evidence map: every comparison × follow-up window at a glance, coloured by certainty.

Rows are this review's configured analyses (grouped by the article's injection classes) and the
published reviews' drawn estimates; columns are the follow-up windows. A cell shows the estimate and
k; its colour is the GRADE certainty of the summary of findings (own cells) or the certainty the
review reported (hatched, as it is not this review's rating). A cell without data is light grey.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from spinereview.figures import i18n, names
from spinereview.figures.i18n import tr
from spinereview.figures.style import GREY, LIGHT, SIZES, new_figure

NAME = names.EVIDENCE_MAP
#: GRADE colours (as the report's shading); ``None`` = no certainty (no data or not reported).
COLOURS = {
    "high": "#1a9850",
    "moderate": "#a6d96a",
    "low": "#fee08b",
    "very_low": "#f4a582",
    "low_to_moderate": "#fee08b",
}
NO_RATING = "#ffffff"
#: Row labels wrap to the column left of the grid (figure fraction 0.025-0.52 at 7 pt).
LABEL_CHARS = int(0.49 * SIZES["double"] * 72 / (0.56 * 7))


@dataclass(frozen=True)
class Cell:
    """One comparison in one window: text shown and the certainty behind the colour."""

    text: str
    certainty: str = ""
    reported: bool = False  # the review's own certainty, not this review's rating


@dataclass(frozen=True)
class MapRow:
    label: str
    group: str
    cells: Mapping[str, Cell]


def build_rows(
    meta: Mapping[str, Any],
    classes: Sequence[Mapping[str, Any]],
    findings: Sequence[Mapping[str, str]],
    reviews: Sequence[Mapping[str, str]],
    lang: str,
) -> list[MapRow]:
    """Own analyses by class (config order), then each drawn review estimate under its class."""
    by_cell = {(r["analysis"], r["window"]): r for r in findings}
    rows: list[MapRow] = []
    for cls in classes:
        members = set(cls["interventions"])
        title = cls["title"][lang]
        for spec in meta.get("analyses", []):
            if not spec.get("interventions") or not set(spec["interventions"]) <= members:
                continue
            cells = {}
            for window in spec["windows"]:
                r = by_cell.get((spec["id"], window))
                if r is not None and r.get("k") not in ("", "0", None) and r.get("estimate"):
                    text = f"{i18n.num(float(r['estimate']), lang)}\nk = {r['k']}"
                    cells[window] = Cell(text, r.get("certainty", ""))
            rows.append(MapRow(spec["title"][lang], title, cells))
        for r in reviews:
            if r["in_figure"] != "true" or r["article_class"] != cls["id"]:
                continue
            k = f"k = {r['k']}" if r["k"] else tr("map.k_unknown", lang)
            certainty = r["certainty"] if r["certainty"] != "not_reported" else ""
            cell = Cell(f"{i18n.num(float(r['estimate']), lang)}\n{k}", certainty, reported=True)
            rows.append(MapRow(r[f"label_{lang}"], title, {r["window"]: cell}))
    return rows


def draw_map(rows: Sequence[MapRow], windows: Sequence[str], lang: str) -> Figure:
    """The grid: one line per row, one column per window, group titles between."""
    groups: list[str] = []
    for row in rows:
        if row.group not in groups:
            groups.append(row.group)
    lines = len(rows) + len(groups)
    fig = new_figure(SIZES["double"], 1.6 + 0.36 * lines)
    height = 0.36 * lines / fig.get_figheight()
    ax = fig.add_axes((0.53, 1 - 0.55 / fig.get_figheight() - height, 0.46, height))
    ax.set_xlim(0, len(windows))
    ax.set_ylim(lines, 0)
    ax.axis("off")
    for j, window in enumerate(windows):
        ax.text(j + 0.5, -0.15, i18n.window_label(window, lang), ha="center", va="bottom", size=7.5)
    y = 0
    for group in groups:
        ax.text(0.015, y + 0.6, group, transform=_left(ax), ha="left", va="center", weight="bold",
                size=7.5)  # fmt: skip
        y += 1
        for row in (r for r in rows if r.group == group):
            label = "\n".join(textwrap.wrap(row.label, LABEL_CHARS, break_on_hyphens=False))
            ax.text(0.025, y + 0.5, label, transform=_left(ax), ha="left", va="center", size=7,
                    linespacing=1.15)  # fmt: skip
            for j, window in enumerate(windows):
                _cell(ax, j, y, row.cells.get(window), lang)
            y += 1
    fig.text(0.015, 1 - 0.12 / fig.get_figheight(), tr("map.title", lang), ha="left", va="top",
             size=9, weight="bold")  # fmt: skip
    _legend(fig, lang)
    return fig


def _left(ax: Any) -> Any:
    from matplotlib.transforms import blended_transform_factory

    return blended_transform_factory(ax.figure.transFigure, ax.transData)


def _cell(ax: Any, x: int, y: int, cell: Cell | None, lang: str) -> None:
    if cell is None:
        ax.add_patch(Rectangle((x + 0.03, y + 0.06), 0.94, 0.88, facecolor=LIGHT, lw=0, alpha=0.5))
        ax.text(x + 0.5, y + 0.5, "–", ha="center", va="center", size=7, color=GREY)
        return
    colour = COLOURS.get(cell.certainty, NO_RATING)
    ax.add_patch(Rectangle((x + 0.03, y + 0.06), 0.94, 0.88, facecolor=colour, edgecolor=GREY,
                           lw=0.5, hatch="////" if cell.reported else None))  # fmt: skip
    ax.text(x + 0.5, y + 0.5, cell.text, ha="center", va="center", size=7, linespacing=1.1,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85}
            if cell.reported else None)  # fmt: skip


def _legend(fig: Figure, lang: str) -> None:
    handles: list[Any] = [
        Patch(
            facecolor=COLOURS[level], edgecolor=GREY, lw=0.5, label=tr(f"certainty.{level}", lang)
        )
        for level in ("high", "moderate", "low", "very_low")
    ]
    handles += [
        Patch(facecolor=NO_RATING, edgecolor=GREY, lw=0.5, label=tr("map.no_rating", lang)),
        Patch(facecolor=NO_RATING, edgecolor=GREY, lw=0.5, hatch="////",
              label=tr("map.reported", lang)),
        Patch(facecolor=LIGHT, edgecolor="none", alpha=0.5, label=tr("map.no_data", lang)),
    ]  # fmt: skip
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.005), ncol=4,
               frameon=False, fontsize=7, title=tr("map.legend", lang), title_fontsize=7,
               alignment="left")  # fmt: skip
