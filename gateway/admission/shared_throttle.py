"""Rate limits and lockouts that hold across gateway processes and replicas: windows counted in Redis.

Why not one Redis call per request: admission runs before every request, and a round trip costs the
event loop about as much as the rest of admission together. Each process instead counts what it admits
on its own and, every `sync_seconds`, adds those counts to Redis's and reads the totals back, in one
script call for every window it touched. Admission stays a synchronous check in memory (no await, so
two concurrent requests cannot both take a window's last slot in one process); across processes a window
admits at most its limit plus what the others admit within one sync interval (0.1 s by default).

Windows are sliding counters over SLICES slices: a window's count is its last SLICES slices plus the
slice before them, weighted by the share of it still inside the window. Eleven integers per window and
identity, where a moving window keeps a timestamp per request (100,000 of them for "100000/minute").
With two slices (the classic sliding-window counter) requests counted at the end of a window would
start to leave it at once; with ten they stay whole for nine tenths of it: a lockout is not lifted a
second after it began because a minute turned.

When Redis fails, the counts stay here and are added at the next sync that succeeds: each process then
limits on its own, as a single process did before, and one warning is logged per failure streak.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import lru_cache

from limits import RateLimitItem

from credit_features.redis_client import AsyncRedis

log = logging.getLogger(__name__)

#: Every key shares one hash tag, so that the script's keys sit in one slot of a Redis Cluster.
PREFIX = "credit:{throttle}"
#: How often a process shares its counts, seconds: the overshoot bound across processes.
SYNC_SECONDS = 0.1
#: Slices per window: the count's resolution is a tenth of the window.
SLICES = 10

#: KEYS: one per (window, slice); ARGV: per key, what this process adds to it, then the key's lifetime
#: in ms. Answers every key's total after the additions.
_SHARE = """
local totals = {}
for i, key in ipairs(KEYS) do
  local added = tonumber(ARGV[2 * i - 1])
  if added > 0 then
    totals[i] = redis.call('INCRBY', key, added)
    redis.call('PEXPIRE', key, ARGV[2 * i])
  else
    totals[i] = tonumber(redis.call('GET', key) or '0')
  end
