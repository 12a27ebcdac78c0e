"""Forest plot of one analysis: study rows, pooled diamond, prediction interval, per window."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Transform, blended_transform_factory

from spinereview.figures import i18n
from spinereview.figures.data import Analysis, StudyRow, WindowResult
from spinereview.figures.i18n import tr
from spinereview.figures.style import GREY, PALETTE, SIZES, new_figure

WIDTH = SIZES["double"]  # inches: two journal columns
ROW = 0.19  # inches per table row
TOP, AXIS = 0.55, 0.72  # inches above the first row (title, column heads); axis below the last
NOTE_LINE = 7 * 1.35 / 72  # inches per footnote line (7 pt)
NOTE_CHARS = int(0.97 * WIDTH * 72 / (0.56 * 7))  # footnote characters per line
PLOT_X = (0.455, 0.765)  # figure fraction of the plotting area
COLS = {"study": 0.012, "time": 0.195, "n": 0.34, "weight": 0.435, "effect": 0.992}
LOG_SCALES = ("log_rr", "log_or")
BOUNDS = {"pain_0_100": 100.0, "disability_0_100": 100.0, "responder_rd_pp": 100.0}


@dataclass(frozen=True)
class Row:
    """One line of the forest plot's table."""

    kind: str  # header, study, pooled, pi, het, note
    window: WindowResult
    study: StudyRow | None = None


def build_rows(analysis: Analysis) -> list[Row]:
    """The table lines, window by window: header, studies, then pooled result or a note."""
    rows: list[Row] = []
    for w in analysis.windows:
        rows.append(Row("header", w))
        rows.extend(Row("study", w, s) for s in w.studies)
        if w.k >= 2 and w.estimate is not None:
            rows += [Row("pooled", w), Row("pi", w), Row("het", w)]
        else:
            rows.append(Row("note", w))
    return rows


def x_limits(analysis: Analysis) -> tuple[float, float]:
    """Axis range covering every interval and 0, within the scale's bounds."""
    values = [0.0]
    for w in analysis.windows:
        values += [v for v in (w.ci_low, w.ci_high, w.pi_low, w.pi_high) if v is not None]
        values += [v for s in w.studies for v in (s.ci_low, s.ci_high)]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = (-1.0, 1.0) if analysis.scale in LOG_SCALES else (-20.0, 20.0)
    pad = 0.06 * (high - low)
    low, high = low - pad, high + pad
    bound = BOUNDS.get(analysis.scale)
    if bound is not None:
        low, high = max(low, -bound), min(high, bound)
    return low, high


def effect_text(
    low: float | None, est: float | None, high: float | None, scale: str, lang: str
) -> str:
    """``est [low; high]`` on the scale's natural units (ratios back-transformed)."""
    if scale in LOG_SCALES:
        value = math.exp(est) if est is not None else None
        return f"{i18n.num(value, lang, 2)} {interval_text(low, high, scale, lang)}"
    return f"{i18n.num(est, lang)} {interval_text(low, high, scale, lang)}"


def interval_text(low: float | None, high: float | None, scale: str, lang: str) -> str:
    """``[low; high]`` on the scale's natural units (ratios back-transformed)."""
    if scale in LOG_SCALES:
        low, high = (math.exp(v) if v is not None else None for v in (low, high))
        return i18n.interval(low, high, lang, 2)
    return i18n.interval(low, high, lang)


def draw_forest(analysis: Analysis, lang: str, bounds: Mapping[str, str] | None = None) -> Figure:
    """The forest plot of ``analysis`` with labels in ``lang``."""
    rows = build_rows(analysis)
    bottom = AXIS + NOTE_LINE * len(_footnotes(analysis, lang)) + 0.1
    height = TOP + bottom + ROW * (len(rows) + 1)
    fig = new_figure(WIDTH, height)
    ax = fig.add_axes(
        (PLOT_X[0], bottom / height, PLOT_X[1] - PLOT_X[0], ROW * (len(rows) + 1) / height)
    )
    ax.set_ylim(len(rows) - 0.5, -1.5)
    ax.set_xlim(*x_limits(analysis))
    text_at = blended_transform_factory(fig.transFigure, ax.transData)
    _column_heads(ax, text_at, analysis.scale, lang)
    for y, row in enumerate(rows):
        _draw_row(ax, text_at, y, row, analysis.scale, lang, bounds)
    _axes_furniture(fig, ax, analysis, lang, height)
    return fig


