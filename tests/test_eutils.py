"""The E-utilities client against a loopback server: settings, retries, error classes, ECitMatch."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import eutils_server
import pytest
from eutils_server import (
    BIG_TERM,
    SMALL_TERM,
    EutilsServer,
    shared_corpus,
    small,
    standard_server,
)

from spinereview.errors import SpinereviewError
from spinereview.pubmed.eutils import (
    Citation,
    EutilsClient,
    EutilsError,
    EutilsSettings,
    HistoryExpiredError,
    NetworkUnavailableError,
    ecitmatch,
    efetch_pubmed,
    esearch,
)

KEY = "k3y-0f-the-test-5ecret"
EMAIL = "reviewer@example.org"


@pytest.fixture
def server() -> Iterator[EutilsServer]:
    srv = standard_server(api_key=KEY)
    yield srv
    srv.stop()


def make_client(server: EutilsServer, tmp_path: Path, **options) -> EutilsClient:
    fast = {
        "email": EMAIL,
        "api_key": KEY,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "max_retries": 4,
    }
    return eutils_server.make_client(server, tmp_path, **(fast | options))


# --- settings --------------------------------------------------------------------------------


def test_settings_repr_masks_the_key() -> None:
    settings = EutilsSettings(email=EMAIL, api_key=KEY)
    assert KEY not in repr(settings)
    assert KEY not in str(settings)
    assert KEY not in repr(EutilsClient(settings))
    assert "api_key='***'" in repr(settings)
    assert settings.requests_per_second == 10
    assert EutilsSettings(email=EMAIL).requests_per_second == 3


def test_settings_from_environment_override_config() -> None:
    config = {"email": "config@example.org", "batch_size": 200, "tool": "mytool"}
    env = {"NCBI_EMAIL": "env@example.org", "NCBI_API_KEY": KEY}
    settings = EutilsSettings.from_config(config, env)
    assert (settings.email, settings.api_key, settings.batch_size) == ("env@example.org", KEY, 200)
    assert settings.tool == "mytool"
    assert EutilsSettings.from_config(config, {}).api_key is None
    assert EutilsSettings.from_config(config, {"NCBI_API_KEY": "  "}).api_key is None


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({}, "NCBI_EMAIL"),
        ({"email": EMAIL, "colour": "red"}, "unknown E-utilities setting(s): colour"),
        ({"email": EMAIL, "batch_size": 0}, "batch_size must be at least 1"),
        ({"email": EMAIL, "batch_size": 20_000}, "must not exceed page_limit"),
        ({"email": EMAIL, "base_url": "ftp://x/"}, "must be http(s)"),
    ],
)
def test_settings_errors_name_the_problem(config: dict, words: str) -> None:
    with pytest.raises(SpinereviewError, match=words.replace("(", r"\(").replace(")", r"\)")):
        EutilsSettings.from_config(config, {})


# --- esearch / efetch ------------------------------------------------------------------------


def test_esearch_counts_and_keeps_a_history_set(server: EutilsServer, tmp_path: Path) -> None:
    client = make_client(server, tmp_path)
    expected = shared_corpus().matching(small)
    result = esearch(client, SMALL_TERM, retmax=50, usehistory=True)
    assert result.count == len(expected)
    assert result.ids == tuple(str(p) for p in expected[:50])
    assert result.history is not None
    body = efetch_pubmed(client, result.ids[10:20], history=result.history, retstart=10)
    assert body.startswith(b"<?xml") and body.rstrip().endswith(b"</PubmedArticleSet>")
    params = server.requests("efetch")[0].params
    assert (params["WebEnv"], params["retstart"], params["retmax"]) == (
        result.history.webenv,
        "10",
        "10",
    )
    assert params["api_key"] == KEY and params["email"] == EMAIL and params["tool"] == "spinereview"


def test_esearch_date_range_and_efetch_by_id(server: EutilsServer, tmp_path: Path) -> None:
    client = make_client(server, tmp_path)
    result = esearch(client, SMALL_TERM, retmax=5, mindate="2001/01/01", maxdate="2001/12/31")
    params = server.requests("esearch")[0].params
    assert (params["datetype"], params["mindate"], params["maxdate"]) == (
        "pdat",
        "2001/01/01",
        "2001/12/31",
    )
    records = shared_corpus().records
    assert 0 < result.count < 50
    for pmid in result.ids:
        dates = (records[int(pmid)].pub, records[int(pmid)].epub)
        assert any(d is not None and d.year == 2001 for d in dates)
    body = efetch_pubmed(client, result.ids)
    assert all(f'<PMID Version="1">{p}</PMID>'.encode() in body for p in result.ids)


def test_paging_past_the_limit_fails_at_once_with_ncbis_reason(
    server: EutilsServer, tmp_path: Path
) -> None:
    client = make_client(server, tmp_path)
    with pytest.raises(EutilsError, match="cannot be larger than 9998") as info:
        esearch(client, BIG_TERM, retmax=10, retstart=10_000)
    assert len(server.requests()) == 1
    assert KEY not in str(info.value)


def test_ids_cut_at_the_paging_limit_are_not_taken_silently(
    server: EutilsServer, tmp_path: Path
) -> None:
    """Asking for all 12,000 IDs gets 9,999: the client refuses instead of losing 2,000."""
    client = make_client(server, tmp_path, max_retries=1)
    with pytest.raises(EutilsError, match="returned 9999 IDs, expected 10000"):
        esearch(client, BIG_TERM, retmax=10_000)


# --- retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 500}),
        ("status", {"status": 502}),
        ("status", {"status": 503}),
        ("drop", {}),
        ("reset", {}),
        ("cut", {}),
        ("unclosed", {}),
        ("missing", {}),
    ],
)
def test_transient_efetch_faults_are_retried(
    server: EutilsServer, tmp_path: Path, kind: str, options: dict
) -> None:
    client = make_client(server, tmp_path)
    ids = tuple(str(p) for p in shared_corpus().matching(small)[:20])
    clean = efetch_pubmed(client, ids)
    server.faults.add(kind, "efetch", at=[2, 3], **options)
    assert efetch_pubmed(client, ids) == clean
    assert [r.fault for r in server.requests("efetch")] == [None, kind, kind, None]


def test_429_waits_for_retry_after(server: EutilsServer, tmp_path: Path) -> None:
    client = make_client(server, tmp_path)
    server.faults.add("status", "esearch", at=[1], status=429, retry_after="1")
    assert esearch(client, SMALL_TERM).count == len(shared_corpus().matching(small))
    times = [r.time for r in server.requests("esearch")]
    assert len(times) == 2
    # Correctness, not speed: the server asked for a second's pause and got it (small margin for
    # the gap between the client's clock and the accept time the server logs).
    assert times[1] - times[0] >= 0.95


def test_retry_after_beyond_the_cap_fails_with_advice(server: EutilsServer, tmp_path: Path) -> None:
    client = make_client(server, tmp_path, max_retry_after=5)
    server.faults.add("status", "esearch", at=[1], status=429, retry_after="3600")
    with pytest.raises(EutilsError, match=r"wait 3600 s .*try again later"):
        esearch(client, SMALL_TERM)
    assert len(server.requests()) == 1


def test_slow_answer_within_the_timeout_is_not_retried(
    server: EutilsServer, tmp_path: Path
) -> None:
    client = make_client(server, tmp_path, read_timeout=2.0)
    server.faults.add("slow", "esearch", at=[1], delay=0.3)
    esearch(client, SMALL_TERM)
    assert len(server.requests()) == 1


def test_answer_beyond_the_timeout_is_retried(server: EutilsServer, tmp_path: Path) -> None:
    client = make_client(server, tmp_path, read_timeout=0.4)
    server.faults.add("slow", "esearch", at=[1], delay=1.5)
    esearch(client, SMALL_TERM)
    assert [r.fault for r in server.requests()] == ["slow", None]


def test_esearch_backend_error_is_retried(
    server: EutilsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    client = make_client(server, tmp_path)
    server.faults.add("search_error", "esearch", at=[1])
    assert esearch(client, SMALL_TERM).count > 0
    assert len(server.requests()) == 2
    # A backend error is called what it is, not an "incomplete response".
    assert "esearch.fcgi: esearch error: Search Backend failed" in caplog.text
    assert "incomplete response" not in caplog.text


def test_giving_up_names_the_url_without_the_key(
    server: EutilsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(server, tmp_path, max_retries=3)
    server.faults.add("status", "esearch", at=range(1, 10), status=503)
    with pytest.raises(EutilsError) as info:
        esearch(client, SMALL_TERM)
    message = str(info.value)
    assert "gave up after 4 attempts" in message and "HTTP 503" in message
    assert server.url + "esearch.fcgi?" in message and "term=generated" in message
    assert KEY not in message and "api_key" not in message
    assert KEY not in caplog.text and "retry 3 of 3" in caplog.text
    assert len(server.requests()) == 4


@pytest.mark.parametrize("status", [400, 404])
def test_other_client_errors_fail_at_once(tmp_path: Path, status: int) -> None:
    with standard_server(api_key=KEY) as server:
        client = make_client(server, tmp_path)
        if status == 400:
            client = make_client(server, tmp_path, api_key="wrong-key-123")
        else:
            server.faults.add("status", "esearch", at=[1], status=404)
        with pytest.raises(EutilsError, match=f"HTTP {status}") as info:
            esearch(client, SMALL_TERM)
        assert info.value.status == status
        assert len(server.requests()) == 1
        assert "wrong-key-123" not in str(info.value)
        if status == 400:
            assert "API key invalid" in str(info.value) and "***" in str(info.value)


def test_expired_history_is_its_own_error(server: EutilsServer, tmp_path: Path) -> None:
    client = make_client(server, tmp_path)
    result = esearch(client, SMALL_TERM, retmax=5, usehistory=True)
    server.faults.add("expire", "efetch", at=[1])
    with pytest.raises(HistoryExpiredError, match="WebEnv expired"):
        efetch_pubmed(client, result.ids, history=result.history)


# --- no network ------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_fails_fast(tmp_path: Path) -> None:
    settings = EutilsSettings(
        email=EMAIL,
        api_key=KEY,
        base_url=f"http://127.0.0.1:{_closed_port()}/entrez/eutils/",
        rate_state=tmp_path / "rate",
        max_retries=5,
        backoff_base=30.0,  # a retry would make this test hang: it must not happen
    )
    client = EutilsClient(settings)
    with pytest.raises(NetworkUnavailableError, match="cannot reach NCBI E-utilities") as info:
        esearch(client, SMALL_TERM)
    assert client.requests == 1
    assert KEY not in str(info.value)


def test_dns_failure_fails_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    settings = EutilsSettings(
        email=EMAIL, rate_state=tmp_path / "rate", max_retries=5, backoff_base=30.0
    )
    client = EutilsClient(settings)
    with pytest.raises(NetworkUnavailableError, match="host name lookup failed"):
        esearch(client, SMALL_TERM)
    assert client.requests == 1


def test_refused_after_a_first_answer_is_retried(tmp_path: Path) -> None:
    """Once the server has answered, a refused connection is an outage, not a missing network."""
    server = standard_server()
    client = make_client(server, tmp_path, max_retries=2)
    esearch(client, SMALL_TERM)
    server.stop()
    with pytest.raises(EutilsError, match=r"gave up after 3 attempts.*ConnectionRefusedError"):
        esearch(client, SMALL_TERM)
    assert client.requests == 4


# --- ecitmatch -------------------------------------------------------------------------------


def test_ecitmatch_resolves_citations(server: EutilsServer, tmp_path: Path) -> None:
    client = make_client(server, tmp_path)
    records = list(shared_corpus().records.values())
    wanted = records[123]
    journal = ("Spine", "Pain Physician", "J Pain Res", "Schmerz", "Eur Spine J")[wanted.journal]
    citations = [
        Citation(
            journal, str(wanted.pub.year), wanted.volume, str(wanted.page), wanted.author, "a"
        ),
        Citation("Nonexistent J", "1999", "1", "1", "Nobody", "b"),
        Citation(journal, "", "", "", "", "c"),
    ]
    matches = ecitmatch(client, citations)
    assert [m.key for m in matches] == ["a", "b", "c"]
    assert (matches[0].pmid, matches[0].status) == (str(wanted.pmid), "found")
    assert (matches[1].pmid, matches[1].status) == (None, "not_found")
    assert matches[2].status == "ambiguous"
    request = server.requests("ecitmatch")[0]
    assert request.params["bdata"].startswith(f"{journal}|{wanted.pub.year}|")


# --- backoff and the retry budget (in fake time: an injected clock, sleep and limiter) -------------


class FakeTime:
    """A clock that only the client's waits move; ``waits`` records them in order."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


