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
        (lambda c: c.update(unknown_key=1), "<top level>", "Additional properties"),
        (
            lambda c: c["search"]["queries"].append(dict(c["search"]["queries"][0])),
            "search.queries",
            "duplicate",
        ),
        (
            lambda c: c["screening"]["drug"]["eligible"].append("steroid"),
            "screening.drug.eligible",
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


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("search:\n  mode: snapshot\n  queries: [\n results_dir: x\n")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.path == str(path)
    assert info.value.line is not None and info.value.line >= 3


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
