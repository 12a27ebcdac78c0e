"""The review protocol is validated at load, with errors naming the file and the key or line."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from spinereview.config import check_config, load_config
from spinereview.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "config.yaml"


@pytest.fixture
def config() -> dict[str, Any]:
    return load_config(CONFIG)


def test_shipped_config_is_valid(config: dict[str, Any]) -> None:
    assert config["search"]["mode"] == "snapshot"
    assert [q["id"] for q in config["search"]["queries"]] == ["epidural", "facet_sacroiliac_other"]


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda c: c["search"].update(mode="online"), "search.mode", "is not one of"),
        (lambda c: c["search"].pop("queries"), "search", "'queries' is a required property"),
        (
            lambda c: c["search"]["queries"][0].update(id="Bad-Id"),
            "search.queries.0.id",
            "does not match",
        ),
        (lambda c: c.update(unknown_key=1), "unknown_key", "Additional properties"),
        (lambda c: c["figures"].update(dpii=300), "figures.dpii", "'dpii' was unexpected"),
        (
            lambda c: c["search"]["queries"].append(dict(c["search"]["queries"][0])),
            "search.queries.2.id",
            "duplicate query id 'epidural'",
        ),
        (
            lambda c: c["screening"]["drug"]["eligible"].append("steroid"),
            "screening.drug.eligible.2",
            "class 'steroid' is not defined",
        ),
        (
            lambda c: c["screening"]["comparator"].update(drug_arms={"lidocaine": "placebo_sham"}),
            "screening.comparator.drug_arms",
            "not a class of screening.drug",
        ),
        (
            lambda c: c["screening"]["duration"].update(select="latest"),
            "screening.duration.select",
            "is not one of",
        ),
    ],
)
def test_invalid_config_names_the_key(config, mutate, field: str, words: str) -> None:
    bad = copy.deepcopy(config)
    mutate(bad)
    with pytest.raises(InputError) as info:
        check_config(bad, source="cfg.yaml")
    assert info.value.field == field
    assert words in str(info.value)
    assert str(info.value).startswith("cfg.yaml")


def _analysis(c: dict[str, Any], analysis_id: str) -> dict[str, Any]:
    return next(a for a in c["meta"]["analyses"] if a["id"] == analysis_id)


def _window(c: dict[str, Any], window_id: str) -> dict[str, Any]:
    return next(w for w in c["extraction"]["windows"] if w["id"] == window_id)


# Issue 13, item 3: each of these was accepted on main (exit 0, k = 0, doubled rows or silence).
SEMANTIC_ERRORS = [
    (
        "misspelled intervention class in an analysis",
        lambda c: _analysis(c, "pain_facet_placebo")["interventions"].__setitem__(
            1, "medial_branch_blok"
        ),
        "meta.analyses.2.interventions.1",
        "'medial_branch_blok' is not a class of screening.intervention.classes",
    ),
    (
        "unknown comparator class in an analysis",
        lambda c: _analysis(c, "pain_epidural_placebo")["comparators"].append("placebo"),
        "meta.analyses.0.comparators.1",
        "'placebo' is not a class of screening.comparator.classes",
    ),
    (
        "a class the screening never keeps (k = 0 by construction)",
        lambda c: _analysis(c, "pain_epidural_placebo")["comparators"].append("no_treatment"),
        "meta.analyses.0.comparators.1",
        "is not eligible",
    ),
    (
        "unknown window id in an analysis",
        lambda c: _analysis(c, "disability_epidural")["windows"].__setitem__(0, "shortterm"),
        "meta.analyses.4.windows.0",
        "'shortterm' is not a window of extraction.windows",
    ),
    (
        "duplicate analysis id",
        lambda c: c["meta"]["analyses"].__setitem__(
            1, {**c["meta"]["analyses"][1], "id": "pain_epidural_placebo"}
        ),
        "meta.analyses.1.id",
        "duplicate analysis id 'pain_epidural_placebo' (also meta.analyses.0.id)",
    ),
    (
        "duplicate window id",
        lambda c: _window(c, "intermediate").update(id="short"),
        "extraction.windows.2.id",
        "duplicate window id 'short'",
    ),
    (
        "overlapping windows (equal bounds)",
        lambda c: _window(c, "intermediate").update(max_weeks=13),
        "extraction.windows.2.max_weeks",
        "overlaps window 'short'",
    ),
    (
        "duplicate class id within one criterion",
        lambda c: c["screening"]["region"]["classes"].append(
            dict(c["screening"]["region"]["classes"][0])
        ),
        "screening.region.classes.3.id",
        "duplicate region class id 'lumbar'",
    ),
    (
        "misspelled class in eligible",
        lambda c: c["screening"]["intervention"]["eligible"].__setitem__(1, "medial_branch_blok"),
        "screening.intervention.eligible.1",
        "class 'medial_branch_blok' is not defined",
    ),
    (
        "unknown class on the article figure",
        lambda c: c["figures"]["article"]["classes"][1]["interventions"].append("facet_blok"),
        "figures.article.classes.1.interventions.2",
        "'facet_blok' is not a class of screening.intervention.classes",
    ),
    (
        "outcome that is never on the analysis's scale",
        lambda c: _analysis(c, "disability_epidural")["outcomes"].append("back_pain"),
        "meta.analyses.4.outcomes.1",
        "harmonised to pain_0_100, not to its scale disability_0_100",
    ),
    (
        "unknown indirect class in GRADE",
        lambda c: c["grade"]["indirectness"]["classes"]["comparator"].update(
            local_anesthetic=c["grade"]["indirectness"]["classes"]["comparator"][
                "local_anaesthetic"
            ]
        ),
        "grade.indirectness.classes.comparator.local_anesthetic",
        "not a class of screening.comparator.classes",
    ),
    (
        "a path with braces (a Snakemake wildcard)",
        lambda c: c["extraction"].update(sheet="data/{x}/effects.csv"),
        "extraction.sheet",
        "which Snakemake reads as a wildcard",
    ),
]


@pytest.mark.parametrize(
    ("case", "mutate", "field", "words"), SEMANTIC_ERRORS, ids=[c[0] for c in SEMANTIC_ERRORS]
)
def test_semantic_error_names_the_key(config, case: str, mutate, field: str, words: str) -> None:
    """Fails on main: there check_config accepted each of these mutations."""
    bad = copy.deepcopy(config)
    mutate(bad)
    with pytest.raises(InputError) as info:
        check_config(bad, source="config/config.yaml")
    assert info.value.field == field, case
    assert words in str(info.value), case
    assert str(info.value).startswith("config/config.yaml")


def test_error_names_the_line_of_the_key(tmp_path: Path) -> None:
    """load_config gives the line of the offending key (main had no line for semantic errors)."""
    text = CONFIG.read_text(encoding="utf-8")
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if "- id: pain_facet_placebo" in line)
    at = next(i for i in range(index, len(lines)) if lines[i].strip().startswith("windows:"))
    lines[at] = lines[at].replace("[immediate,", "[immediat,")
    path = tmp_path / "config.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.field == "meta.analyses.2.windows.0"
    assert info.value.line == at + 1
    assert f"line {at + 1}, field 'meta.analyses.2.windows.0'" in str(info.value)


def test_key_given_twice_names_both_lines(tmp_path: Path) -> None:
    """PyYAML keeps the last of two equal keys silently; on main a second meta: block won."""
    path = tmp_path / "config.yaml"
    text = CONFIG.read_text(encoding="utf-8")
    first = text.splitlines().index("meta:") + 1
    path.write_text(text + "meta:\n  method: DL\n", encoding="utf-8")
    total = len(text.splitlines())
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.line == total + 1
    assert f"key given twice (first at line {first})" in str(info.value)


def test_command_line_strings_become_numbers(config) -> None:
    """Snakemake's --config reads nested values with YAML's base loader: all strings.

    On main ``--config 'search={eutils: {batch_size: 100}}'`` was rejected ("'100' is not of type
    'integer'"); now a string the schema rejects is re-read as a YAML scalar, and a string the schema
    accepts stays a string.
    """
    bad = copy.deepcopy(config)
    overrides = {
        "search": {"eutils": {"batch_size": "100", "email": "null", "backoff_base": "0.5"}},
        "screening": {"context": {"local_cues": ["no", "none"]}},
    }
    bad["search"]["eutils"].update(overrides["search"]["eutils"])
    bad["screening"]["context"]["local_cues"] = ["no", "none"]
    check_config(bad, source="config/config.yaml", overrides=overrides)
    assert bad["search"]["eutils"]["batch_size"] == 100
    assert bad["search"]["eutils"]["email"] is None
    assert bad["search"]["eutils"]["backoff_base"] == 0.5
    assert bad["screening"]["context"]["local_cues"] == ["no", "none"]


def test_bad_command_line_value_names_the_override(config) -> None:
    bad = copy.deepcopy(config)
    overrides = {"search": {"eutils": {"batch_size": "many"}}}
    bad["search"]["eutils"]["batch_size"] = "many"
    with pytest.raises(InputError) as info:
        check_config(bad, source="config/config.yaml", lines={("search",): 7}, overrides=overrides)
    assert info.value.field == "search.eutils.batch_size"
    assert info.value.line is None  # the value is not the file's
    assert "--config" in str(info.value) and "config/config.yaml" in str(info.value)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("search:\n  mode: snapshot\n  queries: [\n results_dir: x\n")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.path == str(path)
    assert info.value.line is not None and info.value.line >= 3
    assert "at line 3" in str(info.value)  # where the unclosed flow sequence started


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_every_config_key_is_commented() -> None:
    """Each top-level and search key in config.yaml is preceded by a comment line."""
    lines = CONFIG.read_text().splitlines()
    keys = set(yaml.safe_load(CONFIG.read_text())) | set(
        yaml.safe_load(CONFIG.read_text())["search"]
    )
    for key in keys:
        index = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{key}:"))
        above = lines[index - 1].strip()
        assert above.startswith("#"), f"config key {key!r} has no comment above it"


def test_yaml_nested_too_deeply_names_file_and_line(tmp_path: Path) -> None:
    """Before: a RecursionError traceback from PyYAML (bad-input corpus, size_yaml_nesting_bomb)."""
    text = CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(text + "deep: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.line == text.count("\n") + 1
    assert "invalid YAML: lists or mappings nested too deeply" in str(info.value)


def test_an_unknown_key_names_its_line(tmp_path: Path) -> None:
    """Before: "field '<top level>'" and no line (bad-input corpus, config_unknown_top_key)."""
    text = CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(text + "typo_section: {a: 1}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.field == "typo_section"
    assert info.value.line == text.count("\n") + 1


def test_a_config_not_in_utf8_names_line_byte_and_the_fix(tmp_path: Path) -> None:
    """Before: "not UTF-8 text (byte 14)" — an offset, no line (bad-input corpus, enc_*_config)."""
    text = CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_bytes(text.encode("cp1252", errors="replace"))
    first = next(n for n, line in enumerate(text.splitlines(), 1) if not line.isascii())
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.line == first
    assert "not UTF-8 text (byte 0x" in str(info.value) and "save the file as UTF-8" in str(
        info.value
    )
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16 text; save the file as UTF-8"):
        load_config(path)
