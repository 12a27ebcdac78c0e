"""The reviewer notebooks, executed on the snapshot results in a copy of the repository.

The stages the notebooks read run once (Snakemake, in a temporary copy); every notebook is then
executed once in a fresh kernel and rendered to HTML. The checks: no error output, no absolute path
of this machine, self-contained HTML, figures shown when a rule wrote them and reported missing
otherwise, a failing cell reported with its source, and the render_notebook rule itself.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import re
import struct
import sys
import tempfile
import zlib
from pathlib import Path

import nbformat
import pytest
from workflow_copy import copy_workflow, run_snakemake

from spinereview.notebooks import NOTEBOOKS
from spinereview.notebooks.run import NotebookError, run_notebook
from spinereview.notebooks.view import project_root
from spinereview.notebooks.workflow import notebook_inputs, report_inputs, result_inputs

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow
FIGURED = "pain_epidural_local_anaesthetic"  # the analysis that gets a (stand-in) forest plot
STAND_IN_ALT = 'Forest plot of the stand-in: "less pain" < 0 & more'


def _png() -> bytes:
    """A valid 1x1 PNG: stands in for a figure the figures rule would write."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _analysis_ids(workdir: Path) -> list[str]:
    import yaml

    config = yaml.safe_load((workdir / "config/config.yaml").read_text(encoding="utf-8"))
    return [a["id"] for a in config["meta"]["analyses"]]


def _parameters() -> dict[str, str]:
    return {
        "results_dir": "results",
        "reports_dir": "reports",
        "config_path": "config/config.yaml",
        "snapshot_dir": "data/pubmed/snapshot",
    }


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository with the results every notebook reads (and nothing else)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("nb"))
    ids = _analysis_ids(workdir)
    targets = sorted({p for name in NOTEBOOKS for p in result_inputs(name, "results", ids)})
    proc = run_snakemake(workdir, *targets)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # One forest plot exists (shown), the others do not (reported missing), no audit (missing).
    figures = workdir / "reports/figures"
    figures.mkdir(parents=True)
    (figures / f"forest_{FIGURED}.en.png").write_bytes(_png())
    (figures / f"forest_{FIGURED}.alt.en.txt").write_text(f"{STAND_IN_ALT}\n\nCaption.\n")
    return workdir


@pytest.fixture(scope="module")
def rendered(workdir: Path) -> dict[str, tuple[nbformat.NotebookNode, str, str]]:
    """Every notebook executed once: {name: (executed notebook, its .ipynb text, its HTML)}."""
    out = {}
    for name in NOTEBOOKS:
        html_path = workdir / f"reports/notebooks/{name}.html"
        ipynb_path = workdir / f"reports/notebooks/{name}.ipynb"
        nb = run_notebook(
            f"notebooks/{name}.py",
            html=html_path,
            ipynb=ipynb_path,
            parameters=_parameters(),
            cwd=workdir,
        )
        out[name] = (
            nb,
            ipynb_path.read_text(encoding="utf-8"),
            html_path.read_text(encoding="utf-8"),
        )
    return out


def _outputs_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(json.dumps(output, ensure_ascii=False))
    return "\n".join(parts)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_without_error_outputs(rendered, name: str) -> None:
    nb, _, _ = rendered[name]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert "jupytext" not in nb.metadata  # version-dependent metadata dropped
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "results_dir = 'results'" in injected[0].source


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_absolute_path_of_the_machine(rendered, workdir: Path, name: str) -> None:
    _, ipynb_text, html_text = rendered[name]
    machine = {
        str(workdir),
        str(workdir.resolve()),
        str(ROOT),
        tempfile.gettempdir(),
        str(Path.home()),
        sys.prefix,
        str(Path(sys.prefix).resolve()),
    }
    for text in (ipynb_text, html_text):
        found = sorted(p for p in machine if p in text)
        assert not found, f"{name}: {found}"


