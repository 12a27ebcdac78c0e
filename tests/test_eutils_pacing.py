"""Pacing is a correctness property: the server never sees more than NCBI's limit in one second,
also when several processes share the limiter, and a 429 holds back every process."""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path

import pytest
from eutils_server import SMALL_TERM, max_in_window, standard_server

from spinereview.pubmed.eutils import EutilsClient, EutilsSettings, esearch
from spinereview.pubmed.ratelimit import MAX_PLAUSIBLE_WAIT, SharedRateLimiter

KEY = "pacing-test-key-0001"


class _LongestJitter(random.Random):
    """Full jitter that always draws its upper bound, so a backoff has a known length."""

    def uniform(self, a: float, b: float) -> float:
        return b


def _worker(
    base_url: str,
    rate_state: str,
    api_key: str | None,
    requests: int,
    backoff: float | None = None,
) -> None:
    """One process of a parallel run: its own client, the shared limiter file. ``backoff`` fixes
    every backoff at that many seconds (else 0-0.01 s)."""
    settings = EutilsSettings(
        email="reviewer@example.org",
        api_key=api_key,
        base_url=base_url,
        rate_state=Path(rate_state),
        backoff_base=backoff or 0.01,
        backoff_max=backoff or 120.0,
    )
    client = EutilsClient(settings, rng=_LongestJitter() if backoff else None)
    for _ in range(requests):
        esearch(client, SMALL_TERM)


def _run_parallel(
    base_url: str,
    rate_state: Path,
    api_key: str | None,
    per_process: int,
    *,
    shared: bool = True,
    backoff: float | None = None,
) -> None:
    context = multiprocessing.get_context("spawn")  # no fork of a process running a server thread
    states = [rate_state if shared else rate_state.with_suffix(f".{i}") for i in range(3)]
    processes = [
        context.Process(target=_worker, args=(base_url, str(state), api_key, per_process, backoff))
        for state in states
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0, 0, 0]


@pytest.mark.parametrize(("api_key", "limit", "per_process"), [(None, 3, 3), (KEY, 10, 8)])
def test_parallel_processes_share_the_limit(
    tmp_path: Path, api_key: str | None, limit: int, per_process: int
) -> None:
    with standard_server() as server:
        _run_parallel(server.url, tmp_path / "rate", api_key, per_process)
        times = [r.time for r in server.requests()]
    assert len(times) == 3 * per_process
    assert max_in_window(times) <= limit


def test_the_pacing_check_catches_unshared_limiters(tmp_path: Path) -> None:
    """Control: three processes with a limiter file each do exceed the limit, so the check above
    is able to fail."""
    with standard_server() as server:
        _run_parallel(server.url, tmp_path / "rate", KEY, 8, shared=False)
        times = [r.time for r in server.requests()]
    assert max_in_window(times) > 10


def test_a_single_client_keeps_three_per_second(tmp_path: Path) -> None:
    with standard_server() as server:
        _worker(server.url, str(tmp_path / "rate"), None, 6)
        times = [r.time for r in server.requests()]
    assert len(times) == 6 and max_in_window(times) <= 3


def test_retry_after_holds_back_other_processes(tmp_path: Path) -> None:
    """A 429 seen by one client defers the shared slot, so the next request of *any* process
    waits for Retry-After too. Requests other processes had already claimed before the 429
    answer arrived may still go out (at most one per other process); nothing else does."""
    with standard_server() as server:
        server.faults.add("status", "esearch", at=[1], status=429, retry_after="1")
        _run_parallel(server.url, tmp_path / "rate", KEY, 2)
        times = sorted(r.time for r in server.requests())
    assert len(times) == 7
    during_pause = [t for t in times[1:] if t - times[0] < 0.95]
    assert len(during_pause) <= 2, [round(t - times[0], 3) for t in times]
    assert times[-1] - times[0] >= 1.0


def test_a_5xx_backoff_holds_back_other_processes(tmp_path: Path) -> None:
    """A server in trouble sees every client back off: the 503 one process receives defers the
    shared slot by its backoff (fixed at 1 s here), as a 429 does. Before, only the process that
    got the 503 paused and the other two went on sending (4 requests inside that second)."""
    with standard_server() as server:
        server.faults.add("status", "esearch", at=[1], status=503)
        _run_parallel(server.url, tmp_path / "rate", KEY, 2, backoff=1.0)
        requests = server.requests()
    assert len(requests) == 7
    (failed,) = [r.time for r in requests if r.fault == "status"]
    later = sorted(r.time - failed for r in requests if r.time > failed)
    during_pause = [t for t in later if t < 0.95]
    assert len(during_pause) <= 2, [round(t, 3) for t in later]
    assert later[-1] >= 1.0


def test_limiter_ignores_a_stale_or_damaged_state_file(tmp_path: Path) -> None:
    slept: list[float] = []
    now = [1_000.0]
    limiter = SharedRateLimiter(
        3, tmp_path / "rate", clock=lambda: now[0], sleep=lambda s: slept.append(s)
    )
    (tmp_path / "rate").write_text(f"{now[0] + MAX_PLAUSIBLE_WAIT + 1}\n")
    limiter.acquire()
    (tmp_path / "rate").write_text("garbage\n")
    limiter.acquire()
    assert slept == []
    limiter.acquire()  # now the slot written by the last acquire applies
    assert slept == [pytest.approx(limiter.interval)]
    assert limiter.interval == pytest.approx(0.37)
    assert SharedRateLimiter(10, tmp_path / "r2").interval == pytest.approx(0.111)


def test_defer_never_brings_the_next_slot_forward(tmp_path: Path) -> None:
    now = [50.0]
    slept: list[float] = []
    limiter = SharedRateLimiter(
        10, tmp_path / "rate", clock=lambda: now[0], sleep=lambda s: slept.append(s)
    )
    limiter.defer(5.0)
    limiter.defer(1.0)
    limiter.acquire()
    assert slept == [pytest.approx(5.0)]
