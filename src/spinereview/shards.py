"""Shards of the records: which PMID a per-shard job of the workflow handles.

Parsing, screening and candidate extraction run once per shard (``scale.shards`` in the config) and
rules gather the shards into the tables a single job wrote before. A PMID's shard is a stable
function of the PMID alone: the standard CRC-32 of its ASCII digits, modulo the number of shards.
It does not depend on the order of the records or of the query files, on Python's hash seed or on
the platform, and every occurrence of a PMID (one per query that found it) falls in the same shard,
so each shard merges its records exactly as the whole table would.

A shard is named ``<i>-of-<n>`` (1-based), e.g. ``2-of-3``: the name carries the number of shards,
so the files of another setting are never mistaken for these.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

from spinereview.errors import InputError

T = TypeVar("T")

#: the number of shards when the config does not set ``scale.shards``
DEFAULT_SHARDS = 1
_NAME = re.compile(r"([1-9][0-9]*)-of-([1-9][0-9]*)")


def shard_of(pmid: str, shards: int) -> int:
    """The 0-based shard of ``pmid`` among ``shards``: CRC-32 of its digits modulo ``shards``."""
    if shards < 1:
        raise ValueError(f"the number of shards must be at least 1, not {shards}")
    return zlib.crc32(pmid.encode("ascii", "backslashreplace")) % shards


def shard_names(shards: int) -> list[str]:
    """The names of all shards, in order: ``1-of-n`` … ``n-of-n``."""
    if shards < 1:
        raise ValueError(f"the number of shards must be at least 1, not {shards}")
    return [f"{i}-of-{shards}" for i in range(1, shards + 1)]


def parse_shard(name: str) -> tuple[int, int]:
    """``"2-of-3"`` -> (1, 3): the 0-based index and the number of shards."""
    match = _NAME.fullmatch(name)
    if match is None or int(match.group(1)) > int(match.group(2)):
        raise InputError("--shard", f"{name!r} is not a shard name like 2-of-3")
    return int(match.group(1)) - 1, int(match.group(2))


def member(name: str) -> Callable[[str], bool]:
    """A test ``pmid -> bool``: whether the PMID belongs to shard ``name``."""
    index, shards = parse_shard(name)
    if shards == 1:
        return lambda _pmid: True
    return lambda pmid: shard_of(pmid, shards) == index


def _shard_lines(
    paths: Sequence[Path], what: str, parse: Callable[[Any], tuple[str, T]], label: str
) -> Iterator[tuple[str, T, int, int]]:
    """(key, value, file index, offset of the line) of every line of the files, in file order;
    a line that is not ``what`` (``iter_shard_lines``) or a key in two lines (``twice``; ``label``
    prefixes the key in it, e.g. "PMID ") is an error."""
    where: dict[str, int] = {}
    for index, path in enumerate(paths):
        for number, key, value, offset in iter_shard_lines(path, what, parse):
            if key in where:
                raise twice(path, number, label + key, paths[where[key]])
            where[key] = index
            yield key, value, index, offset


def iter_shard_lines(
    path: Path, what: str, parse: Callable[[Any], tuple[str, T]]
) -> Iterator[tuple[int, str, T, int]]:
    """(line number, key, value, byte offset of the line) of each JSON line of one shard file;
    ``parse`` turns a line's JSON into (key, value) and raises ValueError, KeyError, TypeError,
    IndexError or AttributeError on a line that is not ``what``, which is an error naming the line."""
    offset = 0
    with open(path, "rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                key, value = parse(json.loads(raw.decode("utf-8")))
            except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
                raise InputError(path, f"not {what} ({exc})", line=number) from None
            yield number, key, value, offset
            offset += len(raw)


def twice(path: Path, line: int, key: str, first: Path) -> InputError:
    """The error for ``key`` at ``line`` of ``path`` that a shard file read before holds too."""
    return InputError(
        path,
        f"{key} is also in {first}: the shard files are not of one run; run the workflow again",
        line=line,
    )


class ShardLines(Generic[T]):
    """The JSON lines of the shards' files by key, read from the files when asked for (``get``).

    Checks every line (``_shard_lines``: a line that is not ``what``, a key in two lines) and
    keeps of each only its file and offset; reading the keys in the files' order reads each file
    once, front to back. Close it (or use it in a ``with`` block) to close the files.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        what: str,
        parse: Callable[[Any], tuple[str, T]],
        label: str = "",
    ) -> None:
        self._paths = list(paths)
        self._parse = parse
        n = len(self._paths)
        #: key → offset * n + file index
        self._where = {
            key: offset * n + index
            for key, _, index, offset in _shard_lines(paths, what, parse, label)
        }
        self._files: dict[int, BinaryIO] = {}
        self._at: dict[int, int] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __iter__(self) -> Iterator[str]:
        """The keys, in the files' order."""
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def get(self, key: str) -> T | None:
        """The value of ``key``'s line (parsed again), None for a key in no file."""
        where = self._where.get(key)
        if where is None:
            return None
        offset, index = divmod(where, len(self._paths))
        if index not in self._files:
            self._files[index] = open(self._paths[index], "rb")  # noqa: SIM115 (closed in close)
            self._at[index] = 0
        file = self._files[index]
        if self._at[index] != offset:
            file.seek(offset)
        raw = file.readline()
        self._at[index] = offset + len(raw)
        return self._parse(json.loads(raw.decode("utf-8")))[1]

    def close(self) -> None:
        """Close the files."""
        for file in self._files.values():
            file.close()
        self._files.clear()

    def __enter__(self) -> ShardLines[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
