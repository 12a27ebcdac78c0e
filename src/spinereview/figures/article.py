"""The article figure: what the evidence says about pain, per injection class and follow-up window.

One panel per injection class of ``figures.article.classes`` that has any data. Within a panel, each
follow-up window lists the published reviews' pooled estimates (results/reviews/estimates.csv, rows
marked ``in_figure``; one marker shape per review, labelled with the review, its k and n and the
certainty it reported) and this review's own pooled cells (results/meta/pooled.csv, one per pain
analysis of the class, with k), against the ±MCID band. A window without any result is one compact
"no data" line. The x-axis is set by the estimates, not by one very wide interval: intervals beyond
it are clipped and end in an arrow, as in forest plots.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from spinereview.errors import SpinereviewError
from spinereview.figures import i18n, names
from spinereview.figures.data import pooled_window
from spinereview.figures.i18n import tr
from spinereview.figures.style import (
    BAND,
    BAND_EDGE,
    BAND_HATCH,
    BAND_HATCH_PATTERN,
    GREY,
    PALETTE,
    new_figure,
    print_width,
)

NAME = names.ARTICLE
NBSP = "\u00a0"
SCALE = "pain_0_100"
LIMIT = 100.0  # a difference on a 0-100 scale cannot exceed 100
#: Marker shapes for the published reviews, in order of first appearance (own cells are circles).
REVIEW_MARKERS = ("s", "D", "^", "v", "P", "X", "h", "p", "<", ">", "*", "d")
#: Line styles of this review's own analyses (all circles), in config order.
OWN_LINESTYLES = ("-", "--", "-.", ":")
REVIEW_COLOUR = "#303030"
#: An interval wider than this many MCIDs does not set the axis (it is clipped instead).
WIDE = 4.0
#: Prediction intervals are drawn from this k on (with 2 studies a PI says nothing).
PI_MIN_K = 3
# Text sizes (points; none below style.MIN_PT) and vertical spacing (inches).
TEXT_PT, HEADER_PT, TITLE_PT = 7.0, 8.0, 9.0
LINE_SPACING = 1.25
CHAR_EM, CHAR_EM_BOLD = (
    0.56,
    0.66,
)  # generous average glyph widths of DejaVu Sans (em), for wrapping
BAR_IN, GAP_IN = 0.15, 0.12


@dataclass(frozen=True)
class Mark:
    """One line of the figure: a review's estimate, an own pooled cell, or 'no data'."""

    kind: str  # "review" | "own" | "empty"
    label: str
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    pi_low: float | None = None
    pi_high: float | None = None
    k: int | None = None
    key: str = ""  # review id or analysis id (chooses the marker or colour)
    flagged: bool = False  # the review's window does not map exactly onto this one
    detail: str = ""  # a second, smaller line under the label (k, n, certainty)


@dataclass(frozen=True)
class Panel:
    """One injection class: its title and the marks of every window, in protocol order."""

    class_id: str
    title: str
    windows: tuple[tuple[str, tuple[Mark, ...]], ...]