class FakeLimiter:
    """No pacing; ``defer`` (after HTTP 429) waits in fake time, as the shared limiter would."""

    def __init__(self, time_: FakeTime) -> None:
        self.time = time_

    def acquire(self) -> None:
        pass

    def defer(self, seconds: float) -> None:
        self.time.sleep(seconds)


def fake_time_client(
    server: EutilsServer, tmp_path: Path, **options
) -> tuple[EutilsClient, FakeTime]:
    import random

    fake = FakeTime()
    values = {
        "email": EMAIL,
        "api_key": KEY,
        "base_url": server.url,
        "rate_state": tmp_path / "rate",
        "backoff_base": 1.0,
        "backoff_max": 8.0,
        "max_retries": 4,
        "read_timeout": 5.0,
        **options,
    }
    client = EutilsClient(
        EutilsSettings(**values),
        limiter=FakeLimiter(fake),  # type: ignore[arg-type]
        sleep=fake.sleep,
        clock=fake.clock,
        rng=random.Random(17),
    )
    return client, fake


def test_ten_429s_without_retry_after_back_off_and_do_not_abort(
    server: EutilsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """NCBI's 429 (its JSON body, no Retry-After) ten times in a row: waits grow exponentially,
    stay under the cap, are jittered, and the request succeeds although max_retries is 4."""
    caplog.set_level(logging.WARNING)
    client, fake = fake_time_client(server, tmp_path)
    server.faults.add("status", "esearch", at=range(1, 11), status=429)
    assert esearch(client, SMALL_TERM).count == len(shared_corpus().matching(small))
    assert len(server.requests("esearch")) == 11
    waits = fake.waits
    bounds = [min(8.0, 2.0**n) for n in range(10)]  # 1, 2, 4, 8, 8, ... (the cap)
    assert len(waits) == 10
    assert all(0 <= w <= b for w, b in zip(waits, bounds, strict=True)), waits
    assert max(waits) <= 8.0 and max(waits[3:]) > max(waits[:2])  # growing, capped
    assert len(set(waits)) == 10 and any(w < 0.9 * b for w, b in zip(waits, bounds, strict=True))
    assert "no Retry-After header; backoff" in caplog.text
    assert "Retry-After 1 s" not in caplog.text and "honouring" not in caplog.text


def test_a_retry_after_header_is_honoured_and_named(
    server: EutilsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    client, fake = fake_time_client(server, tmp_path)
    server.faults.add("status", "esearch", at=[1], status=429, retry_after="7")
    esearch(client, SMALL_TERM)
    assert fake.waits == [7.0]
    assert "honouring its Retry-After header: 7 s" in caplog.text


def test_5xx_backs_off_with_full_jitter_up_to_max_retries(
    server: EutilsServer, tmp_path: Path
) -> None:
    client, fake = fake_time_client(server, tmp_path, max_retries=3)
    server.faults.add("status", "esearch", at=range(1, 10), status=503)
    with pytest.raises(EutilsError, match="gave up after 4 attempts"):
        esearch(client, SMALL_TERM)
    assert len(fake.waits) == 3
    assert all(0 <= w <= b for w, b in zip(fake.waits, [1, 2, 4], strict=True)), fake.waits


def test_a_5xx_backoff_goes_through_the_shared_limiter(
    server: EutilsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The 5xx backoff is a shared pause (``limiter.defer``, which every process reads), as a
    429's is; a cut-off body is this request's own problem and pauses only this process."""
    caplog.set_level(logging.WARNING)
    client, fake = fake_time_client(server, tmp_path)
    deferred: list[float] = []
    limiter = client.limiter
    original = limiter.defer

    def defer(seconds: float) -> None:
        deferred.append(seconds)
        original(seconds)

    limiter.defer = defer  # type: ignore[method-assign]
    server.faults.add("status", "esearch", at=[1, 2], status=502)
    esearch(client, SMALL_TERM)
    assert len(fake.waits) == 2 and deferred == fake.waits
    assert "shared with every process using the limiter" in caplog.text
    server.faults.add("cut", "esearch", at=[4])
    esearch(client, SMALL_TERM)
    assert len(fake.waits) == 3 and len(deferred) == 2  # slept by this process only


def test_an_exhausted_retry_budget_names_the_query(
    server: EutilsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    client, fake = fake_time_client(server, tmp_path, retry_budget=30.0)
    server.faults.add("status", "esearch", at=range(1, 200), status=429)
    with client.for_query("small"), pytest.raises(EutilsError) as info:
        esearch(client, SMALL_TERM)
    message = str(info.value)
    assert message.startswith("query small: esearch.fcgi still failing after")
    assert "retry budget of 30 s (search.eutils.retry_budget)" in message and "HTTP 429" in message
    assert sum(fake.waits) <= 30.0
    assert "query small: esearch.fcgi: HTTP 429" in caplog.text
    assert KEY not in message and KEY not in caplog.text


def test_efetch_retries_an_html_page_sent_with_status_200(
    server: EutilsServer, tmp_path: Path
) -> None:
    client = make_client(server, tmp_path)
    ids = tuple(str(p) for p in shared_corpus().matching(small)[:5])
    server.faults.add("foreign_root", "efetch", at=[1])
    body = efetch_pubmed(client, ids)
    assert body.rstrip().endswith(b"</PubmedArticleSet>")
    assert [r.fault for r in server.requests("efetch")] == ["foreign_root", None]


@pytest.mark.parametrize("name", ["backoff_base", "backoff_max", "retry_budget"])
def test_backoff_settings_must_be_positive(name: str) -> None:
    with pytest.raises(SpinereviewError, match=f"{name} must be positive"):
        EutilsSettings(email=EMAIL, **{name: 0})


def test_query_warnings_setting_is_checked() -> None:
    with pytest.raises(SpinereviewError, match="query_warnings must be 'record' or 'fail'"):
        EutilsSettings(email=EMAIL, query_warnings="ignore")


def test_ecitmatch_sends_the_bar_unencoded(server: EutilsServer, tmp_path: Path) -> None:
    """NCBI documents bdata as journal|year|volume|first_page|author|key| with literal bars;
    Biopython does not encode them as %7C for ECitMatch, nor do we."""
    client = make_client(server, tmp_path)
    ecitmatch(client, [Citation("Spine", "2001", "12", "100", "Smith J", "ref1")])
    request = server.requests("ecitmatch")[0]
    assert "bdata=Spine|2001|12|100|Smith+J|ref1|" in request.raw
    assert "%7C" not in request.raw.upper()
    assert request.params["bdata"] == "Spine|2001|12|100|Smith J|ref1|"
    assert "api_key=" in request.raw  # the key is still sent, only the display hides it


@pytest.mark.parametrize("name", ["backoff_max", "max_retry_after"])
def test_waits_the_shared_limiter_would_ignore_are_refused(name: str) -> None:
    with pytest.raises(SpinereviewError, match=f"{name} must be at most 600 s"):
        EutilsSettings(email=EMAIL, **{name: 601})
