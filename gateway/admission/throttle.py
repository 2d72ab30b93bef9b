"""Moving-window rate limits: the `limits` library's strategy over a storage kept in this process.

Why a moving window: it never admits more than the limit in any span of the window's length, where a
fixed window lets a client send twice the limit across a boundary. Why in memory: a check costs
microseconds and no store to run; the price is that each process counts alone (N replicas would admit
up to N times a limit) and a restart forgets every window. So the gateway counts here only without
Redis (the embedded SQLite store, one process) and to space out its own warnings; with Redis its
limits are shared (gateway.admission.shared_throttle).

Why not `limits`' own MemoryStorage: it expires entries in a timer thread restarted every 10 ms that
takes the same locks as the requests, and `Thread.start()` waits for the new thread to run. Admission
over it, at 300 req/s on the shared 2-core machine, cost 0.2-0.4 ms a request on average and 0.7-4 ms
at p99 (the gateway's whole p99 goal is 15 ms); over this storage 0.1 ms and 0.3 ms. `limits.aio`'s
memory storage hops to a thread per key on each expiry pass, worse still. This one expires lazily, on
the event loop, when a key is touched.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Sequence

from limits import RateLimitItem
from limits.storage import MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter

#: How often keys idle for longer than their window (addresses seen once) are forgotten, seconds.
SWEEP_SECONDS = 10.0


class LoopStorage(Storage, MovingWindowSupport):
    """Moving windows for one thread (the event loop's): per key, its requests' times, oldest first."""

    STORAGE_SCHEME = None  # not registered under a URI: built directly by Throttle

    def __init__(self, sweep_seconds: float = SWEEP_SECONDS) -> None:
        super().__init__()
        self._sweep_seconds = sweep_seconds
        self._windows: dict[str, tuple[float, deque[float]]] = {}  # key -> (window seconds, times)
        self._swept = time.time()

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        now = time.time()
        if now - self._swept >= self._sweep_seconds:
            self._sweep(now)
        times = self._live(key, expiry, now)
        if times is None:
            times = deque()
            self._windows[key] = (expiry, times)
        if len(times) + amount > limit:
            return False
        times.extend([now] * amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        times = self._live(key, expiry, now)
        return (times[0], len(times)) if times else (now, 0)

    def clear(self, key: str) -> None:
        self._windows.pop(key, None)

    def reset(self) -> int:
        count = len(self._windows)
        self._windows.clear()
        return count

    def check(self) -> bool:
        return True

    # Counters are for the fixed and sliding-window strategies, which this storage does not serve.
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("moving windows only")

    def get(self, key: str) -> int:
        raise NotImplementedError("moving windows only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("moving windows only")

    def _live(self, key: str, expiry: int, now: float) -> deque[float] | None:
        """The times of `key`'s requests still in its window (None for a key never seen)."""
        window = self._windows.get(key)
        if window is None:
            return None
        times = window[1]
        while times and times[0] <= now - expiry:
            times.popleft()
        return times

    def _sweep(self, now: float) -> None:
        """Forget the keys whose every request has left the window: memory stays bounded by the keys
        active within a window, however many addresses come and go."""
        self._swept = now
        idle = [
            key for key, (expiry, times) in self._windows.items() if not times or times[-1] <= now - expiry
        ]
        for key in idle:
            del self._windows[key]


class Throttle:
    """Windows per identity (a namespace and a value: ("key", name), ("address", host))."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(LoopStorage())

    def start(self) -> None:
        """Nothing to share: this process's windows are its own (SharedThrottle shares them)."""

    async def close(self) -> None:
        """Nothing to share."""

    def hit(self, windows: Sequence[RateLimitItem], *identity: str) -> int | None:
        """Count one request in each of `identity`'s windows: None if all admit it, else the seconds
        until the first full one frees a slot (the request is then not counted in the later ones)."""
        for window in windows:
            if not self._limiter.hit(window, *identity):
                return self._wait(window, identity)
        return None

    def full(self, window: RateLimitItem, *identity: str) -> int | None:
        """Seconds until `identity`'s full `window` frees a slot, None if it has room (counts nothing)."""
        if self._limiter.test(window, *identity):
            return None
        return self._wait(window, identity)

    def _wait(self, window: RateLimitItem, identity: tuple[str, ...]) -> int:
        # The oldest request in the window leaves it at reset_time: one slot frees then.
        reset = self._limiter.get_window_stats(window, *identity).reset_time
        return max(1, math.ceil(reset - time.time()))
