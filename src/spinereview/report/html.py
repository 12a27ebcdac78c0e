"""Small HTML building blocks: every text is escaped, images are embedded as data URIs."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from spinereview.text import show_controls

Cell = Callable[[Mapping[str, Any]], str]

CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#555;font-size:.9em}.warn{background:#fff4e0;padding:.4em .6em;border-left:3px solid #e0a000}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.9em;color:#444}.scroll{overflow-x:auto}nav ul{columns:2}
code{background:#f5f5f5;padding:0 .2em}
td{overflow-wrap:anywhere}table.sof{width:100%;table-layout:fixed}
table.sof td.why{font-size:.9em}tr.window th{background:#fafafa;font-weight:normal;font-style:italic}
td.c-high{background:#1a9850;color:#fff}td.c-moderate{background:#a6d96a}
td.c-low{background:#fee08b}td.c-very_low{background:#f4a582}
.prov{font-size:.85em;background:#f7f7f7;border:1px solid #ddd;padding:.3em .8em}
.prov dt{font-weight:bold;float:left;clear:left;margin-right:.5em}.prov dd{margin:0 0 .1em 0}
.gap{background:#fde8e8;padding:0 .2em}
/* Print: every table fits the page width; cells wrap, nothing is clipped or scrolled away. */
@media print{
@page{size:A4;margin:12mm 10mm}
body{max-width:none;margin:0;padding:0;font-size:9pt;line-height:1.3}
.scroll{overflow:visible!important}
table,table.sof{width:100%!important;max-width:100%;table-layout:auto;font-size:7pt}
th,td{padding:.1em .2em;overflow-wrap:break-word;word-break:normal}td a,td code{overflow-wrap:anywhere}
th{overflow-wrap:normal;word-break:normal;hyphens:manual}
code{white-space:pre-wrap;overflow-wrap:anywhere}
thead{display:table-header-group}tr{break-inside:avoid}
figure{break-inside:avoid}figure img{max-width:100%;border:none}
h2,h3,h4{break-after:avoid}nav ul{columns:3}
a{color:inherit;text-decoration:none}
}
"""


def esc(value: Any) -> str:
    """Escape any value for HTML text and attributes; None becomes an empty string."""
    return "" if value is None else html.escape(show_controls(str(value)), quote=True)


def num(value: Any, digits: int = 2) -> str:
    """A number rounded for display ('' for missing or NaN)."""
    if value is None or value == "":
        return ""
    number = float(value)
    if math.isnan(number):
        return ""
    text = f"{number:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.0"


def link(href: str, text: Any) -> str:
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def host(url: str) -> str:
    """The host name of a URL ('' when it has none)."""
    return urlsplit(str(url or "")).netloc.removeprefix("www.")


def source_link(url: str, what: str) -> str:
    """A link to a source page whose text says what it is the source of and where it lives."""
    if not url:
        return ""
    where = host(url)
    return link(url, f"{what} ({where})" if where else what)


#: Human column headers for the machine names of the results tables (the name stays as a title).
LABELS = {
    "analysis": "analysis", "window": "follow-up window", "run": "run", "scale": "scale",
    "omitted_study": "study left out", "omitted_row": "sheet row left out", "k": "k (studies)",
    "n": "n (participants)", "estimate": "estimate", "ci_low": "95% CI lower",
    "ci_high": "95% CI upper", "pi_low": "95% PI lower", "pi_high": "95% PI upper",
    "tau2": "τ²", "i2": "I² (%)", "applicable": "applicable", "reason": "reason",
    "factor": "subgroup factor", "group": "subgroup", "q_between": "Q between subgroups",
    "q_between_df": "df (between subgroups)", "q_between_p": "p (between subgroups)",
    "qm": "QM (test of moderators)", "qm_p": "p (test of moderators)", "note": "note",
    "check": "check", "statistic": "test statistic", "p": "p", "k0": "k0 (studies filled in)",
    "side": "side", "adjusted_estimate": "adjusted estimate",
    "adjusted_ci_low": "adjusted 95% CI lower", "adjusted_ci_high": "adjusted 95% CI upper",
    "method": "τ² estimator", "test": "test and CI method", "converged": "converged",
}  # fmt: skip
#: Machine columns shown as numbers, with their decimals.
DECIMALS = {"estimate": 2, "ci_low": 2, "ci_high": 2, "pi_low": 2, "pi_high": 2, "tau2": 2,
            "i2": 1, "q_between": 2, "q_between_p": 3, "qm": 2, "qm_p": 3, "statistic": 2,
            "p": 3, "adjusted_estimate": 2, "adjusted_ci_low": 2, "adjusted_ci_high": 2}  # fmt: skip


