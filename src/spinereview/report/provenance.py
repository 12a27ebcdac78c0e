"""The report's provenance header: git commit, config hash, snapshot date and package versions.

Nothing here depends on the clock, so two runs on the same checkout write the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from spinereview.report.html import esc

#: Distributions whose versions are printed (the ones that shape the numbers, figures and files).
PACKAGES = (
    "spinereview", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "snakemake", "biopython",
    "defusedxml", "jsonschema", "pyyaml", "jupytext", "nbclient", "nbconvert",
)  # fmt: skip
NOT_GIT = "not a git checkout"


def config_hash(config: Mapping[str, Any]) -> str:
    """sha256 of the effective config as canonical JSON (sorted keys, no whitespace, UTF-8)."""
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def git_commit(where: Path | None = None) -> str:
    """HEAD of the git checkout ``where`` sits in, '+ uncommitted changes' when tracked files differ;
    "not a git checkout" outside one (or without git)."""
    cwd = where or Path.cwd()
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=False
        )
        if head.returncode != 0:
            return NOT_GIT
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd, capture_output=True, text=True, check=False,
        )  # fmt: skip
    except OSError:
        return NOT_GIT
    dirty = " + uncommitted changes to tracked files" if status.stdout.strip() else ""
    return head.stdout.strip() + dirty


def versions() -> dict[str, str]:
    """Python and the installed versions of PACKAGES ('not installed' when absent)."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def provenance(config: Mapping[str, Any], manifest: Path, where: Path | None = None) -> dict:
    """The facts of the header, as a mapping (also written into the checklist)."""
    snapshot = json.loads(manifest.read_text(encoding="utf-8"))
    return {
        "git commit": git_commit(where),
        "config sha256": config_hash(config),
        "snapshot date": snapshot.get("retrieval_date", "not stated"),
        "snapshot provenance": snapshot.get("provenance", "not stated"),
        "versions": versions(),
    }


def provenance_block(facts: Mapping[str, Any]) -> str:
    """The header's HTML: a definition list under the title."""
    items = [(k, v) for k, v in facts.items() if k != "versions"]
    shown = "; ".join(f"{k} {v}" for k, v in facts["versions"].items())
    items.append(("package versions", shown))
    rows = "".join(f"<dt>{esc(k)}</dt><dd><code>{esc(v)}</code></dd>" for k, v in items)
    return (
        '<section class="prov" id="provenance" aria-label="Provenance">'
        "<p><strong>Provenance of this report</strong> (what produced it; no time stamp, so two "
        "runs on the same inputs give the same bytes). The config hash is the sha256 of the "
        "effective configuration as canonical JSON, without its execution settings (scale), "
        "which change no result.</p>"
        f"<dl>{rows}</dl></section>"
    )
