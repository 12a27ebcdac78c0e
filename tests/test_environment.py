"""environment.yml, pyproject.toml and requirements.lock describe the same dependencies."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
NOT_PACKAGES = {"python", "pip"}


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    reqs = [Requirement(s) for s in specs]
    return {canonicalize_name(r.name): str(r.specifier) for r in reqs}


def _conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        assert isinstance(dep, str), f"environment.yml: unexpected nested entry {dep!r}"
        req = Requirement(dep)
        if req.name not in NOT_PACKAGES:
            out[canonicalize_name(req.name)] = str(req.specifier)
    return out


def test_environment_yml_matches_pyproject() -> None:
    assert _conda_requirements() == _pyproject_requirements()


def test_environment_yml_uses_conda_forge_and_bioconda() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"][:2] == ["conda-forge", "bioconda"]


def test_lock_pins_every_declared_dependency_within_its_range() -> None:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            req = Requirement(line)
            (spec,) = req.specifier  # exactly one "==" pin per line
            assert spec.operator == "==", line
            pins[canonicalize_name(req.name)] = spec.version
    for name, specifier in _pyproject_requirements().items():
        assert name in pins, f"requirements.lock does not pin {name}"
        assert Requirement(f"{name}{specifier}").specifier.contains(pins[name]), (
            f"requirements.lock pins {name}=={pins[name]}, outside pyproject's {specifier}"
        )
