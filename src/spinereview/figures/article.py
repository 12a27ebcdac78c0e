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
from spinereview.figures.style import BAND, GREY, PALETTE, new_figure

NAME = names.ARTICLE
SCALE = "pain_0_100"
LIMIT = 100.0  # a difference on a 0-100 scale cannot exceed 100
#: Marker shapes for the published reviews, in order of first appearance (own cells are circles).
REVIEW_MARKERS = ("s", "D", "^", "v", "P", "X", "h", "p")
REVIEW_COLOUR = "#303030"
#: An interval wider than this many MCIDs does not set the axis (it is clipped instead).
WIDE = 4.0
#: Prediction intervals are drawn from this k on (with 2 studies a PI says nothing).
PI_MIN_K = 3
# Row heights in y units (one unit = ROW_INCH inches).
ROW_INCH = 0.19
HEADER, SUBHEADER, MARK, DETAIL, GAP = 1.25, 1.0, 1.0, 0.55, 0.45


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
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "de" else text


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


def _styles(panels: Sequence[Panel], meta: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """key → (marker, colour): reviews get shapes in order of appearance, analyses colours."""
    styles: dict[str, tuple[str, str]] = {}
    for j, spec in enumerate(pain_analyses(meta)):
        styles[spec["id"]] = ("o", PALETTE[j % len(PALETTE)])
    shapes = iter(REVIEW_MARKERS * 4)
    for mark in _marks(panels):
        if mark.kind == "review" and mark.key not in styles:
            styles[mark.key] = (next(shapes), REVIEW_COLOUR)
    return styles


def _layout(panels: Sequence[Panel]) -> tuple[list[tuple[str, float, Any]], float]:
    """(what, y, item) from the top, y growing downwards, and the total height in row units."""
    items: list[tuple[str, float, Any]] = []
    y = 0.0
    for p_index, panel in enumerate(panels):
        if p_index:
            y += GAP
        y += HEADER
        items.append(("header", y, panel))
        for window, marks in panel.windows:
            y += SUBHEADER
            items.append(("window", y, window))
            for mark in marks:
                y += MARK + (DETAIL if mark.detail else 0.0)
                items.append(("mark", y - (DETAIL / 2 if mark.detail else 0.0), mark))
    return items, y + 0.6


def draw_article(
    panels: Sequence[Panel],
    meta: Mapping[str, Any],
    mcid: float,
    lang: str,
    bounds: Mapping[str, str] | None = None,
) -> Figure:
    """Draw the panels (see module docstring); ``bounds`` adds each window's weeks to its name."""
    if not panels:
        panels = [
            Panel(
                "",
                tr("article.no_panel", lang),
                (("", (Mark("empty", tr("article.no_data", lang)),)),),
            )
        ]
    items, height = _layout(panels)
    top_in, bottom_in = 0.45, 1.5
    fig_h = height * ROW_INCH + top_in + bottom_in
    fig = new_figure(7.4, fig_h)
    ax = fig.add_axes((0.47, bottom_in / fig_h, 0.32, height * ROW_INCH / fig_h))
    limit = axis_limit(panels, mcid)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(height, 0)
    ax.axvspan(-mcid, mcid, color=BAND, zorder=0, lw=0)
    ax.axvline(0.0, color=GREY, lw=0.7, zorder=1)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    styles = _styles(panels, meta)
    label_at = blended_transform_factory(fig.transFigure, ax.transData)
    value_at = blended_transform_factory(ax.transAxes, ax.transData)
    for what, y, item in items:
        if what == "header":
            ax.text(0.015, y - 0.1, item.title, transform=label_at, ha="left", va="center",
                    weight="bold", size=8.5)  # fmt: skip
        elif what == "window":
            text = i18n.window_label(item, lang, bounds) if item else ""
            ax.text(0.03, y - 0.1, text, transform=label_at, ha="left", va="center",
                    style="italic", size=7.5, color=GREY)  # fmt: skip
        else:
            _draw_mark(ax, y, item, styles, limit, lang, label_at, value_at)
    _furniture(fig, ax, panels, styles, mcid, lang)
    return fig


def _draw_mark(
    ax: Axes,
    y: float,
    mark: Mark,
    styles: Mapping[str, tuple[str, str]],
    limit: float,
    lang: str,
    label_at: Any,
    value_at: Any,
) -> None:
    """One line: label at the left, interval and point, the numbers at the right."""
    if mark.kind == "empty":
        ax.text(0.05, y, mark.label, transform=label_at, ha="left", va="center", size=7,
                style="italic", color=GREY)  # fmt: skip
        return
    marker, colour = styles[mark.key]
    if mark.detail:
        ax.text(0.05, y - 0.27, mark.label, transform=label_at, ha="left", va="center", size=7)
        ax.text(0.05, y + 0.33, mark.detail, transform=label_at, ha="left", va="center",
                size=6, color=GREY)  # fmt: skip
    else:
        ax.text(0.05, y, mark.label, transform=label_at, ha="left", va="center", size=7)
    if mark.pi_low is not None and mark.pi_high is not None:
        _bar(ax, y, mark.pi_low, mark.pi_high, colour, 0.8, limit)
    _bar(ax, y, mark.ci_low, mark.ci_high, colour, 1.8 if mark.kind == "own" else 1.2, limit)
    if mark.estimate is not None:
        face = "white" if mark.kind == "own" and mark.k == 1 else colour
        ax.plot([mark.estimate], [y], marker=marker, ms=5.5 if marker == "o" else 5, mfc=face,
                mec=colour, mew=1.2, lw=0, zorder=4)  # fmt: skip
    values = f"{i18n.num(mark.estimate, lang)} {i18n.interval(mark.ci_low, mark.ci_high, lang)}"
    ax.text(1.03, y, values, transform=value_at, ha="left", va="center", size=7)


def _bar(
    ax: Axes, y: float, low: float | None, high: float | None, colour: str, lw: float, limit: float
) -> None:
    """A horizontal interval; an arrow head marks an end cut off at the axis."""
    if low is None or high is None:
        return
    lo, hi = max(low, -limit), min(high, limit)
    ax.plot([lo, hi], [y, y], color=colour, lw=lw, solid_capstyle="butt", zorder=3)
    for value, clipped, marker in ((lo, low < -limit, "<"), (hi, high > limit, ">")):
        if clipped:
            ax.plot([value], [y], marker=marker, ms=4, color=colour, lw=0, zorder=3, clip_on=False)


def _furniture(
    fig: Figure,
    ax: Axes,
    panels: Sequence[Panel],
    styles: Mapping[str, tuple[str, str]],
    mcid: float,
    lang: str,
) -> None:
    """Title, x label, direction hints and the legend below the plot."""
    ax.xaxis.set_major_formatter(lambda v, _: i18n.num(v, lang, 0))
    ax.set_xlabel(tr("article.xlabel", lang), size=7.5)
    for x, text, ha in ((0.0, "← " + tr("article.better", lang), "left"),
                        (1.0, tr("article.worse", lang) + " →", "right")):  # fmt: skip
        ax.text(x, 1.0, text, transform=ax.transAxes, ha=ha, va="bottom", size=6.5, color=GREY)
    ax.text(1.03, 1.0, tr("article.values", lang), transform=ax.transAxes, ha="left",
            va="bottom", size=6.5, color=GREY)  # fmt: skip
    fig.text(0.015, 1 - 0.12 / fig.get_figheight(), tr("article.title", lang), ha="left",
             va="top", size=10.5, weight="bold")  # fmt: skip
    marks = _marks(panels)
    handles: list[Any] = [
        Line2D([], [], color=PALETTE[0], marker="o", lw=1.8, label=tr("article.legend_own", lang)),
        Line2D([], [], color=REVIEW_COLOUR, marker="s", lw=1.2, label=tr("article.legend_review", lang)),
    ]  # fmt: skip
    if any(m.kind == "own" and m.k == 1 for m in marks):
        handles.append(Line2D([], [], color=PALETTE[0], marker="o", mfc="white", lw=0,
                              label=tr("article.single", lang)))  # fmt: skip
    if any(m.pi_low is not None for m in marks):
        handles.append(
            Line2D([], [], color="black", lw=0.8, label=tr("article.pi", lang, k=PI_MIN_K))
        )
    limit = ax.get_xlim()[1]
    if any(m.ci_low is not None and (m.ci_low < -limit or (m.ci_high or 0) > limit) for m in marks):
        handles.append(
            Line2D([], [], color="black", marker=">", lw=1.2, label=tr("article.clipped", lang))
        )
    handles.append(Patch(facecolor=BAND, edgecolor="none",
                         label=tr("article.band", lang, mcid=i18n.plain(mcid, lang))))  # fmt: skip
    if any(m.flagged for m in marks):
        handles.append(Line2D([], [], lw=0, label=tr("article.flagged", lang)))
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.005), ncol=2,
               frameon=False, fontsize=6.5, handlelength=2.0, columnspacing=1.2)  # fmt: skip


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
