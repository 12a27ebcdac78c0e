"""Rebuild the frozen PubMed snapshot (PubMed-XML per query + manifest) from data/evidence/.

No network: each record is written from the verified bibliographic facts in studies.csv and
review_records.csv, grouped into query files by the collection(s) each row names. Only rows with a
PMID enter; rows sharing a PMID become one PubmedArticle. Row numbers in error messages count data
rows from 1 (the header is not counted).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from spinereview.config import REPO_ROOT, load_config
from spinereview.errors import InputError
from spinereview.io import read_table, sha256_file
from spinereview.pubmed.snapshot import (
    FORMAT_VERSION,
    MANIFEST_NAME,
    Manifest,
    QueryEntry,
    SourceFile,
)

STUDIES_FILE = "studies.csv"
REVIEWS_FILE = "review_records.csv"

PROVENANCE = "rebuilt from bibliographic facts; abstracts not included"
PROVENANCE_DETAIL = (
    "Each query file was written offline by spinereview from the verified bibliographic facts in "
    "data/evidence/ (records grouped by the collection they belong to, not found by running the "
    "query term), so esearch_count is the number of records in the file, not a live esearch count."
)
GENERATOR = "spinereview build-snapshot"

XML_DECLARATION = '<?xml version="1.0" ?>'
DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)
HEADER_COMMENT = """\
<!--
  Rebuilt by spinereview (spinereview build-snapshot) from the verified bibliographic facts in
  data/evidence/. This file is NOT an NCBI efetch response: no PubMed server was queried.
  Assigned by the generator, not read from PubMed: MedlineCitation/@Status, @Owner,
  PublicationTypeList (studies.csv rows: Randomized Controlled Trial) and Language (eng).
  Not included: abstracts, MeSH headings, keywords, author fore names and journal full titles.
