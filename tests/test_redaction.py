"""The NCBI API key (and the contact e-mail) never leave the process in a message (issue 13).

Every E-utilities error path is driven against the loopback server with a fake key while the
server echoes the request (``api_key=`` included), as NCBI's error answers do; the key must be
absent from the exception text, from the captured log records and from the data the client
returns. The last test runs the live search through Snakemake under such faults and greps every
file it wrote, and the console, for the key.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import eutils_server
import pytest
from eutils_server import SMALL_TERM, EutilsServer, shared_corpus, small, standard_server
from workflow_copy import copy_workflow, run_snakemake

from spinereview.pubmed import eutils, live
from spinereview.pubmed.eutils import (
    Citation,
    EutilsClient,
    EutilsError,
    EutilsSettings,
    ecitmatch,
    efetch_pubmed,
    esearch,
)
from spinereview.pubmed.progress import Progress
from spinereview.pubmed.redact import EMAIL_MASK, MASK, redact, register_secret

KEY = "fake-ncbi-key-0d6f2b9a41c3"
EMAIL = "redaction.test@example.org"


def leaked(text: str, secret: str = KEY) -> list[str]:
    """Pieces of ``secret`` (the whole, or 10 characters from its start or end) in ``text``."""
    pieces = {secret, secret[:10], secret[-10:]}
    low = text.lower()
    return sorted(p for p in pieces if p.lower() in low)


@pytest.fixture
def server() -> Iterator[EutilsServer]:
    srv = standard_server(api_key=KEY)
    yield srv
    srv.stop()


def make_client(server: EutilsServer, tmp_path: Path, **options) -> EutilsClient:
    fast = {
        "email": EMAIL,
        "api_key": KEY,
        "backoff_base": 0.001,
        "backoff_max": 0.002,
        "max_retries": 2,
    }
    return eutils_server.make_client(server, tmp_path, **(fast | options))


# --- the redaction itself ----------------------------------------------------------------------


def test_every_encoding_of_a_secret_is_masked() -> None:
    odd = "odd/key+with spaces&more=üñí"
    register_secret(odd)
    forms = [
        odd,
        quote(odd, safe=""),
        quote(odd, safe="").lower(),  # lower-case hex
        quote_plus(odd),
        quote(quote(odd, safe=""), safe=""),  # encoded twice
        odd.upper(),
        json.dumps(odd)[1:-1],  # \u00fc ...
        json.dumps(odd)[1:-1].replace("/", "\\/"),
        odd.replace("&", "&amp;"),
        "".join(f"&#{ord(c)};" for c in odd),
    ]
    for form in forms:
        text = redact(f"<ERROR>api_key={form} rejected</ERROR>")
        assert text == f"<ERROR>api_key={MASK} rejected</ERROR>", form
    register_secret("someone@example.net", EMAIL_MASK)
    assert redact("for someone%40example.net") == f"for {EMAIL_MASK}"


def test_settings_register_the_key_and_the_email() -> None:
    key, email = "registered-at-settings-77aa", "settings.only@example.org"
    assert redact(f"{key} {email}") == f"{key} {email}"
    EutilsSettings(email=email, api_key=key)
    assert redact(f"{key} {email}") == f"{MASK} {EMAIL_MASK}"


def test_log_records_are_redacted_in_message_args_and_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    EutilsSettings(email=EMAIL, api_key=KEY)
    caplog.set_level(logging.DEBUG)
    for module in (eutils, live):
        log = module.log
        log.warning("in the message %s; ", KEY)
        log.warning("in an arg: %s %r", quote_plus(KEY), {"api_key": KEY})
        try:
            raise ValueError(f"api_key={KEY}")
        except ValueError:
            log.exception("in a traceback")
    assert caplog.text.count(MASK) >= 6
    assert not leaked(caplog.text)
    assert not any(leaked(r.getMessage()) for r in caplog.records)


def test_a_body_is_redacted_before_its_start_is_quoted() -> None:
    """Messages quote 200 characters of a body: never the first characters of a cut key, also
    after whitespace runs and repeated keys, and without redacting megabytes."""
    import time

    EutilsSettings(email=EMAIL, api_key=KEY)
    for pad in range(150, 200):
        snippet = eutils._snippet(("x" * pad + f" api_key={KEY} " * 40).encode())
        assert not leaked(snippet), snippet
    huge = (" " * 100_000 + f"{quote(quote(KEY, safe=''), safe='')}\n") * 60 + "y" * 5_000_000
    start = time.monotonic()
    snippet = eutils._snippet(huge.encode())
    assert time.monotonic() - start < 1.0
    assert snippet.startswith(MASK) and snippet.endswith("...") and not leaked(snippet)


def test_progress_line_is_redacted() -> None:
    EutilsSettings(email=EMAIL, api_key=KEY)
    assert not leaked(Progress(f"q {KEY}", 2, 10, enabled=False).line())


# --- every error path of the client, with an echoing server -------------------------------------


def _ids() -> tuple[str, ...]:
    return tuple(str(p) for p in shared_corpus().matching(small)[:20])


def _search(client: EutilsClient) -> object:
    return esearch(client, SMALL_TERM, retmax=5, usehistory=True)


def _fetch(client: EutilsClient) -> object:
    return efetch_pubmed(client, _ids())


def _cite(client: EutilsClient) -> object:
    return ecitmatch(client, [Citation("Spine", "2001", "12", "100", "Smith", "ref1")])


#: (id, utility, fault kind, fault options, call, words the error must show; None = no error)
PATHS: list[tuple[str, str, str, dict, Callable[[EutilsClient], object], str | None]] = [
    ("esearch_refusal", "esearch", "echo_error", {}, _search, "esearch refused the request"),
    ("esearch_busy", "esearch", "echo_busy", {}, _search, "Search Backend failed"),
    ("esearch_http_4xx", "esearch", "status", {"status": 403, "echo": True}, _search, "HTTP 403"),
    ("esearch_http_5xx", "esearch", "status", {"status": 503, "echo": True}, _search, "HTTP 503"),
    (
        "esearch_429_json",
        "esearch",
        "status",
        {"status": 429, "echo": True, "retry_after": "0"},
        _search,
        "HTTP 429",
    ),
    (
        "esearch_429_too_long",
        "esearch",
        "status",
        {"status": 429, "echo": True, "retry_after": "3600"},
        _search,
        "try again later",
    ),
    ("esearch_truncated", "esearch", "cut", {"echo": True}, _search, "body cut off"),
    ("esearch_dropped", "esearch", "drop", {}, _search, "RemoteDisconnected"),
    ("efetch_error_body", "efetch", "echo_error", {}, _fetch, "efetch error"),
    ("efetch_html_root", "efetch", "foreign_root", {}, _fetch, "efetch answered <html>"),
    ("efetch_key_root", "efetch", "foreign_root", {"root": KEY}, _fetch, "efetch answered <"),
    ("efetch_http_4xx", "efetch", "status", {"status": 414, "echo": True}, _fetch, "HTTP 414"),
    ("efetch_http_5xx", "efetch", "status", {"status": 502, "echo": True}, _fetch, "HTTP 502"),
    ("efetch_truncated", "efetch", "cut", {"echo": True}, _fetch, "body cut off"),
    ("efetch_reset", "efetch", "reset", {}, _fetch, "gave up"),
    ("ecitmatch_http_4xx", "ecitmatch", "status", {"status": 400, "echo": True}, _cite, "HTTP 400"),
    ("ecitmatch_http_5xx", "ecitmatch", "status", {"status": 500, "echo": True}, _cite, "HTTP 500"),
    ("ecitmatch_error_line", "ecitmatch", "echo_error", {}, _cite, None),
]


@pytest.mark.parametrize(
    ("utility", "kind", "options", "call", "words"),
    [pytest.param(*p[1:], id=p[0]) for p in PATHS],
)
def test_error_paths_never_show_the_key(
    server: EutilsServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    utility: str,
    kind: str,
    options: dict,
    call: Callable[[EutilsClient], object],
    words: str | None,
) -> None:
    caplog.set_level(logging.DEBUG)
    # HTTP 429 is retried within the retry budget, not max_retries: a short budget ends it.
    budget = {"retry_budget": 0.3} if options.get("status") == 429 else {}
    client = make_client(server, tmp_path, max_retry_after=5, **budget)
    server.faults.add(kind, utility, at=range(1, 10), **options)
    if words is None:
        result = call(client)
        text = repr(result)
        assert "INVALID" in text  # the server's detail is kept, the key in it is not
    else:
        with pytest.raises(EutilsError) as info:
            call(client)
        text = f"{info.value} {info.value.url} {info.value!r}"
        assert words in text
    sent = [r.params.get("api_key") for r in server.requests(utility)]
    assert sent and set(sent) == {KEY}  # the key was sent, and the server echoed it
    assert not leaked(text), text
    assert not leaked(caplog.text), caplog.text
    assert not leaked(text, EMAIL) and not leaked(caplog.text, EMAIL)


@pytest.mark.parametrize(
    ("utility", "kind", "options", "call"),
    [
        pytest.param("efetch", "echo_error", {}, _fetch, id="efetch_error_body"),
        pytest.param("esearch", "status", {"status": 404, "echo": True}, _search, id="http_4xx"),
        pytest.param("efetch", "foreign_root", {}, _fetch, id="efetch_html_root"),
    ],
)
def test_a_snippet_cut_never_leaves_part_of_the_key(
    server: EutilsServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    utility: str,
    kind: str,
    options: dict,
    call: Callable[[EutilsClient], object],
) -> None:
    """Messages quote at most 200 characters of a body; the key may sit right at the cut."""
    caplog.set_level(logging.DEBUG)
    client = make_client(server, tmp_path, max_retries=0)
    texts = []
    for pad in range(90, 190, 3):
        server.reset()
        server.faults.add(kind, utility, at=[1], pad=pad, **options)
        with pytest.raises(EutilsError) as info:
            call(client)
        texts.append(str(info.value))
    assert any(MASK in t for t in texts) and any(t.rstrip(" ]").count("...") for t in texts)
    for text in texts:
        assert not leaked(text), text
    assert not leaked(caplog.text)


def test_esearch_warnings_echoing_the_request_are_redacted(
    server: EutilsServer, tmp_path: Path
) -> None:
    client = make_client(server, tmp_path)
    server.faults.add("echo_warning", "esearch", at=[1])
    result = esearch(client, SMALL_TERM, retmax=5)
    assert len(result.warnings) == 2
    assert all("api_key=***" in w for w in result.warnings)
    assert not leaked(" ".join(result.warnings))


def test_the_cli_prints_the_refusal_without_the_key(
    server: EutilsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from spinereview import cli

    server.faults.add("echo_error", "esearch", at=[1])
    eutils = {"base_url": server.url, "rate_state": str(tmp_path / "rate")}
    env = {"NCBI_API_KEY": KEY, "NCBI_EMAIL": EMAIL}
    argv = ["search-live", "--queries", json.dumps([{"id": "small", "term": SMALL_TERM}]),
            "--eutils", json.dumps(eutils), "--out-root", str(tmp_path / "pubmed"),
            "--date", "2026-03-01"]  # fmt: skip
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        assert cli.main(argv) == 1
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    err = capsys.readouterr().err
    assert "esearch refused the request: Invalid API key" in err and "api_key=***" in err
    assert not leaked(err) and not leaked(err, EMAIL)


# --- end to end: a live run through Snakemake under echoing faults ----------------------------


def _walk(root: Path) -> Iterator[Path]:
    for sub in ("results", "reports", "logs", ".snakemake", "data/pubmed", "notebooks"):
        base = root / sub
        if base.is_dir():
            yield from (p for p in base.rglob("*") if p.is_file())


def test_a_live_workflow_run_under_faults_writes_the_key_nowhere(tmp_path: Path) -> None:
    """Run 1: NCBI refuses the key with an echoing <ERROR> (the run fails, says why). Run 2: every
    transient fault echoes the request (5xx page, 429 JSON, <ERROR> bodies, warnings, a cut
    page, a dropped connection, an efetch <ERROR> root); the run succeeds. Then every file under
    results/, reports/, logs/, .snakemake/, data/pubmed/ and notebooks/, and both consoles, are
    searched for the key (and the e-mail, and their encoded forms): nothing."""
    import yaml

    server = standard_server(api_key=KEY)
    (tmp_path / "repo").mkdir()
    workdir = copy_workflow(tmp_path / "repo")
    extra = {"search": {"mode": "live", "queries": [{"id": "small", "term": SMALL_TERM}],
                        "live": {"out_root": "data/pubmed", "date": "2026-03-01"},
                        "eutils": {"base_url": server.url, "rate_state": str(tmp_path / "rate"),
                                   "backoff_base": 0.01, "backoff_max": 0.05}}}  # fmt: skip
    (workdir / "live.yaml").write_text(yaml.safe_dump(extra))
    env = {**os.environ, "NCBI_API_KEY": KEY, "NCBI_EMAIL": EMAIL,
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # fmt: skip
    try:
        server.faults.add("echo_error", "esearch", at=[1])
        first = run_snakemake(workdir, "--configfile", "live.yaml", env=env, timeout=600)
        server.reset()
        server.faults.add("echo_busy", "esearch", at=[1])
        server.faults.add("status", "esearch", at=[2], status=503, echo=True)
        server.faults.add("echo_warning", "esearch", at=[3, 4])
        server.faults.add("status", "efetch", at=[1], status=503, echo=True)
        server.faults.add("status", "efetch", at=[2], status=429, echo=True, retry_after="0")
        server.faults.add("echo_error", "efetch", at=[3])
        server.faults.add("cut", "efetch", at=[4], echo=True)
        server.faults.add("drop", "efetch", at=[5])
        server.faults.add("foreign_root", "efetch", at=[6], root="ERROR")
        second = run_snakemake(workdir, "--configfile", "live.yaml", env=env, timeout=900)
        faults = [r.fault for r in server.requests()]
    finally:
        server.stop()
    assert first.returncode != 0
    assert "esearch refused the request: Invalid API key ***" in first.stderr
    assert second.returncode == 0, second.stderr[-3000:]
    assert (workdir / "data/pubmed/2026-03-01/manifest.json").is_file()
    assert faults.count(None) > 0 and len({f for f in faults if f}) == 7
    log = (workdir / "logs/search/fetch_pubmed.log").read_text()
    assert "retry" in log and "api_key=***" in log
    forms = {KEY, quote(KEY, safe=""), EMAIL, quote(EMAIL, safe=""), quote_plus(EMAIL)}
    consoles = first.stdout + first.stderr + second.stdout + second.stderr
    hits = [form for form in forms if form in consoles]
    files = 0
    for path in _walk(workdir):
        files += 1
        data = path.read_bytes()
        hits += [f"{path.relative_to(workdir)}: {form}" for form in forms if form.encode() in data]
    assert files > 50
    assert hits == []
