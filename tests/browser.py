"""Headless Chromium for tests: found, installed from Debian when allowed, or a clear skip/fail."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
#: Set by .ci/run: the browser checks (and the tools of other checks: rsync) must run there, so a
#: missing tool fails instead of skipping.
REQUIRED = os.environ.get("SPINEREVIEW_REQUIRE_BROWSER") == "1"


def find_chromium() -> str:
    """Path of Debian's chromium; installs it with apt-get when running as root, else skips/fails."""
    return debian_command("chromium", "chromium", "headless Chromium")


def debian_command(command: str, package: str, what: str) -> str:
    """Path of ``command``; installs Debian's ``package`` with apt-get when running as root, else
    skips (or fails where .ci/run requires the tools)."""
    path = shutil.which(command)
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", package], capture_output=True, check=False
        )
        path = shutil.which(command)
    if path is None:
        message = f"{what} is not installed (Debian package {package!r})"
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


def print_pdf(html_file: Path, pdf: Path, profile: Path) -> Path:
    """Print a local HTML file to PDF as Chromium's print dialog would (print CSS, A4 from @page)."""
    proc = subprocess.run(
        [find_chromium(), *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", html_file.as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and pdf.exists(), proc.stderr[-2000:]
    return pdf


def pdf_text(pdf: Path) -> str:
    """The text of a PDF (poppler's pdftotext; installed from Debian when allowed, else skip/fail).
    pdftotext drops characters that lie outside the page, so clipped text is missing here too."""
    path = shutil.which("pdftotext")
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "poppler-utils"], capture_output=True, check=False
        )
        path = shutil.which("pdftotext")
    if path is None:
        message = "pdftotext is not installed (Debian package 'poppler-utils')"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    proc = subprocess.run([path, str(pdf), "-"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout
