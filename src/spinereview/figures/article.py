"""The article figure: pooled effect on pain by follow-up window per injection type, against the MCID."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from spinereview.errors import SpinereviewError
from spinereview.figures import i18n, names
from spinereview.figures.data import WindowResult, pooled_window
from spinereview.figures.i18n import tr
from spinereview.figures.style import BAND, GREY, PALETTE, new_figure

NAME = names.ARTICLE
SCALE = "pain_0_100"
DODGE = 0.2  # horizontal distance between the series at one window (x units = windows)
LIMIT = 100.0  # a difference on a 0-100 scale cannot exceed 100


@dataclass(frozen=True)
class Series:
    """One injection class (one configured analysis): its title and a result per window."""

    analysis_id: str
    title: str
    cells: Mapping[str, WindowResult]


def pain_analyses(meta: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The configured analyses on the 0-100 pain scale, in config order."""
    return [a for a in meta.get("analyses", []) if a.get("scale") == SCALE]


def build_series(
    meta: Mapping[str, Any], pooled_rows: Sequence[Mapping[str, str]], lang: str
) -> tuple[list[Series], list[str]]:
    """Series per pain analysis and the windows in protocol order, from ``pooled.csv`` rows."""
    series, windows = [], []
    for spec in pain_analyses(meta):
        rows = [r for r in pooled_rows if r["analysis"] == spec["id"]]
        if not rows:
            raise SpinereviewError(f"pooled.csv has no rows for analysis {spec['id']!r}")
        cells = {r["window"]: pooled_window(r) for r in rows}
        windows += [w for w in spec.get("windows", cells) if w not in windows]
        title = (spec.get("title") or {}).get(lang) or spec["id"]
        series.append(Series(spec["id"], title, cells))
    return series, windows


def y_limit(series: Sequence[Series], mcid: float) -> float:
    """Half-height of the symmetric y axis: every interval, at least 2.5 × MCID, at most 100."""
    values = [2.5 * mcid]
    for s in series:
        for c in s.cells.values():
            values += [abs(v) for v in (c.ci_low, c.ci_high, c.pi_low, c.pi_high) if v is not None]
    return min(max(values) * 1.08, LIMIT * 1.04)


def draw_article(
    series: Sequence[Series],
    windows: Sequence[str],
    mcid: float,
    lang: str,
    bounds: Mapping[str, str] | None = None,
) -> Figure:
    """Points with CI (thick) and PI (thin) bars per series and window, the ±MCID band."""
    fig = new_figure(7.2, 5.6)
    ax = fig.add_axes((0.13, 0.30, 0.80, 0.62))
    limit = y_limit(series, mcid)
    ax.set_ylim(-limit, limit)
    ax.set_xlim(-0.5, len(windows) - 0.5)
    ax.axhspan(-mcid, mcid, color=BAND, zorder=0, lw=0)
    ax.axhline(0.0, color=GREY, lw=0.7, zorder=1)
    for i, window in enumerate(windows):
        cells = [s.cells.get(window) for s in series]
        if all(c is None or c.k == 0 for c in cells):
            ax.text(
                i,
                0.5 * (mcid + limit),
                tr("article.no_data", lang),
                ha="center",
                va="center",
                color=GREY,
                style="italic",
                size=8.5,
            )
            continue
        for j, cell in enumerate(cells):
            x = i + (j - (len(series) - 1) / 2) * DODGE
            _draw_cell(ax, x, cell, PALETTE[j % len(PALETTE)], limit)
    _furniture(fig, ax, series, windows, mcid, lang, bounds)
    return fig


def _draw_cell(ax: Axes, x: float, cell: WindowResult | None, color: str, limit: float) -> None:
    """One series at one window: point, CI and PI bars and k above them; k = 0 at the bottom."""
    if cell is None or cell.k == 0 or cell.estimate is None:
        ax.text(
            x, -0.97 * limit, "k = 0", rotation=90, ha="center", va="bottom", size=6.5, color=GREY
        )
        return
    if cell.k >= 2:
        _bar(ax, x, cell.pi_low, cell.pi_high, color, 0.9, limit)
    _bar(ax, x, cell.ci_low, cell.ci_high, color, 2.4, limit)
    face = color if cell.k >= 2 else "white"
    ax.plot([x], [cell.estimate], marker="o", ms=6, mfc=face, mec=color, mew=1.4, lw=0, zorder=4)
    tops = [v for v in (cell.pi_high, cell.ci_high, cell.estimate) if v is not None]
    ax.annotate(
        f"k = {cell.k}",
        (x, min(max(tops), limit)),
        xytext=(0, 4),
        textcoords="offset points",
        ha="center",
        va="bottom",
        size=6.5,
        color=color,
    )


