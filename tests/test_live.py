"""Live search end to end against the loopback server: >10,000 hits, faults, resume, diffs."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eutils_server import (
    BIG_TERM,
    MEDIUM_TERM,
    SMALL_TERM,
    EutilsServer,
    big,
    medium,
    shared_corpus,
    small,
    standard_server,
)

from spinereview.errors import InputError, SpinereviewError
from spinereview.pubmed import live
from spinereview.pubmed.eutils import EutilsSettings, NetworkUnavailableError
from spinereview.pubmed.live import (
    BatchEvent,
    article_spans,
    diff_snapshots,
    format_diff,
    previous_snapshot,
    run_live_search,
    write_diff,
)
from spinereview.pubmed.parse import count_articles, iter_records
from spinereview.pubmed.snapshot import Manifest, verify_snapshot

KEY = "live-test-api-key-7f3a9c"
DATE = "2026-03-01"
QUERIES = [
    {"id": "big", "term": BIG_TERM},
    {"id": "medium", "term": MEDIUM_TERM},
    {"id": "small", "term": SMALL_TERM},
]
TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def module_server() -> Iterator[EutilsServer]:
    server = standard_server(api_key=KEY)
    yield server
    server.stop()


@pytest.fixture
def server(module_server: EutilsServer) -> EutilsServer:
    module_server.reset()
    return module_server


def settings_for(server: EutilsServer, rate_state: Path, **options) -> EutilsSettings:
    values = {
        "email": "reviewer@example.org",
        "api_key": KEY,
        "base_url": server.url,
        "batch_size": 500,
        "rate_state": rate_state,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "max_retries": 4,
        "read_timeout": 5.0,
        **options,
    }
    return EutilsSettings(**values)


@pytest.fixture(scope="module")
def reference_run(
    module_server: EutilsServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list, str]:
    """A fault-free live search of all three queries (the big one past the paging limit).

    Returns the snapshot folder, the server's request log and the run's log text.
    """
    module_server.reset()
    root = tmp_path_factory.mktemp("reference")
    settings = settings_for(module_server, root / "rate")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("spinereview")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        path = run_live_search(QUERIES, root / "pubmed", settings, date=DATE)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return path, module_server.requests(), stream.getvalue()


@pytest.fixture(scope="module")
def reference(reference_run: tuple[Path, list, str]) -> Path:
    return reference_run[0]


def files_of(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def assert_same_snapshot(a: Path, b: Path) -> None:
    assert files_of(a) == files_of(b)
    for name in files_of(a):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def assert_key_absent(root: Path, log_text: str = "") -> None:
    for path in root.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in log_text


# --- the fault-free run ----------------------------------------------------------------------


def test_reference_snapshot_is_complete_and_verified(reference: Path) -> None:
    corpus = shared_corpus()
    manifest = Manifest.load(reference / "manifest.json")
    assert manifest.provenance == "NCBI E-utilities"
    assert manifest.retrieval_date == DATE and manifest.sources == ()
    for query, predicate in zip(QUERIES, (big, medium, small), strict=True):
        entry = manifest.query(query["id"])
        expected = sorted(str(p) for p in corpus.matching(predicate))
        assert entry.term == query["term"] and entry.provenance == "NCBI E-utilities"
        assert list(entry.pmids) == sorted(expected, key=int)  # each PMID once, sorted
        assert entry.esearch_count == len(expected)
    assert manifest.query("big").esearch_count > 10_000
    report = verify_snapshot(reference, QUERIES)
    assert report["big"]["records"] == manifest.query("big").esearch_count
    # No work folder, no temporary file: only the snapshot itself.
    assert files_of(reference.parent) == [
        f"{DATE}/big.xml",
        f"{DATE}/manifest.json",
        f"{DATE}/medium.xml",
        f"{DATE}/small.xml",
    ]


def test_the_parser_reads_the_live_snapshot(reference: Path) -> None:
    for query, predicate in zip(QUERIES, (big, medium, small), strict=True):
        records = list(iter_records(reference / f"{query['id']}.xml"))
        assert len(records) == len(shared_corpus().matching(predicate))
        assert [r["pmid"] for r in records] == sorted((r["pmid"] for r in records), key=int)
    first = records[0]
    assert first["doi"] == f"10.5555/gen.{first['pmid']}"
    assert "Rückenschmerz" in first["title"] and "&" in first["title"]
    assert first["abstract"].startswith("BACKGROUND: Record")


def test_big_query_was_split_by_publication_date(reference_run: tuple[Path, list, str]) -> None:
    _, requests, log_text = reference_run
    big_searches = [r.params for r in requests if r.params.get("term") == BIG_TERM]
    leaves = [p for p in big_searches if int(p.get("retmax", 0)) > 0]
    assert len(leaves) >= 2 and all(p["datetype"] == "pdat" for p in leaves)
    assert all(int(p["retmax"]) <= 9_999 for p in leaves)
    assert "big: 12093 hits in" in log_text
    # Records with an electronic date before the print date match two slices: counted twice by
    # esearch, fetched and stored once (batches are planned over the query's distinct PMIDs).
    assert "carry two publication dates in different slices; counted twice" in log_text
    efetched = [p for r in requests if r.utility == "efetch" for p in r.params["id"].split(",")]
    distinct = sum(len(shared_corpus().matching(f)) for f in (big, medium, small))
    assert len(efetched) == distinct  # each record once per query, none twice
    assert KEY not in log_text


# --- faults, interruptions -------------------------------------------------------------------


def test_a_run_under_faults_gives_the_same_snapshot(
    server: EutilsServer, reference: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    faults = server.faults
    faults.add("status", "efetch", at=[2, 3], status=429, retry_after="1")  # a 429 burst
    faults.add("status", "efetch", at=[5], status=500)
    faults.add("status", "efetch", at=[6], status=502)
    faults.add("status", "efetch", at=[7], status=503)
    faults.add("drop", "efetch", at=[9])
    faults.add("reset", "efetch", at=[10])
    faults.add("cut", "efetch", at=[12])
    faults.add("unclosed", "efetch", at=[14])
    faults.add("missing", "efetch", at=[16])
    faults.add("slow", "efetch", at=[18], delay=0.2)  # below the timeout: no retry
    faults.add("slow", "efetch", at=[20], delay=1.5)  # beyond it: retried
    faults.add("search_error", "esearch", at=[2])
    faults.add("status", "esearch", at=[4], status=503)
    settings = settings_for(server, tmp_path / "rate", read_timeout=1.0)
    result = run_live_search(QUERIES, tmp_path / "pubmed", settings, date=DATE)
    assert_same_snapshot(reference, result)
    assert files_of(tmp_path / "pubmed") == files_of(reference.parent)
    seen = {r.fault for r in server.requests()}
    assert {"status", "drop", "reset", "cut", "unclosed", "missing", "slow", "search_error"} <= seen
    assert "retry" in caplog.text
    assert_key_absent(tmp_path, caplog.text)


def test_an_interrupted_run_resumes_from_its_batches(
    server: EutilsServer, reference: Path, tmp_path: Path
) -> None:
    class Interrupted(Exception):
        pass

    def stop_after_three(event: BatchEvent) -> None:
        if event.number == 3:
            raise Interrupted

    settings = settings_for(server, tmp_path / "rate")
    out = tmp_path / "pubmed"
    with pytest.raises(Interrupted):
        run_live_search(QUERIES[1:2], out, settings, date=DATE, on_batch=stop_after_three)
    work = out / ".partial" / "search" / "medium"
    assert len(list(work.glob("batch-*.xml"))) == 3
    assert not (out / DATE).exists()
    fetched_before = len(server.requests("efetch"))

    events: list[BatchEvent] = []
    result = run_live_search(QUERIES[1:2], out, settings, date=DATE, on_batch=events.append)
    assert [e.reused for e in events] == [True] * 3 + [False] * (len(events) - 3)
    assert len(server.requests("efetch")) - fetched_before == len(events) - 3
    assert (result / "medium.xml").read_bytes() == (reference / "medium.xml").read_bytes()
    assert files_of(out) == [f"{DATE}/manifest.json", f"{DATE}/medium.xml"]


def test_a_killed_process_resumes(server: EutilsServer, reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "pubmed"
    script = f"""
