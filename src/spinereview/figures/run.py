"""Drawing every configured figure from the pipeline's results into one folder."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinereview.errors import SpinereviewError
from spinereview.figures import article, evidence_map, funnel, i18n, names, prisma, rob
from spinereview.figures.data import (
    Analysis,
    analysis_files,
    load_analysis,
    read_json,
    read_pooled,
    read_randomised,
)
from spinereview.figures.forest import draw_forest
from spinereview.figures.style import FORMATS, figure_style, save_figure
from spinereview.io import read_table, write_json_atomic, write_text_atomic

log = logging.getLogger("spinereview.figures")
FUNNEL_DIR = names.FUNNEL_DIR
ROB_DIR = names.ROB_DIR


@dataclass(frozen=True)
class Inputs:
    """Where the figures' inputs are (the risk-of-bias sheet and included.csv are optional)."""

    pooled: Path
    analyses_dir: Path
    prisma: Path
    included: Path | None = None
    rob_sheet: Path | None = None
    reviews: Path | None = None  # results/reviews/estimates.csv (the article figure's reviews)
    findings: Path | None = None  # results/evidence/summary_of_findings.csv (own cells' certainty)


@dataclass(frozen=True)
class Settings:
    """The config's figures block, checked."""

    language: str
    formats: tuple[str, ...]
    dpi: int
    mcid: Mapping[str, Any]


def check_settings(figures: Mapping[str, Any]) -> Settings:
    """Validate the figures block (the config schema checks it too; the CLI may be called alone)."""
    for key in ("language", "formats", "dpi", "mcid"):
        if key not in figures:
            raise SpinereviewError(f"figure settings: missing key {key!r}")
    formats = tuple(figures["formats"])
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise SpinereviewError(f"figure settings: formats must be some of {', '.join(FORMATS)}")
    mcid = figures["mcid"]
    if not isinstance(mcid, Mapping) or not float(mcid.get("value", 0)) > 0:
        raise SpinereviewError("figure settings: mcid.value must be a positive number")
    return Settings(i18n.check_language(figures["language"]), formats, int(figures["dpi"]), mcid)


def draw_figures(
    inputs: Inputs,
    figures: Mapping[str, Any],
    meta: Mapping[str, Any],
    out_dir: str | Path,
    windows: Sequence[Mapping[str, Any]] | None = None,
) -> list[Path]:
    """Draw every figure; return the files written (figures, caption, notes)."""
    settings = check_settings(figures)
    out = Path(out_dir)
    lang = settings.language
    bounds = i18n.window_bounds(windows, lang) if windows else {}
    ids = [a["id"] for a in meta.get("analyses", [])]
    randomised = read_randomised(inputs.included)
    analyses = [load_analysis(p, randomised) for p in analysis_files(inputs.analyses_dir, ids)]
    written: list[Path] = []
    for analysis in analyses:
        with figure_style():
            fig = draw_forest(analysis, lang, bounds)
            written += _save(fig, out, names.forest_name(analysis.id), settings)
    window_ids = [w["id"] for w in windows] if windows else _analysis_windows(meta)
    written += _article(inputs, figures, settings, meta, out, bounds, window_ids)
    prisma_counts = read_json(inputs.prisma)
    prisma.check_prisma(prisma_counts, inputs.prisma)
    with figure_style():
        written += _save(prisma.draw_prisma(prisma_counts, lang), out, prisma.NAME, settings)
    written += _funnels(analyses, settings, out / FUNNEL_DIR)
    written += _rob(inputs.rob_sheet, settings, out / ROB_DIR)
    return written


def _save(fig: Any, out: Path, name: str, settings: Settings) -> list[Path]:
    files = save_figure(fig, out, name, settings.formats, settings.dpi)
    log.info("%s: %s", name, ", ".join(p.name for p in files))
    return files


def _analysis_windows(meta: Mapping[str, Any]) -> list[str]:
    """Window ids in the order the analyses list them (when the protocol's windows are not given)."""
    out: list[str] = []
    for spec in meta.get("analyses", []):
        out += [w for w in spec.get("windows", []) if w not in out]
    return out


def read_reviews(path: Path | None) -> list[dict[str, str]]:
    """The rows of results/reviews/estimates.csv (none when the figure is drawn without reviews)."""
    if path is None:
        return []
    needed = ("review_row", "review_id", "article_class", "window", "estimate", "ci_low",
              "ci_high", "k", "n", "label_en", "label_de", "in_figure", "window_flag",
              "certainty", "certainty_system", "kind")  # fmt: skip
    return read_table(path, needed)


