"""A one-line progress bar on stderr for batches and records (no dependency)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from spinereview.pubmed.redact import redact

_WIDTH = 24


class Progress:
    """Draws ``label [#####-----] batches 3/24, records 1,500/12,000`` on one line.

    Drawn only when the stream is a terminal (a Snakemake log file gets the INFO lines of the
    live search instead); redrawn at most every ``min_interval`` seconds and at the end.
    """

    def __init__(
        self,
        label: str,
        batches: int,
        records: int,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        min_interval: float = 0.2,
    ) -> None:
        self.label = label
        self.batches_total = batches
        self.records_total = records
        self.batches = 0
        self.records = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.min_interval = min_interval
        self._last_draw = 0.0

    def advance(self, records: int) -> None:
        """Count one more finished batch of ``records`` records not counted before (the caller
        counts distinct records; the line never shows more than the total either way)."""
        self.batches += 1
        self.records += records
        now = time.monotonic()
        if self.batches >= self.batches_total or now - self._last_draw >= self.min_interval:
            self._last_draw = now
            self.draw()

    def line(self) -> str:
        done = self.batches / self.batches_total if self.batches_total else 1.0
        filled = round(done * _WIDTH)
        bar = "#" * filled + "-" * (_WIDTH - filled)
        return redact(
            f"{self.label} [{bar}] batches {self.batches}/{self.batches_total}, "
            f"records {min(self.records, self.records_total):,}/{self.records_total:,}"
        )

    def draw(self) -> None:
        if self.enabled:
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def close(self) -> None:
        """End the line (only if something was drawn)."""
        if self.enabled:
            self.draw()
            self.stream.write("\n")
            self.stream.flush()
