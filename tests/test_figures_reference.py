"""Visual regression: figures from a fixed synthetic input must match the stored reference SVGs byte
for byte. Nothing is normalised: the SVGs carry no date, no version and fixed ids.

The references depend on matplotlib's version (glyph outlines, path output). After an intended
change or a matplotlib upgrade, regenerate them and review the diff of the images:
``SPINEREVIEW_UPDATE_FIGURES=1 .venv/bin/pytest tests/test_figures_reference.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib
import pytest

from spinereview.figures import i18n
from spinereview.figures.data import load_analysis, read_randomised
from spinereview.figures.forest import draw_forest
from spinereview.figures.run import Inputs, draw_figures
from spinereview.figures.style import figure_style, save_figure

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = ROOT / "tests/data/figures"
DATA = REFERENCES / "input"
SETTINGS = json.loads((DATA / "settings.json").read_text(encoding="utf-8"))
VERSIONS = REFERENCES / "versions.json"
UPDATE = os.environ.get("SPINEREVIEW_UPDATE_FIGURES") == "1"
# reference file -> where draw_figures writes it (one run, both languages; the article figure at
# column size, as settings.json says, in English and German)
FIGURES = {
    "forest_syn_pain_epidural.en.svg": "forest_syn_pain_epidural.en.svg",
    "article_pain_by_window.en.svg": "article_pain_by_window.en.svg",
    "article_pain_by_window.de.svg": "article_pain_by_window.de.svg",
    "evidence_map.en.svg": "evidence_map.en.svg",
    "prisma_flow.en.svg": "prisma_flow.en.svg",
    "funnel_syn_disability_funnel_short.en.svg": "funnel/funnel_syn_disability_funnel_short.en.svg",
    "rob_traffic_light.en.svg": "rob/rob_traffic_light.en.svg",
}


def render(out: Path) -> Path:
    inputs = Inputs(DATA / "pooled.csv", DATA / "analyses", DATA / "prisma.json",
                    DATA / "included.csv", DATA / "risk_of_bias.csv", DATA / "reviews.csv",
                    DATA / "findings.csv")  # fmt: skip
    settings = {**SETTINGS["figures"], "languages": ["en", "de"], "formats": ["svg"]}
    draw_figures(inputs, settings, SETTINGS["meta"], out, SETTINGS["windows"])
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = render(tmp_path_factory.mktemp("figures"))
    if UPDATE:
        for name, produced in FIGURES.items():
            (REFERENCES / name).write_bytes((out / produced).read_bytes())
        VERSIONS.write_text(json.dumps({"matplotlib": matplotlib.__version__}, indent=2) + "\n")
    return out


def test_references_were_made_with_this_matplotlib(rendered: Path) -> None:
    made_with = json.loads(VERSIONS.read_text())["matplotlib"]
    assert made_with == matplotlib.__version__, (
        f"reference SVGs were made with matplotlib {made_with}, this is "
        f"{matplotlib.__version__}: regenerate them (see this module's docstring)"
    )


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_matches_its_reference(rendered: Path, name: str) -> None:
    produced = (rendered / FIGURES[name]).read_bytes()
    reference = (REFERENCES / name).read_bytes()
    assert produced == reference, f"{name} differs from tests/data/figures/{name}"


def test_the_other_language_differs_from_every_reference(rendered: Path) -> None:
    for name, produced in FIGURES.items():
        other = produced.replace(".en.", ".xx.").replace(".de.", ".en.").replace(".xx.", ".de.")
        assert (rendered / other).read_bytes() != (REFERENCES / name).read_bytes(), name


def test_a_changed_label_fails_the_comparison(tmp_path: Path, monkeypatch) -> None:
    analysis = load_analysis(DATA / "analyses/syn_pain_epidural.json",
                             read_randomised(DATA / "included.csv"))  # fmt: skip
    bounds = i18n.window_bounds(SETTINGS["windows"], "en")
    reference = (REFERENCES / "forest_syn_pain_epidural.en.svg").read_bytes()

    def forest_svg(out: Path) -> bytes:
        with figure_style():
            fig = draw_forest(analysis, "en", bounds)
            save_figure(fig, out, "forest", ["svg"], SETTINGS["figures"]["dpi"])
        return (out / "forest.svg").read_bytes()

    assert forest_svg(tmp_path / "same") == reference  # drawing the forest alone is the same
    monkeypatch.setitem(i18n.TABLE, "col.weight", {"de": "Gewicht", "en": "Weights"})
    assert forest_svg(tmp_path / "changed") != reference
