"""Reviewer notebooks: run jupytext py:percent notebooks in a fresh kernel and render them to HTML.

``run`` executes a notebook (parameters injected, machine paths scrubbed), ``render`` writes the
self-contained HTML, ``view`` holds the small display helpers the notebooks import, and ``commands``
adds the ``run-notebook`` subcommand.
"""

#: The notebooks under notebooks/, in reading order (file stem = output name in reports/notebooks/).
NOTEBOOKS = (
    "01-search-and-screening",
    "02-extraction-audit",
    "03-meta-analysis",
    "04-article-figures-and-references",
)
