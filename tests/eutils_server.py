"""A loopback NCBI E-utilities look-alike for tests: esearch, efetch and ecitmatch with faults.

A real HTTP server (ThreadingHTTPServer on 127.0.0.1, a free port) over a corpus of generated
PubMed records (deterministic from a seed). It speaks the parts of the protocol the client uses:

- esearch.fcgi: term, retstart/retmax (default 20; IDs past ``page_limit`` are never returned and
  a retstart at or past it is refused with NCBI's error text), usehistory/WebEnv/QueryKey,
  mindate/maxdate with datetype=pdat (a record matches by its print *or* electronic date, as in
  PubMed), Count/RetMax/RetStart/IdList in NCBI's XML layout.
- efetch.fcgi: PubMed XML for ``id=`` lists or a history set (WebEnv, query_key, retstart,
  retmax), in the history set's order.
- ecitmatch.cgi: ``bdata`` lines ``journal|year|volume|first_page|author|key|``, answered with the
  PMID, NOT_FOUND or AMBIGUOUS.

Faults on demand, by the n-th request to a utility (``server.faults.add("status", "efetch",
at=[2, 3], status=503)``): HTTP status codes (with Retry-After), dropped connections, TCP resets,
bodies cut mid-record (short Content-Length read), XML that does not close, a record missing,
slow answers, esearch backend errors and expired history sets (``server.withheld`` holds PMIDs
efetch never returns). Every request is logged with the
time its connection was accepted, so tests can check pacing.

Echoes, as NCBI's error answers do (they quote the rejected request, API key included): with
``echo=True`` a ``status`` fault answers an HTML error page (a JSON body for 429) that quotes the
request, and ``cut`` cuts such a page; ``echo_error`` answers HTTP 200 with an ``<ERROR>`` that
quotes it ("Invalid API key ..." for esearch, refused for good; a transient error for efetch; an
answer line per citation for ecitmatch), ``echo_busy`` a retryable esearch ``<ERROR>``,
``echo_warning`` a normal esearch answer with the echo in its WarningList and ErrorList, and
``foreign_root`` an efetch answer whose root is ``<html>`` (or ``root=...``). ``pad`` puts that
many characters before the echo (to move it across the client's snippet limit). A request with
a wrong key (``api_key=`` of the server) gets NCBI's JSON 400 with the key and the request.

Abstracts: every record has a generated BACKGROUND section; ``server.results[pmid] = "..."`` adds a
RESULTS section with that text to one record (for tests of extraction on live records).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

PROLOG = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
ESEARCH_PROLOG = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD '
    'esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
JOURNALS = (
    ("Spine (Phila Pa 1976)", "Spine"),
    ("Pain Physician", "Pain Physician"),
    ("Journal of Pain Research", "J Pain Res"),
    ("Der Schmerz", "Schmerz"),
    ("European Spine Journal", "Eur Spine J"),
)
SURNAMES = ("Müller", "Smith", "Nakamura", "García", "O'Brien", "Østergaard", "Ng", "Kowalski")


@dataclass(frozen=True)
class Record:
    """One generated PubMed record."""

    pmid: int
    pub: dt.date
    epub: dt.date | None  # an electronic publication date before the print date, or None
    journal: int
    volume: str
    page: int
    author: str
    topic: float  # uniform in [0, 1): queries select records by it


class Corpus:
    """``n`` records with increasing PMIDs and publication dates from 1975 to 2025, from ``seed``."""

    def __init__(self, n: int = 20_000, seed: int = 7) -> None:
        rng = random.Random(seed)
        start, span = dt.date(1975, 1, 1).toordinal(), dt.date(2025, 12, 31).toordinal()
        pmid = 1_000_000
        self.records: dict[int, Record] = {}
        for _ in range(n):
            pmid += rng.randint(1, 40)
            pub = dt.date.fromordinal(rng.randint(start, span))
            epub = pub - dt.timedelta(days=rng.randint(1, 120)) if rng.random() < 0.1 else None
            self.records[pmid] = Record(
                pmid=pmid,
                pub=pub,
                epub=epub,
                journal=rng.randrange(len(JOURNALS)),
                volume=str(rng.randint(1, 60)),
                page=rng.randint(1, 2000),
                author=rng.choice(SURNAMES),
                topic=rng.random(),
            )
        self._xml: dict[int, bytes] = {}
        self._lock = threading.Lock()
        # PubMed's default order is newest first; any order that is not PMID order will do to
        # show that the snapshot sorts.
        self.order = sorted(self.records, key=lambda p: (self.records[p].pub, p), reverse=True)

    def matching(self, predicate: Callable[[Record], bool]) -> list[int]:
        return [p for p in self.order if predicate(self.records[p])]

    def article(self, pmid: int, results: str | None = None) -> bytes:
        if results is not None:  # a record with a RESULTS section: rendered, not cached
            return _article_xml(self.records[pmid], results)
        with self._lock:
            cached = self._xml.get(pmid)
        if cached is None:
            cached = _article_xml(self.records[pmid])
            with self._lock:
                self._xml[pmid] = cached
        return cached

    def efetch_body(self, pmids: Iterable[int], results: dict[int, str] | None = None) -> bytes:
        parts = [PROLOG, b"<PubmedArticleSet>\n"]
        for pmid in pmids:
            parts.append(self.article(pmid, (results or {}).get(pmid)))
            parts.append(b"\n")
        parts.append(b"</PubmedArticleSet>\n")
        return b"".join(parts)


def _article_xml(r: Record, results: str | None = None) -> bytes:
    journal, iso = JOURNALS[r.journal]
    epub = ""
    if r.epub is not None:
        epub = (
            f'\n        <ArticleDate DateType="Electronic"><Year>{r.epub.year}</Year>'
            f"<Month>{r.epub.month:02d}</Month><Day>{r.epub.day:02d}</Day></ArticleDate>"
        )
    results_xml = ""
    if results is not None:
        results_xml = (
            '\n          <AbstractText Label="RESULTS" NlmCategory="RESULTS">'
            f"{escape(results)}</AbstractText>"
        )
    text = f"""  <PubmedArticle>
    <MedlineCitation Status="MEDLINE" Owner="NLM">
      <PMID Version="1">{r.pmid}</PMID>
      <Article PubModel="Print">
        <Journal>
          <JournalIssue CitedMedium="Print">
            <Volume>{r.volume}</Volume>
            <PubDate>
              <Year>{r.pub.year}</Year><Month>{MONTHS[r.pub.month - 1]}</Month><Day>{r.pub.day:02d}</Day>
            </PubDate>
          </JournalIssue>
          <Title>{escape(journal)}</Title>
          <ISOAbbreviation>{escape(iso)}</ISOAbbreviation>
        </Journal>
        <ArticleTitle>Generated trial {r.pmid}: injection &amp; placebo (Rückenschmerz)</ArticleTitle>
        <Pagination><MedlinePgn>{r.page}-{r.page + 9}</MedlinePgn></Pagination>
        <Abstract>
          <AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND"
            >Record {r.pmid} &lt; generated, x<sup>2</sup> &gt; 0.</AbstractText>{results_xml}
        </Abstract>
        <AuthorList CompleteYN="Y">
          <Author ValidYN="Y">
            <LastName>{escape(r.author)}</LastName><ForeName>A</ForeName><Initials>A</Initials>
          </Author>
        </AuthorList>
        <Language>eng</Language>
        <PublicationTypeList>
          <PublicationType UI="D016449">Randomized Controlled Trial</PublicationType>
        </PublicationTypeList>{epub}
      </Article>
      <MedlineJournalInfo><MedlineTA>{escape(iso)}</MedlineTA></MedlineJournalInfo>
    </MedlineCitation>
    <PubmedData>
      <ArticleIdList>
        <ArticleId IdType="pubmed">{r.pmid}</ArticleId>
        <ArticleId IdType="doi">10.5555/gen.{r.pmid}</ArticleId>
      </ArticleIdList>
    </PubmedData>
  </PubmedArticle>"""
    return text.encode("utf-8")


@dataclass
class Fault:
    """What to do to the n-th request(s) of one utility (or of all, when utility is None)."""

    kind: str
    utility: str | None
    at: frozenset[int]
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0
    echo: bool = False
    root: str | None = None
    pad: int = 0


FAULT_KINDS = frozenset(
    {
        "status",
        "drop",
        "reset",
        "cut",
        "unclosed",
        "missing",
        "slow",
        "search_error",
        "expire",
        "echo_error",
        "echo_busy",
        "echo_warning",
        "foreign_root",
    }
)


class FaultPlan:
    """Faults keyed by the 1-based number of the request to a utility; thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(
        self, kind: str, utility: str | None = None, *, at: Iterable[int], **options: Any
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._faults.append(Fault(kind, utility, frozenset(at), **options))

    def next(self, utility: str) -> tuple[int, Fault | None]:
        with self._lock:
            number = self._counts.get(utility, 0) + 1
            self._counts[utility] = number
            total = self._counts.get("*", 0) + 1
            self._counts["*"] = total
            for fault in self._faults:
                if fault.utility == utility and number in fault.at:
                    return number, fault
                if fault.utility is None and total in fault.at:
                    return number, fault
            return number, None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._counts.clear()


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it; ``time`` is time.monotonic() at accept."""

    time: float
    utility: str
    params: dict[str, str]
    fault: str | None
    raw: str = ""  # the query string or form body as sent (still percent-encoded)


@dataclass
class _History:
    sets: dict[str, list[int]] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, app: EutilsServer) -> None:
        self.app = app
        self.accepted: dict[int, float] = {}
        self.accepted_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Called in the accept loop, before the handler thread starts: the closest the server
        # gets to the moment a request arrived.
        with self.accepted_lock:
            self.accepted[id(request)] = time.monotonic()
        super().process_request(request, client_address)


class EutilsServer:
    """The fake NCBI. Register queries with ``add_query(term, predicate)``; ``url`` is the base."""

    def __init__(
        self,
        corpus: Corpus,
        *,
        page_limit: int = 9_999,
        api_key: str | None = None,
    ) -> None:
        self.corpus = corpus
        self.page_limit = page_limit
        self.api_key = api_key  # when set, a request with another key gets HTTP 400
        self.queries: dict[str, Callable[[Record], bool]] = {}
        #: PMID → text of a RESULTS abstract section served with that record (tests of extraction)
        self.results: dict[int, str] = {}
        # PMIDs efetch never returns (NCBI withholds a record while it is being revised); esearch
        # still counts and lists them.
        self.withheld: set[int] = set()
        # What esearch says it made of a term: ``translations[term]`` is its QueryTranslation
        # (default: the term itself), ``notes[term]`` a list of (section, tag, text) put into the
        # answer in NCBI's layout, e.g. ("ErrorList", "PhraseNotFound", "spinal fusionn").
        self.translations: dict[str, str] = {}
        self.notes: dict[str, list[tuple[str, str, str]]] = {}
        self.faults = FaultPlan()
        self.log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._histories: dict[str, _History] = {}
        self._history_lock = threading.Lock()
        self._webenv_counter = 0
        self._httpd = _Server(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/entrez/eutils/"

    def start(self) -> EutilsServer:
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EutilsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget faults, withheld records, request counts and the log (between tests sharing a
        server)."""
        self.faults.clear()
        self.withheld.clear()
        self.translations.clear()
        self.notes.clear()
        with self._log_lock:
            self.log.clear()

    def add_query(self, term: str, predicate: Callable[[Record], bool]) -> None:
        self.queries[term] = predicate

    def requests(self, utility: str | None = None) -> list[LoggedRequest]:
        with self._log_lock:
            return [r for r in self.log if utility is None or r.utility == utility]

    def record(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self.log.append(entry)

    # --- the utilities -------------------------------------------------------------------

    def search(self, params: dict[str, str]) -> list[int]:
        predicate = self.queries.get(params.get("term", ""), lambda _r: False)
        lo = hi = None
        if "mindate" in params or "maxdate" in params:
            if params.get("datetype", "pdat") != "pdat":
                raise _BadRequest("only datetype=pdat is emulated")
            lo = _parse_date(params["mindate"], end=False)
            hi = _parse_date(params["maxdate"], end=True)

        def match(r: Record) -> bool:
            if not predicate(r):
                return False
            if lo is None:
                return True
            return any(d is not None and lo <= d <= hi for d in (r.pub, r.epub))

        return self.corpus.matching(match)

    def esearch(self, params: dict[str, str]) -> bytes:
        if params.get("db") != "pubmed":
            raise _BadRequest("db must be pubmed")
        ids = self.search(params)
        retstart = int(params.get("retstart", 0))
        retmax = min(int(params.get("retmax", 20)), 100_000)
        if retstart > self.page_limit - 1:
            return _search_error(
                f"Search Backend failed: Exception:\n'retstart' cannot be larger than "
                f"{self.page_limit - 1}. For PubMed, ESearch can only retrieve the first "
                f"{self.page_limit:,} records matching the query."
            )
        stop = min(retstart + retmax, self.page_limit)
        page = ids[retstart:stop]
        warning = ""
        if retstart + retmax > self.page_limit and len(ids) > self.page_limit:
            warning = (
                "<WarningList><OutputMessage>Restrictions achieved. start and count adjusted "
                f"to {retstart}, {len(page)}</OutputMessage></WarningList>"
            )
        history = ""
        if params.get("usehistory") == "y":
            webenv, key = self._store(params.get("WebEnv"), ids)
            history = f"<QueryKey>{key}</QueryKey><WebEnv>{webenv}</WebEnv>"
        id_list = "".join(f"<Id>{p}</Id>" for p in page)
        term = params.get("term", "")
        sections: dict[str, str] = {}
        for section, tag, text in self.notes.get(term, []):
            sections[section] = sections.get(section, "") + f"<{tag}>{escape(text)}</{tag}>"
        if sections.get("WarningList") and warning:
            warning = warning.replace(
                "</WarningList>", sections.pop("WarningList") + "</WarningList>"
            )
        notes = "".join(f"<{name}>{inner}</{name}>" for name, inner in sections.items())
        body = (
            f"{ESEARCH_PROLOG}<eSearchResult><Count>{len(ids)}</Count><RetMax>{len(page)}</RetMax>"
            f"<RetStart>{retstart}</RetStart>{history}<IdList>{id_list}</IdList>"
            f"<TranslationSet/><QueryTranslation>{escape(self.translations.get(term, term))}"
            f"</QueryTranslation>{notes}{warning}</eSearchResult>\n"
        )
        return body.encode("utf-8")

    def efetch(self, params: dict[str, str], fault: Fault | None) -> bytes:
        if params.get("db") != "pubmed":
            raise _BadRequest("db must be pubmed")
        if "id" in params:
            pmids = [int(p) for p in params["id"].split(",") if p.strip()]
            pmids = [p for p in pmids if p in self.corpus.records]
        else:
            if fault is not None and fault.kind == "expire":
                return b"<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>\n"
            with self._history_lock:
                entry = self._histories.get(params.get("WebEnv", ""))
            ids = entry.sets.get(params.get("query_key", "")) if entry else None
            if ids is None:
                return b"<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>\n"
            retstart = int(params.get("retstart", 0))
            retmax = min(int(params.get("retmax", 20)), 10_000)
            if retstart > self.page_limit - 1:
                return (
                    b"<eFetchResult><ERROR>Search Backend failed: 'retstart' cannot be larger "
                    b"than the paging limit</ERROR></eFetchResult>\n"
                )
            pmids = ids[retstart : min(retstart + retmax, self.page_limit)]
        if fault is not None and fault.kind == "missing" and pmids:
            pmids = pmids[:-1]
        pmids = [p for p in pmids if p not in self.withheld]
        return self.corpus.efetch_body(pmids, self.results)

    def ecitmatch(self, params: dict[str, str]) -> bytes:
        lines = []
        for raw in params.get("bdata", "").replace("\n", "\r").split("\r"):
            cells = raw.split("|")
            if len(cells) < 6:
                continue
            journal, year, volume, page, author, key = (c.strip() for c in cells[:6])
            hits = [
                r.pmid
                for r in self.corpus.records.values()
                if journal.lower() in (s.lower() for s in JOURNALS[r.journal])
                and (not year or str(r.pub.year) == year)
                and (not volume or r.volume == volume)
                and (not page or str(r.page) == page)
                and (not author or r.author.lower().startswith(author.split()[0].lower()))
            ]
            if len(hits) == 1:
                answer = str(hits[0])
            elif hits:
                answer = f"AMBIGUOUS ({len(hits)} citations)"
            else:
                answer = "NOT_FOUND"
            lines.append(f"{journal}|{year}|{volume}|{page}|{author}|{key}|{answer}")
        return ("\n".join(lines) + "\n").encode("utf-8")

    def _store(self, webenv: str | None, ids: list[int]) -> tuple[str, str]:
        with self._history_lock:
            if webenv is None or webenv not in self._histories:
                self._webenv_counter += 1
                webenv = f"MCID_fake_{self._webenv_counter:06d}"
                self._histories[webenv] = _History()
            entry = self._histories[webenv]
            key = str(len(entry.sets) + 1)
            entry.sets[key] = ids
            return webenv, key


class _BadRequest(Exception):
    pass


def _search_error(message: str) -> bytes:
    return f"{ESEARCH_PROLOG}<eSearchResult><ERROR>{escape(message)}</ERROR></eSearchResult>\n".encode()


def _error_page(status: int, echo_text: str) -> bytes:
    """An HTML error page that quotes the request, as web servers and proxies answer."""
    return (
        f"<html><head><title>{status} Error</title></head><body><h1>Error {status}</h1>"
        f"<p>{escape(echo_text)}</p></body></html>\n"
    ).encode()


def _parse_date(text: str, *, end: bool) -> dt.date:
    parts = [int(p) for p in text.replace("-", "/").split("/")]
    year = parts[0]
    if len(parts) == 1:
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    month = parts[1]
    if len(parts) == 2:
        if not end:
            return dt.date(year, month, 1)
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return dt.date(year, month, parts[2])


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection, like urllib's Connection: close

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        self._serve(urlsplit(self.path).query)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self._serve(self.rfile.read(length).decode("ascii"))

    def _serve(self, query: str) -> None:
        app = self.server.app
        with self.server.accepted_lock:
            accepted = self.server.accepted.pop(id(self.request), time.monotonic())
        utility = urlsplit(self.path).path.rsplit("/", 1)[-1]
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        name = utility.split(".")[0]
        _, fault = app.faults.next(name)
        app.record(LoggedRequest(accepted, name, params, fault.kind if fault else None, query))
        # BrokenPipe/Reset: the client gave up (e.g. its read timeout); nothing to answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._respond(app, name, params, fault, query)

    def _respond(
        self,
        app: EutilsServer,
        name: str,
        params: dict[str, str],
        fault: Fault | None,
        query: str = "",
    ) -> None:
        key = params.get("api_key", "")
        pad = "x" * (fault.pad if fault is not None else 0)
        # What NCBI's error answers quote: the request as sent (percent-encoded) and the key.
        echo_text = (
            f"{pad}api_key={key} request: {urlsplit(self.path).path}?{query} "
            f"tool={params.get('tool')}"
        )
        if app.api_key is not None and key != app.api_key:
            # NCBI echoes the rejected key; the client must not pass it on.
            echo = {"error": "API key invalid", "api-key": key, "request": query}
            self._send(400, json.dumps(echo).encode(), "application/json")
            return
        if fault is not None:
            if fault.kind == "status":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                if fault.echo and fault.status == 429:
                    answer = {"error": "API rate limit exceeded", "api-key": key, "count": "11"}
                    body = json.dumps({**answer, "request": pad + query}).encode()
                elif fault.echo:
                    body = _error_page(fault.status, echo_text)
                else:
                    body = b'{"error":"API rate limit exceeded","count":"11"}'
                ctype = "application/json" if body.startswith(b"{") else "text/html"
                self._send(fault.status, body, ctype, headers)
                return
            if fault.kind == "cut" and fault.echo:
                body = _error_page(200, echo_text)
                self._send_head(200, "text/html", len(body))
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self._close()
                return
            if fault.kind == "echo_error":
                if name == "esearch":
                    text = f"Invalid API key {key} for tool {params.get('tool')}; {echo_text}"
                    self._send(200, _search_error(text), "text/xml")
                elif name == "efetch":
                    body = f"<eFetchResult><ERROR>{escape(echo_text)}</ERROR></eFetchResult>\n"
                    self._send(200, body.encode(), "text/xml")
                else:
                    lines = [
                        "|".join(raw.split("|")[:6]) + f"|NOT_FOUND;INVALID {echo_text}"
                        for raw in params.get("bdata", "").split("\r")
                    ]
                    self._send(200, ("\n".join(lines) + "\n").encode(), "text/plain")
                return
            if fault.kind == "echo_busy" and name == "esearch":
                text = f"Search Backend failed: busy; {echo_text}"
                self._send(200, _search_error(text), "text/xml")
                return
            if fault.kind == "foreign_root":
                tag = fault.root or "html"
                body = f"<{tag}><body>Service error. {escape(echo_text)}</body></{tag}>\n"
                self._send(200, body.encode(), "text/html")
                return
            if fault.kind == "drop":
                self._close()
                return
            if fault.kind == "reset":
                self.request.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self._close()
                return
            if fault.kind == "slow":
                time.sleep(fault.delay)
            if fault.kind == "search_error" and name == "esearch":
                self._send(
                    200, _search_error("Search Backend failed: temporary failure"), "text/xml"
                )
                return
        try:
            if name == "esearch":
                body, ctype = app.esearch(params), "text/xml; charset=UTF-8"
            elif name == "efetch":
                body, ctype = app.efetch(params, fault), "text/xml; charset=UTF-8"
            elif name == "ecitmatch":
                body, ctype = app.ecitmatch(params), "text/plain; charset=UTF-8"
            else:
                self._send(404, b"unknown utility", "text/plain")
                return
        except (_BadRequest, ValueError, KeyError) as exc:
            self._send(400, str(exc).encode(), "text/plain")
            return
        if fault is not None and fault.kind == "cut":
            # Promise the whole body, send part of it, hang up: the client sees IncompleteRead.
            self._send_head(200, ctype, len(body))
            self.wfile.write(body[: _mid_record(body)])
            self.wfile.flush()
            self._close()
            return
        if fault is not None and fault.kind == "echo_warning" and name == "esearch":
            notes = (
                f"<WarningList><OutputMessage>{escape(echo_text)}</OutputMessage></WarningList>"
                f"<ErrorList><PhraseNotFound>{escape(echo_text)}</PhraseNotFound></ErrorList>"
            )
            body = body.replace(b"</eSearchResult>", notes.encode() + b"</eSearchResult>")
        if fault is not None and fault.kind == "unclosed":
            body = body[: _mid_record(body)]  # a complete HTTP answer whose XML stops mid-record
        self._send(200, body, ctype)

    def _send_head(self, status: int, ctype: str, length: int, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()

    def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        self._send_head(status, ctype, len(body), headers)
        self.wfile.write(body)

    def _close(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
        self.request.close()


def _mid_record(body: bytes) -> int:
    """A cut point in the middle of a record (halfway through the second-to-last article)."""
    last = body.rfind(b"<PubmedArticle>")
    prev = body.rfind(b"<PubmedArticle>", 0, last) if last > 0 else -1
    anchor = prev if prev > 0 else max(last, len(body) // 2)
    return anchor + 40


# --- shared by the test modules ------------------------------------------------------------------

#: Query terms the tests register; each selects records by their ``topic``.
BIG_TERM = "generated[all] AND big"  # ~60 % of the corpus: more than one esearch can page through
MEDIUM_TERM = "generated[all] AND medium"  # ~15 %
SMALL_TERM = "generated[all] AND small"  # ~3 %


def big(r: Record) -> bool:
    return r.topic < 0.6


def medium(r: Record) -> bool:
    return r.topic < 0.15


def small(r: Record) -> bool:
    return r.topic < 0.03


_CORPUS: Corpus | None = None


def shared_corpus() -> Corpus:
    """One 20,000-record corpus per test process (generation and rendering are cached)."""
    global _CORPUS
    if _CORPUS is None:
        _CORPUS = Corpus(20_000, seed=7)
    return _CORPUS


def standard_server(**options: Any) -> EutilsServer:
    """A started server over the shared corpus with the three standard queries registered."""
    server = EutilsServer(shared_corpus(), **options)
    server.add_query(BIG_TERM, big)
    server.add_query(MEDIUM_TERM, medium)
    server.add_query(SMALL_TERM, small)
    return server.start()


def max_in_window(times: Iterable[float], window: float = 1.0) -> int:
    """The largest number of timestamps inside any half-open window [t, t + window)."""
    ordered = sorted(times)
    best, j = 0, 0
    for i, start in enumerate(ordered):
        j = max(j, i)
        while j < len(ordered) and ordered[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


def make_client(server: EutilsServer, tmp_path: Path, **options: Any) -> Any:
    """An E-utilities client of the package pointed at ``server``, its pacing state in ``tmp_path``.
    ``options`` are EutilsSettings fields (email, api_key, backoff, retries ...) of the caller."""
    from spinereview.pubmed.eutils import EutilsClient, EutilsSettings

    values = {"base_url": server.url, "rate_state": tmp_path / "rate", "read_timeout": 5.0}
    return EutilsClient(EutilsSettings(**(values | options)))