def read_findings(path: Path | None) -> list[dict[str, str]]:
    """The rows of the summary of findings (none without the file)."""
    if path is None:
        return []
    return read_table(path, ("analysis", "window", "certainty", "k", "estimate"))


def read_certainty(path: Path | None) -> dict[tuple[str, str], str]:
    """(analysis, window) → GRADE level from the summary of findings (none without the file)."""
    return {
        (r["analysis"], r["window"]): r["certainty"] for r in read_findings(path) if r["certainty"]
    }


def _article(
    inputs: Inputs,
    figures: Mapping[str, Any],
    settings: Settings,
    meta: Mapping[str, Any],
    out: Path,
    bounds: Mapping[str, str],
    windows: Sequence[str],
) -> list[Path]:
    lang = settings.language
    classes = figures.get("article", {}).get("classes", [])
    reviews = read_reviews(inputs.reviews)
    certainty = read_certainty(inputs.findings)
    panels = article.build_panels(
        meta, classes, read_pooled(inputs.pooled), reviews, windows, lang, certainty
    )
    mcid = float(settings.mcid["value"])
    with figure_style():
        fig = article.draw_article(panels, meta, mcid, lang, bounds)
        files = _save(fig, out, article.NAME, settings)
    with figure_style():
        rows = evidence_map.build_rows(meta, classes, read_findings(inputs.findings), reviews, lang)
        files += _save(evidence_map.draw_map(rows, windows, lang), out, evidence_map.NAME, settings)
    left_out = sum(r["kind"] == "estimate" and r["in_figure"] != "true" for r in reviews)
    caption_path = out / names.caption_name(lang)
    text = article.caption(panels, meta, windows, settings.mcid, lang, bounds, left_out)
    write_text_atomic(caption_path, text)
    return [*files, caption_path]


def _prune(folder: Path, keep: Sequence[Path], prefix: str) -> None:
    """Remove figures of an earlier run that this run did not draw (same prefix only)."""
    if folder.is_dir():
        for path in sorted(folder.glob(f"{prefix}*")):
            if path not in keep and path.suffix.lstrip(".") in FORMATS:
                path.unlink()


def _funnels(analyses: Sequence[Analysis], settings: Settings, folder: Path) -> list[Path]:
    """A funnel plot per analysis × window with k ≥ 10; notes.txt and index.json say which."""
    lang, written, lines, index = settings.language, [], [], []
    for analysis in analyses:
        for window in analysis.windows:
            lines.append(funnel.note_line(analysis, window, lang))
            files: list[Path] = []
            if funnel.drawable(window):
                name = analysis.title.get(lang) or analysis.id
                title = f"{name} – {i18n.window_label(window.window, lang)}"
                with figure_style():
                    fig = funnel.draw_funnel(
                        window.studies, window.estimate or 0.0, analysis.scale, lang, title
                    )
                    files = _save(
                        fig, folder, funnel.funnel_name(analysis.id, window.window), settings
                    )
            index.append(
                {
                    "analysis": analysis.id,
                    "window": window.window,
                    "k": window.k,
                    "drawn": bool(files),
                    "files": [p.name for p in files],
                    "note": "" if files else f"not drawn: k < {funnel.MIN_K}",
                }
            )
            written += files
    _prune(folder, written, "funnel_")
    return [*written, *_notes(folder, lines, {"min_k": funnel.MIN_K, "plots": index})]


def _rob(sheet: Path | None, settings: Settings, folder: Path) -> list[Path]:
    """The traffic-light plot when the sheet exists; otherwise only a note."""
    lang = settings.language
    if sheet is None or not sheet.is_file():
        shown = str(sheet) if sheet is not None else "risk_of_bias.csv"
        _prune(folder, [], rob.NAME)
        note = i18n.tr("rob.no_sheet", lang, path=shown)
        return _notes(folder, [note], {"drawn": False, "files": [], "note": note})
    rows = rob.read_rob_sheet(sheet)
    with figure_style():
        files = _save(rob.draw_rob(rows, lang), folder, rob.NAME, settings)
    line = f"{rob.NAME}: {len(rows)} rows from {sheet}"
    index = {"drawn": True, "files": [p.name for p in files], "note": "", "rows": len(rows)}
    return [*files, *_notes(folder, [line], index)]


def _notes(folder: Path, lines: Sequence[str], index: Mapping[str, Any]) -> list[Path]:
    notes, index_path = folder / "notes.txt", folder / "index.json"
    write_text_atomic(notes, "".join(f"{line}\n" for line in lines))
    write_json_atomic(index_path, index)
    return [notes, index_path]
