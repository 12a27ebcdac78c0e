"""NCBI E-utilities client: injected settings, one paced retrying request, esearch/efetch/ecitmatch."""

from __future__ import annotations

import contextlib
import email.utils
import errno
import http.client
import io
import itertools
import os
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from spinereview.errors import SpinereviewError
from spinereview.pubmed.ratelimit import (
    MAX_PLAUSIBLE_WAIT,
    SharedRateLimiter,
    requests_per_second,
)
from spinereview.pubmed.redact import (
    EMAIL_MASK,
    MASK,
    get_logger,
    redact,
    redact_head,
    register_secret,
)
from spinereview.pubmed.xmlscan import PubmedXmlError, scan_pubmed_xml

log = get_logger(__name__)

T = TypeVar("T")

#: NCBI's production endpoint; tests point this at a server on 127.0.0.1.
DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"

#: For PubMed, esearch returns at most 9,999 IDs of a result set and refuses a retstart past 9,998
#: ("'retstart' cannot be larger than 9998. For PubMed, ESearch can only retrieve the first 9,999
#: records", Biopython issues #4189 and #4353). A search with more hits must be split.
PUBMED_PAGE_LIMIT = 9_999

#: efetch records per request. NCBI suggests batches of up to a few hundred to 10,000 records; 500
#: PubMed records are ~2–5 MB of XML, small enough that a retried batch costs little and large
#: enough that a 10,000-hit search needs only 20 requests.
DEFAULT_BATCH_SIZE = 500

#: Shown to NCBI in the ``tool`` parameter, which its usage policy asks every client to send.
DEFAULT_TOOL = "spinereview"

_USER_AGENT = "spinereview (+https://www.ncbi.nlm.nih.gov/books/NBK25497/)"

#: Connection errors that mean "no network at all" when they happen before the first response:
#: retrying them would only delay the message the user needs.
_UNREACHABLE_ERRNOS = {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH}

#: Words in an esearch <ERROR> that no retry can cure (the request itself is wrong).
_PERMANENT_SEARCH_ERRORS = ("cannot be larger", "out of acceptable range", "invalid", "unknown")


class EutilsError(SpinereviewError):
    """An E-utilities request failed for good. The message names the URL, never the API key.

    The one place where the client's errors get their text: message and URL are redacted here
    (``redact.redact``), so no subclass and no caller can raise one that shows a secret.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        self.url = redact(url)
        super().__init__(redact(f"{message} [{self.url}]"))
        self.status = status


class NetworkUnavailableError(EutilsError):
    """The very first request could not connect: no network, no DNS, or the host refused."""


class HistoryExpiredError(EutilsError):
    """efetch could not use the WebEnv/query_key of an earlier esearch (it expired or is unknown)."""


class RecordsWithheldError(EutilsError):
    """efetch kept answering without some of the records asked for, attempt after attempt.

    NCBI withholds a record while it is being revised. ``missing`` holds the PMIDs that never
    arrived and ``body`` the last (verified, well-formed) answer without them, so a caller may go
    on without those records (``search.eutils.withheld: skip``).
    """

    def __init__(
        self, message: str, *, url: str, missing: frozenset[str], body: bytes | None
    ) -> None:
        super().__init__(message, url=url)
        self.missing = missing
        self.body = body


class TransientResponseError(Exception):
    """A response that is incomplete or garbled and worth asking for again (internal).

    Its text becomes a retry warning and, on the last attempt, part of an EutilsError: it is
    redacted when built, like EutilsError's.
    """

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class MissingRecordsError(TransientResponseError):
    """A well-formed efetch answer without some of the PMIDs asked for (internal)."""

    def __init__(self, message: str, *, missing: frozenset[str], body: bytes) -> None:
        super().__init__(message)
        self.missing = missing
        self.body = body


@dataclass(frozen=True)
class _Done:
    value: Any


@dataclass(frozen=True)
class _Retry:
    problem: str
    retry_after: str | None = None  # the header of a 429 ("" when absent), else None
    missing: MissingRecordsError | None = None  # efetch answered without some records
    server_error: bool = False  # HTTP 5xx: the server is in trouble, so every process backs off

    def __post_init__(self) -> None:
        object.__setattr__(self, "problem", redact(self.problem))


@dataclass(frozen=True, repr=False)
class EutilsSettings:
    """Everything the client needs, injected (no module globals). ``repr`` masks the API key.

    ``email`` and ``tool`` identify the client to NCBI, as its usage policy requires. Without an
    ``api_key`` requests are paced to 3/s, with one to 10/s. ``max_retries`` counts retries after
    the first attempt that failed other than with HTTP 429. Backoff before retry n (1-based) is
    drawn uniformly from [0, ``backoff_base * 2**(n-1)``] capped at ``backoff_max`` (full jitter:
    parallel clients that failed together do not retry together); a Retry-After header is honoured
    instead when sent. HTTP 429 is retried for as long as ``retry_budget`` allows, the seconds one
    request may spend on retries in all. ``withheld`` says what to do with a record efetch never
    sends (skip or fail). ``rate_state`` is the limiter file shared by all processes
    (default: one per user and host, see ratelimit.default_state_path).
    """

    email: str
    tool: str = DEFAULT_TOOL
    api_key: str | None = None
    base_url: str = DEFAULT_BASE_URL
    batch_size: int = DEFAULT_BATCH_SIZE
    page_limit: int = PUBMED_PAGE_LIMIT
    # Connecting to NCBI takes well under a second; 10 s tells a dead route from a slow one.
    connect_timeout: float = 10.0
    # Seconds without a single byte before a response counts as stalled. NCBI can think for tens
    # of seconds before the first byte of a large efetch, so 60 s.
    read_timeout: float = 60.0
    # Whole-response deadline: a server trickling bytes just fast enough to beat read_timeout is
    # retried too. 500 records arrive in seconds; 300 s is generous.
    response_timeout: float = 300.0
    # Six retries with doubling waits from 1 s (1+2+4+8+16+32 s, up to ~1 min in all) ride out
    # the short outages NCBI has at peak hours without hiding a real outage for long.
    max_retries: int = 6
    backoff_base: float = 1.0
    # The longest single backoff: NCBI's rate limiting and outages can outlast a minute.
    backoff_max: float = 120.0
    # Overall seconds one request may spend retrying (waits included); HTTP 429 is retried
    # within this budget whatever max_retries says. Beyond it the run fails, naming the query.
    retry_budget: float = 900.0
    # A Retry-After longer than this is not waited out: the run fails and says when to retry.
    max_retry_after: float = 120.0
    rate_state: Path | None = None
    # What to do with a record efetch still withholds after every attempt: "skip" it (its PMID
    # goes to the manifest's ``withheld`` list and the log) or "fail" the run.
    withheld: str = "skip"
    # esearch's warnings and errors about the query (PhraseNotFound, QuotedPhraseNotFound,
    # FieldNotFound, ...): "record" them in the manifest and the log, or "fail" the run.
    query_warnings: str = "record"

    def __post_init__(self) -> None:
        if not isinstance(self.email, str) or "@" not in self.email:
            raise SpinereviewError(
                "NCBI asks every E-utilities client for a contact e-mail: set NCBI_EMAIL "
                "(or search.eutils.email in the config)"
            )
        if self.api_key is not None and not self.api_key.strip():
            object.__setattr__(self, "api_key", None)
        # From here on no message, log line or progress text of this process shows them.
        register_secret(self.api_key, MASK)
        register_secret(self.email, EMAIL_MASK)
        for name in ("batch_size", "page_limit"):
            if getattr(self, name) < 1:
                raise SpinereviewError(f"E-utilities setting {name} must be at least 1")
        if self.batch_size > self.page_limit:
            raise SpinereviewError("E-utilities setting batch_size must not exceed page_limit")
        if self.max_retries < 0:
            raise SpinereviewError("E-utilities setting max_retries must not be negative")
        for name in ("backoff_base", "backoff_max", "retry_budget"):
            if not getattr(self, name) > 0:
                raise SpinereviewError(f"E-utilities setting {name} must be positive")
        for name in ("backoff_max", "max_retry_after"):
            # The shared limiter takes a longer pause for a stale file and ignores it.
            if getattr(self, name) > MAX_PLAUSIBLE_WAIT:
                raise SpinereviewError(
                    f"E-utilities setting {name} must be at most {MAX_PLAUSIBLE_WAIT:g} s"
                )
        if self.query_warnings not in ("record", "fail"):
            raise SpinereviewError(
                "E-utilities setting query_warnings must be 'record' or 'fail', got "
                f"{self.query_warnings!r}"
            )
        if self.withheld not in ("skip", "fail"):
            raise SpinereviewError(
                f"E-utilities setting withheld must be 'skip' or 'fail', got {self.withheld!r}"
            )
        if urlsplit(self.base_url).scheme not in ("http", "https"):
            raise SpinereviewError(f"E-utilities base_url must be http(s), got {self.base_url!r}")

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "api_key" and value is not None:
                value = MASK
            parts.append(f"{f.name}={value!r}")
        return f"EutilsSettings({', '.join(parts)})"

    __str__ = __repr__

    @property
    def requests_per_second(self) -> int:
        """NCBI's limit for these settings: 10 with an API key, else 3."""
        return requests_per_second(self.api_key is not None)

    @classmethod
    def from_config(
        cls, eutils: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
    ) -> EutilsSettings:
        """Settings from the ``search.eutils`` config block, with NCBI_EMAIL and NCBI_API_KEY
        from the environment taking precedence over the config's ``email`` and ``api_key``."""
        env = os.environ if env is None else env
        values = dict(eutils or {})
        for key, var in (("email", "NCBI_EMAIL"), ("api_key", "NCBI_API_KEY")):
            if env.get(var, "").strip():
                values[key] = env[var].strip()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SpinereviewError(f"unknown E-utilities setting(s): {', '.join(unknown)}")
        if values.get("rate_state") is not None:
            values["rate_state"] = Path(values["rate_state"])
        values.setdefault("email", "")
        return cls(**values)


