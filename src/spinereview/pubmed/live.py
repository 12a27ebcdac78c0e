"""Live PubMed search: date-sliced esearch, resumable batched efetch, a new dated snapshot, diffs."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import shutil
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from spinereview.errors import InputError, SpinereviewError
from spinereview.io import atomic_path, sha256_file, write_text_atomic
from spinereview.pubmed.eutils import (
    EutilsClient,
    EutilsSettings,
    RecordsWithheldError,
    efetch_pubmed,
    esearch,
)
from spinereview.pubmed.progress import Progress
from spinereview.pubmed.redact import get_logger
from spinereview.pubmed.snapshot import (
    FORMAT_VERSION,
    MANIFEST_NAME,
    Manifest,
    QueryEntry,
    verify_snapshot,
)
from spinereview.pubmed.xmlscan import PubmedXmlError, scan_pubmed_xml

log = get_logger(__name__)

PROVENANCE = "NCBI E-utilities"
GENERATOR = "spinereview live-search"
#: Work folder under the snapshot root; ``<root>/.partial/search/`` holds the batches of the
#: search in progress, whatever its date, so a search killed yesterday resumes today.
WORK_DIR_NAME = ".partial"
RESUME_DIR_NAME = "search"
_STARTED = "started"  # in the resume folder: the date the search in progress was started

#: Outer publication-date bounds of the slices of a search past the page limit. PubMed's oldest
#: citations date from the 18th century, and issue dates a year or more ahead are common for
#: articles published online first, so the bounds are wide; the completeness check below proves
#: that no record lies outside them (or fails saying so).
DATE_FLOOR = dt.date(1700, 1, 1)
DATE_CEILING = dt.date(2199, 12, 31)

#: The XML declaration and DOCTYPE written when a query has no records (with records, the prolog
#: of NCBI's own first efetch answer is kept, so its DTD version is recorded faithfully).
DEFAULT_PROLOG = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_QUERY_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_STAGING = "snapshot.tmp"
_REPLACED = "replaced.tmp"
_OPEN_FILES = 64  # batch files kept open while assembling; far below any ulimit


@dataclass(frozen=True)
class Slice:
    """Part of a search that one esearch can page through; dates are inclusive, None = all."""

    mindate: str | None
    maxdate: str | None
    count: int
    ids: tuple[str, ...]


@dataclass(frozen=True)
class QueryPlan:
    """What one query will fetch: its live esearch count and the slices that cover it."""

    query_id: str
    term: str
    count: int
    slices: tuple[Slice, ...]
    translation: str | None = None  # esearch's QueryTranslation: what PubMed actually searched
    warnings: tuple[str, ...] = ()  # esearch's WarningList/ErrorList entries, each once

    @property
    def pmids(self) -> set[str]:
        return {pmid for s in self.slices for pmid in s.ids}


@dataclass(frozen=True)
class BatchFile:
    """A verified batch on disk with its prolog and the byte span of each record."""

    path: Path
    prolog: bytes
    spans: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class BatchEvent:
    """Passed to ``on_batch`` after a batch is safely on disk (fetched or found from before)."""

    query_id: str
    number: int  # 1-based, in plan order
    total: int
    records: int
    reused: bool
    path: Path


# --- planning: esearch and date slices ------------------------------------------------------


def plan_query(
    client: EutilsClient,
    query_id: str,
    term: str,
    page_limit: int,
    *,
    query_warnings: str = "record",
) -> QueryPlan:
    """Count the hits of ``term`` and cover them with slices of at most ``page_limit`` records.

    A search within the limit is one slice without dates. A larger one is bisected by
    publication date (datetype=pdat) until every slice fits. Completeness is then checked on the
    IDs themselves: the union of the slices' IDs must hold exactly the live count. (PubMed
    searches a record by its print *and* its electronic publication date, so a record whose two
    dates fall into different slices is counted in both; the sum of slice counts may exceed the
    total by such records, which are fetched and stored once.) A shortfall fails the run,
    naming the numbers.

    esearch's QueryTranslation (the search PubMed actually ran) and its warnings and errors
    (PhraseNotFound, QuotedPhraseNotFound, FieldNotFound, ...) are kept in the plan and logged
    naming the query; with ``query_warnings="fail"`` a warning stops the run instead.
    """
    first = esearch(client, term)
    total = first.count
    notes: dict[str, None] = dict.fromkeys(first.warnings)
    if total <= page_limit:
        ranges = [(None, None, total)] if total else []
    else:
        ranges = _split(client, term, DATE_FLOOR, DATE_CEILING, None, page_limit, query_id)
    slices = []
    for lo, hi, count in ranges:
        piece, warnings = _leaf(client, query_id, term, lo, hi, count)
        slices.append(piece)
        notes.update(dict.fromkeys(warnings))
    plan = QueryPlan(query_id, term, total, tuple(slices), first.translation, tuple(notes))
    _report_translation(plan, query_warnings)
    _check_complete(plan)
    return plan


def _report_translation(plan: QueryPlan, query_warnings: str) -> None:
    """Say on the console what PubMed made of the query, naming it; fail on warnings if asked."""
    if plan.translation is not None and plan.translation != " ".join(plan.term.split()):
        log.info("query %s: PubMed searched %s", plan.query_id, plan.translation)
    if not plan.warnings:
        return
    listed = "; ".join(plan.warnings)
    if query_warnings == "fail":
        raise SpinereviewError(
            f"query {plan.query_id!r}: esearch reported {listed}; PubMed searched "
            f"{plan.translation!r}. Fix the term, or set search.eutils.query_warnings to "
            "'record' to go on (the warnings then go to the manifest)"
        )
    log.warning(
        "query %s: esearch reported %s; PubMed searched %s (recorded in the manifest)",
        plan.query_id,
        listed,
        plan.translation,
    )


def _split(
    client: EutilsClient,
    term: str,
    lo: dt.date,
    hi: dt.date,
    count: int | None,
    limit: int,
    query_id: str = "",
) -> list[tuple[dt.date, dt.date, int]]:
    """Date ranges (inclusive, in order) that each hold 1..limit records of ``term``, with counts."""
    if count is None:
        count = esearch(client, term, mindate=_fmt(lo), maxdate=_fmt(hi)).count
    if count == 0:
        return []
    if count <= limit:
        return [(lo, hi, count)]
    if lo == hi:
        raise SpinereviewError(
            f"query {query_id!r}: {count} records of the search were published on "
            f"{lo.isoformat()}, more than the {limit} one esearch can page through; narrow the "
            "query term"
        )
    mid = dt.date.fromordinal((lo.toordinal() + hi.toordinal()) // 2)
    return _split(client, term, lo, mid, None, limit, query_id) + _split(
        client, term, mid + dt.timedelta(days=1), hi, None, limit, query_id
    )


def _leaf(
    client: EutilsClient,
    query_id: str,
    term: str,
    lo: dt.date | None,
    hi: dt.date | None,
    count: int,
) -> tuple[Slice, tuple[str, ...]]:
    """esearch one slice, asking for all ``count`` of its IDs; return the slice and esearch's
    warnings."""
    mindate = _fmt(lo) if lo is not None else None
    maxdate = _fmt(hi) if hi is not None else None
    result = esearch(client, term, retmax=count, mindate=mindate, maxdate=maxdate)
    if result.count != len(result.ids):
        where = f"{mindate}-{maxdate}" if mindate else "the whole query"
        raise SpinereviewError(
            f"query {query_id!r}: esearch counted {count} hits for {where}, then "
            f"{result.count}; PubMed changed during the search - run it again"
        )
    piece = Slice(mindate, maxdate, result.count, result.ids)
    return piece, result.warnings


def _check_complete(plan: QueryPlan) -> None:
    found = len(plan.pmids)
    summed = sum(s.count for s in plan.slices)
    if found != plan.count:
        raise SpinereviewError(
            f"query {plan.query_id!r}: the {len(plan.slices)} date slices hold {found} distinct "
            f"PMIDs (slice counts add up to {summed}) but esearch counts {plan.count} hits for "
            "the whole query; PubMed may have changed during the search - run it again"
        )
    if summed != found:
        log.info(
            "query %s: %d record(s) carry two publication dates in different slices; counted "
            "twice by esearch, fetched and stored once",
            plan.query_id,
            summed - found,
        )


def _fmt(day: dt.date) -> str:
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


# --- fetching: batches on disk ----------------------------------------------------------------


def batch_name(ids: Sequence[str]) -> str:
    """File name of the batch holding ``ids``: named by a hash of its PMID set, so a resumed run
    whose search answers the same IDs finds it, and one whose answer changed does not."""
    key = ",".join(sorted(set(ids), key=int))
    digest = hashlib.sha256(key.encode("ascii")).hexdigest()[:20]
    return f"batch-{digest}.xml"


def plan_batches(pmids: Iterable[str], batch_size: int) -> list[tuple[str, ...]]:
    """Split a query's distinct PMIDs into efetch batches whose bounds depend on the PMIDs alone.

    The PMIDs are sorted numerically and a batch ends after a PMID whose hash hits (once it holds
    at least half of ``batch_size``), or when it is full. A batch therefore is the same set of
    PMIDs whatever else the search answers: a record added to or dropped from the search changes
    the batch it falls into (and at most the next ones up to the next hash boundary), not every
    batch after it, so a resumed search reuses the rest. Batches hold ~3/4 of ``batch_size`` on
    average. A record found by two date slices is in one batch, fetched once.
    """
    low = max(1, batch_size // 2)
    spread = max(1, batch_size // 4)
    batches: list[tuple[str, ...]] = []
    current: list[str] = []
    for pmid in sorted(set(pmids), key=int):
        current.append(pmid)
        if len(current) >= batch_size or (len(current) >= low and _boundary(pmid, spread)):
            batches.append(tuple(current))
            current = []
    if current:
        batches.append(tuple(current))
    return batches


def _boundary(pmid: str, spread: int) -> bool:
    return int(hashlib.sha256(pmid.encode("ascii")).hexdigest()[:12], 16) % spread == 0


def fetch_batches(
    client: EutilsClient,
    plan: QueryPlan,
    work_dir: Path,
    batch_size: int,
    *,
    on_batch: Callable[[BatchEvent], None] | None = None,
    progress: Progress | None = None,
    withheld: str = "skip",
) -> list[BatchFile]:
    """Fetch every batch of ``plan`` not already in ``work_dir``; return them in plan order.

    Batches (``plan_batches``) are fetched by PMID (HTTP POST). Each is written to a temporary
    file, verified (well-formed, closed, PMIDs equal to the requested IDs) and only then renamed
    into place, so a file named ``batch-*.xml`` is always complete and a killed run - even one
    resumed on a later day, with PubMed's answer changed a little - reuses the batches it has.

    A record that efetch still withholds after every attempt (NCBI does so while a record is
    being revised) is skipped with a warning naming the query and the PMID when ``withheld`` is
    "skip" (the batch is kept without it); with "fail" the run stops, naming them.
    """
    jobs = plan_batches(plan.pmids, batch_size)
    batches: list[BatchFile] = []
    for number, ids in enumerate(jobs, start=1):
        path = work_dir / batch_name(ids)
        batch = _load_batch(path, ids, plan.query_id) if path.is_file() else None
        reused = batch is not None
        if batch is None:
            try:
                body = efetch_pubmed(client, ids)
                arrived: Sequence[str] = ids
            except RecordsWithheldError as exc:
                body, arrived = _withheld(exc, plan.query_id, ids, withheld)
            batch = _save_batch(path, body, arrived)
        batches.append(batch)
        if progress is not None:
            progress.advance(len(ids))
        if on_batch is not None:
            on_batch(BatchEvent(plan.query_id, number, len(jobs), len(ids), reused, path))
    return batches


def _withheld(
    exc: RecordsWithheldError, query_id: str, ids: Sequence[str], mode: str
) -> tuple[bytes, list[str]]:
    """The body and PMIDs to keep when efetch withheld ``exc.missing``, or raise for "fail"."""
    pmids = ", ".join(sorted(exc.missing, key=int))
    if mode != "skip" or exc.body is None:
        raise SpinereviewError(
            f"query {query_id!r}: efetch withheld PMID(s) {pmids} on every attempt "
            "(NCBI withholds a record while it is revised); search.eutils.withheld is 'fail' - "
            f"try again later, or set it to 'skip' to go on without them. {exc}"
        ) from None
    log.warning(
        "query %s: efetch withheld PMID(s) %s on every attempt; skipped (listed as withheld in "
        "the manifest; search.eutils.withheld: fail stops instead)",
        query_id,
        pmids,
    )
    return exc.body, [p for p in ids if p not in exc.missing]


def _save_batch(path: Path, body: bytes, ids: Sequence[str]) -> BatchFile:
    with atomic_path(path) as tmp:
        tmp.write_bytes(body)
        prolog, spans = article_spans(tmp.read_bytes(), tmp)
        found = [pmid for pmid, _, _ in spans]
        if sorted(found) != sorted(ids):
            raise InputError(path, f"batch holds {len(found)} records, expected {len(ids)}")
    return BatchFile(path, prolog, tuple(spans))


def _load_batch(path: Path, ids: Sequence[str], query_id: str = "") -> BatchFile | None:
    """A batch left by an earlier, interrupted run, re-verified; None if it cannot be used."""
    try:
        prolog, spans = article_spans(path.read_bytes(), path)
    except InputError as exc:
        log.warning("query %s: discarding unreadable batch %s: %s", query_id, path.name, exc)
        return None
    found = {pmid for pmid, _, _ in spans}
    if found < set(ids):
        log.info(
            "query %s: fetching batch %s again: it lacks records efetch withheld",
            query_id,
            path.name,
        )
        return None
    if sorted(found) != sorted(ids):
        log.warning(
            "query %s: discarding batch %s: its PMIDs differ from the search", query_id, path.name
        )
        return None
    return BatchFile(path, prolog, tuple(spans))


def article_spans(data: bytes, source: str | Path) -> tuple[bytes, list[tuple[str, int, int]]]:
    """``eutils.scan_pubmed_xml`` with errors as InputError naming ``source``."""
    try:
        return scan_pubmed_xml(data)
    except PubmedXmlError as exc:
        raise InputError(source, str(exc), line=exc.line) from None


# --- assembling and publishing the snapshot ---------------------------------------------------


def assemble_query_file(batches: Iterable[BatchFile], out: Path) -> list[str]:
    """Write one PubmedArticleSet from batch files, articles sorted by PMID, each PMID once.

    Streams: only the index (PMID -> file, span) is held in memory; the article bytes are copied
    from the batch files as they are. Returns the PMIDs in file order.
    """
    index: dict[str, tuple[Path, int, int]] = {}
    prolog: bytes | None = None
    for batch in batches:
        if prolog is None:
            prolog = batch.prolog.rstrip() + b"\n"
        for pmid, start, stop in batch.spans:
            index.setdefault(pmid, (batch.path, start, stop))  # the first copy wins: plan order
    pmids = sorted(index, key=int)
    handles: OrderedDict[Path, BinaryIO] = OrderedDict()
    try:
        with atomic_path(out) as tmp, open(tmp, "wb") as dest:
            dest.write(prolog or DEFAULT_PROLOG)
            dest.write(b"<PubmedArticleSet>\n")
            for pmid in pmids:
                path, start, stop = index[pmid]
                source = handles.pop(path, None) or open(path, "rb")  # noqa: SIM115
                handles[path] = source
                if len(handles) > _OPEN_FILES:
                    handles.popitem(last=False)[1].close()
                source.seek(start)
                dest.write(source.read(stop - start))
                dest.write(b"\n")
            dest.write(b"</PubmedArticleSet>\n")
            dest.flush()
    finally:
        for handle in handles.values():
            handle.close()
    return pmids


def run_live_search(
    queries: Sequence[Mapping[str, Any]],
    out_root: str | Path,
    settings: EutilsSettings,
    *,
    date: str | None = None,
    client: EutilsClient | None = None,
    overwrite: bool = False,
    on_batch: Callable[[BatchEvent], None] | None = None,
    show_progress: bool | None = None,
) -> Path:
    """Search PubMed live for every query and publish ``<out_root>/<date>/``; return that path.

    For each query: plan (esearch count, date slices past ``settings.page_limit``), fetch the
    batches into ``<out_root>/.partial/search/<query_id>/`` (resuming from those already there,
    whatever day the search began),
    then write ``<query_id>.xml`` (sorted, each PMID once) and manifest.json (provenance
    "NCBI E-utilities", esearch_count = the live count) into a staging folder, verify it with
    ``verify_snapshot`` and rename it into place. The work folder is removed on success. Any
    failure leaves earlier snapshots untouched; without network the first request fails at once.
    """
    date = date or dt.date.today().isoformat()
    if not _DATE.match(date):
        raise SpinereviewError(f"snapshot date must be YYYY-MM-DD, got {date!r}")
    for query in queries:
        if not _QUERY_ID.match(str(query.get("id", ""))) or not str(query.get("term", "")).strip():
            raise SpinereviewError(f"each query needs an id [a-z0-9_] and a term: {query!r}")
    out_root = Path(out_root)
    final = out_root / date
    if final.exists() and not overwrite:
        raise SpinereviewError(
            f"{final} already exists; remove it or choose another date to search again"
        )
    work = out_root / WORK_DIR_NAME / RESUME_DIR_NAME
    began = _prepare_work(work, date)  # creates nothing: without network, nothing is written
    client = client or EutilsClient(settings)

    fetched: list[tuple[QueryPlan, list[BatchFile]]] = []
    for query in queries:
        with client.for_query(query["id"]):
            plan = _plan(client, query, settings)
            _mark_started(work, began)
            fetched.append((plan, _fetch(client, plan, settings, work, on_batch, show_progress)))
    staging = work / _STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    entries = []
    for plan, batches in fetched:
        file_name = f"{plan.query_id}.xml"
        pmids = assemble_query_file(batches, staging / file_name)
        withheld = sorted(plan.pmids - set(pmids), key=int)
        if withheld:
            log.warning(
                "query %s: %d record(s) counted by esearch but withheld by efetch, not in the "
                "snapshot: PMID %s",
                plan.query_id,
                len(withheld),
                ", ".join(withheld),
            )
        entries.append(
            QueryEntry(
                id=plan.query_id,
                term=plan.term,
                file=file_name,
                esearch_count=plan.count,
                pmids=tuple(pmids),
                sha256=sha256_file(staging / file_name),
                retrieval_date=date,
                provenance=PROVENANCE,
                querytranslation=plan.translation,
                warnings=plan.warnings,
                withheld=tuple(withheld),
            )
        )
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        database="pubmed",
        retrieval_date=date,
        provenance=PROVENANCE,
        provenance_detail=(
            "Fetched live by spinereview from NCBI E-utilities: esearch for the IDs (searches "
            "with more hits than one esearch can page through split by publication date), "
            "efetch by PMID as PubMed XML in batches; esearch_count is the live count, and every "
            "record is stored once, sorted by PMID."
        ),
        generator=GENERATOR,
        sources=(),
        queries=tuple(entries),
    )
    manifest.write(staging / MANIFEST_NAME)
    verify_snapshot(staging, queries)
    _publish(staging, final, work)
    shutil.rmtree(work, ignore_errors=True)
    with contextlib.suppress(OSError):
        work.parent.rmdir()  # .partial/ itself, when nothing else is in it
    log.info("snapshot written to %s", final)
    return final


def _plan(client: EutilsClient, query: Mapping[str, Any], settings: EutilsSettings) -> QueryPlan:
    return plan_query(
        client,
        query["id"],
        query["term"],
        settings.page_limit,
        query_warnings=settings.query_warnings,
    )


def _fetch(
    client: EutilsClient,
    plan: QueryPlan,
    settings: EutilsSettings,
    work: Path,
    on_batch: Callable[[BatchEvent], None] | None,
    show_progress: bool | None,
) -> list[BatchFile]:
    """Fetch the batches of one planned query into ``work/<query id>/``."""
    log.info(
        "query %s: %d hits in %d slice(s); fetching in batches of %d",
        plan.query_id,
        plan.count,
        len(plan.slices),
        settings.batch_size,
    )
    records = len(plan.pmids)
    jobs = len(plan_batches(plan.pmids, settings.batch_size))
    progress = Progress(plan.query_id, jobs, records, enabled=show_progress)
    try:
        batches = fetch_batches(
            client,
            plan,
            work / plan.query_id,
            settings.batch_size,
            on_batch=on_batch,
            progress=progress,
            withheld=settings.withheld,
        )
    finally:
        progress.close()
    return batches


def _prepare_work(work: Path, date: str) -> str:
    """Resume the search in progress, whatever day it started, and take over the batches of the
    per-date work folders (``.partial/<YYYY-MM-DD>/``) of earlier versions, removing them.

    Saved batches are named by their PMID set, so every one the new search still asks for is
    reused (after re-verification) and the others are left unused and removed with the folder
    when the search completes. To start afresh instead, remove the folder the message names.
    Returns the day the search in progress began (``date`` for a new one).
    """
    earlier: list[str] = []
    if work.parent.is_dir():
        for old in sorted(work.parent.iterdir()):
            if not (old.is_dir() and _DATE.match(old.name)):
                continue
            for query_dir in (d for d in old.iterdir() if d.is_dir() and _QUERY_ID.match(d.name)):
                target = work / query_dir.name
                target.mkdir(parents=True, exist_ok=True)
                for batch in query_dir.glob("batch-*.xml"):
                    if not (target / batch.name).exists():
                        batch.rename(target / batch.name)
            shutil.rmtree(old)
            earlier.append(old.name)
    started = work / _STARTED
    if started.is_file():
        earlier.append(started.read_text(encoding="ascii", errors="replace").strip())
    saved = sum(1 for _ in work.glob("*/batch-*.xml")) if work.is_dir() else 0
    dates = sorted(d for d in earlier if _DATE.match(d))
    began = dates[0] if saved and dates else date
    if saved:
        note = f", started {began}" if began != date else ""
        log.info(
            "resuming the partial search in %s%s: %d saved batch(es), each reused if the search "
            "still asks for its records (remove that folder to start afresh)",
            work,
            note,
            saved,
        )
    elif started.is_file():
        started.unlink()  # nothing saved: the search starts afresh today
    return began


def _mark_started(work: Path, date: str) -> None:
    """Note the day the search in progress began (once; kept when it resumes later)."""
    started = work / _STARTED
    if not started.is_file():
        write_text_atomic(started, date + "\n")


def _publish(staging: Path, final: Path, work: Path) -> None:
    """Rename the verified staging folder to ``final`` (replacing an existing one if asked)."""
    if final.exists():
        replaced = work / _REPLACED
        shutil.rmtree(replaced, ignore_errors=True)
        final.rename(replaced)
        staging.rename(final)
        shutil.rmtree(replaced)
    else:
        staging.rename(final)


# --- comparing snapshots ----------------------------------------------------------------------


def diff_snapshots(old_dir: str | Path, new_dir: str | Path) -> dict[str, dict[str, Any]]:
    """PMIDs added and removed per query between two snapshot folders (by their manifests).

    Returns ``{query_id: {"added": [...], "removed": [...], "old_count": n, "new_count": m}}``
    in the new snapshot's query order, then queries only the old one has; PMIDs sorted
    numerically. A query missing on one side counts as empty there.
    """
    old = Manifest.load(Path(old_dir) / MANIFEST_NAME)
    new = Manifest.load(Path(new_dir) / MANIFEST_NAME)
    old_sets = {q.id: set(q.pmids) for q in old.queries}
    new_sets = {q.id: set(q.pmids) for q in new.queries}
    order = [q.id for q in new.queries] + [q.id for q in old.queries if q.id not in new_sets]
    result: dict[str, dict[str, Any]] = {}
    for query_id in order:
        before, after = old_sets.get(query_id, set()), new_sets.get(query_id, set())
        result[query_id] = {
            "added": sorted(after - before, key=int),
            "removed": sorted(before - after, key=int),
            "old_count": len(before),
            "new_count": len(after),
        }
    return result


def format_diff(diff: Mapping[str, Mapping[str, Any]]) -> str:
    """One summary line per query, for the terminal or a log."""
    lines = []
    for query_id, change in diff.items():
        lines.append(
            f"{query_id}: {change['old_count']} -> {change['new_count']} records, "
            f"+{len(change['added'])} added, -{len(change['removed'])} removed"
        )
    return "\n".join(lines) + "\n"


def write_diff(diff: Mapping[str, Any], out: str | Path) -> None:
    """Write a diff as deterministic JSON, atomically."""
    write_text_atomic(out, json.dumps(diff, indent=2, sort_keys=True) + "\n")


def previous_snapshot(out_root: str | Path, before: str | None = None) -> Path | None:
    """The newest dated snapshot under ``out_root`` older than ``before`` (a YYYY-MM-DD), else the
    committed ``snapshot/`` folder, else None."""
    out_root = Path(out_root)
    dated = (
        sorted(
            p
            for p in out_root.iterdir()
            if p.is_dir()
            and _DATE.match(p.name)
            and (p / MANIFEST_NAME).is_file()
            and (before is None or p.name < before)
        )
        if out_root.is_dir()
        else []
    )
    if dated:
        return dated[-1]
    committed = out_root / "snapshot"
    return committed if (committed / MANIFEST_NAME).is_file() else None