import sys, time
from pathlib import Path
from spinereview.pubmed.eutils import EutilsSettings
from spinereview.pubmed.live import run_live_search
settings = EutilsSettings(email="reviewer@example.org", base_url={server.url!r},
                          api_key={KEY!r}, batch_size=500, rate_state=Path({str(tmp_path)!r}) / "rate")
run_live_search([{QUERIES[1]!r}], Path({str(out)!r}), settings, date={DATE!r},
                on_batch=lambda event: time.sleep(0.4))
"""
    env = {**os.environ, "PYTHONPATH": str(TESTS_DIR.parent / "src")}
    child = subprocess.Popen([sys.executable, "-c", script], env=env)
    work = out / ".partial" / "search" / "medium"
    try:
        deadline = time.monotonic() + 30
        while len(list(work.glob("batch-*.xml"))) < 3:
            assert child.poll() is None, "the search ended before it could be killed"
            assert time.monotonic() < deadline, "no batches appeared"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    kept = len(list(work.glob("batch-*.xml")))
    assert not (out / DATE).exists()

    events: list[BatchEvent] = []
    settings = settings_for(server, tmp_path / "rate")
    result = run_live_search(QUERIES[1:2], out, settings, date=DATE, on_batch=events.append)
    assert sum(e.reused for e in events) == kept
    assert (result / "medium.xml").read_bytes() == (reference / "medium.xml").read_bytes()
    assert files_of(out) == [f"{DATE}/manifest.json", f"{DATE}/medium.xml"]
    assert_key_absent(tmp_path)


def test_batches_are_fetched_by_pmid_without_the_history_server(
    server: EutilsServer, reference: Path, tmp_path: Path
) -> None:
    """Batches are PMID sets (see plan_batches), posted to efetch; no WebEnv to expire."""
    settings = settings_for(server, tmp_path / "rate")
    result = run_live_search(QUERIES[2:], tmp_path / "pubmed", settings, date=DATE)
    assert (result / "small.xml").read_bytes() == (reference / "small.xml").read_bytes()
    fetches = server.requests("efetch")
    assert all("id" in r.params and "WebEnv" not in r.params for r in fetches)
    assert all(r.params.get("usehistory") is None for r in server.requests("esearch"))


# --- slicing ---------------------------------------------------------------------------------


def test_a_small_page_limit_slices_deeper(tmp_path: Path, reference: Path) -> None:
    with standard_server(page_limit=150) as server:
        settings = settings_for(server, tmp_path / "rate", page_limit=150, batch_size=150)
        result = run_live_search(QUERIES[2:], tmp_path / "pubmed", settings, date=DATE)
        leaves = [r for r in server.requests("esearch") if int(r.params.get("retmax", 0)) > 0]
    assert len(leaves) >= 5
    assert (result / "small.xml").read_bytes() == (reference / "small.xml").read_bytes()


def test_slices_that_miss_records_fail_the_run(
    server: EutilsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the date floor above the oldest records, the slices cannot cover the count."""
    import datetime as dt

    monkeypatch.setattr(live, "DATE_FLOOR", dt.date(1990, 1, 1))
    settings = settings_for(server, tmp_path / "rate")
    with pytest.raises(
        SpinereviewError, match=r"date slices hold \d+ distinct PMIDs .* counts 12093"
    ):
        run_live_search(QUERIES[:1], tmp_path / "pubmed", settings, date=DATE)
    assert not (tmp_path / "pubmed").exists()


