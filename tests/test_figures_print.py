"""Print-ready figures for the article's author (issue 14, must have 3): print sizes with no text
below 7 pt, editable SVG text, greyscale-safe series and band, German typography (Duden), alt texts
and plain-language captions in de and en, and one run writing every language."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from browser import pdf_text
from fontTools import subset as font_subset
from fontTools.ttLib import TTFont
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from spinereview.figures import alt, article, evidence_map, funnel, i18n, names, prisma, rob
from spinereview.figures.data import load_analysis, read_pooled, read_randomised
from spinereview.figures.forest import draw_forest
from spinereview.figures.run import (
    Inputs,
    draw_figures,
    read_certainty,
    read_findings,
    read_reviews,
)
from spinereview.figures.style import (
    LAYOUT_TABLES,
    METADATA,
    MIN_PT,
    SIZES,
    figure_style,
    pdf_fonts_without_layout_tables,
    save_figure,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests/data/figures/input"
SETTINGS = json.loads((DATA / "settings.json").read_text(encoding="utf-8"))
WINDOWS = [w["id"] for w in SETTINGS["windows"]]
CLASSES = SETTINGS["figures"]["article"]["classes"]
MM = 25.4


def inputs() -> Inputs:
    return Inputs(DATA / "pooled.csv", DATA / "analyses", DATA / "prisma.json",
                  DATA / "included.csv", DATA / "risk_of_bias.csv", DATA / "reviews.csv",
                  DATA / "findings.csv")  # fmt: skip


def figures(**over: Any) -> dict[str, Any]:
    return {**SETTINGS["figures"], **over}


def panels(lang: str) -> list[article.Panel]:
    return article.build_panels(SETTINGS["meta"], CLASSES, read_pooled(DATA / "pooled.csv"),
                                read_reviews(DATA / "reviews.csv"), WINDOWS, lang,
                                read_certainty(DATA / "findings.csv"))  # fmt: skip


def analyses() -> list[Any]:
    randomised = read_randomised(DATA / "included.csv")
    return [load_analysis(p, randomised) for p in sorted((DATA / "analyses").glob("*.json"))]


def every_figure(lang: str) -> dict[str, Figure]:
    """Every figure the pipeline draws, in ``lang``, as drawn (inside the figure style)."""
    bounds = i18n.window_bounds(SETTINGS["windows"], lang)
    out: dict[str, Figure] = {}
    for a in analyses():
        out[f"forest {a.id}"] = draw_forest(a, lang, bounds)
    for size in SIZES:
        out[f"article {size}"] = article.draw_article(panels(lang), SETTINGS["meta"], 10.0, lang,
                                                      bounds, size)  # fmt: skip
    rows = evidence_map.build_rows(SETTINGS["meta"], CLASSES, read_findings(DATA / "findings.csv"),
                                   read_reviews(DATA / "reviews.csv"), lang)  # fmt: skip
    out["evidence map"] = evidence_map.draw_map(rows, WINDOWS, lang)
    counts = json.loads((DATA / "prisma.json").read_text())
    out["prisma"] = prisma.draw_prisma(counts, lang)
    window = next(a for a in analyses() if a.id == "syn_disability_funnel").windows[1]
    out["funnel"] = funnel.draw_funnel(window.studies, window.estimate, "disability_0_100", lang,
                                       "Synthetic funnel – short term")  # fmt: skip
    out["rob"] = rob.draw_rob(rob.read_rob_sheet(DATA / "risk_of_bias.csv"), lang)
    return out


# --- 1. print sizes, 7 pt minimum ---------------------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_text_of_every_figure_is_at_least_7_pt_at_print_size(lang: str) -> None:
    with figure_style():
        for name, fig in every_figure(lang).items():
            width = fig.get_figwidth()
            assert any(abs(width - w) < 1e-9 for w in SIZES.values()), (name, width * MM)
            fig.canvas.draw()  # tick labels and legends exist only once drawn
            small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
                     if t.get_text().strip() and t.get_fontsize() < MIN_PT]  # fmt: skip
            assert small == [], name


def test_article_figure_has_the_column_and_double_widths() -> None:
    assert {k: round(v * MM, 9) for k, v in SIZES.items()} == {"column": 85, "double": 175}
    with figure_style():
        for size, mm in (("column", 85), ("double", 175)):
            fig = article.draw_article(panels("de"), SETTINGS["meta"], 10.0, "de", None, size)
            assert round(fig.get_figwidth() * MM, 6) == mm


def test_article_text_stays_inside_the_figure_at_column_size() -> None:
    with figure_style():
        fig = article.draw_article(panels("de"), SETTINGS["meta"], 10.0, "de", None, "column")
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        box = fig.bbox
        for t in fig.findobj(Text):
            if t.get_text().strip() and t.get_visible():
                extent = t.get_window_extent(renderer)
                assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, t.get_text()


# --- 2. editable SVG text, byte-identical -------------------------------------------------------


def test_svg_text_is_editable_text_in_a_named_font_and_identical_on_rerun(tmp_path: Path) -> None:
    runs = []
    for run in ("a", "b"):
        draw_figures(inputs(), figures(languages=["de", "en"], formats=["svg"]), SETTINGS["meta"],
                     tmp_path / run, SETTINGS["windows"])  # fmt: skip
        runs.append((tmp_path / run / "article_pain_by_window.de.svg").read_bytes())
    assert runs[0] == runs[1]
    svg = runs[0].decode("utf-8")
    assert "<text" in svg and "DejaVu Sans" in svg
    texts = [t.replace("\u00a0", " ") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for words in ("Wirkung auf den Schmerz", "keine Daten", "Synthetische epidurale Klasse",
                  "Kurzfristig (über 2 bis 13 Wochen)"):  # fmt: skip
        assert any(words in t for t in texts), words
    assert "<dc:date>" not in svg


# --- 3. greyscale-safe series and band ----------------------------------------------------------


def test_every_series_has_its_own_marker_and_line_style() -> None:
    meta = {"analyses": [{"id": f"own{j}", "scale": "pain_0_100"} for j in range(4)]}
    reviews = tuple(article.Mark("review", f"r{j}", -5.0, -8.0, -2.0, key=f"rev{j}")
                    for j in range(6))  # fmt: skip
    panel = article.Panel("c", "C", (("short", reviews),))
    styles = article.series_styles([panel], meta)
    assert len(styles) == 10
    pairs = [(s.marker, s.linestyle) for s in styles.values()]
    assert len(set(pairs)) == len(pairs)
    assert {s.marker for k, s in styles.items() if k.startswith("rev")} & {"o"} == set()


def test_too_many_reviews_for_distinct_shapes_fail_loudly() -> None:
    reviews = tuple(article.Mark("review", f"r{j}", -5.0, -8.0, -2.0, key=f"rev{j}")
                    for j in range(len(article.REVIEW_MARKERS) + 1))  # fmt: skip
    with pytest.raises(Exception, match="marker shape"):
        article.series_styles([article.Panel("c", "C", (("short", reviews),))], {"analyses": []})


def test_the_mcid_band_stays_visible_in_greyscale(tmp_path: Path) -> None:
    with figure_style():
        fig = article.draw_article(panels("en"), SETTINGS["meta"], 10.0, "en", None, "double")
        ax = fig.axes[0]
        save_figure(fig, tmp_path, "a", ["png"], int(fig.dpi))  # pixels = display units
    grey = np.asarray(Image.open(tmp_path / "a.png").convert("L"), dtype=float)
    height = grey.shape[0]

    def column(x: float) -> np.ndarray:
        """Grey values of the plot area's pixel column at data x (below the last mark)."""
        px, _ = ax.transData.transform((x, 0))
        y0, y1 = ax.transAxes.transform((0, 0))[1], ax.transAxes.transform((0, 1))[1]
        rows = slice(int(height - y1) + 2, int(height - y0) - 2)
        return grey[rows, int(px) - 6 : int(px) + 7]

    inside, outside = column(5.0).mean(), column(15.0).mean()
    assert outside > 250  # white background outside the band
    assert outside - inside > 20, (inside, outside)