@dataclass(frozen=True)
class History:
    """A result set kept on NCBI's history server by ``esearch(..., usehistory=True)``."""

    webenv: str
    query_key: str


@dataclass(frozen=True)
class SearchResult:
    """An esearch answer: the total count, the IDs of the page asked for, and the history handle."""

    count: int
    ids: tuple[str, ...]
    retstart: int
    history: History | None
    warnings: tuple[str, ...] = ()  # "Tag: text" of each WarningList and ErrorList entry
    translation: str | None = None  # QueryTranslation: the search PubMed actually ran


@dataclass(frozen=True)
class Citation:
    """One ECitMatch query line; ``key`` is the caller's label, echoed back in the answer."""

    journal: str
    year: str
    volume: str
    first_page: str
    author: str
    key: str


@dataclass(frozen=True)
class CitationMatch:
    """ECitMatch's answer for one citation: a PMID, or why there is none."""

    key: str
    pmid: str | None
    status: str  # "found", "not_found" or "ambiguous"
    detail: str


class EutilsClient:
    """The one choke point for E-utilities traffic: pacing, retries and error classes.

    Every request goes through ``request``: it waits for a slot of the shared rate limiter, sends
    the request, and sorts the outcome. 200 with a body that ``validate`` accepts is returned.
    429 waits out Retry-After, or without one backs off exponentially with full jitter (shared
    with every process through the limiter), within ``settings.retry_budget``. 5xx, connection
    resets, dropped connections, timeouts and truncated, garbled or non-XML bodies are retried
    with the same backoff, up to ``settings.max_retries`` times and within the budget; a 5xx
    backoff is shared through the limiter as well (the server is in trouble, so every process
    waits), the others pause only this process. Other 4xx fail at once.
    A refused connection or a DNS failure before any response fails at once as well
    (NetworkUnavailableError): no point retrying a machine without network.
    """

    def __init__(
        self,
        settings: EutilsSettings,
        *,
        limiter: SharedRateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.limiter = limiter or SharedRateLimiter(
            settings.requests_per_second, settings.rate_state
        )
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        #: Named in every retry warning and error while set (see ``for_query``).
        self.query_id: str | None = None
        self._reached = False  # has any HTTP response arrived yet?
        self.requests = 0  # attempts sent, for progress and tests

    def __repr__(self) -> str:
        return f"EutilsClient({self.settings!r})"

    @contextlib.contextmanager
    def for_query(self, query_id: str | None) -> Iterator[None]:
        """Name ``query_id`` in the retry warnings and errors of the requests made inside."""
        before, self.query_id = self.query_id, query_id
        try:
            yield
        finally:
            self.query_id = before

    def display_url(self, utility: str, params: Mapping[str, Any]) -> str:
        """The request URL as shown in messages and logs: without the API key, long values cut
        (after redaction, so a cut never leaves part of a secret)."""
        shown = {}
        for key, value in params.items():
            text = redact(value)
            shown[key] = text if len(text) <= 120 else text[:117] + "..."
        query = urlencode(shown, safe=_safe_chars(utility))
        return f"{self.settings.base_url.rstrip('/')}/{utility}" + (f"?{query}" if query else "")

    def request(
        self,
        utility: str,
        params: Mapping[str, Any],
        *,
        validate: Callable[[bytes], T] | None = None,
        method: str = "POST",
    ) -> T | bytes:
        """Send one E-utilities request and return ``validate(body)`` (or the body).

        ``validate`` raises TransientResponseError for a body worth fetching again (cut off, not
        closing, fewer records than asked for) and EutilsError for a definitive failure.
        """
        url = self.display_url(utility, params)
        s = self.settings
        who = f"query {self.query_id}: {utility}" if self.query_id else utility
        attempts = s.max_retries + 1  # faults other than HTTP 429 count against max_retries
        faults = 0  # attempts that failed with something other than HTTP 429
        withheld: MissingRecordsError | None = None  # the latest answer that lacked records
        started = self._clock()
        for attempt in itertools.count(1):
            self.limiter.acquire()
            self.requests += 1
            outcome = self._attempt(utility, params, method, validate, url)
            if not isinstance(outcome, _Retry):
                return outcome.value
            rate_limited = outcome.retry_after is not None
            faults += not rate_limited
            withheld = outcome.missing or withheld
            if faults == attempts:
                message = f"{who} gave up after {attempt} attempts; last problem: {outcome.problem}"
                if withheld is not None:  # what arrived may be kept without the missing records
                    raise RecordsWithheldError(
                        message, url=url, missing=withheld.missing, body=withheld.body
                    )
                raise EutilsError(message, url=url)
            header = outcome.retry_after.strip() if outcome.retry_after else ""
            honoured = self._checked_retry_after(header, url) if header else None
            wait = honoured if honoured is not None else self._backoff(attempt)
            elapsed = self._clock() - started
            if elapsed + wait > s.retry_budget:
                raise EutilsError(
                    f"{who} still failing after {attempt} attempts in {elapsed:.0f} s; waiting "
                    f"{wait:.0f} s more would exceed the retry budget of {s.retry_budget:g} s "
                    f"(search.eutils.retry_budget); last problem: {outcome.problem}",
                    url=url,
                    status=429 if rate_limited else None,
                )
            if honoured is not None:
                how = f"honouring its Retry-After header: {wait:g} s"
            elif header:
                how = (
                    f"Retry-After {header!r} not understood; backoff {wait:.2f} s "
                    f"(full jitter, cap {s.backoff_max:g} s)"
                )
            elif rate_limited:
                how = f"no Retry-After header; backoff {wait:.2f} s (full jitter, cap {s.backoff_max:g} s)"
            else:
                how = f"backoff {wait:.2f} s (full jitter, cap {s.backoff_max:g} s)"
            if rate_limited:
                # Rate limiting is no fault of the request: it is retried within the budget,
                # whatever max_retries says, and every process sharing the limiter waits.
                self.limiter.defer(wait)
                log.warning(
                    "%s: %s; %s; retry %d (within the %g s retry budget)",
                    who,
                    outcome.problem,
                    how,
                    attempt,
                    s.retry_budget,
                )
            elif outcome.server_error:
                # A server in trouble should see every client back off, not only this process:
                # the pause goes through the shared limiter like a 429's.
                self.limiter.defer(wait)
                log.warning(
                    "%s: %s; %s, shared with every process using the limiter; retry %d of %d",
                    who,
                    outcome.problem,
                    how,
                    faults,
                    attempts - 1,
                )
            else:
                log.warning(
                    "%s: %s; %s; retry %d of %d", who, outcome.problem, how, faults, attempts - 1
                )
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        utility: str,
        params: Mapping[str, Any],
        method: str,
        validate: Callable[[bytes], Any] | None,
        url: str,
    ) -> _Done | _Retry:
        """Send once and sort the outcome: a value, a reason to retry, or an exception."""
        try:
            status, headers, body = self._send(utility, params, method)
        except ssl.SSLCertVerificationError as exc:
            raise EutilsError(f"the server's TLS certificate was refused: {exc}", url=url) from None
        except OSError as exc:
            if not self._reached and _is_unreachable(exc):
                raise NetworkUnavailableError(
                    f"cannot reach NCBI E-utilities ({_describe(exc)}); check the network "
                    "connection or use the committed snapshot (search.mode: snapshot)",
                    url=url,
                ) from None
            return _Retry(_describe(exc))
        except http.client.HTTPException as exc:  # IncompleteRead, BadStatusLine, ...
            return _Retry(_describe(exc))
        self._reached = True
        reason = http.client.responses.get(status, "")
        if status == 200:
            try:
                return _Done(validate(body) if validate is not None else body)
            except MissingRecordsError as exc:
                return _Retry(f"incomplete response: {exc}", missing=exc)
            except TransientResponseError as exc:
                # Its text says what was wrong: a backend error, a cut-off or non-XML body, ...
                return _Retry(str(exc))
        if status == 429:
            return _Retry("HTTP 429 Too Many Requests", headers.get("Retry-After") or "")
        if 500 <= status < 600:
            return _Retry(f"HTTP {status} {reason}".strip(), server_error=True)
        raise EutilsError(
            f"{utility} failed with HTTP {status} {reason}: {_snippet(body)}",
            url=url,
            status=status,
        )

    def backoff_bound(self, attempt: int) -> float:
        """The longest backoff before retry ``attempt`` (1-based): base * 2**(attempt-1), capped."""
        s = self.settings
        return min(s.backoff_max, s.backoff_base * 2 ** min(attempt - 1, 60))

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform between 0 and the bound, so clients that failed together spread
        out (AWS Architecture Blog, "Exponential Backoff And Jitter")."""
        return self._rng.uniform(0, self.backoff_bound(attempt))

    def _checked_retry_after(self, value: str, url: str) -> float | None:
        """Seconds to wait that a Retry-After header asks for (seconds or an HTTP date); None if
        the value is not understood (the caller backs off instead). Beyond max_retry_after: fail."""
        value = value.strip()
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                when = email.utils.parsedate_to_datetime(value)
                seconds = max(0.0, (when - datetime.now(UTC)).total_seconds())
            except (TypeError, ValueError, IndexError):
                return None
        if seconds > self.settings.max_retry_after:
            raise EutilsError(
                f"NCBI asks to wait {seconds:g} s before the next request (HTTP 429 "
                f"Retry-After), more than max_retry_after={self.settings.max_retry_after:g} s; "
                "try again later",
                url=url,
                status=429,
            )
        return seconds

    def _send(
        self, utility: str, params: Mapping[str, Any], method: str
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One HTTP exchange; the API key is added here and nowhere else."""
        s = self.settings
        full = {**params, "tool": s.tool, "email": s.email}
        if s.api_key is not None:
            full["api_key"] = s.api_key
        data = urlencode(full, safe=_safe_chars(utility))
        parts = urlsplit(s.base_url)
        path = f"{parts.path.rstrip('/')}/{utility}"
        conn_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        conn = conn_class(parts.hostname, parts.port, timeout=s.connect_timeout)
        headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
        try:
            conn.connect()
            assert conn.sock is not None
            conn.sock.settimeout(s.read_timeout)
            if method == "POST":
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                conn.request("POST", path, body=data.encode("ascii"), headers=headers)
            else:
                conn.request("GET", f"{path}?{data}", headers=headers)
            response = conn.getresponse()
            body = _read_body(response, s.response_timeout)
            return response.status, response.headers, body
        finally:
            conn.close()