def test_a_day_with_more_records_than_a_page_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    records = list(shared_corpus().records.values())
    days = [r.pub for r in records]
    day = next(d for d in days if days.count(d) >= 2)
    # Narrow outer bounds keep the bisection short; the logic is the same as for 1700-2199.
    monkeypatch.setattr(live, "DATE_FLOOR", day - dt.timedelta(days=5))
    monkeypatch.setattr(live, "DATE_CEILING", day + dt.timedelta(days=5))
    with standard_server(page_limit=1) as server:
        server.add_query("same day", lambda r: r.pub == day)
        settings = settings_for(server, tmp_path / "rate", page_limit=1, batch_size=1)
        with pytest.raises(SpinereviewError, match=f"published on {day.isoformat()}, more than"):
            run_live_search(
                [{"id": "day", "term": "same day"}], tmp_path / "pubmed", settings, date=DATE
            )


def test_a_query_without_hits_gives_an_empty_file(server: EutilsServer, tmp_path: Path) -> None:
    settings = settings_for(server, tmp_path / "rate")
    result = run_live_search(
        [{"id": "none", "term": "no such thing"}], tmp_path / "p", settings, date=DATE
    )
    assert count_articles(result / "none.xml") == []
    assert Manifest.load(result / "manifest.json").query("none").esearch_count == 0
    verify_snapshot(result, [{"id": "none", "term": "no such thing"}])


