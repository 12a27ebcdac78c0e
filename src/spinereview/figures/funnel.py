"""Contour-enhanced funnel plots, drawn only where a window has enough studies (k ≥ 10)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from spinereview.figures import i18n
from spinereview.figures.data import Analysis, StudyRow, WindowResult
from spinereview.figures.i18n import tr
from spinereview.figures.style import GREY, PALETTE, SIZES, new_figure

# Below 10 studies a funnel plot cannot show asymmetry reliably (Sterne et al. 2011, BMJ
# 343:d4002); the same threshold gates Egger's test in the meta stage.
MIN_K = 10
# Two-sided significance contours around the null: (z, fill colour, label key); p = 0.10, 0.05, 0.01.
CONTOURS = (
    (1.6448536269514722, "#d9d9d9", "funnel.p10"),
    (1.959963984540054, "#a6a6a6", "funnel.p05"),
    (2.5758293035489004, "#737373", "funnel.p01"),
)


def drawable(window: WindowResult) -> bool:
    """Whether a funnel plot of this window is drawn (k ≥ MIN_K and a pooled estimate)."""
    return window.k >= MIN_K and window.estimate is not None


def funnel_name(analysis_id: str, window: str) -> str:
    return f"funnel_{analysis_id}_{window}"


def note_line(analysis: Analysis, window: WindowResult, lang: str) -> str:
    """One line of the notes file: drawn, or why not."""
    where = f"{analysis.id} / {window.window} (k = {window.k})"
    if drawable(window):
        return f"{where}: {funnel_name(analysis.id, window.window)}"
    return f"{where}: {tr('funnel.not_drawn', lang, min_k=MIN_K)}"


def draw_funnel(
    studies: Sequence[StudyRow], estimate: float, scale: str, lang: str, title: str
) -> Figure:
    """Effect against standard error, shaded where a study alone would be significant."""
    fig = new_figure(SIZES["column"], 3.9)
    ax = fig.add_axes((0.17, 0.33, 0.78, 0.54))
    se = np.array([s.se for s in studies])
    yi = np.array([s.yi for s in studies])
    se_max = float(se.max()) * 1.1
    grid = np.linspace(0.0, se_max, 50)
    reach = max(float(np.abs(yi).max()), CONTOURS[-1][0] * se_max, abs(estimate)) * 1.08
    ax.set_xlim(-reach, reach)
    ax.set_ylim(se_max, 0.0)
    # Each band runs from its own z to the next one's (the last to the edge of the plot).
    outer = [z for z, _, _ in CONTOURS[1:]]
    for (z, colour, _), z_out in zip(CONTOURS, [*outer, None], strict=True):
        far = grid * z_out if z_out is not None else np.full_like(grid, reach)
        for sign in (-1.0, 1.0):
            ax.fill_betweenx(grid, sign * z * grid, sign * far, color=colour, lw=0)
    ax.axvline(0.0, color="white", lw=0.6)
    ax.axvline(estimate, color=PALETTE[1], lw=1.0)
    for sign in (-1.0, 1.0):
        ax.plot(estimate + sign * 1.96 * grid, grid, color=PALETTE[1], lw=0.8, ls="--")
    ax.plot(yi, se, marker="o", ms=4.5, mfc="white", mec="black", lw=0, zorder=5)
    ax.set_xlabel(tr(f"scale.{scale}", lang) if f"scale.{scale}" in i18n.TABLE else scale)
    ax.set_ylabel(tr("funnel.ylabel", lang))
    ax.xaxis.set_major_formatter(lambda v, _: i18n.num(v, lang, 0))
    ax.yaxis.set_major_formatter(lambda v, _: i18n.num(v, lang, 1))
    title = "\n".join(textwrap.wrap(title, 40, break_on_hyphens=False))
    fig.text(0.03, 0.985, title, ha="left", va="top", size=8, weight="bold")
    handles = [Patch(facecolor="white", edgecolor=GREY, label=tr("funnel.p_gt10", lang))]
    handles += [Patch(facecolor=colour, label=tr(key, lang)) for _, colour, key in CONTOURS]
    handles += [
        Line2D(
            [], [], marker="o", mfc="white", mec="black", lw=0, label=tr("funnel.studies", lang)
        ),
        Line2D([], [], color=PALETTE[1], lw=1.0, label=tr("funnel.pooled", lang)),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False, fontsize=7)
    return fig