def _column_heads(ax: Axes, at: Transform, scale: str, lang: str) -> None:
    heads = [
        ("study", "col.study", "left"),
        ("time", "col.timepoint", "left"),
        ("n", "col.n", "right"),
        ("weight", "col.weight", "right"),
    ]
    for col, key, align in heads:
        ax.text(COLS[col], -1, tr(key, lang), transform=at, ha=align, va="center", weight="bold")
    measure = tr(f"measure.{scale}", lang) if f"measure.{scale}" in i18n.TABLE else scale
    ax.text(
        COLS["effect"],
        -1,
        tr("col.effect", lang, measure=measure),
        transform=at,
        ha="right",
        va="center",
        weight="bold",
    )
    ax.axhline(-0.5, color="black", lw=0.6, clip_on=False, xmin=-10, xmax=10)


def _draw_row(
    ax: Axes,
    at: Transform,
    y: int,
    row: Row,
    scale: str,
    lang: str,
    bounds: Mapping[str, str] | None,
) -> None:
    w = row.window
    if row.kind == "header":
        label = i18n.window_label(w.window, lang, bounds)
        ax.text(COLS["study"], y, label, transform=at, va="center", weight="bold")
    elif row.kind == "study" and row.study is not None:
        _study_row(ax, at, y, row.study, scale, lang)
    elif row.kind == "pooled":
        n = str(w.n) if w.n is not None else "–"
        ax.text(
            COLS["study"],
            y,
            tr("pooled", lang, k=w.k, n=n),
            transform=at,
            va="center",
            weight="bold",
        )
        _diamond(ax, y, w)
        _right(ax, at, y, effect_text(w.ci_low, w.estimate, w.ci_high, scale, lang), bold=True)
    elif row.kind == "pi":
        ax.text(COLS["study"] + 0.012, y, tr("pi", lang), transform=at, va="center")
        _interval(ax, y, w.pi_low, w.pi_high, lw=0.8, color=PALETTE[0], caps=True)
        no_pi = w.pi_low is None or w.pi_high is None  # below meta.prediction_interval_min_k
        _right(ax, at, y, "—" if no_pi else interval_text(w.pi_low, w.pi_high, scale, lang))
    elif row.kind == "het":
        _het_row(ax, at, y, w, lang)
    else:
        key = "k1" if w.k == 1 else "k0"
        ax.text(
            COLS["study"] + 0.012,
            y,
            tr(key, lang),
            transform=at,
            va="center",
            color=GREY,
            style="italic",
        )


def _study_row(ax: Axes, at: Transform, y: int, s: StudyRow, scale: str, lang: str) -> None:
    label = s.study_id + (" *" if s.uncertain else "")
    ax.text(COLS["study"] + 0.012, y, label, transform=at, va="center")
    time = i18n.weeks(s.timepoint_weeks, lang) if s.timepoint_weeks is not None else "–"
    ax.text(COLS["time"], y, time, transform=at, va="center")
    n = "–" if s.n is None else f"{s.n}{' †' if s.n_is_randomised else ''}"
    ax.text(COLS["n"], y, n, transform=at, ha="right", va="center")
    weight = "–"
    if s.weight_percent is not None:
        weight = tr("percent", lang, v=i18n.num(s.weight_percent, lang))
    ax.text(COLS["weight"], y, weight, transform=at, ha="right", va="center")
    _interval(ax, y, s.ci_low, s.ci_high, lw=0.9, color="black", caps=False)
    size = 3.0 + 5.0 * math.sqrt((s.weight_percent or 0.0) / 100.0)
    ax.plot([s.yi], [y], marker="s", ms=size, color="black", lw=0, clip_on=True)
    _right(ax, at, y, effect_text(s.ci_low, s.yi, s.ci_high, scale, lang))


def _het_row(ax: Axes, at: Transform, y: int, w: WindowResult, lang: str) -> None:
    text = tr(
        "heterogeneity",
        lang,
        tau2=i18n.num(w.tau2, lang, 2),
        i2=i18n.num(w.i2, lang, 0),
        q=i18n.num(w.q, lang, 2),
        df=w.q_df if w.q_df is not None else "–",
        p=i18n.p_value(w.q_p, lang),
    )
    ax.text(COLS["study"] + 0.012, y, text, transform=at, va="center", color=GREY, size=7)


