"""Render an executed notebook to one self-contained HTML file (no external scripts or styles)."""

from __future__ import annotations

import jinja2
from nbconvert import HTMLExporter
from nbformat import NotebookNode

#: The lab template without the scripts it loads from CDNs (require.js, MathJax, Mermaid): the
#: notebooks need none of them, and the report must open offline. Its CSS is inlined by nbconvert.
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def render_html(nb: NotebookNode, *, title: str) -> str:
    """HTML of ``nb`` with images embedded; the same notebook gives the same bytes."""
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"spinereview.html.j2": TEMPLATE})],
        template_file="spinereview.html.j2",
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body if body.endswith("\n") else body + "\n"
