"""The intake's slots and queue: a burst waits its turn in order; past the queue or the wait, busy."""

from __future__ import annotations

import asyncio

import pytest

from gateway.intake.limit import IntakeBusyError, IntakeLimit
from tests.async_run import run_coroutine

pytestmark = pytest.mark.unit


async def _burst(limit: IntakeLimit, size: int, work_seconds: float) -> tuple[int, int, int]:
    """(admitted, refused, the most in work at once) for `size` applications arriving together."""
    in_work = peak = 0

    async def one() -> bool:
        nonlocal in_work, peak
        try:
            async with limit.admitted():
                in_work += 1
                peak = max(peak, in_work)
                await asyncio.sleep(work_seconds)
                in_work -= 1
                return True
        except IntakeBusyError:
            return False

    results = await asyncio.gather(*(one() for _ in range(size)))
    return sum(results), results.count(False), peak


def test_a_burst_within_slots_and_queue_is_admitted_a_few_at_a_time() -> None:
    limit = IntakeLimit(concurrency=4, queue=96, wait_seconds=5.0)
    admitted, refused, peak = run_coroutine(_burst(limit, 100, 0.005))
    assert (admitted, refused) == (100, 0), "100 applications = 4 in work + 96 waiting: all admitted"
    assert peak == 4, "never more in work than the slots"
    assert limit.waiting == 0, "nobody left waiting"


def test_beyond_the_queue_the_rest_are_refused_at_once() -> None:
    limit = IntakeLimit(concurrency=2, queue=3, wait_seconds=5.0)
    admitted, refused, _ = run_coroutine(_burst(limit, 10, 0.01))
    assert (admitted, refused) == (5, 5), "2 in work + 3 waiting; the other 5 hear 'busy'"


def test_a_wait_longer_than_allowed_is_refused_and_frees_its_place() -> None:
    limit = IntakeLimit(concurrency=1, queue=10, wait_seconds=0.05)
    admitted, refused, _ = run_coroutine(_burst(limit, 3, 0.2))
    assert (admitted, refused) == (1, 2), "the two behind a 0.2 s application give up after 0.05 s"
    assert limit.waiting == 0, "a refused wait leaves the queue"
    admitted_after, _, _ = run_coroutine(_burst(limit, 1, 0.0))
    assert admitted_after == 1, "the slot is free again"