def test_review_markers_differ_in_shape_in_the_drawn_figure() -> None:
    with figure_style():
        fig = article.draw_article(panels("en"), SETTINGS["meta"], 10.0, "en", None, "double")
    drawn = {(line.get_marker(), line.get_linestyle()) for line in fig.axes[0].lines
             if len(line.get_xdata()) == 1 and line.get_marker() not in ("<", ">")}  # fmt: skip
    assert len({m for m, _ in drawn}) >= 3  # circles (own), squares and diamonds (reviews)


# --- 4. German typography -----------------------------------------------------------------------

FORBIDDEN = {
    "space before %-compound (Duden: 95-%-…)": re.compile(r"\d[ \u00a0\u202f]%-"),
    "95 %-… without hyphen": re.compile(r"\d%-"),
    "hyphen in a range (en dash: 0–100)": re.compile(r"\b\d+-\d+\b"),
    "abbreviation Wo.": re.compile(r"\bWo\."),
    "abbreviation n. b.": re.compile(r"\bn\. ?b\."),
    "abbreviation log.": re.compile(r"\blog\. "),
    "decimal point": re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])"),
    "% without a space": re.compile(r"\d%"),
}


def forbidden_forms(text: str) -> list[str]:
    return [name for name, pattern in FORBIDDEN.items() if pattern.search(text)]


def test_the_checker_finds_every_forbidden_form() -> None:
    for bad in ("95 %-KI", "95%-KI", "Skala 0-100", "≤ 2 Wo.", "n. b.", "(log. Skala)", "−7.1",
                "40%"):  # fmt: skip
        assert forbidden_forms(bad), bad
    assert forbidden_forms("95-%-Konfidenzintervall, 0–100, 6 Wochen, −7,1, 40\u202f%") == []


def test_german_labels_follow_duden() -> None:
    for key, entry in i18n.TABLE.items():
        assert forbidden_forms(entry["de"]) == [], (key, entry["de"])


def test_german_figures_alt_texts_and_captions_follow_duden(tmp_path: Path) -> None:
    with figure_style():
        for name, fig in every_figure("de").items():
            fig.canvas.draw()
            for t in fig.findobj(Text):
                # study ids and analysis titles are data, not labels; numbers and units are ours
                assert forbidden_forms(t.get_text()) == [], (name, t.get_text())
    draw_figures(inputs(), figures(languages=["de"], formats=["svg"]), SETTINGS["meta"], tmp_path,
                 SETTINGS["windows"])  # fmt: skip
    for path in sorted(tmp_path.rglob("*.de.txt")):
        assert forbidden_forms(path.read_text(encoding="utf-8")) == [], path.name


def test_german_numbers_use_the_decimal_comma_on_the_axes() -> None:
    with figure_style():
        fig = every_figure("de")["funnel"]
        fig.canvas.draw()
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all("," in t and "." not in t for t in ticks)


# --- 5. alt text and plain-language caption ----------------------------------------------------


def test_alt_text_and_caption_are_written_beside_every_figure_in_both_languages(
    tmp_path: Path,
) -> None:
    draw_figures(inputs(), figures(languages=["de", "en"], formats=["svg"]), SETTINGS["meta"],
                 tmp_path, SETTINGS["windows"])  # fmt: skip
    for name in names.figure_names(SETTINGS["meta"]):
        for lang in ("de", "en"):
            text = (tmp_path / names.alt_name(name, lang)).read_text(encoding="utf-8")
            alt_text, caption = text.strip().split("\n\n")
            assert alt_text and caption
    for folder, name in (("funnel", "funnel_syn_disability_funnel_short"),
                         ("rob", "rob_traffic_light")):  # fmt: skip
        for lang in ("de", "en"):
            assert (tmp_path / folder / names.alt_name(name, lang)).is_file()


def test_article_alt_text_gives_the_numbers_shown() -> None:
    text = alt.article(panels("de"), WINDOWS, 10.0, "de",
                       i18n.window_bounds(SETTINGS["windows"], "de"))  # fmt: skip
    alt_text, caption = text.strip().split("\n\n")
    assert "Synthetische epidurale Klasse" in alt_text and "±10 Punkte" in alt_text
    assert "Kurzfristig (über 2 bis 13 Wochen)" in alt_text
    assert "−7,1 (95-%-Konfidenzintervall −15,2 bis 1,0)" in alt_text
    assert "Langfristig (ab 52 Wochen): keine Daten" in alt_text
    # six estimates shown: -8, -6, -7.1, -3, -14.5, 4; inside ±10: five; at or beyond -10: one
    assert "Bei 5 von 6 gezeigten Ergebnissen" in caption and "bei 1 außerhalb" in caption
    english = alt.article(panels("en"), WINDOWS, 15.0, "en")
    assert "±15 points" in english and "For 6 of 6 results shown" in english


def test_forest_prisma_map_and_rob_alt_texts_come_from_the_data() -> None:
    epidural = next(a for a in analyses() if a.id == "syn_pain_epidural")
    text = alt.forest(epidural, "en")
    assert (
        "Short term: 3 studies, pooled effect −7.1 (95% confidence interval −15.2 to 1.0)" in text
    )
    assert "Intermediate term: 1 study" in text and "not pooled" in text
    counts = json.loads((DATA / "prisma.json").read_text())
    text = alt.prisma(counts, "de")
    assert "80 Datensätze aus Datenbanken und 6 aus anderen Quellen" in text
    assert "eingeschlossen: 17 Studien in 19 Berichten" in text
    rows = rob.read_rob_sheet(DATA / "risk_of_bias.csv")
    assert "for 4 studies" in alt.rob(rows, "en")


# --- 6. file names carry the language; one run writes both ---------------------------------


