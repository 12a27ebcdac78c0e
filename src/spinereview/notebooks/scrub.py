"""Replace absolute paths of the machine (checkout, venv, home, temp dir) in notebook outputs."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import spinereview

#: ANSI colour codes in IPython tracebacks (kept in the notebook, stripped from error messages).
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def machine_paths(cwd: str | Path) -> list[tuple[str, str]]:
    """(absolute path, placeholder) pairs to replace, the longest path first.

    The checkout the notebook ran in and the one the package is imported from (they differ when a
    test runs a copy of the repository) become ``<repo>``, the interpreter's environment ``<venv>``,
    the base interpreter ``<python>``, the temporary directory ``<tmp>`` and the home directory
    ``~``. Real paths are added beside the given ones so a symlinked temp dir is caught too.
    """
    package_root = Path(spinereview.__file__).resolve().parents[2]
    candidates = [
        (Path(cwd), "<repo>"),
        (package_root, "<repo>"),
        (Path(sys.prefix), "<venv>"),
        (Path(sys.base_prefix), "<python>"),
        (Path(tempfile.gettempdir()), "<tmp>"),
        (Path.home(), "~"),
    ]
    pairs: dict[str, str] = {}
    for path, placeholder in candidates:
        for variant in {os.path.abspath(path), os.path.realpath(path)}:
            # "/" or "/root"-style one-level paths would match inside unrelated text; skip the root.
            if variant.count(os.sep) >= 1 and variant != os.sep:
                pairs.setdefault(variant, placeholder)
    return sorted(pairs.items(), key=lambda item: (-len(item[0]), item[0]))


def scrub_text(text: str, replacements: Sequence[tuple[str, str]]) -> str:
    """Replace every listed path in ``text`` (longest first, so the most specific one wins)."""
    for path, placeholder in replacements:
        text = text.replace(path, placeholder)
    return text


def _scrub_value(value: Any, replacements: Sequence[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        return scrub_text(value, replacements)
    if isinstance(value, list):
        return [_scrub_value(v, replacements) for v in value]
    return value


def scrub_outputs(cells: Iterable[Any], replacements: Sequence[tuple[str, str]]) -> None:
    """Scrub paths in place in every output of ``cells``: streams, text data and tracebacks.

    Binary payloads (base64 images) are left alone: they cannot hold a readable path.
    """
    for cell in cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = _scrub_value(output["text"], replacements)
            for key in ("evalue", "traceback"):
                if key in output:
                    output[key] = _scrub_value(output[key], replacements)
            data = output.get("data", {})
            for mime, value in data.items():
                if mime.startswith("text/") or mime == "image/svg+xml":
                    data[mime] = _scrub_value(value, replacements)