def _bar(
    ax: Axes, x: float, low: float | None, high: float | None, color: str, lw: float, limit: float
) -> None:
    """A vertical interval; an arrow head marks an end cut off at the axis."""
    if low is None or high is None:
        return
    lo, hi = max(low, -limit), min(high, limit)
    ax.plot([x, x], [lo, hi], color=color, lw=lw, solid_capstyle="butt", zorder=3)
    for value, clipped, marker in ((lo, low < -limit, "v"), (hi, high > limit, "^")):
        if clipped:
            ax.plot([x], [value], marker=marker, ms=4, color=color, lw=0, zorder=3)


def _furniture(
    fig: Figure,
    ax: Axes,
    series: Sequence[Series],
    windows: Sequence[str],
    mcid: float,
    lang: str,
    bounds: Mapping[str, str] | None,
) -> None:
    """Axis labels, direction hints, title and the legend below the plot."""
    ax.set_xticks(range(len(windows)))
    labels = [
        i18n.window_label(w, lang) + (f"\n{bounds[w]}" if bounds and w in bounds else "")
        for w in windows
    ]
    ax.set_xticklabels(labels)
    ax.tick_params(axis="x", length=0, pad=6)
    ax.yaxis.set_major_formatter(lambda v, _: i18n.num(v, lang, 0))
    ax.set_ylabel(tr("article.ylabel", lang))
    # Direction hints in the right margin, each beside its half of the axis.
    for y, text in (
        (0.75, tr("article.worse", lang) + " →"),
        (0.25, "← " + tr("article.better", lang)),
    ):
        ax.text(
            1.015,
            y,
            text,
            transform=ax.transAxes,
            rotation=90,
            ha="left",
            va="center",
            size=7,
            color=GREY,
        )
    fig.text(0.13, 0.975, tr("article.title", lang), ha="left", va="top", size=10.5, weight="bold")
    _legend(fig, series, mcid, lang)


def _legend(fig: Figure, series: Sequence[Series], mcid: float, lang: str) -> None:
    """Series (marked when they have no data at all), the two interval kinds, k = 1, the band."""
    handles: list[Any] = []
    for j, s in enumerate(series):
        has_data = any(c.k > 0 for c in s.cells.values())
        label = s.title if has_data else tr("article.series_no_data", lang, title=s.title)
        handles.append(
            Line2D([], [], color=PALETTE[j % len(PALETTE)], marker="o", lw=2.4, label=label)
        )
    handles += [
        Line2D([], [], color="black", lw=2.4, label=tr("article.ci", lang)),
        Line2D([], [], color="black", lw=0.9, label=tr("article.pi", lang)),
        Line2D(
            [], [], color="black", marker="o", mfc="white", lw=0, label=tr("article.single", lang)
        ),
        Patch(
            facecolor=BAND,
            edgecolor="none",
            label=tr("article.band", lang, mcid=i18n.plain(mcid, lang)),
        ),
    ]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.02, 0.01),
        ncol=1,
        frameon=False,
        fontsize=7,
        handlelength=2.2,
    )


def caption(
    series: Sequence[Series],
    windows: Sequence[str],
    mcid: Mapping[str, Any],
    lang: str,
    bounds: Mapping[str, str] | None = None,
) -> str:
    """The figure caption in ``lang``: what the marks mean and what kind of threshold the band is."""
    kind = mcid.get("kind", "")
    if isinstance(kind, Mapping):
        kind = kind.get(lang) or next(iter(kind.values()), "")
    window_text = "; ".join(
        i18n.window_label(w, lang) + (f" {bounds[w]}" if bounds and w in bounds else "")
        for w in windows
    )
    methods = sorted({(c.method, c.test) for s in series for c in s.cells.values() if c.method})
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
    )
    return text + "\n"
