"""Request pacing shared by every process of a run: a file lock around a shared timestamp."""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

#: NCBI's published limits: "no more than 3 requests per second" without an API key, 10 with one.
NCBI_RATE_WITHOUT_KEY = 3
NCBI_RATE_WITH_KEY = 10

#: Spacing between request starts is 1/rate plus this fraction of it. NCBI counts requests as they
#: *arrive*; scheduling and connection set-up can shift two sends towards each other, so spacing
#: exactly 1/rate apart lets a fourth request fall inside one second now and then. Biopython found
#: 0.333 s "sometimes hit the NCBI rate limit" and uses 0.37 s; 11 % margin gives 0.37 s at 3/s
#: and 0.11 s at 10/s.
SPACING_MARGIN = 0.11

#: A recorded "next allowed" time further ahead than this is stale (a clock jump, a file from an
#: earlier boot) and is ignored instead of stalling every process. No legitimate wait is longer:
#: pacing waits under a second and Retry-After waits are capped by the client's settings.
MAX_PLAUSIBLE_WAIT = 600.0


def default_state_path() -> Path:
    """The limiter file shared by every run of this user on this host.

    NCBI applies its limit per IP address (or per API key), so the widest local scope is the
    right one: two runs started side by side share the budget instead of doubling it.
    """
    return Path(tempfile.gettempdir()) / f"spinereview-eutils-{os.getuid()}.rate"


def requests_per_second(has_api_key: bool) -> int:
    """NCBI's limit for a client with or without an API key."""
    return NCBI_RATE_WITH_KEY if has_api_key else NCBI_RATE_WITHOUT_KEY


class SharedRateLimiter:
    """Space request starts at least ``(1 + SPACING_MARGIN) / rate`` seconds apart, across processes.

    The state is one small file holding the earliest wall-clock time at which the next request may
    start. ``acquire`` takes an exclusive ``fcntl.flock`` on it, sleeps until that time *while
    holding the lock* (so waiting processes queue up behind it instead of racing), writes the next
    slot and releases. Any number of processes and threads that use the same path share one
    budget. Wall-clock time is used because the file may outlive a boot, where a monotonic clock
    would be meaningless; implausible values are ignored (see MAX_PLAUSIBLE_WAIT).
    """

    def __init__(
        self,
        rate: float,
        path: str | Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        self.rate = rate
        self.interval = (1.0 + SPACING_MARGIN) / rate
        self.path = Path(path) if path is not None else default_state_path()
        self._clock = clock
        self._sleep = sleep
        self._thread_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SharedRateLimiter(rate={self.rate!r}, path={str(self.path)!r})"

    def acquire(self) -> None:
        """Block until this process may start a request, and claim that slot."""
        self._update(lambda now, slot: max(now, slot), self.interval)

    def defer(self, seconds: float) -> None:
        """Hold back every process sharing the file for ``seconds`` (after HTTP 429 or 5xx)."""
        self._update(None, seconds)

    def _update(self, take: Callable[[float, float], float] | None, gap: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.path, "a+", encoding="ascii") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                slot = self._read(handle)
                now = self._clock()
                if take is None:  # defer: push the next slot back, never forward
                    next_slot = max(slot, now + gap)
                else:
                    start = take(now, slot)
                    if start > now:
                        self._sleep(start - now)
                    next_slot = max(self._clock(), start) + gap
                handle.seek(0)
                handle.truncate()
                handle.write(f"{next_slot:.6f}\n")
                handle.flush()
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _read(self, handle) -> float:
        handle.seek(0)
        text = handle.read().strip()
        try:
            slot = float(text) if text else 0.0
        except ValueError:
            return 0.0  # a damaged file only costs one unpaced slot, never a hang
        if slot - self._clock() > MAX_PLAUSIBLE_WAIT:
            return 0.0
        return slot