def _safe_chars(utility: str) -> str:
    """Characters sent as they are, not percent-encoded. ECitMatch's ``bdata`` separates its
    fields with ``|``, which NCBI's documentation shows unencoded; Biopython sends it so for
    ECitMatch alone (its Entrez module: "NCBI does not accept %7C"), and so do we."""
    return "|" if utility.startswith("ecitmatch") else ""


def _read_body(response: http.client.HTTPResponse, deadline_s: float) -> bytes:
    """Read the whole body; a short body raises IncompleteRead, a slow one TimeoutError."""
    deadline = time.monotonic() + deadline_s
    buffer = io.BytesIO()
    while chunk := response.read(1 << 16):
        buffer.write(chunk)
        if time.monotonic() > deadline:
            raise TimeoutError(f"response not complete after {deadline_s:g} s")
    if response.length:  # http.client leaves the missing byte count here on a premature EOF
        raise http.client.IncompleteRead(buffer.getvalue(), response.length)
    return buffer.getvalue()


def _is_unreachable(exc: OSError) -> bool:
    if isinstance(exc, socket.gaierror | ConnectionRefusedError):
        return True
    return exc.errno in _UNREACHABLE_ERRNOS


def _describe(exc: BaseException) -> str:
    if isinstance(exc, http.client.IncompleteRead):
        return f"body cut off ({len(exc.partial)} bytes read, {exc.expected} more expected)"
    if isinstance(exc, TimeoutError):
        return f"timed out ({exc})" if str(exc) else "timed out"
    if isinstance(exc, socket.gaierror):
        return f"host name lookup failed ({exc.strerror or exc})"
    name = type(exc).__name__
    text = getattr(exc, "strerror", None) or str(exc)
    return f"{name}: {text}" if text else name


def _snippet(body: bytes, limit: int = 200) -> str:
    """The start of a server body for a message: redacted *before* it is cut, so a cut never
    leaves the first characters of a secret behind."""
    text = redact_head(" ".join(body.decode("utf-8", "replace").split()), limit)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- esearch ---------------------------------------------------------------------------------


def esearch(
    client: EutilsClient,
    term: str,
    *,
    retmax: int = 0,
    retstart: int = 0,
    usehistory: bool = False,
    mindate: str | None = None,
    maxdate: str | None = None,
    datetype: str = "pdat",
    db: str = "pubmed",
) -> SearchResult:
    """Run esearch; with ``usehistory`` the result set stays on NCBI's history server for efetch.

    ``mindate``/``maxdate`` (YYYY, YYYY/MM or YYYY/MM/DD, both or neither) restrict ``datetype``.
    Checks that the answer holds as many IDs as asked for (``min(retmax, count - retstart)``).
    """
    if (mindate is None) != (maxdate is None):
        raise ValueError("esearch needs both mindate and maxdate, or neither")
    params: dict[str, Any] = {"db": db, "term": term, "retmax": retmax, "retstart": retstart}
    if usehistory:
        params["usehistory"] = "y"
    if mindate is not None:
        params.update(datetype=datetype, mindate=mindate, maxdate=maxdate)
    url = client.display_url("esearch.fcgi", params)

    def validate(body: bytes) -> SearchResult:
        root = _xml_root(body, "eSearchResult", url)
        error = root.findtext("ERROR")
        if error:
            message = " ".join(error.split())
            if any(word in message.lower() for word in _PERMANENT_SEARCH_ERRORS):
                raise EutilsError(f"esearch refused the request: {message}", url=url)
            raise TransientResponseError(f"esearch error: {message}")
        count_text = root.findtext("Count")
        if count_text is None or not count_text.strip().isdigit():
            raise TransientResponseError("esearch answer has no Count")
        count = int(count_text)
        ids = tuple((e.text or "").strip() for e in root.findall("IdList/Id"))
        expected = max(0, min(retmax, count - retstart))
        if len(ids) != expected:
            raise TransientResponseError(f"esearch returned {len(ids)} IDs, expected {expected}")
        history = None
        if usehistory:
            webenv, key = root.findtext("WebEnv"), root.findtext("QueryKey")
            if not webenv or not key:
                raise TransientResponseError("esearch answer has no WebEnv/QueryKey")
            history = History(webenv=webenv.strip(), query_key=key.strip())
        warnings = tuple(
            redact(f"{e.tag}: {' '.join((e.text or '').split())}")
            for section in ("ErrorList", "WarningList")
            for e in root.findall(f"{section}/*")
            if (e.text or "").strip()
        )
        translation = root.findtext("QueryTranslation")
        if translation is not None:
            translation = redact(" ".join(translation.split()))
        return SearchResult(count, ids, retstart, history, warnings, translation)

    return client.request("esearch.fcgi", params, validate=validate)


# --- efetch ----------------------------------------------------------------------------------


def efetch_pubmed(
    client: EutilsClient,
    expected_pmids: Sequence[str],
    *,
    history: History | None = None,
    retstart: int = 0,
) -> bytes:
    """Fetch PubMed XML for ``expected_pmids`` and return the verified body.

    With ``history`` the records are read from the history server (``retstart`` and
    ``retmax=len(expected_pmids)``); without, the IDs are posted. The body must be well-formed,
    must close its PubmedArticleSet and must hold exactly the expected PMIDs (in any order); a
    body cut short or missing records is retried by the client, other PMIDs fail at once.
    """
    if history is not None:
        params: dict[str, Any] = {
            "db": "pubmed",
            "query_key": history.query_key,
            "WebEnv": history.webenv,
            "retstart": retstart,
            "retmax": len(expected_pmids),
            "retmode": "xml",
        }
    else:
        params = {"db": "pubmed", "id": ",".join(expected_pmids), "retmode": "xml"}
    url = client.display_url("efetch.fcgi", params)
    expected = set(expected_pmids)

    def validate(body: bytes) -> bytes:
        found = pubmed_pmids(body, url)
        unique = set(found)
        if len(unique) != len(found):
            raise TransientResponseError("the same PMID occurs twice in one efetch answer")
        extra = unique - expected
        if extra:
            raise EutilsError(
                f"efetch returned {len(extra)} PMID(s) that were not asked for, e.g. "
                f"{min(extra, key=int)}; the history server's order changed",
                url=url,
            )
        if unique != expected:
            missing = frozenset(expected - unique)
            shown = ", ".join(sorted(missing, key=int)[:5]) + (", ..." if len(missing) > 5 else "")
            raise MissingRecordsError(
                f"{len(unique)} of {len(expected)} records arrived (missing PMID {shown})",
                missing=missing,
                body=body,
            )
        return body

    return client.request("efetch.fcgi", params, validate=validate)


