"""Error classes that name the file, row or line, and field of bad input."""

from __future__ import annotations

from pathlib import Path


class SpinereviewError(Exception):
    """Base class for every error the pipeline reports to a user."""


class InputError(SpinereviewError):
    """Bad input: the message names the file and, where known, the line or row and the field."""

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.row = row
        self.field = field
        self.detail = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if row is not None:
            # ``row`` counts data rows (1 = the first below the header); in a CSV file the message
            # names the file line a text editor shows (header = line 1), elsewhere the row
            if self.path.lower().endswith((".csv", ".tsv")):
                where += f", line {row + 1}"
            else:
                where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")
