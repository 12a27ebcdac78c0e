"""Drawing every configured figure from the pipeline's results into one folder."""

from __future__ import annotations

import functools
import logging
import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinereview.errors import SpinereviewError
from spinereview.figures import alt, article, evidence_map, funnel, i18n, names, prisma, rob
from spinereview.figures.data import (
    Analysis,
    analysis_files,
    load_analysis,
    read_json,
    read_pooled,
    read_randomised,
)
from spinereview.figures.forest import draw_forest
from spinereview.figures.style import FORMATS, figure_style, print_width, save_figure
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

    languages: tuple[str, ...]
    formats: tuple[str, ...]
    dpi: int
    mcid: Mapping[str, Any]
    size: str = "double"  # the article figure's print width (style.SIZES); the others are fixed


def check_settings(figures: Mapping[str, Any]) -> Settings:
    """Validate the figures block (the config schema checks it too; the CLI may be called alone)."""
    for key in ("languages", "formats", "dpi", "mcid"):
        if key not in figures:
            raise SpinereviewError(f"figure settings: missing key {key!r}")
    formats = tuple(figures["formats"])
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise SpinereviewError(f"figure settings: formats must be some of {', '.join(FORMATS)}")
    languages = figures["languages"]
    if isinstance(languages, str) or not languages or len(set(languages)) != len(languages):
        raise SpinereviewError("figure settings: languages must be a list of distinct languages")
    mcid = figures["mcid"]
    try:
        value = float(mcid.get("value", 0)) if isinstance(mcid, Mapping) else 0.0
    except (TypeError, ValueError):
        value = 0.0
    if not value > 0:
        raise SpinereviewError("figure settings: mcid.value must be a positive number")
    size = str(figures.get("size", "double"))
    print_width(size)
    return Settings(
        tuple(i18n.check_language(lang) for lang in languages),
        formats,
        int(figures["dpi"]),
        {**mcid, "value": value},
        size,
    )


def draw_figures(
    inputs: Inputs,
    figures: Mapping[str, Any],
    meta: Mapping[str, Any],
    out_dir: str | Path,
    windows: Sequence[Mapping[str, Any]] | None = None,
    jobs: int = 1,
    prisma_figure: bool = True,
) -> list[Path]:
    """Draw every figure in every configured language; return the files written (figures, alt
    texts, captions, notes). Figure files of an earlier run that this run did not write (another
    language, a removed analysis, names without a language) are removed.

    With ``jobs`` > 1 the languages, the funnel plots and the risk-of-bias plot are drawn in up to
    ``jobs`` forked processes (each figure is drawn and saved on its own, so the files are the
    same bytes as with one process). Without ``prisma_figure`` the PRISMA flow diagram is neither
    drawn nor pruned (``draw_prisma_figures`` draws it; the workflow does so as soon as the
    screening is done, before the pooling these figures wait for)."""
    settings = check_settings(figures)
    out = Path(out_dir)
    ids = [a["id"] for a in meta.get("analyses", [])]
    randomised = read_randomised(inputs.included)
    analyses = [load_analysis(p, randomised) for p in analysis_files(inputs.analyses_dir, ids)]
    window_ids = [w["id"] for w in windows] if windows else _analysis_windows(meta)
    prisma_counts = _prisma_counts(inputs.prisma) if prisma_figure else None

    def language(lang: str) -> list[Path]:
        files: list[Path] = []
        bounds = i18n.window_bounds(windows, lang) if windows else {}
        for analysis in analyses:
            with figure_style():
                fig = draw_forest(analysis, lang, bounds)
                name = names.forest_name(analysis.id)
                files += _save(fig, out, name, lang, settings)
            files += _alt(out, name, lang, alt.forest(analysis, lang, bounds))
        files += _article(inputs, figures, settings, meta, out, bounds, window_ids, lang)
        if prisma_counts is not None:
            files += _prisma(prisma_counts, out, lang, settings)
        return files

    tasks: list[Callable[[], list[Path]]] = [
        functools.partial(language, lang) for lang in settings.languages
    ]
    tasks.append(lambda: _funnels(analyses, settings, out / FUNNEL_DIR))
    tasks.append(lambda: _rob(inputs.rob_sheet, settings, out / ROB_DIR))
    written = [path for files in _run_tasks(tasks, jobs) for path in files]
    kinds = (*_FIGURE_PREFIXES, *(_PRISMA_PREFIXES if prisma_figure else ()))
    _prune_stale(out, written, kinds)
    return written