def pubmed_pmids(body: bytes, url: str = "efetch") -> list[str]:
    """PMIDs of the PubmedArticle and PubmedBookArticle entries of an efetch answer, in order.

    Raises TransientResponseError if the XML is cut off or malformed or has another root element
    (an HTML error page sent with status 200), HistoryExpiredError if NCBI answered with its
    "Unable to obtain query" error, EutilsError for unsafe XML.
    """
    try:
        _, spans = scan_pubmed_xml(body)
    except PubmedXmlError as exc:
        if exc.root is not None:
            _raise_for_root(body, exc.root, url)
        if exc.unsafe:
            raise EutilsError(f"unsafe XML refused ({exc})", url=url) from None
        raise TransientResponseError(str(exc)) from None
    return [pmid for pmid, _, _ in spans]


def _raise_for_root(body: bytes, tag: str, url: str) -> None:
    text = body.decode("utf-8", "replace")
    if "Unable to obtain query" in text or ("WebEnv" in text and "ERROR" in text):
        raise HistoryExpiredError(
            "the history server no longer knows this search (WebEnv expired)", url=url
        )
    if tag in ("eFetchResult", "ERROR") or "<ERROR>" in text:
        raise TransientResponseError(f"efetch error: {_snippet(body)}")
    # An HTML page (a proxy's or NCBI's own error page) sent with status 200: worth asking
    # again, as esearch does with an answer that is not <eSearchResult>.
    raise TransientResponseError(
        f"efetch answered <{tag}>, expected <PubmedArticleSet>: {_snippet(body)}"
    )


