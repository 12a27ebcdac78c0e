"""Deterministic, print-ready figure style: Agg-only rendering, the bundled DejaVu Sans named in
editable SVG text, fixed metadata, the journal's column widths and a 7 pt minimum for text."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib
from fontTools import subset as font_subset
from matplotlib import font_manager
from matplotlib.figure import Figure

from spinereview.errors import SpinereviewError
from spinereview.io import atomic_path

# No display and the same rasteriser everywhere (figures are drawn without pyplot in any case).
matplotlib.use("Agg")

FONT_FAMILY = "DejaVu Sans"
FORMATS = ("svg", "png", "pdf")
CREATOR = "spinereview figures"

MM = 1 / 25.4  # inches per millimetre
#: Print widths (inches): one column of the journal (85 mm) and two columns (175 mm).
SIZES: dict[str, float] = {"column": 85 * MM, "double": 175 * MM}
#: No text smaller than this at print size (points).
MIN_PT = 7.0

# Everything that could vary between machines or runs is pinned: the font (matplotlib's bundled
# copy, checked below), SVG text kept as <text> in that named font (the layout desk edits it; the
# bytes depend only on the strings and positions), a fixed salt for SVG ids and a fixed root id,
# TrueType (not Type 3) fonts in PDF, and no style sheet or user matplotlibrc (rc_context starts
# from defaults). Every font size below is at least MIN_PT: figures are drawn at print size.
RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY],
    "font.size": 7.5,
    "axes.titlesize": 9.0,
    "axes.labelsize": 7.5,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
    "legend.title_fontsize": 7.0,
    "axes.unicode_minus": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.7,
    "lines.linewidth": 1.0,
    "text.usetex": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "spinereview",
    "svg.id": "spinereview-figure",
    "svg.image_inline": True,
    "pdf.fonttype": 42,
    "pdf.compression": 6,
    "path.simplify": False,
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.transparent": False,
    "figure.facecolor": "white",
    "hatch.linewidth": 0.5,
}

# Per-format metadata: no dates, a fixed creator, matplotlib's version left out of the files.
METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": CREATOR},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": CREATOR, "Producer": CREATOR},
    "png": {"Software": CREATOR},
}

# Colours (colour-blind safe, Okabe-Ito) shared by every figure.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
GREY = "#6b6b6b"
LIGHT = "#d9d9d9"
BAND = "#dbe5f3"  # the MCID band: a tint that stays lighter than the data but not white in grey
BAND_HATCH = "#9fb2cc"  # its hatching and
BAND_HATCH_PATTERN = "////"
BAND_EDGE = "#6f86a6"  # its dashed edges, so that the band survives greyscale print


def check_font() -> Path:
    """Return the font file text is drawn with; fail unless it is matplotlib's bundled DejaVu Sans.

    A system copy of DejaVu Sans of another version would change the glyph outlines and so the
    bytes of every SVG and PDF.
    """
    data = Path(matplotlib.get_data_path()).resolve()
    for weight in ("normal", "bold"):
        props = font_manager.FontProperties(family=FONT_FAMILY, weight=weight)
        found = Path(font_manager.findfont(props, fallback_to_default=False)).resolve()
        if data not in found.parents:
            raise SpinereviewError(
                f"figures need matplotlib's bundled {FONT_FAMILY} ({weight}), but {found} is "
                "found first; remove ~/.cache/matplotlib/fontlist-*.json and retry"
            )
    return found


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Apply the deterministic style (from matplotlib's defaults) for drawing and saving."""
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(RC)
        check_font()
        yield


def print_width(size: str) -> float:
    """The width in inches of the size preset ``size`` (column or double)."""
    if size not in SIZES:
        raise SpinereviewError(f"figure size {size!r} is not one of {', '.join(SIZES)}")
    return SIZES[size]


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` × ``height`` inches that belongs to no pyplot state."""
    return Figure(figsize=(width, height), layout=None)


#: OpenType layout tables: glyph substitution and positioning for text shaping. A PDF reader draws
#: the embedded glyphs by number and never shapes text with them; matplotlib has already placed
#: every glyph (with the font's kerning) before the PDF is written.
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF")


@contextlib.contextmanager
def pdf_fonts_without_layout_tables() -> Iterator[None]:
    """While saving a PDF, the fonts matplotlib loads to subset and embed lose their layout tables.

    Subsetting the bundled DejaVu Sans decompiles and prunes its large GSUB/GPOS tables, once per
    font in every PDF (about five a figure): about a quarter of the whole figure step's CPU. The
    embedded subsets are what a reader needs either way (the same glyphs, widths and text mapping),
    only smaller. fontTools' public ``subset.load_font`` is wrapped for the duration and restored.
    """
    load_font = font_subset.load_font

    def load_without_layout(*args: Any, **kwargs: Any) -> Any:
        font = load_font(*args, **kwargs)
        for tag in LAYOUT_TABLES:
            if tag in font:
                del font[tag]
        return font

    font_subset.load_font = load_without_layout
    try:
        yield
    finally:
        font_subset.load_font = load_font


def save_figure(
    fig: Figure, out_dir: str | Path, name: str, formats: Sequence[str], dpi: int
) -> list[Path]:
    """Write ``fig`` as ``<out_dir>/<name>.<fmt>`` for every format, each file atomically."""
    written = []
    for fmt in formats:
        if fmt not in FORMATS:
            raise SpinereviewError(f"figure format {fmt!r} is not one of {', '.join(FORMATS)}")
        target = Path(out_dir) / f"{name}.{fmt}"
        fonts = pdf_fonts_without_layout_tables() if fmt == "pdf" else contextlib.nullcontext()
        with fonts, atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=METADATA[fmt])
        written.append(target)
    return written
