"""The report's summary of findings: own pooled cells with GRADE certainty beside published reviews.

Read from ``results/evidence/summary_of_findings.csv`` (own cells, certainty with reasons) and
``results/reviews/estimates.csv`` (published reviews, certainty as they reported it); one table per
injection class of ``figures.article.classes``, rows by outcome and window, the certainty shaded.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spinereview.report.content import analysis_anchor
from spinereview.report.html import esc, link, num
from spinereview.rounding import sign_words

DOMAIN_NAMES = {
    "risk_of_bias": "risk of bias",
    "inconsistency": "inconsistency",
    "indirectness": "indirectness",
    "imprecision": "imprecision",
    "publication_bias": "publication bias",
}
LEVEL_NAMES = {
    "high": "High ⊕⊕⊕⊕",
    "moderate": "Moderate ⊕⊕⊕◯",
    "low": "Low ⊕⊕◯◯",
    "very_low": "Very low ⊕◯◯◯",
}
REPORTED = {
    "high": "high",
    "moderate": "moderate",
    "low": "low",
    "very_low": "very low",
    "low_to_moderate": "low to moderate",
    "not_reported": "not reported",
    "": "",
}
SYSTEMS = {"GRADE": "GRADE", "AHRQ_SOE": "AHRQ strength of evidence", "not_reported": ""}
COLGROUP = (
    '<colgroup><col style="width:20%"><col style="width:13%"><col style="width:11%">'
    '<col style="width:36%"><col style="width:20%"></colgroup>'
)
OUTCOME_ORDER = ("pain", "disability", "responder", "other")
SCALE_GROUP = {
    "pain_0_100": "pain",
    "disability_0_100": "disability",
    "responder_rd_pp": "responder",
}
OUTCOME_NAMES = {
    "pain": "Pain (0–100)",
    "disability": "Disability (0–100)",
    "responder": "Responders (RD, percentage points)",
    "other": "Other outcomes and scales",
}

#: The sign convention in words under each outcome's heading.
SIGNS = {group: sign_words(scale, "en") for scale, group in SCALE_GROUP.items()}


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _effect(r: Mapping[str, str], href: str = "", digits: int = 1) -> str:
    if not r.get("estimate"):
        return ""
    low, high = num(r["ci_low"], digits), num(r["ci_high"], digits)
    mark = " *" if r.get("clipped") else ""
    text = f"{num(r['estimate'], digits)} ({low} to {high}){mark}"
    return link(href, text) if href else esc(text)


def _shade(level: str, text: str) -> str:
    key = {"low_to_moderate": "low"}.get(level, level)
    cls = f' class="c-{esc(key)}"' if key in LEVEL_NAMES else ""
    return f"<td{cls}>{text}</td>"


def _own_row(r: Mapping[str, str], windows: Mapping[str, int]) -> tuple[Any, ...]:
    anchor = "#" + analysis_anchor(r["analysis"], r["window"])
    title = link("#" + analysis_anchor(r["analysis"]), r["title_en"])
    k = r["k"] or "0"
    if r.get("certainty"):
        reasons = [
            f"<b>{esc(DOMAIN_NAMES[d])} −{r[f'{d}_levels']}</b>: {esc(r[f'{d}_reason_en'])}"
            for d in DOMAIN_NAMES
            if r.get(f"{d}_levels") not in ("", "0", None)
        ]
        why = "<br>".join(reasons) or "no downgrade"
        for flag in _flags(r):
            why += f'<br><span class="note">{esc(flag)}</span>'
        if r.get("conclusion_differs") == "true":
            why = "<b>⚑ conclusion depends on the method</b><br>" + why
        certainty = _shade(r["certainty"], esc(LEVEL_NAMES[r["certainty"]]))
    else:
        why, certainty = "", "<td></td>"
    n = f", n = {esc(r['n'])}" if r.get("n") else ""
    cells = (
        f'<td>{title}<br><span class="note">this review, k = {esc(k)}{n}</span></td>',
        f"<td>{_effect(r, anchor)}</td>",
        certainty,
        f'<td class="why">{why}</td>',
        f"<td>{esc(r['statement_en'])}</td>",
    )
    return (windows.get(r["window"], 99), 0, r["analysis"], cells)


def _flags(r: Mapping[str, str]) -> list[str]:
    """The small-k sentences of the cell's notes (method dependence, k = 2 HKSJ, clipped bounds)."""
    keys = ("The conclusion depends on the method", "With two studies the Knapp-Hartung",
            "Interval bounds beyond ±100")  # fmt: skip
    sentences = [s.strip() for s in r.get("notes_en", "").replace(". ", ".\n").splitlines()]
    return [s for s in sentences if s.startswith(keys)]


