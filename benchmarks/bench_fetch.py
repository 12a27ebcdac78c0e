"""Benchmark: the live PubMed client's pace against NCBI's limit, on the loopback E-utilities server.

Run with `.venv/bin/python benchmarks/bench_fetch.py [--records 5000] [--batch-size 50]`. Starts the
test suite's loopback server (tests/eutils_server.py, a generated corpus of ``--records`` records
that writes its own text) and runs the live search (spinereview.pubmed.live.run_live_search with
its EutilsClient) in API-key mode, 10 requests/s, for the "big" query (about 60 % of the corpus),
fetched in batches of ``--batch-size`` so that the run makes enough requests to measure a pace.

The server plays NCBI's rule: a request that is the 11th (API key) within one second of arrival
is answered HTTP 429. Printed: the machine, the requests, the achieved rate (requests after the
first divided by the seconds from the first to the last arrival) as a fraction of the bound, the
most requests in any one-second window, and the number of 429s (the target is zero). Writes
nothing outside a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from eutils_server import (  # noqa: E402 (tests/ is put on the path above)
    BIG_TERM,
    Corpus,
    EutilsServer,
    Fault,
    FaultPlan,
    big,
    max_in_window,
)

from spinereview.pubmed.eutils import EutilsSettings  # noqa: E402
from spinereview.pubmed.live import run_live_search  # noqa: E402

KEY = "bench0123456789abcdef0123456789abcdef"


class RateLimitedPlan(FaultPlan):
    """No faults but NCBI's: more than ``limit`` requests within one second gets HTTP 429."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.arrivals: deque[float] = deque()
        self.refused = 0
        self._rate_lock = threading.Lock()

    def next(self, utility: str) -> tuple[int, Fault | None]:
        number, fault = super().next(utility)
        now = time.monotonic()
        with self._rate_lock:
            while self.arrivals and self.arrivals[0] <= now - 1.0:
                self.arrivals.popleft()
            self.arrivals.append(now)
            if len(self.arrivals) > self.limit:
                self.refused += 1
                return number, Fault("status", utility, frozenset(), status=429, retry_after="1")
        return number, fault


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, load average {load}"
    )


def run_once(records: int, batch_size: int, limit: int) -> dict[str, float]:
    corpus = Corpus(records, seed=11)
    server = EutilsServer(corpus, api_key=KEY)
    server.faults = RateLimitedPlan(limit)
    server.add_query(BIG_TERM, big)
    expected = len(corpus.matching(big))
    with server, tempfile.TemporaryDirectory(prefix="bench-fetch-") as tmp:
        settings = EutilsSettings(
            email="bench@example.org",
            api_key=KEY,
            base_url=server.url,
            batch_size=batch_size,
            rate_state=Path(tmp) / "rate",
        )
        assert settings.requests_per_second == limit
        start = time.perf_counter()
        snapshot = run_live_search(
            [{"id": "big", "term": BIG_TERM}],
            Path(tmp) / "pubmed",
            settings,
            date="2026-01-01",
            show_progress=False,
        )
        wall = time.perf_counter() - start
        fetched = (snapshot / "big.xml").read_bytes().count(b"<PubmedArticle>")
        times = sorted(r.time for r in server.requests())
    span = times[-1] - times[0]
    rate = (len(times) - 1) / span if span > 0 else float("nan")
    return {
        "records": fetched,
        "expected": expected,
        "requests": len(times),
        "esearch": len(server.requests("esearch")),
        "efetch": len(server.requests("efetch")),
        "wall": wall,
        "rate": rate,
        "fraction": rate / limit,
        "max_window": max_in_window(times),
        "refused": server.faults.refused,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5000, help="corpus size (default 5000)")
    parser.add_argument("--batch-size", type=int, default=50, help="efetch batch (default 50)")
    parser.add_argument("--repeat", type=int, default=3, help="runs (default 3; medians shown)")
    args = parser.parse_args(argv)
    limit = 10
    print(f"machine: {machine()}")
    print(
        f"bound: {limit} requests/s (API key); corpus {args.records} records, batch {args.batch_size}"
    )
    runs = []
    for i in range(args.repeat):
        run = run_once(args.records, args.batch_size, limit)
        runs.append(run)
        print(
            f"run {i + 1}: {run['records']}/{run['expected']} records, {run['requests']} requests "
            f"({run['esearch']} esearch, {run['efetch']} efetch) in {run['wall']:.2f} s; "
            f"{run['rate']:.2f} requests/s = {run['fraction']:.3f} of the bound; "
            f"at most {run['max_window']} in any second; 429s: {run['refused']}"
        )
    fraction = statistics.median(r["fraction"] for r in runs)
    refused = sum(r["refused"] for r in runs)
    complete = all(r["records"] == r["expected"] for r in runs)
    print(
        f"median: {statistics.median(r['rate'] for r in runs):.2f} requests/s = {fraction:.3f} of "
        f"the bound; 429s in all runs: {refused} (target 0: {'met' if refused == 0 else 'NOT met'})"
        f"; every record fetched: {'yes' if complete else 'NO'}"
    )
    return 0 if refused == 0 and complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