def test_one_run_writes_both_languages_and_removes_stale_files(tmp_path: Path) -> None:
    stale = [tmp_path / "article_pain_by_window.svg", tmp_path / "article_pain_by_window.fr.svg",
             tmp_path / "article_pain_by_window.caption.fr.txt", tmp_path / "forest_gone.de.svg"]  # fmt: skip
    for path in stale:
        path.write_text("old")
    (tmp_path / "other.txt").write_text("not a figure")
    draw_figures(inputs(), figures(languages=["de", "en"], formats=["svg", "png"]),
                 SETTINGS["meta"], tmp_path, SETTINGS["windows"])  # fmt: skip
    for lang in ("de", "en"):
        for fmt in ("svg", "png"):
            assert (tmp_path / f"article_pain_by_window.{lang}.{fmt}").is_file()
        assert (tmp_path / f"article_pain_by_window.caption.{lang}.txt").is_file()
    german = (tmp_path / "article_pain_by_window.de.svg").read_bytes()
    assert german != (tmp_path / "article_pain_by_window.en.svg").read_bytes()
    assert not any(p.exists() for p in stale) and (tmp_path / "other.txt").exists()
    # English only: the German files of the run before go too
    draw_figures(inputs(), figures(languages=["en"], formats=["svg"]), SETTINGS["meta"], tmp_path,
                 SETTINGS["windows"])  # fmt: skip
    assert not list(tmp_path.rglob("*.de.*"))


def test_german_analysis_titles_in_the_config_spell_words_out() -> None:
    """The analysis titles are printed on the German forest plots and the evidence map."""
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))
    titles = [a["title"]["de"] for a in config["meta"]["analyses"]]
    assert len(titles) >= 6
    for title in titles:
        assert not re.search(r"\bvs\.?\s|/", title), title  # "gegen", "oder", not "vs." or "/"
        assert forbidden_forms(title) == [], title


def _embedded_fonts(pdf: Path) -> list[Any]:
    """The TrueType fonts embedded in ``pdf`` (every compressed stream that fontTools can read)."""
    fonts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf.read_bytes(), re.S):
        try:
            fonts.append(TTFont(io.BytesIO(zlib.decompress(stream))))
        except Exception:  # page contents, images: not a font
            continue
    return fonts


def test_pdf_fonts_lose_only_their_layout_tables(tmp_path: Path) -> None:
    """Saving a PDF subsets the fonts without GSUB/GPOS/GDEF (the slow part of the figure step):
    the page text and every rendered pixel are those of matplotlib's own subsets."""
    load_font = font_subset.load_font
    with figure_style():
        fig = Figure(figsize=(3.5, 1.6))
        ax = fig.add_subplot()
        ax.set_title("Rückenschmerz: Effizienz – office", fontweight="bold")
        ax.text(0.05, 0.5, "fluffy −0,5 (95 %-KI) ≤ 10 mm", style="italic")
        ax.set_xlabel("Schmerz (0–100 mm), Ärzteblatt")
        save_figure(fig, tmp_path, "lean", ["pdf"], 72)
        fig.savefig(tmp_path / "full.pdf", format="pdf", metadata=METADATA["pdf"])
    assert font_subset.load_font is load_font  # restored
    lean, full = _embedded_fonts(tmp_path / "lean.pdf"), _embedded_fonts(tmp_path / "full.pdf")
    assert len(lean) == len(full) >= 3  # regular, bold, oblique
    assert all(set(LAYOUT_TABLES) <= set(font.keys()) for font in full)
    assert not any(set(LAYOUT_TABLES) & set(font.keys()) for font in lean)
    assert all("glyf" in font and "cmap" in font for font in lean)
    assert pdf_text(tmp_path / "lean.pdf") == pdf_text(tmp_path / "full.pdf")
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None  # poppler-utils, as pdftotext above
    pages = []
    for name in ("lean", "full"):
        subprocess.run([pdftoppm, "-r", "200", "-png", "-singlefile", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / f"{name}-page")], check=True)  # fmt: skip
        pages.append(np.asarray(Image.open(tmp_path / f"{name}-page.png")))
    assert pages[0].shape == pages[1].shape and (pages[0] == pages[1]).all()
    assert (pages[0] < 128).any()  # the page shows the text


def test_pdf_font_wrapper_is_restored_when_saving_fails(tmp_path: Path) -> None:
    load_font = font_subset.load_font
    with pytest.raises(RuntimeError, match="disk full"), pdf_fonts_without_layout_tables():
        assert font_subset.load_font is not load_font
        raise RuntimeError("disk full")
    assert font_subset.load_font is load_font