def _right(ax: Axes, at: Transform, y: int, text: str, bold: bool = False) -> None:
    ax.text(
        COLS["effect"],
        y,
        text,
        transform=at,
        ha="right",
        va="center",
        weight="bold" if bold else "normal",
    )


def _interval(
    ax: Axes, y: float, low: float | None, high: float | None, lw: float, color: str, caps: bool
) -> None:
    """A horizontal interval, with an arrow head where it runs past the axis."""
    if low is None or high is None:
        return
    xmin, xmax = ax.get_xlim()
    lo, hi = max(low, xmin), min(high, xmax)
    ax.plot([lo, hi], [y, y], color=color, lw=lw, solid_capstyle="butt")
    for value, clipped, marker in ((lo, low < xmin, "<"), (hi, high > xmax, ">")):
        if clipped:
            ax.plot([value], [y], marker=marker, ms=4, color=color, lw=0, clip_on=False)
        elif caps:
            ax.plot([value], [y], marker="|", ms=5, color=color, lw=0)


def _diamond(ax: Axes, y: int, w: WindowResult) -> None:
    xmin, xmax = ax.get_xlim()
    low, high = max(w.ci_low or 0.0, xmin), min(w.ci_high or 0.0, xmax)
    points = [(low, y), (w.estimate, y - 0.32), (high, y), (w.estimate, y + 0.32)]
    ax.add_patch(Polygon(points, closed=True, facecolor=PALETTE[0], edgecolor=PALETTE[0]))
    for value, clipped, marker in ((low, w.ci_low < xmin, "<"), (high, w.ci_high > xmax, ">")):
        if clipped:
            ax.plot([value], [y], marker=marker, ms=4, color=PALETTE[0], lw=0, clip_on=False)


def _axes_furniture(fig: Figure, ax: Axes, analysis: Analysis, lang: str, height: float) -> None:
    """Zero line, ticks, axis label, favours labels, title and footnotes."""
    ax.plot([0.0, 0.0], [-0.5, ax.get_ylim()[0]], color=GREY, lw=0.7, zorder=0)
    ax.spines[["left", "top", "right"]].set_visible(False)
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    if analysis.scale in LOG_SCALES:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: i18n.num(math.exp(v), lang, 2)))
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: i18n.num(v, lang, 0)))
    label = tr(f"scale.{analysis.scale}", lang) if f"scale.{analysis.scale}" in i18n.TABLE else ""
    ax.set_xlabel(label, labelpad=16)
    zero = blended_transform_factory(ax.transData, ax.transAxes)
    for text, align in (
        (tr("favours_injection", lang), "right"),
        (tr("favours_control", lang), "left"),
    ):
        ax.annotate(
            text,
            (0.0, 0.0),
            xycoords=zero,
            xytext=(-3 if align == "right" else 3, -20),
            textcoords="offset points",
            ha=align,
            va="top",
            size=7,
            color=GREY,
        )
    title = analysis.title.get(lang) or analysis.id
    fig.text(COLS["study"], 1 - 0.12 / height, title, ha="left", va="top", size=9, weight="bold")
    notes = _footnotes(analysis, lang)
    fig.text(
        COLS["study"],
        0.08 / height,
        "\n".join(notes),
        ha="left",
        va="bottom",
        size=7,
        color=GREY,
        linespacing=1.35,
    )


def _footnotes(analysis: Analysis, lang: str) -> list[str]:
    studies: Sequence[StudyRow] = [s for w in analysis.windows for s in w.studies]
    pooled = [w for w in analysis.windows if w.k >= 2]
    notes = []
    if pooled:
        method, test = pooled[0].method, pooled[0].test
        test_label = tr(f"test.{test}", lang) if f"test.{test}" in i18n.TABLE else test
        notes.append(tr("model", lang, method=method, test=test_label))
    if any(s.uncertain for s in studies):
        notes.append(tr("footnote.uncertain", lang))
    if any(s.n_is_randomised for s in studies):
        notes.append(tr("footnote.randomised", lang))
    return [line for note in notes for line in textwrap.wrap(note, NOTE_CHARS)]
