"""Alt text and a plain-language caption per figure and language, from the data the figure shows.

``<name>.alt.<lang>.txt`` holds two paragraphs: the alt text (what is compared, which windows, the
main numbers), then a caption a patient can read. Every number comes from the figure's input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from spinereview.figures import i18n
from spinereview.figures.article import Mark, Panel
from spinereview.figures.data import Analysis, WindowResult
from spinereview.figures.evidence_map import MapRow
from spinereview.figures.i18n import tr
from spinereview.figures.rob import DOMAINS, RobRow

LOG_SCALES = ("log_rr", "log_or")


def _join(parts: Sequence[str]) -> str:
    return "; ".join(parts)


def _text(alt: str, caption: str) -> str:
    return f"{alt}\n\n{caption}\n"


def _ci(
    est: float | None, low: float | None, high: float | None, lang: str, log: bool = False
) -> str:
    if log:
        est, low, high = (math.exp(v) if v is not None else None for v in (est, low, high))
    digits = 2 if log else 1
    return tr("alt.ci", lang, est=i18n.num(est, lang, digits), low=i18n.num(low, lang, digits),
              high=i18n.num(high, lang, digits))  # fmt: skip


def _studies(k: int | None, lang: str) -> str:
    return tr("alt.study", lang) if k == 1 else tr("alt.studies", lang, k=k)


def _mark(mark: Mark, lang: str) -> str:
    if mark.kind == "empty":
        return mark.label
    size = f" ({_studies(mark.k, lang)})" if mark.k is not None else ""
    return f"{mark.label}{size}: {_ci(mark.estimate, mark.ci_low, mark.ci_high, lang)}"


def article(
    panels: Sequence[Panel],
    windows: Sequence[str],
    mcid: float,
    lang: str,
    bounds: Mapping[str, str] | None = None,
) -> str:
    """The article figure: every panel and window with its estimates; how many lie in the band."""
    parts = []
    for panel in panels:
        per_window = [
            f"{i18n.window_label(w, lang, bounds)}: {_join([_mark(m, lang) for m in marks])}."
            for w, marks in panel.windows
        ]
        parts.append(f"{panel.title}. {' '.join(per_window)}")
    shown = [
        m.estimate for p in panels for _, ms in p.windows for m in ms if m.estimate is not None
    ]
    alt = tr("alt.article", lang, title=tr("article.title", lang), mcid=i18n.plain(mcid, lang),
             panels=" ".join(parts) or tr("article.no_panel", lang) + ".")  # fmt: skip
    caption = tr(
        "alt.article_caption",
        lang,
        mcid=i18n.plain(mcid, lang),
        inside=sum(abs(e) < mcid for e in shown),
        shown=len(shown),
        beyond=sum(e <= -mcid for e in shown),
    )
    return _text(alt, caption)


def _forest_window(w: WindowResult, lang: str, log: bool, bounds: Mapping[str, str] | None) -> str:
    window = i18n.window_label(w.window, lang, bounds)
    if w.k >= 2 and w.estimate is not None:
        ci = _ci(w.estimate, w.ci_low, w.ci_high, lang, log)
        return tr("alt.forest_pooled", lang, window=window, studies=_studies(w.k, lang), ci=ci)
    if w.k == 1 and w.studies:
        s = w.studies[0]
        return tr(
            "alt.forest_single", lang, window=window, ci=_ci(s.yi, s.ci_low, s.ci_high, lang, log)
        )
    return tr("alt.no_data", lang, window=window)


def forest(analysis: Analysis, lang: str, bounds: Mapping[str, str] | None = None) -> str:
    """A forest plot: per window k and the pooled effect (or the single study, or no data)."""
    log = analysis.scale in LOG_SCALES
    scale = i18n.tr_or(f"scale.{analysis.scale}", lang, analysis.scale)
    windows = _join([_forest_window(w, lang, log, bounds) for w in analysis.windows])
    title = analysis.title.get(lang) or analysis.id
    alt = tr("alt.forest", lang, title=title, scale=scale, windows=windows + ".")
    return _text(alt, tr("alt.forest_caption", lang))


def prisma(counts: Mapping[str, Any], lang: str) -> str:
    """The PRISMA flow: found, duplicates, screened, assessed, excluded, included."""
    columns = [counts[c] for c in ("databases", "other_methods") if c in counts]

    def total(key: str) -> int:
        return sum(int(c.get(key, 0)) for c in columns)

    alt = tr(
        "alt.prisma",
        lang,
        db=counts.get("databases", {}).get("records_identified", 0),
        other=counts.get("other_methods", {}).get("records_identified", 0),
        duplicates=total("duplicates_removed"),
        screened=total("records_screened"),
        records_excluded=total("records_excluded"),
        assessed=total("reports_assessed"),
        reports_excluded=total("reports_excluded"),
        studies=counts["included"]["studies"],
        reports=counts["included"]["reports"],
    )
    not_retrieved = total("reports_not_retrieved")
    if not_retrieved:
        alt += " " + tr("alt.prisma_not_retrieved", lang, n=not_retrieved)
    return _text(alt, tr("alt.prisma_caption", lang))


def evidence_map(rows: Sequence[MapRow], windows: Sequence[str], lang: str) -> str:
    """The evidence map: rows × windows, cells with data and their certainty."""
    cells = [row.cells.get(w) for row in rows for w in windows]
    filled = [c for c in cells if c is not None]
    levels: dict[str, int] = {}
    for cell in filled:
        key = f"certainty.{cell.certainty}" if cell.certainty else "map.no_rating"
        levels[key] = levels.get(key, 0) + 1
    level_text = ", ".join(
        tr("alt.count", lang, label=tr(key, lang), n=n) for key, n in sorted(levels.items())
    )
    alt = tr(
        "alt.map",
        lang,
        rows=len(rows),
        n_windows=len(windows),
        windows=", ".join(i18n.window_label(w, lang) for w in windows),
        filled=len(filled),
        empty=len(cells) - len(filled),
        levels=level_text or tr("alt.none", lang),
    )
    return _text(alt, tr("alt.map_caption", lang))


def funnel(analysis: Analysis, window: WindowResult, lang: str) -> str:
    """A funnel plot: which analysis and window, k and the pooled effect."""
    title = f"{analysis.title.get(lang) or analysis.id} – {i18n.window_label(window.window, lang)}"
    est = i18n.num(window.estimate, lang)
    alt = tr("alt.funnel", lang, title=title, k=window.k, est=est)
    return _text(alt, tr("alt.funnel_caption", lang))


def rob(rows: Sequence[RobRow], lang: str) -> str:
    """The traffic-light plot: how many studies have which overall judgement."""
    overall = DOMAINS.index("overall")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.judgements[overall]] = counts.get(row.judgements[overall], 0) + 1
    text = ", ".join(
        tr("alt.count", lang, label=tr(f"rob.{key}", lang), n=n) for key, n in counts.items()
    )
    alt = tr("alt.rob", lang, n=len(rows), overall=text)
    return _text(alt, tr("alt.rob_caption", lang))
