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
from typing import Any, TypeVar

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


def read_shard_lines(
    paths: Sequence[Path],
    what: str,
    parse: Callable[[Any], tuple[str, T]],
    label: str = "",
) -> dict[str, T]:
    """The JSON lines of the shards' files as {key: value}, in file order; ``parse`` turns a line's
    JSON into (key, value) and raises ValueError, KeyError, TypeError, IndexError or AttributeError
    on a line that is not ``what``. A key in two lines (shard files of different runs) is an error
    naming both files; ``label`` prefixes the key in it (e.g. "PMID ")."""
    found: dict[str, T] = {}
    where: dict[str, Path] = {}
    for path in paths:
        for number, key, value in iter_shard_lines(path, what, parse):
            if key in where:
                raise twice(path, number, label + key, where[key])
            found[key], where[key] = value, path
    return found


def iter_shard_lines(
    path: Path, what: str, parse: Callable[[Any], tuple[str, T]]
) -> Iterator[tuple[int, str, T]]:
    """(line number, key, value) of each JSON line of one shard file, read as ``read_shard_lines``
    reads it (the same error for a line that is not ``what``)."""
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                key, value = parse(json.loads(line))
            except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
                raise InputError(path, f"not {what} ({exc})", line=number) from None
            yield number, key, value


def twice(path: Path, line: int, key: str, first: Path) -> InputError:
    """The error for ``key`` at ``line`` of ``path`` that a shard file read before holds too."""
    return InputError(
        path,
        f"{key} is also in {first}: the shard files are not of one run; run the workflow again",
        line=line,
    )
