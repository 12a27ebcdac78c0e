"""Atomic file writing: outputs appear complete or not at all."""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` if the block succeeds.

    The temporary file lives in the same directory so that the final ``os.replace`` is atomic on
    POSIX file systems. On any exception the temporary file is removed and ``target`` is untouched.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        if exc.errno in _WRITE_ERRNOS:
            from spinereview.errors import OutputError

            raise OutputError(target, exc) from None
        raise
    os.close(fd)
    os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in _WRITE_ERRNOS:
            from spinereview.errors import OutputError

            raise OutputError(target, exc) from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: errors of the file system while writing (no space, quota, file too large, no permission,
#: read-only); reported as one line naming the target, not as a traceback
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EACCES, errno.EROFS}


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(target: str | Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` with ``\\n`` line endings to ``target`` atomically."""
    write_bytes_atomic(target, text.encode("utf-8"))


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 digest of a file, read in chunks (memory flat in file size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_csv_atomic(
    target: str | Path, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]
) -> None:
    """Write ``rows`` as UTF-8 CSV with exactly ``columns`` (in order, ``\\n`` line ends), atomically."""
    with csv_writer_atomic(target, columns) as writer:
        writer.writerows(rows)


@contextlib.contextmanager
def csv_writer_atomic(target: str | Path, columns: Sequence[str]) -> Iterator[csv.DictWriter]:
    """A ``csv.DictWriter`` (header written) onto a temporary file that replaces ``target`` when
    the block succeeds: ``write_csv_atomic`` for rows that come a batch at a time."""
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=list(columns), lineterminator="\n", extrasaction="raise"
        )
        writer.writeheader()
        yield writer


def write_json_atomic(target: str | Path, data: Any) -> None:
    """Write ``data`` as sorted, indented UTF-8 JSON with a final newline, atomically."""
    write_text_atomic(target, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def not_utf8(path: Path, exc: UnicodeDecodeError, how: str = "") -> Exception:
    """The InputError for a file that is not UTF-8: its line, the byte, and the fix."""
    from spinereview.errors import InputError

    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        found, line = "UTF-16 text", None
    else:
        found, line = (
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
            data[: exc.start].count(b"\n") + 1,
        )
    return InputError(path, f"{found}; save the file as UTF-8{' ' + how if how else ''}", line=line)


def read_table(path: str | Path, required: Sequence[str]) -> list[dict[str, str]]:
    """Read a UTF-8 CSV whose header has the ``required`` columns.

    Rows are numbered from 1 (the first data row; the header is not counted) in every error, which
    names the file, the row and, for a missing column, the field. A leading byte-order mark (as
    spreadsheet programs write "CSV UTF-8") is not part of the first column's name.
    """
    return list(iter_table(path, required))


def iter_table(path: str | Path, required: Sequence[str]) -> Iterator[dict[str, str]]:
    """``read_table`` one row at a time, for tables too long to hold (a screening's decisions).

    The header is checked when the first row is asked for; each row is checked as it is read, so
    an error in row n comes after rows 1 to n - 1 were yielded.
    """
    from spinereview.errors import InputError

    path = Path(path)
    reader = None
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                hint = ""
                for sep, name in ((";", "semicolons"), ("\t", "tabs")):
                    if len(header) == 1 and sep in header[0]:
                        hint = (
                            f"; the header is separated by {name}: save the file as comma-separated"
                        )
                raise InputError(
                    path, f"missing column(s): {', '.join(missing)}{hint}", field=missing[0]
                )
            for number, row in enumerate(reader, start=1):
                if None in row:
                    raise InputError(path, "more values than header columns", row=number)
                if any(value is None for value in row.values()):
                    raise InputError(path, "fewer values than header columns", row=number)
                yield row
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file: name the CSV file itself") from None
    except csv.Error as exc:
        line = reader.line_num if reader is not None else None
        raise InputError(path, f"not a readable CSV table: {exc}", line=line) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc, "(e.g. 'CSV UTF-8' in a spreadsheet program)") from None
