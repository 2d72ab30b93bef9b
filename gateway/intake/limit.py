"""How many new applications a gateway process works on at once, and how many may wait their turn.

Why: an application costs a model evaluation with fresh reasons (no stored explanation exists for a new
row) and three Redis writes. Admitted without bound, a burst queues on the event loop and in the
explain service alike: every request in flight, `/score` included, slows down until Redis deadlines
expire and read as "store unavailable". Bounded, the burst waits in a queue of known size for a known
time, and past either the caller hears the truth: busy, retry after a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class IntakeBusyError(RuntimeError):
    """The gateway has as many applications in work and waiting as it takes: retry shortly."""


class IntakeLimit:
    """At most `concurrency` applications in work; up to `queue` more wait, each for `wait_seconds`."""

    def __init__(self, concurrency: int, queue: int, wait_seconds: float) -> None:
        self.concurrency, self.queue, self.wait_seconds = concurrency, queue, wait_seconds
        self._slots = asyncio.Semaphore(concurrency)
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Applications queued for a slot now."""
        return self._waiting

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Hold a slot for the body of the `async with`; IntakeBusyError if the queue is full or too slow."""
        if not self._slots.locked():
            await self._slots.acquire()  # a free slot: taken at once, without yielding to the loop
        else:
            await self._queued()
        try:
            yield
        finally:
            self._slots.release()

    async def _queued(self) -> None:
        """Wait for a slot in the queue, if the queue has room and a slot frees in time."""
        if self._waiting >= self.queue:
            raise IntakeBusyError(f"{self.concurrency} applications in work and {self.queue} waiting")
        self._waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait_seconds)
        except TimeoutError as error:
            raise IntakeBusyError(f"no slot within {self.wait_seconds} s") from error
        finally:
            self._waiting -= 1