end
return totals
"""


@lru_cache(maxsize=4096)
def _window_key(window: RateLimitItem, identity: tuple[str, ...]) -> tuple[str, float]:
    """The window's key and the length of its slices, seconds (kept: admission asks for a few per
    request, always the same ones for a caller)."""
    seconds = float(window.get_expiry())
    return f"{PREFIX}:{':'.join(identity)}:{window.amount}/{int(seconds)}s", seconds / SLICES


class SharedThrottle:
    """Windows per identity (("key", name), ("address", host), ...), shared through Redis."""

    def __init__(
        self,
        client: AsyncRedis,
        sync_seconds: float = SYNC_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self.sync_seconds = sync_seconds
        self._clock = clock
        self._seconds: dict[str, float] = {}  # window key -> the length of its slices
        self._totals: dict[tuple[str, int], int] = {}  # (window key, slice) -> every process's count
        self._pending: defaultdict[tuple[str, int], int] = defaultdict(int)  # counted here, not yet shared
        self._sharing: dict[tuple[str, int], int] = {}  # counted here, on their way to Redis
        self._failing = False
        self._task: asyncio.Task[None] | None = None

    # -- admission (synchronous, in memory) ---------------------------------------------------------

    def hit(self, windows: Sequence[RateLimitItem], *identity: str) -> int | None:
        """Count one request in each of `identity`'s windows if all have room: None then, else the
        seconds until the first full one has room again (nothing is counted)."""
        now = self._clock()
        keys = []
        for window in windows:
            key, seconds = _window_key(window, identity)
            if (wait := self._wait(key, seconds, window.amount, now)) is not None:
                return wait
            keys.append((key, seconds))
        for key, seconds in keys:
            self._seconds[key] = seconds
            self._pending[(key, int(now // seconds))] += 1
        return None

    def full(self, window: RateLimitItem, *identity: str) -> int | None:
        """Seconds until `identity`'s full `window` has room, None if it has room (counts nothing)."""
        key, seconds = _window_key(window, identity)
        self._seconds[key] = seconds  # followed from now on: other processes may be counting it
        return self._wait(key, seconds, window.amount, self._clock())

    def _count(self, key: str, at: int) -> int:
        slot = (key, at)
        return self._totals.get(slot, 0) + self._sharing.get(slot, 0) + self._pending.get(slot, 0)

    def _wait(self, key: str, seconds: float, limit: int, now: float) -> int | None:
        """None if the window has room for one more request now, else the seconds until it has."""
        at = int(now // seconds)
        counts = [self._count(key, at - back) for back in range(SLICES, -1, -1)]  # oldest first
        if sum(counts) < limit:
            return None  # room even with the oldest slice counted whole: the common case, decided here
        elapsed = (now - at * seconds) / seconds  # share of the current slice gone by
        # The count falls as slices slide out: the oldest one gradually over a slice's time, then
        # the next. Room comes back once the slices still inside leave space for one more.
        for ahead in range(SLICES + 1):
            inside = sum(counts[ahead + 1 :])
            leaving = counts[ahead]
            if inside + 1 > limit + 1e-9:  # a float's error is no request
                continue
            gone = 1 - (limit - inside - 1) / leaving if leaving else 0.0
            if ahead == 0 and gone <= elapsed + 1e-9:
                return None
            return max(1, math.ceil((at + ahead + max(gone, 0.0)) * seconds - now))
        raise AssertionError("a window is empty once every slice has left it")

    # -- sharing (in the background) --------------------------------------------------------------

    async def sync(self) -> None:
        """Add this process's counts to Redis and read back every live window's totals."""
        now = self._clock()
        self._sharing, self._pending = self._pending, defaultdict(int)
        wanted: dict[tuple[str, int], int] = dict(self._sharing)
        for key, seconds in self._seconds.items():
            at = int(now // seconds)
            for back in range(SLICES + 1):
                wanted.setdefault((key, at - back), 0)
        if not wanted:
            return
        names = [f"{key}:{at}" for key, at in wanted]
        # Kept while inside a window, plus a slice and a second of margin.
        lifetimes = [int(self._seconds[key] * (SLICES + 2) * 1000) + 1000 for key, _ in wanted]
        arguments = [value for pair in zip(wanted.values(), lifetimes, strict=True) for value in pair]
        try:
            # EVAL: a replica promoted by a failover has no script cache (NOSCRIPT to an EVALSHA).
            totals = await self._client.eval(_SHARE, len(names), *names, *arguments)
        except Exception as error:
            # Not only RedisErrors (see credit_features.store_failures): one escaping would end the
            # sharing task silently.
            for slot, added in self._sharing.items():
                self._pending[slot] += added
            self._sharing = {}
            if not self._failing:
                log.warning("rate-limit counts not shared: Redis failed", extra={"error": str(error)})
            self._failing = True
            return
        if self._failing:
            log.info("rate-limit counts shared again")
        self._failing = False
        self._totals = {slot: int(total) for slot, total in zip(wanted, totals, strict=True)}
        self._sharing = {}  # now inside the totals
        self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop the windows with nothing counted in any live slice: memory stays bounded by the
        identities active within a window, however many addresses come and go."""
        for key, seconds in list(self._seconds.items()):
            at = int(now // seconds)
            if not any(self._count(key, at - back) for back in range(SLICES + 1)):
                del self._seconds[key]
        self._totals = {slot: total for slot, total in self._totals.items() if slot[0] in self._seconds}

    async def _sync_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sync_seconds)
            await self.sync()

    def start(self) -> None:
        """Share counts every `sync_seconds` from now on (on the running event loop)."""
        self._task = asyncio.get_running_loop().create_task(self._sync_forever())

    async def close(self) -> None:
        """Stop sharing, after a last sync of what was counted here."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.sync()
        await self._client.aclose()
