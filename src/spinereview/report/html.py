"""Small HTML building blocks: every text is escaped, images are embedded as data URIs."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

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
@media print{body{max-width:none;margin:0}.scroll{overflow:visible}a{color:inherit}}
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


def pmid_link(pmid: Any) -> str:
    pmid = str(pmid or "").strip()
    return link(f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/", f"PMID {pmid}") if pmid else ""


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, Cell | str]],
    *,
    numeric: Sequence[str] = (),
) -> str:
    """An HTML table. A column is (header, key) — escaped text of row[key] — or (header, function)
    returning ready HTML (functions must escape what they insert)."""
    head = "".join(f"<th>{esc(h)}</th>" for h, _ in columns)
    body = []
    for row in rows:
        cells = []
        for header, source in columns:
            content = source(row) if callable(source) else esc(row.get(source))
            cls = ' class="num"' if header in numeric else ""
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


def figure(path: Path, alt: str, caption: str = "") -> str:
    """An embedded figure, or a visible note when the file does not exist."""
    if not path.exists():
        return f'<p class="warn">Figure not available: {esc(path.name)}</p>'
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{data_uri(path)}" alt="{esc(alt)}">{cap}</figure>'


def section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>\n{body}\n</section>'


def page(title: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document: a table of contents and the sections (anchor, title, body)."""
    toc = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t, _ in sections)
    parts = [section(a, t, b) for a, t, b in sections]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{esc(title)}</h1><nav><ul>{toc}</ul></nav>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