class _Resources(html.parser.HTMLParser):
    """Collects the URLs of scripts, stylesheets, images and frames a page would load."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "embed", "source", "audio", "video"):
            self.loaded.append(values.get("src") or "")
        if tag == "link":
            self.loaded.append(values.get("href") or "")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_html_is_self_contained(rendered, workdir: Path, name: str) -> None:
    assert (workdir / f"reports/notebooks/{name}.html").is_file()
    _, _, html_text = rendered[name]
    parser = _Resources()
    parser.feed(html_text)
    external = [u for u in parser.loaded if re.match(r"(https?:)?//", u)]
    assert not external, external
    assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//", html_text)
    assert html_text.startswith("<!DOCTYPE html>")


class _Images(html.parser.HTMLParser):
    """The alt attribute of every <img> (None when it has none), decoded."""

    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.alts.append(dict(attrs).get("alt"))


def test_figures_are_shown_when_written_and_reported_missing_otherwise(rendered) -> None:
    nb, _, html_text = rendered["03-meta-analysis"]
    pngs = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(pngs) == 1  # the one stand-in forest plot
    assert 'src="data:image/png;base64,' in html_text
    # the alt text written beside the figure reaches the HTML, escaped; no image goes without one
    assert pngs[0]["metadata"]["image/png"]["alt"] == STAND_IN_ALT
    images = _Images()
    images.feed(html_text)
    assert images.alts == [STAND_IN_ALT]
    for name in NOTEBOOKS:  # no image anywhere without its own alt text
        images = _Images()
        images.feed(rendered[name][2])
        assert all(alt and "No description" not in alt for alt in images.alts), name
    text = _outputs_text(nb)
    assert f"reports/figures/forest_{FIGURED}.en.png` does not exist" not in text
    assert "reports/figures/forest_pain_epidural_placebo.en.png` does not exist" in text
    assert "prisma_flow.en.png` does not exist" in _outputs_text(
        rendered["01-search-and-screening"][0]
    )
    article = _outputs_text(rendered["04-article-figures-and-references"][0])
    assert "No article figure yet" in article
    assert "reference audit is missing" in article


def test_notebooks_show_the_real_results(rendered) -> None:
    screening = _outputs_text(rendered["01-search-and-screening"][0])
    assert "All PRISMA counts add up." in screening
    assert "37 studies in 39 reports" in screening
    assert "not yet reviewed: no file data/screening/human_review.csv" in screening
    extraction = _outputs_text(rendered["02-extraction-audit"][0])
    assert "The embedded snapshot has NO abstracts" in extraction
    assert "No draft sheet rows: no abstract holds an effect statement" in extraction
    assert extraction.count("draft_rows.csv hold only their header") == 1  # said once, no flood
    assert "E001" in extraction and "SE = (upper - lower) / (2 z)" in extraction
    meta = _outputs_text(rendered["03-meta-analysis"][0])
    assert "Cohen2012; LESS" in meta and "knha: CI" in meta and "without uncertain: k" in meta
    # a Q-profile bound beyond the search limit keeps its mark (the snapshot's responder cell)
    assert re.search(r"\[\d[\d.]*, >\d[\d.]*\]", meta), "no '>' bound in the tau²/I² CIs"
    # k = 1 cells: "—" for PI, tau², I², Q (never PI = CI, Q = 0, p = 1); windows in time order
    assert "—" in meta and "knha: CI excludes 0" in meta
    windows = re.findall(r"<td>all</td>\\n\s*<td>window</td>\\n\s*<td>(\w+)</td>", meta)
    assert windows[:2] == ["short", "long"], windows  # subgroups by window in time order
    cell = r"(\\n\s*<td>[^<]*</td>){2}(\\n\s*<td>—</td>){8}"  # estimate, CI, then 8 × "—"
    assert re.search(r"<td>1</td>\\n\s*<td>116</td>" + cell, meta), "k = 1 shows statistics"
    article = _outputs_text(rendered["04-article-figures-and-references"][0])
    assert "points on the 0–100 pain scale" in article


def test_rendering_is_byte_identical(rendered, workdir: Path) -> None:
    name = "04-article-figures-and-references"
    again = workdir / "again.html"
    run_notebook(f"notebooks/{name}.py", html=again, parameters=_parameters(), cwd=workdir)
    assert again.read_text(encoding="utf-8") == rendered[name][2]


def test_a_failing_cell_fails_with_the_cell_shown(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        '# %% tags=["parameters"]\nresults_dir = "results"\n\n'
        "# %%\nvalue = 41\n\n"
        "# %%\nraise ValueError(f\"bad value {value + 1} in {__import__('os').getcwd()}\")\n",
        encoding="utf-8",
    )
    html_path = tmp_path / "bad.html"
    with pytest.raises(NotebookError) as info:
        run_notebook("bad.py", html=html_path, parameters={"results_dir": "x"}, cwd=tmp_path)
    message = str(info.value)
    assert "bad.py: cell 3 failed with ValueError: bad value 42 in <repo>" in message
    assert 'raise ValueError(f"bad value {value + 1}' in message  # the cell's source
    assert "\x1b[" not in message and str(tmp_path) not in message
    assert not html_path.exists()


def test_printed_text_is_one_output_however_the_kernel_flushed_it(tmp_path: Path) -> None:
    """A flush between two writes gives two stream messages; the notebook stores one output."""
    (tmp_path / "nb.py").write_text(
        '# %% tags=["parameters"]\nresults_dir = "r"\n\n'
        "# %%\nimport sys, time\nsys.stdout.write('37 studies'); sys.stdout.flush()\n"
        "time.sleep(0.3)\nprint()\n",
        encoding="utf-8",
    )
    nb = run_notebook("nb.py", html=tmp_path / "nb.html", cwd=tmp_path)
    outputs = nb.cells[-1].outputs
    assert [(o.output_type, o.name, o.text) for o in outputs] == [
        ("stream", "stdout", "37 studies\n")
    ]


def test_unknown_parameter_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "nb.py").write_text('# %% tags=["parameters"]\nresults_dir = "r"\n')
    with pytest.raises(NotebookError, match="result_dir not defined in the parameters cell"):
        run_notebook(
            "nb.py", html=tmp_path / "nb.html", parameters={"result_dir": "x"}, cwd=tmp_path
        )


def test_run_notebook_subcommand_is_registered() -> None:
    from spinereview.notebooks.commands import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["run-notebook", "notebooks/x.py", "--html", "x.html", "--parameters", '{"a": 1}']
    )
    assert args.command == "run-notebook" and args.ipynb is None and callable(args.func)


def test_rule_inputs_follow_the_rules_that_write_figures() -> None:
    outputs = [
        "reports/figures/forest_a.en.png",
        "reports/figures/prisma_flow.en.png",
        "reports/figures/article_pain_by_window.en.png",
        "reports/figures/article_pain_by_window.caption.en.txt",
        "reports/figures/forest_{analysis}.en.png",  # a wildcard names no single file
        "reports/citations/audit.json",
        "results/meta/pooled.csv",
    ]
    assert report_inputs("01-search-and-screening", outputs) == [
        "reports/figures/prisma_flow.en.png"
    ]
    assert report_inputs("02-extraction-audit", outputs) == []
    assert report_inputs("03-meta-analysis", outputs) == ["reports/figures/forest_a.en.png"]
    assert "reports/citations/audit.json" in report_inputs(
        "04-article-figures-and-references", outputs
    )
    inputs = notebook_inputs("03-meta-analysis", "res", ["x", "y"], outputs)
    assert "res/meta/analyses/x.json" in inputs["results"]
    assert "res/meta/analyses/y.json" in inputs["results"]
    other = {"snapshot": "snap/manifest.json", "sheet": "sheet.csv"}  # read by 01 and 02 only
    audit = notebook_inputs("02-extraction-audit", "res", [], outputs, other)
    assert (audit["snapshot"], audit["sheet"]) == ("snap/manifest.json", "sheet.csv")
    search = notebook_inputs("01-search-and-screening", "res", [], outputs, other)
    assert search["snapshot"] == "snap/manifest.json" and "sheet" not in search
    assert set(notebook_inputs("03-meta-analysis", "res", [], outputs, other)) == {
        "results",
        "reports",
    }
    with pytest.raises(KeyError, match="unknown notebook"):
        result_inputs("05-nothing", "res", [])


def test_rule_is_lint_clean_and_runs_after_the_stages_it_reads(workdir: Path) -> None:
    lint = run_snakemake(workdir, "--lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "notebooks.smk" not in lint.stdout + lint.stderr
    html_targets = [f"reports/notebooks/{name}.html" for name in NOTEBOOKS]
    dry = run_snakemake(workdir, "--dry-run", "--forceall", *html_targets)
    assert dry.returncode == 0, dry.stderr[-3000:]
    out = dry.stdout + dry.stderr
    assert out.count("rule render_notebook:") == len(NOTEBOOKS)
    for rule in ("screen_records", "harmonise_effects", "extract_candidates", "pool_effects"):
        assert f"rule {rule}:" in out


def test_rule_renders_a_notebook_and_a_failing_cell_fails_the_rule(workdir: Path) -> None:
    """Through `spinereview run-notebook` (needs "notebooks" in cli.STAGES_WITH_COMMANDS)."""
    name = "04-article-figures-and-references"
    target = f"reports/notebooks/{name}.html"
    (workdir / target).unlink(missing_ok=True)
    proc = run_snakemake(workdir, target)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (workdir / target).is_file() and (workdir / f"reports/notebooks/{name}.ipynb").is_file()
    log = workdir / f"logs/notebooks/{name}.log"
    assert f"notebooks/{name}.py executed" in log.read_text(encoding="utf-8")

    source = workdir / f"notebooks/{name}.py"
    original = source.read_text(encoding="utf-8")
    good = (workdir / target).read_bytes()
    try:
        source.write_text(original + '\n# %%\nraise RuntimeError("stop here")\n', encoding="utf-8")
        failed = run_snakemake(workdir, target)
    finally:
        source.write_text(original, encoding="utf-8")
    assert failed.returncode != 0
    text = log.read_text(encoding="utf-8")
    assert "failed with RuntimeError: stop here" in text
    assert 'raise RuntimeError("stop here")' in text
    # the previous good output is kept (update() outputs; see common.smk), not half-written
    assert (workdir / target).read_bytes() == good


def test_figure_alt_text_is_read_beside_the_figure_or_names_the_missing_file(
    tmp_path: Path,
) -> None:
    from spinereview.notebooks.view import figure_alt

    png = tmp_path / "forest_x.de.png"
    png.write_bytes(_png())
    assert figure_alt(png) == "forest_x.de.png (no alt text: forest_x.alt.de.txt is missing)"
    (tmp_path / "forest_x.alt.de.txt").write_text("Waldplot x.\n\nBildunterschrift.\n")
    assert figure_alt(png) == "Waldplot x."


def test_project_root_is_the_checkout_or_the_folder_of_a_jobs_inputs(tmp_path: Path) -> None:
    """From notebooks/ in Jupyter the checkout above; in a job under a storage provider the folder
    of its inputs' local copies, which has config/ and notebooks/ but no Snakefile."""
    (tmp_path / "Snakefile").write_text("")
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text("")
    copies = tmp_path / ".snakemake/storage/fs/store"
    for folder in ("config", "notebooks", "results"):
        (copies / folder).mkdir(parents=True)
    (copies / "config/config.yaml").write_text("")
    assert project_root(copies / "results") == copies.resolve()
    (tmp_path / "notebooks").mkdir()
    assert project_root(tmp_path / "notebooks") == tmp_path.resolve()
    (copies / "notebooks").rmdir()
    assert project_root(copies) == tmp_path.resolve()  # not the inputs' folder: the checkout