-->"""

#: MeSH unique identifiers of the publication types that occur in data/evidence/.
PUBLICATION_TYPE_UI = {
    "Meta-Analysis": "D017418",
    "Practice Guideline": "D017065",
    "Randomized Controlled Trial": "D016449",
    "Review": "D016454",
    "Systematic Review": "D000078182",
}
STUDY_PUBLICATION_TYPE = "Randomized Controlled Trial"

#: Fields that must agree between rows sharing one PMID (they describe one publication).
_BIBLIOGRAPHIC = ("title", "doi", "authors", "journal", "year", "volume", "issue", "pages")

_PMID = re.compile(r"^[1-9][0-9]*$")
_YEAR = re.compile(r"^[0-9]{4}$")
_DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")
_ROW_ID = re.compile(r"^[A-Za-z0-9_]+$")
_INITIALS = re.compile(r"^[A-Z]{1,5}$")
_ET_AL = re.compile(r"(?:^|\s)et al\.?$")
_COLLECTIVE = re.compile(
    r"\b(Group|Collaborat\w*|Consortium|Investigators|Committee|Network|Society|Association)\b"
)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Record:
    """One PubMed record: the merged facts of every evidence row with the same PMID."""

    pmid: str
    source: str
    row_ids: list[str]
    rows: list[int]
    facts: dict[str, str]
    publication_types: list[str]
    collections: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Author:
    """A name as the facts give it: last name + initials, last name only, or a group name."""

    last_name: str = ""
    initials: str = ""
    collective: str = ""


def display_path(path: Path) -> str:
    """Path as written into the snapshot: relative to the repository when inside it."""
    path = Path(os.path.abspath(path))
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def _read_csv(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    """The rows of an evidence CSV with surrounding spaces stripped from every value."""
    return [{k: v.strip() for k, v in row.items()} for row in read_table(path, required)]


def _check_row(path: Path, number: int, row: dict[str, str], id_column: str) -> None:
    """Validate the fields of a row that carries a PMID (the ones that enter the snapshot)."""
    row_id = row[id_column]

    def fail(message: str, column: str) -> None:
        raise InputError(path, f"{id_column} {row_id!r}: {message}", row=number, field=column)

    if not _PMID.match(row["pmid"]):
        fail(f"PMID must be a positive integer, got {row['pmid']!r}", "pmid")
    if not row["title"]:
        fail("a row with a PMID needs a title", "title")
    if row["year"] and not _YEAR.match(row["year"]):
        fail(f"year must have four digits, got {row['year']!r}", "year")
    if row["doi"] and not _DOI.match(row["doi"]):
        fail(f"not a DOI: {row['doi']!r}", "doi")
    for column in _BIBLIOGRAPHIC:
        if _XML_INVALID.search(row[column]):
            fail("contains a character that XML 1.0 does not allow", column)
    parse_authors(row["authors"], path=path, row=number)


def read_records(evidence_dir: str | Path) -> list[Record]:
    """Read studies.csv and review_records.csv; return one Record per PMID, sorted by PMID.

    Raises InputError naming file, data row and field for: a missing id, a duplicate id, a
    non-numeric PMID, a PMID row without title, a malformed year or DOI, an unparseable author,
    an unknown publication type, no collection, rows sharing a PMID but disagreeing on a
    bibliographic field, and a PMID that is both a study and a review record.
    """
    evidence_dir = Path(evidence_dir)
    by_pmid: dict[str, Record] = {}
    sources = (
        (evidence_dir / STUDIES_FILE, "study_id", "collection"),
        (evidence_dir / REVIEWS_FILE, "record_id", "collections"),
    )
    for path, id_column, collection_column in sources:
        required = ("pmid", id_column, collection_column, *_BIBLIOGRAPHIC)
        if path.name == REVIEWS_FILE:
            required = (*required, "publication_types")
        seen_ids: dict[str, int] = {}
        for number, row in enumerate(_read_csv(path, required), start=1):
            row_id = row[id_column]
            if not _ROW_ID.match(row_id):
                raise InputError(
                    path,
                    f"missing or malformed {id_column} {row_id!r}",
                    row=number,
                    field=id_column,
                )
            if row_id in seen_ids:
                raise InputError(
                    path,
                    f"{id_column} {row_id!r} repeats data row {seen_ids[row_id]}",
                    row=number,
                    field=id_column,
                )
            seen_ids[row_id] = number
            if not row["pmid"]:
                continue  # a record identified by other methods: not part of the PubMed snapshot
            _check_row(path, number, row, id_column)
            collections = {c.strip() for c in row[collection_column].split(";") if c.strip()}
            if not collections:
                raise InputError(
                    path,
                    f"{id_column} {row_id!r}: no collection",
                    row=number,
                    field=collection_column,
                )
            types = _publication_types(path, number, row, id_column)
            _merge(by_pmid, path, number, row, id_column, collections, types)
    return [by_pmid[p] for p in sorted(by_pmid, key=int)]


def _publication_types(path: Path, number: int, row: dict[str, str], id_column: str) -> list[str]:
    if "publication_types" not in row:
        return [STUDY_PUBLICATION_TYPE]
    types = [t.strip() for t in row["publication_types"].split(";") if t.strip()]
    unknown = [t for t in types if t not in PUBLICATION_TYPE_UI]
    if not types or unknown:
        raise InputError(
            path,
            f"{id_column} {row[id_column]!r}: unknown or missing publication type(s) "
            f"{unknown or types!r}; known: {', '.join(sorted(PUBLICATION_TYPE_UI))}",
            row=number,
            field="publication_types",
        )
    return types


def _merge(
    by_pmid: dict[str, Record],
    path: Path,
    number: int,
    row: dict[str, str],
    id_column: str,
    collections: set[str],
    types: list[str],
) -> None:
    pmid = row["pmid"]
    source = display_path(path)
    existing = by_pmid.get(pmid)
    if existing is None:
        by_pmid[pmid] = Record(
            pmid=pmid,
            source=source,
            row_ids=[row[id_column]],
            rows=[number],
            facts={k: row[k] for k in _BIBLIOGRAPHIC},
            publication_types=types,
            collections=set(collections),
        )
        return
    first = f"{existing.row_ids[0]} ({existing.source})"
    if existing.source != source:
        raise InputError(
            path,
            f"PMID {pmid} is also {first}: a record is either a study or a review record",
            row=number,
            field="pmid",
        )
    for column in _BIBLIOGRAPHIC:
        if row[column] != existing.facts[column]:
            raise InputError(
                path,
                f"PMID {pmid} is shared with {first}, but {column} differs "
                f"({row[column]!r} vs {existing.facts[column]!r}); one PMID is one publication",
                row=number,
                field=column,
            )
    existing.row_ids.append(row[id_column])
    existing.rows.append(number)
    existing.collections |= collections


def parse_authors(text: str, *, path: str | Path, row: int) -> tuple[list[Author], bool]:
    """Split an authors field ("Surname XY; ...; et al") into names; return (names, complete).

    "Surname XY" -> last name + initials (everything before the final initials token is the last
    name, so "de Bie RA" and "Ter Meulen BC" keep their particles); a single word ("Ghahreman")
    -> last name only; a group ("WEST Study Group") -> collective name. "et al" as its own item or
    at the end of the last item marks the list incomplete. Anything else is an error, not a guess.
    """
    names: list[Author] = []
    complete = True
    if not text:
        return names, complete
    items = [item.strip() for item in text.split(";")]
    for position, item in enumerate(items):

        def fail(message: str, item: str = item) -> None:
            raise InputError(path, f"author {item!r}: {message}", row=row, field="authors")

        if _ET_AL.search(item):
            if position != len(items) - 1:
                fail("'et al' may only end the author list")
            complete = False
            item = _ET_AL.sub("", item).strip()
            if not item:
                continue
        if not item:
            fail("empty name between ';' separators")
        if "et al" in item:
            fail("'et al' may only end the author list")
        words = item.split()
        if len(words) >= 2 and _INITIALS.match(words[-1]):
            names.append(Author(last_name=" ".join(words[:-1]), initials=words[-1]))
        elif _COLLECTIVE.search(item):
            names.append(Author(collective=item))
        elif len(words) == 1:
            names.append(Author(last_name=item))
        else:
            fail("cannot tell the last name from the initials")
    if not names:
        raise InputError(path, "no author name before 'et al'", row=row, field="authors")
    return names, complete


def _element(indent: int, tag: str, text: str, **attrs: str) -> str:
    attributes = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    pad = "  " * indent
    if not text:
        return f"{pad}<{tag}{attributes}/>"
    return f"{pad}<{tag}{attributes}>{escape(text)}</{tag}>"


def render_article(record: Record) -> list[str]:
    """Return the lines (without newlines) of one PubmedArticle, preceded by its source comment."""
    facts = record.facts
    id_column = "record_id" if record.source.endswith(REVIEWS_FILE) else "study_id"
    comment = f"{id_column} {', '.join(record.row_ids)} from {record.source}"
    if "--" in comment:
        raise InputError(record.source, f"cannot put {comment!r} in an XML comment")
    lines = [
        f"  <!-- {comment} -->",
        "  <PubmedArticle>",
        '    <MedlineCitation Status="PubMed-not-MEDLINE" Owner="NLM">',
        _element(3, "PMID", record.pmid, Version="1"),
        '      <Article PubModel="Print">',
        "        <Journal>",
        '          <JournalIssue CitedMedium="Print">',
    ]
    if facts["volume"]:
        lines.append(_element(6, "Volume", facts["volume"]))
    if facts["issue"]:
        lines.append(_element(6, "Issue", facts["issue"]))
    lines.append("            <PubDate>")
    if facts["year"]:
        lines.append(_element(7, "Year", facts["year"]))
    else:
        lines.append(_element(7, "MedlineDate", ""))
    lines += ["            </PubDate>", "          </JournalIssue>", "        </Journal>"]
    lines.append(_element(4, "ArticleTitle", facts["title"]))
    if facts["pages"] or not facts["doi"]:
        # The DTD needs Pagination or an ELocationID; with neither known MedlinePgn stays empty.
        lines += [
            "        <Pagination>",
            _element(5, "MedlinePgn", facts["pages"]),
            "        </Pagination>",
        ]
    if facts["doi"]:
        lines.append(_element(4, "ELocationID", facts["doi"], EIdType="doi", ValidYN="Y"))
    authors, complete = parse_authors(facts["authors"], path=record.source, row=record.rows[0])
    if authors:
        lines.append(f'        <AuthorList CompleteYN="{"Y" if complete else "N"}">')
        for author in authors:
            lines.append('          <Author ValidYN="Y">')
            if author.collective:
                lines.append(_element(6, "CollectiveName", author.collective))
            else:
                lines.append(_element(6, "LastName", author.last_name))
                if author.initials:
                    lines.append(_element(6, "Initials", author.initials))
            lines.append("          </Author>")
        lines.append("        </AuthorList>")
    lines += [_element(4, "Language", "eng"), "        <PublicationTypeList>"]
    for name in record.publication_types:
        lines.append(_element(5, "PublicationType", name, UI=PUBLICATION_TYPE_UI[name]))
    lines += [
        "        </PublicationTypeList>",
        "      </Article>",
        "      <MedlineJournalInfo>",
        _element(4, "MedlineTA", facts["journal"]),
        "      </MedlineJournalInfo>",
        "    </MedlineCitation>",
        "    <PubmedData>",
        _element(3, "PublicationStatus", "ppublish"),
        "      <ArticleIdList>",
        _element(4, "ArticleId", record.pmid, IdType="pubmed"),
    ]
    if facts["doi"]:
        lines.append(_element(4, "ArticleId", facts["doi"], IdType="doi"))
    lines += ["      </ArticleIdList>", "    </PubmedData>", "  </PubmedArticle>"]
    return lines


def render_query_file(records: Sequence[Record]) -> bytes:
    """Return the bytes of one PubmedArticleSet (records in PMID order), deterministic."""
    lines = [XML_DECLARATION, DOCTYPE, HEADER_COMMENT, "<PubmedArticleSet>"]
    for record in sorted(records, key=lambda r: int(r.pmid)):
        lines += render_article(record)
    lines.append("</PubmedArticleSet>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_snapshot(
    evidence_dir: str | Path,
    out_dir: str | Path,
    queries: Sequence[Mapping[str, Any]],
    retrieval_date: str,
) -> dict:
    """Write ``<query_id>.xml`` per query and manifest.json into ``out_dir``; return the manifest.

    All files are written into a temporary folder beside ``out_dir`` and swapped in only when
    complete: on any failure the existing ``out_dir`` is left as it was. Files in ``out_dir`` that
    the generator does not write (README.md) are carried over; old ``*.xml`` files are not.
    """
    evidence_dir = Path(evidence_dir)
    out_dir = Path(out_dir)
    records = read_records(evidence_dir)
    query_ids = [q["id"] for q in queries]
    for record in records:
        unknown = sorted(record.collections - set(query_ids))
        if unknown:
            raise InputError(
                record.source,
                f"{', '.join(record.row_ids)}: collection(s) {', '.join(unknown)} are not "
                f"configured query ids ({', '.join(query_ids)})",
                row=record.rows[0],
                field="collections" if record.source.endswith(REVIEWS_FILE) else "collection",
            )

    files: dict[str, bytes] = {}
    entries = []
    for query in queries:
        members = [r for r in records if query["id"] in r.collections]
        if not members:
            raise InputError(
                evidence_dir, f"no record with a PMID belongs to query {query['id']!r}"
            )
        data = render_query_file(members)
        name = f"{query['id']}.xml"
        files[name] = data
        entries.append(
            QueryEntry(
                id=query["id"],
                term=query["term"],
                file=name,
                esearch_count=len(members),
                pmids=tuple(r.pmid for r in members),
                sha256=_sha256_bytes(data),
                retrieval_date=retrieval_date,
                provenance=PROVENANCE,
            )
        )
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        database="pubmed",
        retrieval_date=retrieval_date,
        provenance=PROVENANCE,
        provenance_detail=PROVENANCE_DETAIL,
        generator=GENERATOR,
        sources=tuple(
            SourceFile(path=display_path(p), sha256=sha256_file(p))
            for p in (evidence_dir / STUDIES_FILE, evidence_dir / REVIEWS_FILE)
        ),
        queries=tuple(entries),
    )
    # Round trip through the validating reader: never write a manifest the verifier rejects.
    manifest = Manifest.from_json(manifest.to_json(), source=out_dir / MANIFEST_NAME)
    files[MANIFEST_NAME] = manifest.to_text().encode("utf-8")
    _swap_in(out_dir, files)
    return manifest.to_json()


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _swap_in(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` into a fresh folder beside ``out_dir``, then rename it into place.

    The two renames (old folder aside, new folder in) leave a moment in which ``out_dir`` does not
    exist; a failure between them puts the old folder back.
    """
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new.", dir=out_dir.parent))
    backup = staging.with_name(staging.name.replace(".new.", ".old."))
    try:
        if out_dir.is_dir():
            for item in sorted(out_dir.iterdir()):
                if item.is_file() and item.suffix != ".xml" and item.name != MANIFEST_NAME:
                    shutil.copy2(item, staging / item.name)
        for name in sorted(files):
            with open(staging / name, "wb") as fh:
                fh.write(files[name])
                fh.flush()
                os.fsync(fh.fileno())
        if out_dir.is_dir():
            shutil.copymode(out_dir, staging)
        else:
            staging.chmod(0o755)
        if out_dir.exists():
            os.rename(out_dir, backup)
            try:
                os.rename(staging, out_dir)
            except BaseException:
                os.rename(backup, out_dir)
                raise
            shutil.rmtree(backup)
        else:
            os.rename(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def build_snapshot_from_config(
    config_path: str | Path = "config/config.yaml",
    evidence_dir: str | Path = "data/evidence",
    date: str = "2026-11-27",
    out_dir: str | Path | None = None,
) -> dict:
    """CLI entry: load the config, rebuild into ``out_dir`` (default: search.snapshot_dir)."""
    config = load_config(config_path)
    target = Path(out_dir) if out_dir is not None else Path(config["search"]["snapshot_dir"])
    return build_snapshot(evidence_dir, target, config["search"]["queries"], date)