# --- failures leave the last snapshot alone ---------------------------------------------------


def test_without_network_it_fails_fast_and_touches_nothing(tmp_path: Path, reference: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "pubmed"
    shutil.copytree(reference, out / "2026-01-01")
    before = {name: (out / name).read_bytes() for name in files_of(out)}
    settings = EutilsSettings(
        email="reviewer@example.org",
        api_key=KEY,
        base_url=f"http://127.0.0.1:{port}/entrez/eutils/",
        rate_state=tmp_path / "rate",
        backoff_base=30.0,  # any retry would stall the test
    )
    with pytest.raises(NetworkUnavailableError, match="cannot reach NCBI") as info:
        run_live_search(QUERIES, out, settings, date=DATE)
    assert KEY not in str(info.value)
    assert {name: (out / name).read_bytes() for name in files_of(out)} == before
    assert sorted(p.name for p in out.iterdir()) == ["2026-01-01"]


def test_an_existing_snapshot_of_that_date_is_not_overwritten(
    server: EutilsServer, reference: Path
) -> None:
    settings = settings_for(server, reference.parent.parent / "rate")
    with pytest.raises(SpinereviewError, match="already exists"):
        run_live_search(QUERIES, reference.parent, settings, date=DATE)
    assert server.requests() == []


# --- diff --------------------------------------------------------------------------------------


def test_diff_lists_added_and_removed_pmids(
    server: EutilsServer, reference: Path, tmp_path: Path
) -> None:
    corpus = shared_corpus()
    old_small = {str(p) for p in corpus.matching(small)}
    # PubMed a month later: some records fell out of the query, others came in.
    server.add_query(SMALL_TERM, lambda r: 0.005 < r.topic < 0.032)
    try:
        settings = settings_for(server, tmp_path / "rate")
        new = run_live_search(QUERIES[2:], reference.parent, settings, date="2026-04-01")
    finally:
        server.add_query(SMALL_TERM, small)
    new_small = {str(p) for p in corpus.matching(lambda r: 0.005 < r.topic < 0.032)}
    assert previous_snapshot(reference.parent, before="2026-04-01") == reference
    diff = diff_snapshots(reference, new)
    assert list(diff) == ["small", "big", "medium"]
    assert diff["small"]["added"] == sorted(new_small - old_small, key=int)
    assert diff["small"]["removed"] == sorted(old_small - new_small, key=int)
    assert diff["small"]["added"] and diff["small"]["removed"]
    assert diff["big"]["added"] == [] and len(diff["big"]["removed"]) == diff["big"]["old_count"]
    text = format_diff(diff)
    assert f"small: {len(old_small)} -> {len(new_small)} records" in text
    write_diff(diff, tmp_path / "diff.json")
    assert json.loads((tmp_path / "diff.json").read_text()) == diff
    shutil.rmtree(new)


def test_previous_snapshot_falls_back_to_the_committed_one(tmp_path: Path) -> None:
    assert previous_snapshot(tmp_path) is None
    (tmp_path / "snapshot").mkdir()
    (tmp_path / "snapshot" / "manifest.json").write_text("{}")
    assert previous_snapshot(tmp_path) == tmp_path / "snapshot"


# --- byte spans ----------------------------------------------------------------------------------


def test_article_spans_refuse_entities_and_unclosed_xml() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><PubmedArticleSet/>'
    with pytest.raises(InputError, match="entity declarations"):
        article_spans(bomb, "bomb.xml")
    with pytest.raises(InputError, match="malformed or unclosed"):
        article_spans(b"<PubmedArticleSet><PubmedArticle>", "cut.xml")
    body = shared_corpus().efetch_body(shared_corpus().order[:3])
    prolog, spans = article_spans(body, "ok.xml")
    assert prolog.startswith(b"<?xml") and len(spans) == 3
    for pmid, start, stop in spans:
        chunk = body[start:stop]
        assert chunk.startswith(b"<PubmedArticle>") and chunk.endswith(b"</PubmedArticle>")
        assert f">{pmid}</PMID>".encode() in chunk


# --- withheld records ----------------------------------------------------------------------------


def test_a_withheld_record_is_skipped_named_and_listed(
    server: EutilsServer, reference: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """efetch never sends one PMID (NCBI revising it): the run goes on without it, says so on the
    console naming the query and the PMID, and lists it as withheld in the manifest."""
    caplog.set_level(logging.INFO)
    wanted = sorted(shared_corpus().matching(small))[7]
    server.withheld.add(wanted)
    settings = settings_for(server, tmp_path / "rate", max_retries=2)
    result = run_live_search(QUERIES[2:], tmp_path / "pubmed", settings, date=DATE)
    entry = Manifest.load(result / "manifest.json").query("small")
    assert entry.withheld == (str(wanted),)
    assert str(wanted) not in entry.pmids
    assert entry.esearch_count == len(entry.pmids) + 1
    assert json.loads((result / "manifest.json").read_text())["queries"][0]["withheld"] == [
        str(wanted)
    ]
    verify_snapshot(result, QUERIES[2:])
    assert f"query small: efetch withheld PMID(s) {wanted}" in caplog.text
    # Each batch once; the one with the withheld record 1 + max_retries times.
    ref = Manifest.load(reference / "manifest.json").query("small")
    batches = live.plan_batches(ref.pmids, settings.batch_size)
    assert len(server.requests("efetch")) == len(batches) + 2
    # Everything else is the reference's small query.
    assert set(ref.pmids) - set(entry.pmids) == {str(wanted)}
    assert KEY not in caplog.text


def test_withheld_fail_stops_the_run_naming_query_and_pmid(
    server: EutilsServer, tmp_path: Path
) -> None:
    wanted = sorted(shared_corpus().matching(small))[3]
    server.withheld.add(wanted)
    settings = settings_for(server, tmp_path / "rate", max_retries=1, withheld="fail")
    words = rf"query 'small': efetch withheld PMID\(s\) {wanted}"
    with pytest.raises(SpinereviewError, match=words):
        run_live_search(QUERIES[2:], tmp_path / "pubmed", settings, date=DATE)
    assert not (tmp_path / "pubmed" / DATE).exists()


def test_withheld_setting_is_checked() -> None:
    with pytest.raises(SpinereviewError, match="withheld must be 'skip' or 'fail'"):
        EutilsSettings(email="reviewer@example.org", withheld="ignore")


# --- what PubMed actually searched -----------------------------------------------------------------


def test_a_rewritten_query_is_recorded_and_named(
    server: EutilsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """esearch drops an unknown phrase (PhraseNotFound, in NCBI's ErrorList) and rewrites the
    term: the manifest keeps the translation and the warnings of the query, and the console
    names the query."""
    caplog.set_level(logging.INFO)
    translation = '"generated"[All Fields] AND "small"[All Fields]'
    server.translations[SMALL_TERM] = translation
    server.notes[SMALL_TERM] = [
        ("ErrorList", "PhraseNotFound", "epiduralx"),
        ("WarningList", "QuotedPhraseNotFound", '"facet blok"'),
        ("WarningList", "OutputMessage", "Quoted phrase not found."),
    ]
    settings = settings_for(server, tmp_path / "rate")
    result = run_live_search(QUERIES[1:], tmp_path / "pubmed", settings, date=DATE)
    manifest = Manifest.load(result / "manifest.json")
    entry = manifest.query("small")
    assert entry.querytranslation == translation
    assert entry.warnings == (
        "PhraseNotFound: epiduralx",
        'QuotedPhraseNotFound: "facet blok"',
        "OutputMessage: Quoted phrase not found.",
    )
    # The other query ran as written, without warnings: recorded as such.
    assert manifest.query("medium").querytranslation == MEDIUM_TERM
    assert manifest.query("medium").warnings == ()
    raw = json.loads((result / "manifest.json").read_text())["queries"][1]
    assert raw["querytranslation"] == translation and len(raw["warnings"]) == 3
    assert f"query small: PubMed searched {translation}" in caplog.text
    assert "query small: esearch reported PhraseNotFound: epiduralx" in caplog.text
    assert "query medium: esearch reported" not in caplog.text
    verify_snapshot(result, QUERIES[1:])


def test_query_warnings_fail_stops_the_run(server: EutilsServer, tmp_path: Path) -> None:
    server.notes[SMALL_TERM] = [("ErrorList", "PhraseNotFound", "epiduralx")]
    settings = settings_for(server, tmp_path / "rate", query_warnings="fail")
    with pytest.raises(SpinereviewError, match="query 'small': esearch reported PhraseNotFound"):
        run_live_search(QUERIES[2:], tmp_path / "pubmed", settings, date=DATE)
    assert server.requests("efetch") == []


def test_a_count_that_grows_between_calls_names_the_query(
    server: EutilsServer, tmp_path: Path
) -> None:
    """PubMed adds a record between the count and the ID list: the run stops, naming the query."""
    extra = next(p for p in shared_corpus().order if not small(shared_corpus().records[p]))

    def growing(r) -> bool:
        return small(r) or (r.pmid == extra and len(server.requests("esearch")) >= 2)

    server.add_query("growing", growing)
    settings = settings_for(server, tmp_path / "rate")
    n = len(shared_corpus().matching(small))
    with pytest.raises(
        SpinereviewError,
        match=rf"query 'grows': esearch counted {n} hits for the whole query, then {n + 1}",
    ):
        run_live_search([{"id": "grows", "term": "growing"}], tmp_path / "p", settings, date=DATE)


def test_retry_warnings_and_errors_name_the_query(
    server: EutilsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server.faults.add("status", "efetch", at=[1], status=503)
    settings = settings_for(server, tmp_path / "rate")
    run_live_search(QUERIES[2:], tmp_path / "pubmed", settings, date=DATE)
    assert "query small: efetch.fcgi: HTTP 503 Service Unavailable; backoff" in caplog.text
    assert "query small: 609 hits in 1 slice(s)" in caplog.text
    server.reset()
    server.faults.add("status", "efetch", at=range(1, 10), status=503)
    with pytest.raises(
        SpinereviewError, match=r"query small: efetch\.fcgi gave up after 5 attempts"
    ):
        run_live_search(QUERIES[2:], tmp_path / "pubmed2", settings, date=DATE)


# --- progress -------------------------------------------------------------------------------------


def test_progress_counts_distinct_records_and_never_passes_the_total(
    tmp_path: Path, capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture
) -> None:
    """Records dated on both sides of a slice boundary are counted by two slices; the bar counts
    them once (it showed "15,021/15,000")."""
    import re

    caplog.set_level(logging.INFO)
    with standard_server(page_limit=150) as server:
        settings = settings_for(server, tmp_path / "rate", page_limit=150, batch_size=150)
        run_live_search(QUERIES[2:], tmp_path / "pubmed", settings, date=DATE, show_progress=True)
    assert "counted twice by esearch, fetched and stored once" in caplog.text
    shown = re.findall(r"records ([\d,]+)/([\d,]+)", capsys.readouterr().err)
    assert shown
    pairs = [(int(a.replace(",", "")), int(b.replace(",", ""))) for a, b in shown]
    assert all(done <= total for done, total in pairs), pairs[-3:]
    assert pairs[-1][0] == pairs[-1][1] == len(shared_corpus().matching(small))


# --- resuming across days and additions -----------------------------------------------------------


class Interrupted(Exception):
    pass


def _stop_at(number: int):
    def stop(event: BatchEvent) -> None:
        if event.number == number or event.number == event.total:
            raise Interrupted

    return stop


def test_a_search_killed_yesterday_resumes_today_and_cleans_up(
    server: EutilsServer, reference: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Batches saved under yesterday's date (the old per-date folder too) are reused today; the
    work folder is gone once the snapshot is written."""
    caplog.set_level(logging.INFO)
    settings = settings_for(server, tmp_path / "rate")
    out = tmp_path / "pubmed"
    with pytest.raises(Interrupted):
        run_live_search(QUERIES[1:2], out, settings, date="2026-02-27", on_batch=_stop_at(3))
    # Move them to where earlier versions kept them: .partial/<date>/<query>/.
    legacy = out / ".partial" / "2026-02-27" / "medium"
    legacy.mkdir(parents=True)
    for batch in (out / ".partial" / "search" / "medium").glob("batch-*.xml"):
        batch.rename(legacy / batch.name)
    shutil.rmtree(out / ".partial" / "search")
    with pytest.raises(Interrupted):
        run_live_search(QUERIES[1:2], out, settings, date="2026-02-28", on_batch=_stop_at(5))
    assert not legacy.parent.exists()
    assert "resuming the partial search" in caplog.text
    assert (out / ".partial" / "search" / "started").read_text() == "2026-02-27\n"
    caplog.clear()
    events: list[BatchEvent] = []
    result = run_live_search(QUERIES[1:2], out, settings, date=DATE, on_batch=events.append)
    assert "started 2026-02-27" in caplog.text
    assert sum(e.reused for e in events) == 5
    assert (result / "medium.xml").read_bytes() == (reference / "medium.xml").read_bytes()
    assert files_of(out) == [f"{DATE}/manifest.json", f"{DATE}/medium.xml"]  # .partial/ is gone


def test_a_new_record_invalidates_one_batch_not_all(server: EutilsServer, tmp_path: Path) -> None:
    """PubMed adds a record overnight (an old PMID, newly indexed for the query): the resumed
    search reuses every saved batch but the one or two it falls into."""
    settings = settings_for(server, tmp_path / "rate", batch_size=200)
    out = tmp_path / "pubmed"
    with pytest.raises(Interrupted):
        run_live_search(QUERIES[1:2], out, settings, date=DATE, on_batch=_stop_at(10_000))
    records = shared_corpus().records
    ids = sorted(shared_corpus().matching(medium))
    newcomer = next(p for p in records if ids[len(ids) // 2] < p and not medium(records[p]))
    server.add_query(MEDIUM_TERM, lambda r: medium(r) or r.pmid == newcomer)
    try:
        events: list[BatchEvent] = []
        run_live_search(QUERIES[1:2], out, settings, date=DATE, on_batch=events.append)
    finally:
        server.add_query(MEDIUM_TERM, medium)
    assert len(events) > 10
    assert sum(not e.reused for e in events) <= 2


def test_batches_depend_on_their_pmids_only() -> None:
    pmids = [str(p) for p in sorted(shared_corpus().records)[:5000]]
    before = live.plan_batches(pmids, 500)
    assert sorted(p for b in before for p in b) == sorted(pmids, key=int)
    assert all(250 <= len(b) <= 500 for b in before[:-1])
    for change in (pmids[:1234] + pmids[1235:], [*pmids, "99999999"], [*pmids, "1000000"]):
        after = live.plan_batches(change, 500)
        assert len(set(after) - set(before)) <= 2, change[-1]
    assert live.plan_batches(list(reversed(pmids)), 500) == before
    assert live.batch_name(["3", "1", "2"]) == live.batch_name(["1", "2", "3"])


def test_a_withheld_record_is_skipped_even_if_the_last_attempt_fails_otherwise(
    server: EutilsServer, tmp_path: Path
) -> None:
    wanted = sorted(shared_corpus().matching(small))[0]
    server.withheld.add(wanted)
    server.faults.add("status", "efetch", at=[3], status=503)  # the last of three attempts
    settings = settings_for(server, tmp_path / "rate", max_retries=2)
    result = run_live_search(QUERIES[2:], tmp_path / "pubmed", settings, date=DATE)
    assert Manifest.load(result / "manifest.json").query("small").withheld == (str(wanted),)
