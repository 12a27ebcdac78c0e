"""Bad configuration stops Snakemake when it loads the workflow, before any job (issue 13, 3/5/8).

Each case edits config/config.yaml in a tmp copy of the repository and runs ``snakemake``: the run
must exit non-zero, print a message naming config/config.yaml, the key path and the line, and write
nothing under results/. On main each of these either exited 0 (a misspelled class matched nothing, an
unknown window gave k = 0, a duplicate analysis doubled pooled.csv, equal window bounds were
accepted) or failed without file and line (YAML syntax: "not valid JSON or YAML"; ``{x}``: a
WildcardError; ``--config 'search={eutils: {batch_size: 100}}'``: "'100' is not of type 'integer'").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from workflow_copy import copy_workflow, run_snakemake

pytestmark = pytest.mark.workflow

CONFIG = "config/config.yaml"


def _edit(workdir: Path, old: str, new: str, *, nth: int = 1) -> int:
    """Replace the ``nth`` occurrence of ``old`` in the copy's config; return its line (1-based)."""
    path = workdir / CONFIG
    text = path.read_text(encoding="utf-8")
    start = -1
    for _ in range(nth):
        start = text.index(old, start + 1)
    path.write_text(text[:start] + new + text[start + len(old) :], encoding="utf-8")
    return text.count("\n", 0, start) + 1


def _assert_stopped_at_load(workdir: Path, result, *words: str) -> None:
    assert result.returncode != 0, result.stderr[-2000:]
    assert "invalid configuration: config/config.yaml" in result.stderr, result.stderr[-2000:]
    for word in words:
        assert word in result.stderr, (word, result.stderr[-2000:])
    assert "Building DAG of jobs" not in result.stderr + result.stdout
    assert not (workdir / "results").exists() or not any((workdir / "results").rglob("*"))


# (name, old text, new text, which occurrence, expected key path, expected words)
CASES = [
    (
        "misspelled_class",
        "interventions: [facet_intraarticular, medial_branch_block]",
        "interventions: [facet_intraarticular, medial_branch_blok]",
        2,  # the first is the article figure's class; the second pain_facet_placebo's
        "meta.analyses.2.interventions.1",
        "'medial_branch_blok' is not a class of screening.intervention.classes",
    ),
    (
        "unknown_window",
        "windows: [immediate, short, intermediate, long]",
        "windows: [immediate, short, intermediate, longterm]",
        1,
        "meta.analyses.0.windows.3",
        "'longterm' is not a window of extraction.windows",
    ),
    (
        "duplicate_analysis",
        "- id: pain_epidural_local_anaesthetic",
        "- id: pain_epidural_placebo",
        1,
        "meta.analyses.1.id",
        "duplicate analysis id 'pain_epidural_placebo'",
    ),
    (
        "duplicate_window",
        "{id: intermediate, max_weeks: 52",
        "{id: short, max_weeks: 52",
        1,
        "extraction.windows.2.id",
        "duplicate window id 'short'",
    ),
    (
        "overlapping_windows",
        "{id: intermediate, max_weeks: 52",
        "{id: intermediate, max_weeks: 13",
        1,
        "extraction.windows.2.max_weeks",
        "overlaps window 'short'",
    ),
    (
        "unknown_eligible_class",
        "eligible: [facet_intraarticular, medial_branch_block,",
        "eligible: [facet_intraarticular, medial_branch_blok,",
        1,
        "screening.intervention.eligible.1",
        "class 'medial_branch_blok' is not defined",
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "nth", "field", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_semantic_error_stops_the_run_at_load(
    tmp_path: Path, name: str, old: str, new: str, nth: int, field: str, words: str
) -> None:
    workdir = copy_workflow(tmp_path)
    line = _edit(workdir, old, new, nth=nth)
    result = run_snakemake(workdir)
    _assert_stopped_at_load(workdir, result, f"line {line}, field '{field}'", words)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    """On main: Snakemake's loader said "not valid JSON or YAML" without file or line."""
    workdir = copy_workflow(tmp_path)
    line = _edit(workdir, "  mode: snapshot\n", "  mode: [snapshot\n")
    result = run_snakemake(workdir)
    _assert_stopped_at_load(workdir, result, "invalid YAML", f"at line {line})")
    assert "not valid JSON or YAML" not in result.stderr


def test_braces_in_a_config_string_are_not_a_wildcard(tmp_path: Path) -> None:
    """On main a term "{x}" raised a WildcardError in screen_records' params."""
    workdir = copy_workflow(tmp_path)
    _edit(workdir, "Rückenmarkstimulation]", 'Rückenmarkstimulation, "{x}"]')
    result = run_snakemake(workdir, "results/screening/prisma.json")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WildcardError" not in result.stderr
    assert (workdir / "results/screening/prisma.json").is_file()


def test_numbers_in_config_overrides(tmp_path: Path) -> None:
    """On main: "'100' is not of type 'integer'" (Snakemake reads nested --config values as text)."""
    workdir = copy_workflow(tmp_path)
    override = "search={eutils: {batch_size: 100, backoff_base: 0.5, email: null}}"
    result = run_snakemake(workdir, "-n", "--config", override)
    assert result.returncode == 0, result.stderr[-3000:]
    bad = run_snakemake(workdir, "--config", "search={eutils: {batch_size: many}}")
    assert bad.returncode != 0
    assert "field 'search.eutils.batch_size'" in bad.stderr
    assert "--config" in bad.stderr and "config/config.yaml" in bad.stderr
    assert not (workdir / "results").exists()


def test_mcid_language_and_size_given_on_the_command_line_reach_the_figures(
    tmp_path: Path,
) -> None:
    """Issue 14 (3): ``--config 'figures={mcid: {value: 15}}'`` failed on main ("'15' is not of
    type 'number'"); the README's author commands must work end to end."""
    workdir = copy_workflow(tmp_path)
    bad = run_snakemake(workdir, "--config", "figures={mcid: {value: fifteen}}")
    assert bad.returncode != 0
    assert "field 'figures.mcid.value'" in bad.stderr and "--config" in bad.stderr
    override = "figures={languages: [de], size: double, mcid: {value: 15}}"
    result = run_snakemake(workdir, "draw_figures", "--config", override)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = workdir / "reports/figures"
    caption = (figures / "article_pain_by_window.caption.de.txt").read_text(encoding="utf-8")
    assert "±15 Punkte" in caption
    alt = (figures / "article_pain_by_window.alt.de.txt").read_text(encoding="utf-8")
    assert "±15 Punkte" in alt
    svg = (figures / "article_pain_by_window.de.svg").read_text(encoding="utf-8")
    assert "±15" in svg  # the legend, as editable text
    assert 'width="496.062992pt"' in svg  # 175 mm
    assert not list(figures.glob("*.en.*"))
