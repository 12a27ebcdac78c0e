"""Render an executed notebook to one self-contained HTML file (no external scripts or styles)."""

from __future__ import annotations

import jinja2
from nbconvert import HTMLExporter
from nbformat import NotebookNode

#: The lab template without the scripts it loads from CDNs (require.js, MathJax, Mermaid): the
#: notebooks need none of them, and the report must open offline. Its CSS is inlined by nbconvert.
#: PNG outputs carry the alt text the notebook gave them (the lab template drops it).
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_png scoped -%}
{%- set alt = output | get_metadata('alt', 'image/png') -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
{%- if alt %} alt="{{ alt | escape_html }}"{% endif %}>
</div>
{%- endblock data_png -%}
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