def draw_prisma_figures(
    prisma_path: str | Path, figures: Mapping[str, Any], out_dir: str | Path
) -> list[Path]:
    """Draw the PRISMA 2020 flow diagram of ``prisma_path`` in every configured language, with its
    alt texts; return the files written. PRISMA files of an earlier run that this run did not
    write are removed, and no other figure's."""
    settings = check_settings(figures)
    out = Path(out_dir)
    counts = _prisma_counts(Path(prisma_path))
    written = [path for lang in settings.languages for path in _prisma(counts, out, lang, settings)]
    _prune_stale(out, written, _PRISMA_PREFIXES)
    return written


def _prisma_counts(path: Path) -> dict[str, Any]:
    counts = read_json(path)
    prisma.check_prisma(counts, path)
    return counts


def _prisma(counts: Mapping[str, Any], out: Path, lang: str, settings: Settings) -> list[Path]:
    with figure_style():
        fig = prisma.draw_prisma(counts, lang)
        files = _save(fig, out, prisma.NAME, lang, settings)
    return files + _alt(out, prisma.NAME, lang, alt.prisma(counts, lang))


#: The tasks of the running ``_run_tasks`` call; forked workers inherit them (closures over the
#: loaded inputs, which need not be pickled), and only their index and result cross processes.
_TASKS: list[Callable[[], list[Path]]] = []


def _run_task(index: int) -> list[Path]:
    return _TASKS[index]()


def _run_tasks(tasks: Sequence[Callable[[], list[Path]]], jobs: int) -> list[list[Path]]:
    """Each task's result, in order; in up to ``jobs`` forked processes when there is more than one
    task and the platform forks. When a task fails in a worker, every task is run again in this
    process, so that the error is raised exactly as in a run with one job."""
    global _TASKS
    if jobs <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [task() for task in tasks]
    _TASKS = list(tasks)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=context) as pool:
            futures = [pool.submit(_run_task, i) for i in range(len(tasks))]
            try:
                return [future.result() for future in futures]
            except Exception:  # raised again below, in this process
                log.debug("a figure task failed in a worker; drawing again in one process")
    finally:
        _TASKS = []
    return [task() for task in tasks]


def _save(fig: Any, out: Path, name: str, lang: str, settings: Settings) -> list[Path]:
    files = save_figure(fig, out, f"{name}.{lang}", settings.formats, settings.dpi)
    log.info("%s (%s): %s", name, lang, ", ".join(p.name for p in files))
    return files


def _alt(out: Path, name: str, lang: str, text: str) -> list[Path]:
    """Write the figure's alt text and plain-language caption beside it."""
    path = out / names.alt_name(name, lang)
    write_text_atomic(path, text.rstrip("\n") + "\n")
    return [path]


#: Name prefixes of the files ``draw_figures`` writes, and of those ``draw_prisma_figures`` writes.
_FIGURE_PREFIXES = ("forest_", f"{names.ARTICLE}.", f"{names.EVIDENCE_MAP}.")
_PRISMA_PREFIXES = (f"{names.PRISMA}.",)