def _review_row(r: Mapping[str, str], windows: Mapping[str, int]) -> tuple[Any, ...]:
    size = ", ".join(
        f"{name} = {esc(r[key])}" if r[key] else f"{name} not reported"
        for name, key in (("k", "k"), ("n", "n"))
    )
    window = (
        "" if r["window_fit"] == "exact" else f"; the review's window: {esc(r['review_window'])}"
    )
    status = (
        ""
        if r["status"] == "verified"
        else f"<br><b>{esc(r['status'])}</b>: {esc(r['status_reason'])}"
    )
    reported = REPORTED.get(r["certainty"], r["certainty"])
    system = SYSTEMS.get(r["certainty_system"], r["certainty_system"])
    certainty_text = f"{reported} ({system})" if system else reported
    if r["scale"] == "log_rr":  # a ratio is shown as the review reported it, not on the log scale
        ratio = {k: r[f"reported_{k}"] for k in ("estimate", "ci_low", "ci_high")}
        effect = "RR " + _effect(ratio, digits=2)
    elif r["scale"] == "smd":
        effect = "SMD " + _effect(r, digits=2)
    else:
        effect = _effect(r)
    figure = (
        "drawn on the article figure"
        if r["in_figure"] == "true"
        else f"not drawn: {esc(r['figure_reason'])}"
    )
    cells = (
        f"<td>{link(r['source_url'], r['label_en'])}<br>"
        f'<span class="note">published review, {size}{window}</span></td>',
        f"<td>{effect}</td>",
        _shade(r["certainty"], esc(certainty_text)),
        f'<td class="why">as reported by the review{status}</td>',
        f'<td class="note">{figure}</td>',
    )
    return (windows.get(r["window"], 99), 1, r["review_row"], cells)


def _class_of(interventions: Sequence[str], classes: Sequence[Mapping[str, Any]]) -> str:
    wanted = set(interventions)
    return next((c["id"] for c in classes if wanted and wanted <= set(c["interventions"])), "")


def summary_of_findings(
    config: Mapping[str, Any], findings: Path, reviews: Path, window_labels: Mapping[str, str]
) -> str:
    """The section's HTML (see module docstring)."""
    classes = config["figures"].get("article", {}).get("classes", [])
    analyses = {a["id"]: a for a in config["meta"]["analyses"]}
    windows = {w["id"]: i for i, w in enumerate(config["extraction"]["windows"])}
    own = _read(findings)
    published = [r for r in _read(reviews) if r["kind"] == "estimate" and r["estimate"]]
    grouped: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    empty: dict[tuple[str, str, str], list[str]] = {}
    for r in own:
        cls = _class_of(analyses[r["analysis"]]["interventions"], classes)
        group = SCALE_GROUP.get(r["scale"], "other")
        if r.get("certainty"):
            grouped.setdefault((cls, group), []).append(_own_row(r, windows))
        else:  # k = 0: one compact line per window names the analyses without data
            empty.setdefault((cls, group, r["window"]), []).append(r["title_en"])
    for (cls, group, window), titles in empty.items():
        text = "This review: no study with usable data (" + "; ".join(titles) + ")"
        cells = (f'<td colspan="5" class="note">{esc(text)}</td>',)
        grouped.setdefault((cls, group), []).append((windows.get(window, 99), 2, "", cells))
    for r in published:
        group = SCALE_GROUP.get(r["scale"], "other") if r["outcome"] != "surgery" else "other"
        grouped.setdefault((r["article_class"], group), []).append(_review_row(r, windows))
    head = (
        "<tr><th>source</th><th>effect (95% CI)</th><th>certainty</th><th>why</th>"
        "<th>in plain words</th></tr>"
    )
    parts = [_intro(config)]
    class_titles = [(c["id"], c["title"]["en"]) for c in classes] + [("", "Other interventions")]
    for cls_id, title in class_titles:
        groups = [g for g in OUTCOME_ORDER if (cls_id, g) in grouped]
        if not groups:
            continue
        parts.append(f"<h3>{esc(title)}</h3>")
        for group in groups:
            rows = sorted(grouped[(cls_id, group)], key=lambda t: t[:3])
            body, current = [], None
            for order, _, _, cells in rows:
                if order != current:
                    current = order
                    window = next((w for w, i in windows.items() if i == order), "")
                    label = window_labels.get(window, window or "no window")
                    body.append(f'<tr class="window"><th colspan="5">{esc(label)}</th></tr>')
                body.append("<tr>" + "".join(cells) + "</tr>")
            sign = f" — {SIGNS[group]}" if group in SIGNS else ""
            parts.append(
                f"<h4>{esc(OUTCOME_NAMES[group] + sign)}</h4>"
                f'<table class="sof">{COLGROUP}<thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'
            )
    return "\n".join(parts)


def _intro(config: Mapping[str, Any]) -> str:
    mcid = config["figures"]["mcid"]
    return (
        "<p>Every cell of this review's own meta-analyses with at least one study gets a GRADE "
        "certainty (high, moderate, low, very low), computed by the rules of <code>grade:</code> in "
        "<code>config/config.yaml</code> (README, “Certainty of evidence”); each downgrade gives its "
        "reason. The published reviews' results stand beside them on the same scale and sign, with "
        "the certainty as each review reported it (GRADE or AHRQ strength of evidence). Negative "
        f"values favour the injection. Threshold of an important difference: {esc(mcid['value'])} "
        "points on the 0–100 scales (a judgement, see the article figure's caption). Cells without "
        "any study are listed as such.</p>"
    )
