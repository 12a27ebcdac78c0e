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


class OutputError(SpinereviewError):
    """An output could not be written (disk full, no permission, read-only file system).

    Raised by the atomic writer, which leaves the previous version of the file untouched; the
    message names the file the step was writing, the system's reason and what to do.
    """

    def __init__(self, path: str | Path, reason: OSError) -> None:
        self.path = str(path)
        self.errno = reason.errno
        what = reason.strerror or str(reason)
        hint = _OUTPUT_HINTS.get(reason.errno or 0, "")
        super().__init__(
            f"{self.path}: cannot write the file ({what}); its previous version is unchanged"
            + (f". {hint}" if hint else "")
        )


_OUTPUT_HINTS = {
    28: "Free disk space (or point the output folders at a larger disk), then run again",
    122: "The disk quota is exhausted: free space, then run again",
    27: "The file size limit of this process (ulimit -f) is too small",
    13: "No permission to write in this folder",
    30: "The file system is read-only",
}