def _prune_stale(out: Path, keep: Sequence[Path], prefixes: tuple[str, ...]) -> None:
    """Remove figure files, alt texts and captions in ``out`` whose names start with one of
    ``prefixes`` and that this run did not write."""
    kept = {p.resolve() for p in keep}
    if not out.is_dir():
        return
    for path in sorted(out.iterdir()):
        stale = path.is_file() and path.resolve() not in kept and path.name.startswith(prefixes)
        if stale and path.suffix.lstrip(".") in (*FORMATS, "txt"):
            log.info("removed %s (not written by this run)", path.name)
            path.unlink()


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
    lang: str,
) -> list[Path]:
    classes = figures.get("article", {}).get("classes", [])
    reviews = read_reviews(inputs.reviews)
    certainty = read_certainty(inputs.findings)
    panels = article.build_panels(
        meta, classes, read_pooled(inputs.pooled), reviews, windows, lang, certainty
    )
    mcid = float(settings.mcid["value"])
    with figure_style():
        fig = article.draw_article(panels, meta, mcid, lang, bounds, settings.size)
        files = _save(fig, out, article.NAME, lang, settings)
    files += _alt(out, article.NAME, lang, alt.article(panels, windows, mcid, lang, bounds))
    rows = evidence_map.build_rows(meta, classes, read_findings(inputs.findings), reviews, lang)
    with figure_style():
        fig = evidence_map.draw_map(rows, windows, lang)
        files += _save(fig, out, evidence_map.NAME, lang, settings)
    files += _alt(out, evidence_map.NAME, lang, alt.evidence_map(rows, windows, lang))
    left_out = sum(r["kind"] == "estimate" and r["in_figure"] != "true" for r in reviews)
    caption_path = out / names.caption_name(lang)
    text = article.caption(panels, meta, windows, settings.mcid, lang, bounds, left_out)
    write_text_atomic(caption_path, text)
    return [*files, caption_path]


def _prune(folder: Path, keep: Sequence[Path], prefix: str) -> None:
    """Remove figures and alt texts of an earlier run that this run did not write (same prefix)."""
    if folder.is_dir():
        kept = {p.resolve() for p in keep}
        for path in sorted(folder.glob(f"{prefix}*")):
            if path.resolve() not in kept and path.suffix.lstrip(".") in (*FORMATS, "txt"):
                path.unlink()


def _funnels(analyses: Sequence[Analysis], settings: Settings, folder: Path) -> list[Path]:
    """A funnel plot per analysis × window with k ≥ 10 in every language; notes.txt (in the
    reader's language) and index.json say which."""
    written: list[Path] = []
    note_lang = names.reader_language(settings.languages)
    lines, index = [], []
    for analysis in analyses:
        for window in analysis.windows:
            lines.append(funnel.note_line(analysis, window, note_lang))
            files: list[Path] = []
            name = funnel.funnel_name(analysis.id, window.window)
            for lang in settings.languages if funnel.drawable(window) else ():
                label = analysis.title.get(lang) or analysis.id
                title = f"{label} – {i18n.window_label(window.window, lang)}"
                with figure_style():
                    fig = funnel.draw_funnel(
                        window.studies, window.estimate or 0.0, analysis.scale, lang, title
                    )
                    files += _save(fig, folder, name, lang, settings)
                files += _alt(folder, name, lang, alt.funnel(analysis, window, lang))
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
    """The traffic-light plot in every language when the sheet exists; otherwise only a note."""
    note_lang = names.reader_language(settings.languages)
    if sheet is None or not sheet.is_file():
        shown = str(sheet) if sheet is not None else "risk_of_bias.csv"
        _prune(folder, [], rob.NAME)
        note = i18n.tr("rob.no_sheet", note_lang, path=shown)
        return _notes(folder, [note], {"drawn": False, "files": [], "note": note})
    rows = rob.read_rob_sheet(sheet)
    files: list[Path] = []
    for lang in settings.languages:
        with figure_style():
            files += _save(rob.draw_rob(rows, lang), folder, rob.NAME, lang, settings)
        files += _alt(folder, rob.NAME, lang, alt.rob(rows, lang))
    _prune(folder, files, rob.NAME)
    line = f"{rob.NAME}: {len(rows)} rows from {sheet}"
    index = {"drawn": True, "files": [p.name for p in files], "note": "", "rows": len(rows)}
    return [*files, *_notes(folder, [line], index)]


def _notes(folder: Path, lines: Sequence[str], index: Mapping[str, Any]) -> list[Path]:
    notes, index_path = folder / "notes.txt", folder / "index.json"
    write_text_atomic(notes, "".join(f"{line}\n" for line in lines))
    write_json_atomic(index_path, index)
    return [notes, index_path]