def pain_analyses(meta: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The configured analyses on the 0-100 pain scale, in config order."""
    return [a for a in meta.get("analyses", []) if a.get("scale") == SCALE]


def _comparators(spec: Mapping[str, Any], lang: str) -> str:
    names_ = [i18n.tr_or(f"comparator.{c}", lang, c) for c in spec.get("comparators", [])]
    return tr("article.or", lang).join(names_)


def _number_label(value: int | None, lang: str) -> str:
    if value is None:
        return tr("article.not_reported", lang)
    return i18n.integer(value, lang)


def review_label(row: Mapping[str, str], lang: str) -> tuple[str, str]:
    """('Pinto 2012', 'k = 14, n = 1,316 · GRADE: moderate'); what the review did not report says so."""
    k, n = _int(row.get("k")), _int(row.get("n"))
    if k is None and n is None:
        size = tr("article.k_n_not_reported", lang)
    else:
        size = f"k = {_number_label(k, lang)}, n = {_number_label(n, lang)}"
    parts = [size]
    certainty, system = row.get("certainty", ""), row.get("certainty_system", "")
    if certainty and certainty != "not_reported":
        parts.append(
            f"{tr(f'certainty_system.{system}', lang)}: {tr(f'certainty.{certainty}', lang)}"
        )
    if row.get("window_flag") == "true":
        parts.append(tr("article.flagged_short", lang))
    return row[f"label_{lang}"], " · ".join(parts)


def build_panels(
    meta: Mapping[str, Any],
    classes: Sequence[Mapping[str, Any]],
    pooled_rows: Sequence[Mapping[str, str]],
    review_rows: Sequence[Mapping[str, str]],
    windows: Sequence[str],
    lang: str,
    certainty: Mapping[tuple[str, str], str] | None = None,
) -> list[Panel]:
    """Panels for every class with data, from ``pooled.csv`` (main run) and ``estimates.csv``.

    ``certainty`` maps (analysis, window) to the GRADE level of the summary of findings; an own cell
    then shows it under its label.
    """
    known = set(windows)
    panels = []
    for cls in classes:
        members = set(cls["interventions"])
        own = [
            a
            for a in pain_analyses(meta)
            if a.get("interventions") and set(a["interventions"]) <= members
        ]
        cells: dict[str, dict[str, Mapping[str, str]]] = {}
        for spec in own:
            rows = [r for r in pooled_rows if r["analysis"] == spec["id"]]
            if not rows:
                raise SpinereviewError(f"pooled.csv has no rows for analysis {spec['id']!r}")
            cells[spec["id"]] = {r["window"]: r for r in rows}
        reviews = [
            r for r in review_rows if r["in_figure"] == "true" and r["article_class"] == cls["id"]
        ]
        unknown = sorted({r["window"] for r in reviews} - known)
        if unknown:
            raise SpinereviewError(f"estimates.csv: window(s) {', '.join(unknown)} not configured")
        per_window = []
        for window in windows:
            marks = [
                _review_mark(r, lang)
                for r in sorted(reviews, key=lambda r: (r[f"label_{lang}"], r["review_row"]))
                if r["window"] == window
            ]
            for spec in own:
                row = cells[spec["id"]].get(window)
                if row is not None and int(row["k"]) > 0 and row.get("estimate"):
                    level = (certainty or {}).get((spec["id"], window), "")
                    marks.append(_own_mark(spec, row, lang, level))
            per_window.append(
                (window, tuple(marks) or (Mark("empty", tr("article.no_data", lang)),))
            )
        if any(m.kind != "empty" for _, marks in per_window for m in marks):
            panels.append(Panel(cls["id"], cls["title"][lang], tuple(per_window)))
    return panels


def _review_mark(row: Mapping[str, str], lang: str) -> Mark:
    label, detail = review_label(row, lang)
    return Mark(
        "review",
        label,
        detail=detail,
        estimate=_float(row["estimate"]),
        ci_low=_float(row["ci_low"]),
        ci_high=_float(row["ci_high"]),
        k=_int(row.get("k")),
        key=row["review_id"],
        flagged=row.get("window_flag") == "true",
    )


def _own_mark(spec: Mapping[str, Any], row: Mapping[str, str], lang: str, level: str = "") -> Mark:
    cell = pooled_window(row)
    show_pi = cell.k >= PI_MIN_K
    label = tr("article.own", lang, comparator=_comparators(spec, lang), k=cell.k)
    detail = ""
    if level:
        label = tr("article.own_short", lang, comparator=_comparators(spec, lang))
        detail = tr("article.own_detail", lang, k=cell.k, level=tr(f"certainty.{level}", lang))
    return Mark(
        "own",
        label,
        estimate=cell.estimate,
        ci_low=cell.ci_low,
        ci_high=cell.ci_high,
        pi_low=cell.pi_low if show_pi else None,
        pi_high=cell.pi_high if show_pi else None,
        k=cell.k,
        key=spec["id"],
        detail=detail,
    )


def axis_limit(panels: Sequence[Panel], mcid: float) -> float:
    """Half-width of the symmetric x axis, set by the estimates and the intervals that are not wide.

    At least 2 × MCID; covers every point estimate (× 1.1) and every interval bound of an interval
    no wider than ``WIDE`` × MCID; rounded up to a multiple of 5; at most 100. Wider intervals are
    clipped at the axis and drawn with an arrow end.
    """
    values = [2 * mcid]
    for mark in _marks(panels):
        if mark.estimate is not None:
            values.append(1.1 * abs(mark.estimate))
        low, high = mark.ci_low, mark.ci_high
        if low is not None and high is not None and high - low <= WIDE * mcid:
            values += [abs(low), abs(high)]
    return min(5 * math.ceil(max(values) / 5), LIMIT)


def _marks(panels: Sequence[Panel]) -> list[Mark]:
    return [m for p in panels for _, marks in p.windows for m in marks]


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn: a marker shape and a line style tell series apart without colour."""

    marker: str
    linestyle: str
    colour: str


def series_styles(panels: Sequence[Panel], meta: Mapping[str, Any]) -> dict[str, SeriesStyle]:
    """key → style, every (marker, line style) pair unique: this review's cells are circles with a
    line style per analysis (solid, dashed, dash-dot, dotted) and their own colour; each published
    review has its own marker shape on a solid line."""
    styles: dict[str, SeriesStyle] = {}
    for j, spec in enumerate(pain_analyses(meta)):
        dash = OWN_LINESTYLES[j % len(OWN_LINESTYLES)]
        styles[spec["id"]] = SeriesStyle("o", dash, PALETTE[j % len(PALETTE)])
    shapes = iter(REVIEW_MARKERS)
    for mark in _marks(panels):
        if mark.kind == "review" and mark.key not in styles:
            shape = next(shapes, None)
            if shape is None:
                raise SpinereviewError(
                    f"the article figure tells at most {len(REVIEW_MARKERS)} published reviews "
                    "apart by their marker shape; show fewer (estimates.csv in_figure)"
                )
            styles[mark.key] = SeriesStyle(shape, "-", REVIEW_COLOUR)
    return styles


@dataclass(frozen=True)
class Geometry:
    """The print layout of one size preset (inches and points)."""

    width: float
    stacked: bool  # labels above their interval (one column) or beside it (two columns)
    label_x: float  # figure fraction where labels start
    ax_x: tuple[float, float]  # figure fraction of the plotting area
    values_x: float  # figure fraction where the numbers end (right-aligned)
    legend_cols: int

    def chars(self, share: float, size: float = TEXT_PT, bold: bool = False) -> int:
        """How many characters of ``size`` fit in ``share`` of the width (for wrapping)."""
        em = CHAR_EM_BOLD if bold else CHAR_EM
        return max(8, int(share * self.width * 72 / (em * size)))


def geometry(size: str) -> Geometry:
    """Column: labels stacked over the intervals; double: labels in a column at the left."""
    width = print_width(size)
    if size == "column":
        return Geometry(width, True, 0.03, (0.05, 0.62), 0.995, 1)
    return Geometry(width, False, 0.015, (0.45, 0.765), 0.995, 2)


#: Spaces a line must not break at: "k = 3", "10 Punkte", "52 Wochen", "±10 points".
_KEEP = re.compile(r"(?<=\S) (?==)|(?<==) (?=\S)|(?<=\d) (?=(?:Punkte|Wochen|Woche|points|wk)\b)")


def _wrap(text: str, chars: int) -> list[str]:
    """``text`` in lines of at most ``chars``, never breaking "k = 3" or a number from its unit
    (those spaces become no-break spaces, as Duden asks)."""
    protected = _KEEP.sub(NBSP, text)
    return textwrap.wrap(protected, chars, break_on_hyphens=False) or [""]


def _line(size: float = TEXT_PT) -> float:
    """Inches per text line of ``size`` points."""
    return size * LINE_SPACING / 72


@dataclass(frozen=True)
class Placed:
    """One thing to draw at height ``y`` (inches from the top of the plotting area)."""

    what: str  # header | window | mark
    y: float
    item: Any
    lines: tuple[str, ...] = ()
    detail: tuple[str, ...] = ()


def _layout(
    panels: Sequence[Panel], geo: Geometry, lang: str, bounds: Any
) -> tuple[list[Placed], float]:
    """Where every header, window name and mark goes (y downwards, inches) and the total height."""
    label_share = (1 - 2 * geo.label_x) if geo.stacked else (geo.ax_x[0] - geo.label_x - 0.03)
    items: list[Placed] = []
    y = 0.0
    for p_index, panel in enumerate(panels):
        y += GAP_IN if p_index else 0.04
        title = tuple(_wrap(panel.title, geo.chars(label_share, HEADER_PT, bold=True)))
        y += len(title) * _line(HEADER_PT)
        items.append(Placed("header", y - _line(HEADER_PT) * len(title) / 2, panel, title))
        for window, marks in panel.windows:
            text = i18n.window_label(window, lang, bounds) if window else ""
            y += _line() + 0.03
            items.append(Placed("window", y - _line() / 2, window, (text,)))
            for mark in marks:
                lines = tuple(_wrap(mark.label, geo.chars(label_share - 0.02)))
                detail = (
                    tuple(_wrap(mark.detail, geo.chars(label_share - 0.02))) if mark.detail else ()
                )
                text_h = (len(lines) + len(detail)) * _line()
                if mark.kind == "empty":
                    y += _line() + 0.02
                    items.append(Placed("mark", y - _line() / 2, mark, lines))
                elif geo.stacked:
                    y += text_h + BAR_IN
                    items.append(Placed("mark", y - BAR_IN / 2, mark, lines, detail))
                else:
                    block = max(text_h, BAR_IN) + 0.04
                    y += block
                    items.append(Placed("mark", y - block / 2, mark, lines, detail))
    return items, y + 0.08


def draw_article(
    panels: Sequence[Panel],
    meta: Mapping[str, Any],
    mcid: float,
    lang: str,
    bounds: Mapping[str, str] | None = None,
    size: str = "double",
) -> Figure:
    """Draw the panels (see module docstring) at the print width of ``size`` (column or double);
    ``bounds`` adds each window's weeks to its name. No text is smaller than 7 pt."""
    if not panels:
        panels = [
            Panel(
                "",
                tr("article.no_panel", lang),
                (("", (Mark("empty", tr("article.no_data", lang)),)),),
            )
        ]
    geo = geometry(size)
    items, height = _layout(panels, geo, lang, bounds)
    styles = series_styles(panels, meta)
    title = _wrap(tr("article.title", lang), geo.chars(1 - 2 * geo.label_x, TITLE_PT, bold=True))
    hints = _hints(geo, lang)
    top_in = 0.1 + len(title) * _line(TITLE_PT) + len(hints) * _line() + 0.06
    legend, legend_h = _legend(panels, styles, mcid, lang, geo)
    xlabel = _wrap(tr("article.xlabel", lang), geo.chars(geo.ax_x[1] - geo.ax_x[0] + 0.1))
    axis_h = 0.3 + len(xlabel) * _line()  # ticks, tick labels, padding and the label
    bottom_in = axis_h + 0.12 + legend_h
    fig_h = height + top_in + bottom_in
    fig = new_figure(geo.width, fig_h)
    ax = fig.add_axes((geo.ax_x[0], bottom_in / fig_h, geo.ax_x[1] - geo.ax_x[0], height / fig_h))
    limit = axis_limit(panels, mcid)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(height, 0)
    _band(ax, mcid)
    ax.axvline(0.0, color=GREY, lw=0.7, zorder=1)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    label_at = blended_transform_factory(fig.transFigure, ax.transData)
    for placed in items:
        _draw_placed(ax, placed, styles, limit, lang, geo, label_at)
    _furniture(fig, ax, geo, lang, title, hints, xlabel, legend, axis_h)
    return fig


def _band(ax: Axes, mcid: float) -> None:
    """The ±MCID band: a tint, a hatch and dotted edges, so that it survives greyscale print."""
    ax.axvspan(-mcid, mcid, facecolor=BAND, edgecolor=BAND_HATCH, hatch=BAND_HATCH_PATTERN,
               lw=0, zorder=0)  # fmt: skip
    for x in (-mcid, mcid):
        ax.axvline(x, color=BAND_EDGE, lw=0.7, ls=(0, (2, 1.5)), zorder=1)


def _draw_placed(
    ax: Axes,
    placed: Placed,
    styles: Mapping[str, SeriesStyle],
    limit: float,
    lang: str,
    geo: Geometry,
    label_at: Any,
) -> None:
    y, line = placed.y, _line()
    white = {"facecolor": "white", "edgecolor": "none", "pad": 0.3} if geo.stacked else None
    if placed.what == "header":
        ax.text(geo.label_x, y, "\n".join(placed.lines), transform=label_at, ha="left",
                va="center", weight="bold", size=HEADER_PT, linespacing=LINE_SPACING,
                bbox=white)  # fmt: skip
        return
    if placed.what == "window":
        ax.text(geo.label_x + 0.015, y, placed.lines[0], transform=label_at, ha="left",
                va="center", style="italic", size=TEXT_PT, color=GREY, bbox=white)  # fmt: skip
        return
    mark: Mark = placed.item
    x = geo.label_x + 0.035
    if mark.kind == "empty":
        ax.text(x, y, mark.label, transform=label_at, ha="left", va="center", size=TEXT_PT,
                style="italic", color=GREY, bbox=white)  # fmt: skip
        return
    n_text = len(placed.lines) + len(placed.detail)
    # stacked: the text block ends just above the interval's row; beside: centred on it
    text_top = y - BAR_IN / 2 - n_text * line if geo.stacked else y - n_text * line / 2
    ax.text(x, text_top, "\n".join(placed.lines), transform=label_at, ha="left", va="top",
            size=TEXT_PT, linespacing=LINE_SPACING, bbox=white)  # fmt: skip
    if placed.detail:
        ax.text(x, text_top + len(placed.lines) * line, "\n".join(placed.detail),
                transform=label_at, ha="left", va="top", size=TEXT_PT, color=GREY,
                linespacing=LINE_SPACING, bbox=white)  # fmt: skip
    style = styles[mark.key]
    if mark.pi_low is not None and mark.pi_high is not None:
        _bar(ax, y, mark.pi_low, mark.pi_high, style, 0.8, limit)
    _bar(ax, y, mark.ci_low, mark.ci_high, style, 1.8 if mark.kind == "own" else 1.2, limit)
    if mark.estimate is not None:
        face = "white" if mark.kind == "own" and mark.k == 1 else style.colour
        ax.plot([mark.estimate], [y], marker=style.marker, ms=5.5 if style.marker == "o" else 5,
                mfc=face, mec=style.colour, mew=1.2, lw=0, zorder=4)  # fmt: skip
    values = f"{i18n.num(mark.estimate, lang)} {i18n.interval(mark.ci_low, mark.ci_high, lang)}"
    ax.text(geo.values_x, y, values, transform=label_at, ha="right", va="center", size=TEXT_PT)


def _bar(
    ax: Axes,
    y: float,
    low: float | None,
    high: float | None,
    style: SeriesStyle,
    lw: float,
    limit: float,
) -> None:
    """A horizontal interval in the series' line style; an arrow head marks an end cut off at
    the axis."""
    if low is None or high is None:
        return
    lo, hi = max(low, -limit), min(high, limit)
    ax.plot([lo, hi], [y, y], color=style.colour, lw=lw, ls=style.linestyle,
            solid_capstyle="butt", dash_capstyle="butt", zorder=3)  # fmt: skip
    for value, clipped, marker in ((lo, low < -limit, "<"), (hi, high > limit, ">")):
        if clipped:
            ax.plot([value], [y], marker=marker, ms=4, color=style.colour, lw=0, zorder=3,
                    clip_on=False)  # fmt: skip


def _hints(geo: Geometry, lang: str) -> list[tuple[str, str]]:
    """The direction hints above the plot, wrapped to half its width: [(left, right), ...]."""
    half = geo.chars((geo.ax_x[1] - geo.ax_x[0]) / 2 - 0.01)
    left = _wrap("← " + tr("article.better", lang), half)
    right = _wrap(tr("article.worse", lang) + " →", half)
    rows = max(len(left), len(right))
    left += [""] * (rows - len(left))
    right += [""] * (rows - len(right))
    return list(zip(left, right, strict=True))


def _legend(
    panels: Sequence[Panel],
    styles: Mapping[str, SeriesStyle],
    mcid: float,
    lang: str,
    geo: Geometry,
) -> tuple[list[Any], float]:
    """The legend's handles (labels wrapped to the column) and its height in inches."""
    marks = _marks(panels)
    own = next((s for k, s in styles.items() if s.marker == "o"), SeriesStyle("o", "-", PALETTE[0]))
    entries: list[tuple[str, Any]] = [
        ("article.legend_own", dict(color=own.colour, marker="o", lw=1.8, ls="-")),
        ("article.legend_review", dict(color=REVIEW_COLOUR, marker="s", lw=1.2)),
    ]
    if any(m.kind == "own" and m.k == 1 for m in marks):
        entries.append(("article.single", dict(color=own.colour, marker="o", mfc="white", lw=0)))
    if any(m.pi_low is not None for m in marks):
        entries.append(("article.pi", dict(color="black", lw=0.8)))
    limit = axis_limit(panels, mcid)
    if any(m.ci_low is not None and (m.ci_low < -limit or (m.ci_high or 0) > limit) for m in marks):
        entries.append(("article.clipped", dict(color="black", marker=">", lw=1.2)))
    entries.append(("article.band", None))
    if any(m.flagged for m in marks):
        entries.append(("article.flagged", dict(lw=0)))
    share = (1 - 2 * geo.label_x) / geo.legend_cols - 0.12
    handles, heights = [], []
    for key, spec in entries:
        label = tr(key, lang, k=PI_MIN_K, mcid=i18n.plain(mcid, lang))
        lines = _wrap(label, geo.chars(share))
        heights.append(len(lines))
        if spec is None:
            handles.append(Patch(facecolor=BAND, edgecolor=BAND_HATCH, hatch=BAND_HATCH_PATTERN,
                                 lw=0, label="\n".join(lines)))  # fmt: skip
        else:
            handles.append(Line2D([], [], label="\n".join(lines), **spec))
    rows = [max(heights[i : i + geo.legend_cols]) for i in range(0, len(heights), geo.legend_cols)]
    if geo.legend_cols > 1:  # matplotlib fills columns first: rows pair entries i and i + half
        half = math.ceil(len(heights) / 2)
        rows = [max(heights[i], heights[i + half] if i + half < len(heights) else 0)
                for i in range(half)]  # fmt: skip
    height = sum(r * _line() for r in rows) + len(rows) * 0.5 * TEXT_PT / 72 + 0.06
    return handles, height


def _furniture(
    fig: Figure,
    ax: Axes,
    geo: Geometry,
    lang: str,
    title: Sequence[str],
    hints: Sequence[tuple[str, str]],
    xlabel: Sequence[str],
    legend: Sequence[Any],
    axis_h: float,
) -> None:
    """Title, x label, direction hints, the values' heading and the legend below the plot."""
    fig_h = fig.get_figheight()
    ax.xaxis.set_major_formatter(lambda v, _: i18n.num(v, lang, 0))
    ax.tick_params(labelsize=TEXT_PT)
    ax.set_xlabel("\n".join(xlabel), size=TEXT_PT, linespacing=LINE_SPACING)
    above = "\n".join(left for left, _ in hints), "\n".join(right for _, right in hints)
    for x, text, ha in ((0.0, above[0], "left"), (1.0, above[1], "right")):
        ax.text(x, 1.0, text, transform=ax.transAxes, ha=ha, va="bottom", size=TEXT_PT,
                color=GREY, linespacing=LINE_SPACING)  # fmt: skip
    values_at = blended_transform_factory(fig.transFigure, ax.transAxes)
    ax.text(geo.values_x, 1.0, tr("article.values", lang), transform=values_at, ha="right",
            va="bottom", size=TEXT_PT, color=GREY)  # fmt: skip
    fig.text(geo.label_x, 1 - 0.08 / fig_h, "\n".join(title), ha="left", va="top",
             size=TITLE_PT, weight="bold", linespacing=LINE_SPACING)  # fmt: skip
    bottom = ax.get_position().y0 - (axis_h + 0.08) / fig_h
    fig.legend(handles=legend, loc="upper left", bbox_to_anchor=(geo.label_x, bottom),
               ncol=geo.legend_cols, frameon=False, fontsize=TEXT_PT, handlelength=2.4,
               columnspacing=1.0, borderaxespad=0.0, borderpad=0.0)  # fmt: skip


def caption(
    panels: Sequence[Panel],
    meta: Mapping[str, Any],
    windows: Sequence[str],
    mcid: Mapping[str, Any],
    lang: str,
    bounds: Mapping[str, str] | None = None,
    left_out: int = 0,
) -> str:
    """The figure caption in ``lang``: what the marks mean and what kind of threshold the band is."""
    kind = mcid.get("kind", "")
    if isinstance(kind, Mapping):
        kind = kind.get(lang) or next(iter(kind.values()), "")
    window_text = "; ".join(
        i18n.window_label(w, lang) + (f" {bounds[w]}" if bounds and w in bounds else "")
        for w in windows
    )
    methods = sorted(
        {
            (a.get("method", meta.get("method", "")), a.get("test", meta.get("test", "")))
            for a in pain_analyses(meta)
        }
    )
    method_text = "; ".join(
        f"{m}, {tr(f'test.{t}', lang) if f'test.{t}' in i18n.TABLE else t}" for m, t in methods
    )
    text = tr(
        "article.caption",
        lang,
        windows=window_text,
        methods=method_text,
        mcid=i18n.plain(float(mcid["value"]), lang),
        kind=" ".join(str(kind).split()),
        pi_k=PI_MIN_K,
        left_out=left_out,
    )
    return text + "\n"


def _float(text: str | None) -> float | None:
    return float(text) if text not in (None, "") else None


def _int(text: str | None) -> int | None:
    return int(float(text)) if text not in (None, "") else None
