"""PRISMA 2020 flow diagram (databases and other methods) drawn from the computed counts."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from spinereview.errors import InputError
from spinereview.figures import names
from spinereview.figures.i18n import tr, tr_or
from spinereview.figures.style import PALETTE, SIZES, new_figure

NAME = names.PRISMA
WIDTH = SIZES["double"]  # inches: two journal columns
FONT = 7.0  # points
LINE = FONT * 1.32 / 72  # inches per text line
PAD = 0.07  # inches inside a box
GAP = 0.24  # inches between rows of boxes
STAGE_W = 0.32  # width of the stage bars on the left
# x of the four box columns: databases main/side, other methods main/side (gaps 0.14, 0.22, 0.14)
BOX_W = (WIDTH - 0.5 - 0.5 - 0.04) / 4
X = (0.5, 0.5 + BOX_W + 0.14, 0.5 + 2 * BOX_W + 0.36, 0.5 + 3 * BOX_W + 0.5)
CHAR_W = 0.55 * FONT / 72  # a generous average glyph width of DejaVu Sans, for wrapping
NBSP = "\u00a0"  # keeps "(n = 12)" on one line
HEADER_H = 0.42
STAGE_FONT = 7.5
COLUMN_KEYS = ("records_identified", "records_screened", "reports_assessed", "reports_excluded")


@dataclass(frozen=True)
class Box:
    """A box of text in one row and column of the diagram (column 0-3; 4 = included, spanning)."""

    row: int
    col: int
    lines: tuple[str, ...]
    centred: bool = True
    min_height: float = 0.0

    def height(self) -> float:
        return max(len(self.lines) * LINE + 2 * PAD, self.min_height)


def _wrap(text: str, indent: bool = False) -> list[str]:
    width = int((BOX_W - 2 * PAD) / CHAR_W)
    lead = "   " if indent else ""
    out: list[str] = []
    text = text.replace("n = ", f"n{NBSP}={NBSP}")
    for part in text.split("\n"):
        out += textwrap.wrap(part, width, initial_indent=lead, subsequent_indent=lead + "  ")
    return out


def _reasons(counts: Mapping[str, int], prefix: str, lang: str) -> list[str]:
    """One indented line per reason, most frequent first (then by id, for stable output)."""
    lines: list[str] = []
    for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        label = tr_or(f"{prefix}.{reason}", lang, reason.replace("_", " "))
        lines += _wrap(tr("prisma.reason", lang, reason=label, n=n), indent=True)
    return lines


def check_prisma(prisma: Any, path: str | Path) -> None:
    """Fail naming the field when prisma.json lacks a count the diagram needs."""
    for section in ("databases", "other_methods", "identification", "included"):
        if not isinstance(prisma, Mapping) or section not in prisma:
            raise InputError(path, "missing section", field=section)
    for column in ("databases", "other_methods"):
        for key in COLUMN_KEYS:
            if key not in prisma[column]:
                raise InputError(path, f"missing count in {column}", field=key)


def _identified(prisma: Mapping[str, Any], lang: str) -> tuple[list[str], list[str]]:
    db = _wrap(tr("prisma.identified_db", lang))
    for name, queries in prisma["identification"]["databases"].items():
        db += _wrap(tr("prisma.database", lang, name=name, n=sum(queries.values())))
        for query, n in queries.items():
            db += _wrap(tr("prisma.query", lang, query=query, n=n), indent=True)
    other = _wrap(tr("prisma.identified_other", lang))
    for source, n in prisma["identification"]["other_methods"].items():
        other += _wrap(tr("prisma.source", lang, name=tr_or(f"source.{source}", lang, source), n=n))
    return db, other


def _removed(column: Mapping[str, Any], lang: str) -> list[str]:
    lines = _wrap(tr("prisma.removed", lang))
    lines += _wrap(tr("prisma.duplicates", lang, n=column.get("duplicates_removed", 0)))
    by_key = {k: v for k, v in column.get("duplicates_by_key", {}).items() if v}
    return lines + _reasons(by_key, "duplicate", lang)


def _column_boxes(column: Mapping[str, Any], c: int, lang: str, full: bool) -> list[Box]:
    """Rows 1-3 of one column; ``full`` adds the record-screening row (always for databases)."""
    boxes = []
    not_retrieved = column.get("reports_not_retrieved_reasons", {})
    if full:
        screened = _wrap(tr("prisma.screened", lang, n=column["records_screened"]))
        withheld = not_retrieved.get("withheld_by_pubmed", 0)
        if withheld:  # PubMed never sent them: nothing to screen, so passed on to retrieval
            screened += _wrap(tr("prisma.screened_withheld", lang, n=withheld))
        boxes.append(Box(1, c, tuple(screened)))
        excluded = _wrap(tr("prisma.records_excluded", lang, n=column.get("records_excluded", 0)))
        excluded += _reasons(column.get("records_excluded_reasons", {}), "reason", lang)
        boxes.append(Box(1, c + 1, tuple(excluded), centred=False))
    sought = column.get("reports_sought", column["reports_assessed"])
    boxes.append(Box(2, c, tuple(_wrap(tr("prisma.sought", lang, n=sought)))))
    missing = _wrap(tr("prisma.not_retrieved", lang, n=column.get("reports_not_retrieved", 0)))
    missing += _reasons(not_retrieved, "not_retrieved", lang)
    boxes.append(Box(2, c + 1, tuple(missing), centred=not not_retrieved))
    assessed = _wrap(tr("prisma.assessed", lang, n=column["reports_assessed"]))
    assessed += _wrap(
        tr("prisma.awaiting", lang, n=column.get("reports_awaiting_classification", 0))
    )
    boxes.append(Box(3, c, tuple(assessed)))
    excluded = _wrap(tr("prisma.reports_excluded", lang, n=column["reports_excluded"]))
    excluded += _reasons(column.get("reports_excluded_reasons", {}), "reason", lang)
    boxes.append(Box(3, c + 1, tuple(excluded), centred=False))
    return boxes


def stage_label_height(key: str, lang: str) -> float:
    """Inches a one-row stage needs so that its rotated label on the left fits."""
    return len(tr(key, lang)) * 0.62 * STAGE_FONT / 72 + 0.2


def build_boxes(prisma: Mapping[str, Any], lang: str) -> list[Box]:
    """Every box of the diagram; the other-methods column follows the PRISMA 2020 template
    (no record screening) unless it has duplicates or excluded records to show."""
    db, other = prisma["databases"], prisma["other_methods"]
    db_ids, other_ids = _identified(prisma, lang)
    label_h = stage_label_height("prisma.stage_identification", lang)
    boxes = [Box(0, 0, tuple(db_ids), False, label_h), Box(0, 1, tuple(_removed(db, lang)), False)]
    boxes.append(Box(0, 2, tuple(other_ids), centred=False))
    other_full = bool(other.get("duplicates_removed") or other.get("records_excluded"))
    if other_full:
        boxes.append(Box(0, 3, tuple(_removed(other, lang)), centred=False))
    boxes += _column_boxes(db, 0, lang, full=True) + _column_boxes(other, 2, lang, other_full)
    included = prisma["included"]
    text = tr("prisma.included", lang, studies=included["studies"], reports=included["reports"])
    split = tr(
        "prisma.included_split",
        lang,
        db=db.get("reports_included", "–"),
        other=other.get("reports_included", "–"),
    )
    label_h = stage_label_height("prisma.stage_included", lang)
    boxes.append(Box(4, 4, (*text.split("\n"), split), min_height=label_h))
    return boxes


def _row_tops(boxes: Sequence[Box], height: float) -> dict[int, tuple[float, float]]:
    """Row → (top y, row height) in inches, rows stacked downwards below the column headers."""
    rows: dict[int, tuple[float, float]] = {}
    y = height - HEADER_H - 0.12
    for row in sorted({b.row for b in boxes}):
        h = max(b.height() for b in boxes if b.row == row)
        rows[row] = (y, h)
        y -= h + GAP
    return rows


def diagram_height(boxes: Sequence[Box]) -> float:
    rows = {b.row for b in boxes}
    heights = sum(max(b.height() for b in boxes if b.row == r) for r in rows)
    return HEADER_H + 0.12 + heights + GAP * (len(rows) - 1) + 0.15


def draw_prisma(prisma: Mapping[str, Any], lang: str) -> Figure:
    """The PRISMA 2020 flow diagram with labels in ``lang``."""
    boxes = build_boxes(prisma, lang)
    height = diagram_height(boxes)
    fig = new_figure(WIDTH, height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    rows = _row_tops(boxes, height)
    places = {(b.row, b.col): _draw_box(ax, b, rows) for b in boxes}
    _headers(ax, height, lang)
    _stages(ax, rows, lang)
    _arrows(ax, places)
    return fig


def _geometry(
    box: Box, rows: Mapping[int, tuple[float, float]]
) -> tuple[float, float, float, float]:
    top, row_h = rows[box.row]
    if box.col == 4:
        return X[0], top - box.height(), X[3] + BOX_W - X[0], box.height()
    h = row_h if box.col in (0, 2) else box.height()  # main boxes of a row share their height
    return X[box.col], top - h, BOX_W, h


def _draw_box(ax: Axes, box: Box, rows: Mapping[int, tuple[float, float]]) -> tuple[float, ...]:
    x, y, w, h = _geometry(box, rows)
    ax.add_patch(Rectangle((x, y), w, h, facecolor="white", edgecolor="black", lw=0.7))
    text = "\n".join(box.lines)
    if box.centred:
        ax.text(
            x + w / 2,
            y + h / 2,
            text,
            ha="center",
            va="center",
            size=FONT,
            multialignment="center",
            linespacing=1.32,
        )
    else:
        ax.text(x + PAD, y + h - PAD, text, ha="left", va="top", size=FONT, linespacing=1.32)
    return x, y, w, h


def _headers(ax: Axes, height: float, lang: str) -> None:
    y = height - HEADER_H
    for key, x0, x1, color in (
        ("prisma.col_db", X[0], X[1] + BOX_W, PALETTE[0]),
        ("prisma.col_other", X[2], X[3] + BOX_W, PALETTE[2]),
    ):
        ax.add_patch(
            FancyBboxPatch(
                (x0, y),
                x1 - x0,
                HEADER_H - 0.08,
                lw=0,
                facecolor=color,
                boxstyle="round,pad=0,rounding_size=0.06",
            )
        )
        chars = int((x1 - x0 - 2 * PAD) / (0.62 * STAGE_FONT / 72))
        ax.text(
            (x0 + x1) / 2,
            y + (HEADER_H - 0.08) / 2,
            "\n".join(textwrap.wrap(tr(key, lang), chars)),
            multialignment="center",
            linespacing=1.2,
            ha="center",
            va="center",
            color="white",
            weight="bold",
            size=7.5,
        )


def _stages(ax: Axes, rows: Mapping[int, tuple[float, float]], lang: str) -> None:
    spans = (
        ("prisma.stage_identification", 0, 0),
        ("prisma.stage_screening", 1, 3),
        ("prisma.stage_included", 4, 4),
    )
    for key, first, last in spans:
        if first not in rows or last not in rows:
            first = min(r for r in rows if r >= first)
        top = rows[first][0]
        bottom = rows[last][0] - rows[last][1]
        ax.add_patch(
            FancyBboxPatch(
                (0.08, bottom),
                STAGE_W,
                top - bottom,
                lw=0,
                facecolor="#c6dbef",
                boxstyle="round,pad=0,rounding_size=0.06",
            )
        )
        ax.text(
            0.08 + STAGE_W / 2,
            (top + bottom) / 2,
            tr(key, lang),
            rotation=90,
            ha="center",
            va="center",
            weight="bold",
            size=STAGE_FONT,
        )


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=8,
            lw=0.7,
            color="black",
            shrinkA=0,
            shrinkB=0,
        )
    )


def _arrows(ax: Axes, places: Mapping[tuple[int, int], tuple[float, ...]]) -> None:
    """Down each column from box to box, across to its side box, and into the included box."""
    for col in (0, 2):
        chain = sorted(r for (r, c) in places if c == col)
        for upper, lower in itertools.pairwise(chain):
            x, y, w, _ = places[(upper, col)]
            _, y2, _, h2 = places[(lower, col)]
            _arrow(ax, (x + w / 2, y), (x + w / 2, y2 + h2))
        for row in chain:
            if (row, col + 1) in places:
                x, y, w, h = places[(row, col)]
                sx, _, _, sh = places[(row, col + 1)]
                mid = y + h - min(h, sh) / 2
                _arrow(ax, (x + w, mid), (sx, mid))
        x, y, w, _ = places[(chain[-1], col)]
        _, iy, _, ih = places[(4, 4)]
        _arrow(ax, (x + w / 2, y), (x + w / 2, iy + ih))
