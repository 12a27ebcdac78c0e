"""The snapshot manifest (shared by the rebuilt and the live snapshot) and its verification."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinereview.errors import InputError
from spinereview.io import sha256_file, write_text_atomic
from spinereview.pubmed.parse import iter_pmid_lines

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PMID = re.compile(r"^[1-9][0-9]*$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.xml$")

_TOP_KEYS = (
    "format_version",
    "database",
    "retrieval_date",
    "provenance",
    "provenance_detail",
    "generator",
    "sources",
    "queries",
)
_SOURCE_KEYS = ("path", "sha256")
_QUERY_KEYS = (
    "id",
    "term",
    "file",
    "esearch_count",
    "pmids",
    "sha256",
    "retrieval_date",
    "provenance",
)
#: Keys only a live search writes (absent from the rebuilt snapshot, whose bytes stay as they were):
#: ``querytranslation`` (the search PubMed actually ran), ``warnings`` (esearch's WarningList and
#: ErrorList, e.g. PhraseNotFound) and ``withheld`` (PMIDs esearch counted but efetch never sent).
_OPTIONAL_QUERY_KEYS = ("querytranslation", "warnings", "withheld")


@dataclass(frozen=True)
class SourceFile:
    """An input file the snapshot was made from (empty list for a live search)."""

    path: str
    sha256: str


@dataclass(frozen=True)
class QueryEntry:
    """One query of the snapshot: its term, its XML file, and the PMIDs that file holds."""

    id: str
    term: str
    file: str
    esearch_count: int
    pmids: tuple[str, ...]
    sha256: str
    retrieval_date: str
    provenance: str
    querytranslation: str | None = None
    warnings: tuple[str, ...] | None = None
    withheld: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Manifest:
    """manifest.json of a snapshot directory.

    The same format serves the snapshot rebuilt from data/evidence/ (provenance "rebuilt from
    bibliographic facts; abstracts not included") and a live E-utilities search (provenance
    "NCBI E-utilities"). ``from_json`` checks every key and names the one that is wrong.
    """

    format_version: int
    database: str
    retrieval_date: str
    provenance: str
    provenance_detail: str
    generator: str
    sources: tuple[SourceFile, ...]
    queries: tuple[QueryEntry, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the manifest as a JSON-able dict (the inverse of ``from_json``)."""
        return {
            "format_version": self.format_version,
            "database": self.database,
            "retrieval_date": self.retrieval_date,
            "provenance": self.provenance,
            "provenance_detail": self.provenance_detail,
            "generator": self.generator,
            "sources": [{"path": s.path, "sha256": s.sha256} for s in self.sources],
            "queries": [_query_to_json(q) for q in self.queries],
        }

    def to_text(self) -> str:
        """Serialise deterministically: sorted keys, 2-space indent, trailing newline."""
        return json.dumps(self.to_json(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    def write(self, path: str | Path) -> None:
        """Write the manifest atomically."""
        write_text_atomic(path, self.to_text())

    def query(self, query_id: str) -> QueryEntry:
        """Return the entry of ``query_id`` (KeyError when absent)."""
        for entry in self.queries:
            if entry.id == query_id:
                return entry
        raise KeyError(query_id)

    @classmethod
    def from_json(cls, data: Any, *, source: str | Path = MANIFEST_NAME) -> Manifest:
        """Build and validate a manifest from parsed JSON; errors name ``source`` and the key."""
        _check_keys(data, _TOP_KEYS, "", source)
        version = data["format_version"]
        if type(version) is not int or version != FORMAT_VERSION:
            raise InputError(
                source,
                f"unsupported format_version {version!r} (expected {FORMAT_VERSION})",
                field="format_version",
            )
        if data["database"] != "pubmed":
            raise InputError(source, "database must be 'pubmed'", field="database")
        _check_date(data["retrieval_date"], "retrieval_date", source)
        for key in ("provenance", "provenance_detail", "generator"):
            _check_text(data[key], key, source)

        if not isinstance(data["sources"], list):
            raise InputError(source, "must be a list", field="sources")
        sources = []
        for i, item in enumerate(data["sources"]):
            where = f"sources[{i}]"
            _check_keys(item, _SOURCE_KEYS, where, source)
            _check_text(item["path"], f"{where}.path", source)
            _check_sha256(item["sha256"], f"{where}.sha256", source)
            sources.append(SourceFile(path=item["path"], sha256=item["sha256"]))

        if not isinstance(data["queries"], list) or not data["queries"]:
            raise InputError(source, "must be a non-empty list", field="queries")
        queries = [_query_from_json(item, i, source) for i, item in enumerate(data["queries"])]
        for key in ("id", "file"):
            values = [getattr(q, key) for q in queries]
            for i, value in enumerate(values):
                if value in values[:i]:
                    raise InputError(
                        source, f"duplicate {key} {value!r}", field=f"queries[{i}].{key}"
                    )
        return cls(
            format_version=version,
            database=data["database"],
            retrieval_date=data["retrieval_date"],
            provenance=data["provenance"],
            provenance_detail=data["provenance_detail"],
            generator=data["generator"],
            sources=tuple(sources),
            queries=tuple(queries),
        )

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        """Read and validate manifest.json; a missing file or bad JSON names the file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(path, "snapshot manifest not found") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", line=exc.lineno) from None
        return cls.from_json(data, source=path)


def _query_to_json(q: QueryEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": q.id,
        "term": q.term,
        "file": q.file,
        "esearch_count": q.esearch_count,
        "pmids": list(q.pmids),
        "sha256": q.sha256,
        "retrieval_date": q.retrieval_date,
        "provenance": q.provenance,
    }
    if q.querytranslation is not None:
        data["querytranslation"] = q.querytranslation
    if q.warnings is not None:
        data["warnings"] = list(q.warnings)
    if q.withheld is not None:
        data["withheld"] = list(q.withheld)
    return data


def _query_from_json(item: Any, index: int, source: str | Path) -> QueryEntry:
    where = f"queries[{index}]"
    _check_keys(item, _QUERY_KEYS, where, source, optional=_OPTIONAL_QUERY_KEYS)
    for key in ("id", "term", "provenance"):
        _check_text(item[key], f"{where}.{key}", source)
    if not isinstance(item["file"], str) or not _FILE_NAME.match(item["file"]):
        raise InputError(
            source, "must be a plain file name ending in .xml (no folders)", field=f"{where}.file"
        )
    count = item["esearch_count"]
    if type(count) is not int or count < 0:
        raise InputError(source, "must be a non-negative integer", field=f"{where}.esearch_count")
    pmids = item["pmids"]
    if not isinstance(pmids, list) or not all(isinstance(p, str) and _PMID.match(p) for p in pmids):
        raise InputError(source, "must be a list of numeric PMID strings", field=f"{where}.pmids")
    if pmids != sorted(set(pmids), key=int):
        raise InputError(
            source, "PMIDs must be unique and sorted numerically", field=f"{where}.pmids"
        )
    _check_sha256(item["sha256"], f"{where}.sha256", source)
    _check_date(item["retrieval_date"], f"{where}.retrieval_date", source)
    translation = item.get("querytranslation")
    if translation is not None and not isinstance(translation, str):
        raise InputError(source, "must be a string", field=f"{where}.querytranslation")
    warnings = item.get("warnings")
    if warnings is not None and (
        not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings)
    ):
        raise InputError(source, "must be a list of strings", field=f"{where}.warnings")
    withheld = item.get("withheld")
    if withheld is not None:
        if not isinstance(withheld, list) or not all(
            isinstance(p, str) and _PMID.match(p) for p in withheld
        ):
            raise InputError(
                source, "must be a list of numeric PMID strings", field=f"{where}.withheld"
            )
        if withheld != sorted(set(withheld), key=int) or set(withheld) & set(pmids):
            raise InputError(
                source,
                "withheld PMIDs must be unique, sorted numerically and not among pmids",
                field=f"{where}.withheld",
            )
    return QueryEntry(
        id=item["id"],
        term=item["term"],
        file=item["file"],
        esearch_count=count,
        pmids=tuple(pmids),
        sha256=item["sha256"],
        retrieval_date=item["retrieval_date"],
        provenance=item["provenance"],
        querytranslation=translation,
        warnings=tuple(warnings) if warnings is not None else None,
        withheld=tuple(withheld) if withheld is not None else None,
    )


def _check_keys(
    item: Any, keys: Sequence[str], where: str, source: str | Path, optional: Sequence[str] = ()
) -> None:
    if not isinstance(item, Mapping):
        raise InputError(source, "must be a JSON object", field=where or "<top level>")
    prefix = f"{where}." if where else ""
    for key in keys:
        if key not in item:
            raise InputError(source, "required key is missing", field=prefix + key)
    for key in sorted(set(item) - set(keys) - set(optional)):
        raise InputError(source, "unknown key", field=prefix + key)


def _check_text(value: Any, field: str, source: str | Path) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InputError(source, "must be a non-empty string", field=field)


def _check_date(value: Any, field: str, source: str | Path) -> None:
    if not isinstance(value, str) or not _DATE.match(value):
        raise InputError(source, f"must be a date YYYY-MM-DD, got {value!r}", field=field)


def _check_sha256(value: Any, field: str, source: str | Path) -> None:
    if not isinstance(value, str) or not _SHA256.match(value):
        raise InputError(source, "must be a lower-case hex SHA-256 digest", field=field)


def iter_pmids(path: str | Path) -> Iterator[str]:
    """Yield the PMID of every PubmedArticle and PubmedBookArticle, streaming (memory flat).

    Book records (Bookshelf chapters) are part of an efetch answer and of a live snapshot's PMID
    list, so they are counted here although the records table keeps only journal articles.

    Parsed as the parse step does (``spinereview.pubmed.parse.iter_pmid_lines``): entity
    declarations and external references are refused, and every error (malformed XML, a root other
    than PubmedArticleSet, an article without a numeric PMID) names the file and the line.
    """
    for _line, pmid in iter_pmid_lines(path):
        yield pmid


def verify_snapshot(snapshot_dir: str | Path, queries: Sequence[Mapping[str, Any]]) -> dict:
    """Check a snapshot directory against the configured queries; return a JSON-able report.

    Checks, in this order, and stops at the first failure with an InputError that names the file:
    manifest.json readable and valid; the set of query ids equal to the configured one; each term
    equal to the configured term; each XML file present with the recorded SHA-256; the PMIDs in
    the file equal to the manifest's list, and their number plus the ``withheld`` PMIDs (records
    efetch never sent) equal to its esearch_count.
    Returns ``{query_id: {"file", "sha256", "records", "ok": True}}``.
    """
    snapshot_dir = Path(snapshot_dir)
    manifest_path = snapshot_dir / MANIFEST_NAME
    manifest = Manifest.load(manifest_path)

    configured = {q["id"]: q["term"] for q in queries}
    recorded = [q.id for q in manifest.queries]
    for query_id in configured:
        if query_id not in recorded:
            raise InputError(
                manifest_path,
                f"configured query {query_id!r} has no entry in the snapshot; run a live search "
                "or restore the config the snapshot was made for",
                field="queries",
            )
    for index, query_id in enumerate(recorded):
        if query_id not in configured:
            raise InputError(
                manifest_path,
                f"the snapshot holds query {query_id!r}, which is not in the config; run a live "
                "search or restore the config the snapshot was made for",
                field=f"queries[{index}].id",
            )

    report: dict[str, dict[str, Any]] = {}
    for query_id, term in configured.items():
        index = recorded.index(query_id)
        entry = manifest.queries[index]
        if entry.term != term:
            raise InputError(
                manifest_path,
                f"the snapshot for query {query_id!r} was made for another search term "
                f"({entry.term!r}, configured: {term!r}); run a live search or restore the "
                "config the snapshot was made for",
                field=f"queries[{index}].term",
            )
        report[query_id] = _verify_file(snapshot_dir, entry)
    return report


def _verify_file(snapshot_dir: Path, entry: QueryEntry) -> dict[str, Any]:
    path = snapshot_dir / entry.file
    if not path.is_file():
        raise InputError(path, f"snapshot file of query {entry.id!r} not found")
    actual = sha256_file(path)
    if actual != entry.sha256:
        raise InputError(
            path,
            f"SHA-256 mismatch: manifest expects {entry.sha256}, file has {actual}; "
            "the file was changed after the snapshot was made",
        )
    found: list[str] = []
    seen: dict[str, int] = {}
    for line, pmid in iter_pmid_lines(path):
        if pmid in seen:
            raise InputError(
                path, f"PMID {pmid} occurs more than once (first at line {seen[pmid]})", line=line
            )
        seen[pmid] = line
        found.append(pmid)
    expected = set(entry.pmids)
    missing = sorted(expected - seen.keys(), key=int)
    extra = sorted(seen.keys() - expected, key=int)
    if missing or extra:
        raise InputError(
            path,
            "PMIDs differ from the manifest: "
            f"missing from the file {missing or 'none'}, not in the manifest {extra or 'none'}",
        )
    withheld = len(entry.withheld or ())
    if entry.esearch_count != len(found) + withheld:
        held = f" and {withheld} withheld by efetch" if withheld else ""
        raise InputError(
            path,
            f"the manifest's esearch_count for query {entry.id!r} is {entry.esearch_count} "
            f"but the file holds {len(found)} records{held}",
        )
    return {"file": entry.file, "sha256": actual, "records": len(found), "ok": True}


def write_report(report: Mapping[str, Any], out: str | Path) -> None:
    """Write a verification report as deterministic JSON, atomically."""
    write_text_atomic(out, json.dumps(report, sort_keys=True, indent=2) + "\n")


def verify_snapshot_to_file(
    snapshot_dir: str | Path, queries: Sequence[Mapping[str, Any]], out: str | Path
) -> dict:
    """``verify_snapshot`` and write its report to ``out`` (for the CLI and the Snakemake rule)."""
    report = verify_snapshot(snapshot_dir, queries)
    write_report(report, out)
    return report