def human(name: str) -> tuple[str, str]:
    """(human label, machine name) for a results column."""
    return (LABELS.get(name, name.replace("_", " ")), name)


def machine_columns(names: Sequence[str]) -> list[tuple[Header, Cell | str]]:
    """Columns of a results table: human headers, numbers rounded for reading."""
    out: list[tuple[Header, Cell | str]] = []
    for name in names:
        if name in DECIMALS:
            out.append((human(name), _rounded(name, DECIMALS[name])))
        else:
            out.append((human(name), name))
    return out


def _rounded(name: str, digits: int) -> Cell:
    def cell(row: Mapping[str, Any]) -> str:
        value = row.get(name)
        try:
            return num(value, digits)
        except (TypeError, ValueError):
            return esc(value)  # a marked bound such as ">4167.3" stays as written

    return cell


def pmid_link(pmid: Any) -> str:
    pmid = str(pmid or "").strip()
    return link(f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/", f"PMID {pmid}") if pmid else ""


Header = str | tuple[str, str]


def header_cell(header: Header) -> str:
    """A column header: a label, or (label, machine name) with the machine name as its title."""
    if isinstance(header, tuple):
        label, machine = header
        return f'<th title="{esc(machine)}">{esc(label)}</th>'
    return f"<th>{esc(header)}</th>"


def _label(header: Header) -> str:
    return header[0] if isinstance(header, tuple) else header


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[Header, Cell | str]],
    *,
    numeric: Sequence[str] = (),
) -> str:
    """An HTML table. A column is (header, key) — escaped text of row[key] — or (header, function)
    returning ready HTML (functions must escape what they insert). A header is a label or a
    (label, machine name) pair; ``numeric`` names columns by label."""
    head = "".join(header_cell(h) for h, _ in columns)
    body = []
    for row in rows:
        cells = []
        for header, source in columns:
            content = source(row) if callable(source) else esc(row.get(source))
            cls = ' class="num"' if _label(header) in numeric else ""
            cells.append(f"<td{cls}>{content}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def data_uri(path: Path) -> str:
    """Embed a PNG or SVG file as a data URI (the report needs no other file)."""
    mime = {".png": "image/png", ".svg": "image/svg+xml"}[path.suffix]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def figure(path: Path, alt: str, caption: str = "", *, lang: str | None = None) -> str:
    """An embedded figure, or a visible note when the file does not exist. ``lang`` marks a figure
    (its alt text and caption) whose language differs from the page's."""
    if not path.exists():
        return f'<p class="warn">Figure not available: {esc(path.name)}</p>'
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    attr = f' lang="{esc(lang)}"' if lang else ""
    return f'<figure{attr}><img src="{data_uri(path)}" alt="{esc(alt)}">{cap}</figure>'


def in_language(text: str, lang: str, page_lang: str = "en") -> str:
    """Escaped text, wrapped in a span with ``lang`` when it differs from the page's language."""
    return f'<span lang="{esc(lang)}">{esc(text)}</span>' if lang != page_lang else esc(text)


def section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>\n{body}\n</section>'


def page(
    title: str,
    sections: Sequence[tuple[str, str, str]],
    *,
    header: str = "",
    lang: str = "en",
) -> str:
    """The whole document: the only <h1>, a header block (provenance), a table of contents and the
    sections (anchor, title, body)."""
    toc = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t, _ in sections)
    parts = [section(a, t, b) for a, t, b in sections]
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{esc(title)}</h1>{header}</header>"
        f'<nav aria-label="Contents"><ul>{toc}</ul></nav>\n'
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