def _xml_root(body: bytes, tag: str, url: str) -> Element:
    try:
        root = fromstring(body)
    except ParseError as exc:
        raise TransientResponseError(f"XML does not close or is malformed ({exc})") from None
    except DefusedXmlException as exc:
        raise EutilsError(f"unsafe XML refused ({exc})", url=url) from None
    if root.tag != tag:
        raise TransientResponseError(f"answer is <{root.tag}>, expected <{tag}>")
    return root


# --- ecitmatch -------------------------------------------------------------------------------


def ecitmatch(client: EutilsClient, citations: Sequence[Citation]) -> list[CitationMatch]:
    """Resolve citations to PMIDs with ECitMatch, in the order given.

    Each citation becomes one ``journal|year|volume|first_page|author|key|`` line (``|`` in a
    field is replaced by a space). The answer must hold a line for every key, or it is retried.
    """
    if not citations:
        return []
    keys = [" ".join(c.key.replace("|", " ").split()) for c in citations]
    if len(set(keys)) != len(keys):
        raise ValueError("ECitMatch keys must be unique")
    lines = []
    for c in citations:
        values = (c.journal, c.year, c.volume, c.first_page, c.author, c.key)
        lines.append("|".join(" ".join(v.replace("|", " ").split()) for v in values) + "|")
    params = {"db": "pubmed", "retmode": "xml", "bdata": "\r".join(lines)}

    def validate(body: bytes) -> list[CitationMatch]:
        answers: dict[str, CitationMatch] = {}
        for line in body.decode("utf-8", "replace").splitlines():
            cells = line.strip().split("|")
            if len(cells) < 7:
                continue
            key, result = cells[5].strip(), cells[6].strip()
            result = redact(result)  # the detail ends up in reports: no echoed secret there
            if result.isdigit():
                answers[key] = CitationMatch(key, result, "found", "")
            elif result.upper().startswith("AMBIGUOUS"):
                answers[key] = CitationMatch(key, None, "ambiguous", result)
            else:
                answers[key] = CitationMatch(key, None, "not_found", result)
        missing = [k for k in keys if k not in answers]
        if missing:
            raise TransientResponseError(f"no answer line for {len(missing)} citation(s)")
        return [
            CitationMatch(c.key, answers[k].pmid, answers[k].status, answers[k].detail)
            for c, k in zip(citations, keys, strict=True)
        ]

    # NCBI documents ECitMatch as a GET service; the key, if any, is still added only in _send.
    return client.request("ecitmatch.cgi", params, validate=validate, method="GET")
