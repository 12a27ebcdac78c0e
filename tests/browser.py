"""Headless Chromium for tests: found, installed from Debian when allowed, or a clear skip/fail."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
#: Set by .ci/run: the browser check must run there, so a missing browser fails instead of skipping.
REQUIRED = os.environ.get("SPINEREVIEW_REQUIRE_BROWSER") == "1"


def find_chromium() -> str:
    """Path of Debian's chromium; installs it with apt-get when running as root, else skips/fails."""
    path = shutil.which("chromium")
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"], capture_output=True, check=False
        )
        path = shutil.which("chromium")
    if path is None:
        message = "headless Chromium is not installed (Debian package 'chromium')"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return path


def dump_dom(html_file: Path, profile: Path, width: int = 1400) -> str:
    """Load a local HTML file in a window ``width`` px wide, run its scripts, return the DOM."""
    proc = subprocess.run(
        [find_chromium(), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
         f"--window-size={width},1000",
         "--dump-dom", html_file.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout
