"""Rate limits and lockouts shared by gateway processes through a real Redis: what one process admits
counts against the others after a sync, a window slides, and a failing Redis leaves each process
limiting on its own without losing its counts."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterator

import pytest
import redis
import redis.asyncio
from fastapi import FastAPI
from fastapi.testclient import TestClient
from limits import RateLimitItemPerMinute
from redis.backoff import NoBackoff
from redis.retry import Retry

from gateway.admission import middleware as admission
from gateway.admission.auth import KeyEntry, hash_key
from gateway.admission.shared_throttle import PREFIX, SharedThrottle
from gateway.api.deps import Advisor
from gateway.settings import GatewaySettings
from tests.async_run import run_coroutine
from tests.conftest import TEST_REDIS_DB

pytestmark = pytest.mark.integration

HOST = os.environ.get("REDIS_HOST", "127.0.0.1")
TWENTY_A_MINUTE = RateLimitItemPerMinute(20)
ADVISOR_KEY = "advisor-key"


@pytest.fixture(autouse=True)
def no_counts_left() -> Iterator[None]:
    """Each test starts, and leaves Redis, without any throttle key."""
    store = redis.Redis(host=HOST, db=TEST_REDIS_DB)

    def clear() -> None:
        for key in store.scan_iter(f"{PREFIX}:*"):
            store.delete(key)

    clear()
    yield
    clear()


class Clock:
    """A time the test moves: buckets and slides happen when the test says."""

    def __init__(self, now: float = 60 * 16_667 + 20.0) -> None:  # 20 s into a minute
        self.now = now

    def __call__(self) -> float:
        return self.now


def throttle(clock: Callable[[], float] = time.time, port: int = 6379) -> SharedThrottle:
    """A process's throttle over a client that gives up quickly, as the gateway's does."""
    client = redis.asyncio.Redis(
        host=HOST, port=port, db=TEST_REDIS_DB, socket_timeout=0.25, socket_connect_timeout=0.25,
        retry=Retry(NoBackoff(), retries=0),
    )  # fmt: skip
    return SharedThrottle(client, clock=clock)


def sync(*throttles: SharedThrottle) -> None:
    async def all_of_them() -> None:
        for each in throttles:
            await each.sync()
        for each in throttles:
            await each._client.aclose()  # its connections belong to this loop, which ends here

    run_coroutine(all_of_them())


def admitted(throttle: SharedThrottle, count: int, *identity: str) -> int:
    return sum(throttle.hit((TWENTY_A_MINUTE,), *identity) is None for _ in range(count))


def test_what_one_process_admits_counts_against_the_other_after_a_sync() -> None:
    clock = Clock()
    first, second = throttle(clock), throttle(clock)
    # given the second process has admitted one request of a key allowed 20 a minute
    assert admitted(second, 1, "key", "ui") == 1
    # when the first admits 15 of it, and both sync
    assert admitted(first, 15, "key", "ui") == 15
    sync(first, second)
    # then the second admits only the 4 left, and says when the window has room again
    assert admitted(second, 10, "key", "ui") == 4
    wait = second.hit((TWENTY_A_MINUTE,), "key", "ui")
    assert wait is not None
    assert 1 <= wait <= 60, f"once the oldest slice has left, within the window: {wait}"
    # and after the second's sync the first knows the window is full too
    sync(second, first)
    assert first.hit((TWENTY_A_MINUTE,), "key", "ui") is not None
    # while another identity has its own window
    assert admitted(first, 20, "key", "batch") == 20


def test_a_lockout_counted_in_one_process_holds_in_another() -> None:
    clock = Clock()
    first, second = throttle(clock), throttle(clock)
    three = RateLimitItemPerMinute(3)
    # given the second process has seen the address (its lockout window is followed from then on)
    assert second.full(three, "auth-failures", "10.0.0.9") is None
    # when the first counts three wrong keys from it and both sync
    for _ in range(3):
        assert first.hit((three,), "auth-failures", "10.0.0.9") is None
    sync(first, second)
    # then the second refuses the address too
    assert second.full(three, "auth-failures", "10.0.0.9") is not None


def test_requests_stay_counted_nine_tenths_of_a_window_then_slide_out() -> None:
    clock = Clock(now=60 * 20_000 + 59.0)  # the last second of a minute
    process = throttle(clock)
    assert admitted(process, 20, "address", "a") == 20
    # a minute's turn frees nothing: 15 s later the 20 are all still inside the window
    clock.now += 15
    assert admitted(process, 5, "address", "a") == 0
    # they leave with their slice (54-60 s), as it slides out over 114-120 s: one slot at 114.3 s
    wait = process.hit((TWENTY_A_MINUTE,), "address", "a")
    assert wait == 41, f"from 74 s to 114.3 s: {wait}"
    clock.now += wait
    # at 115 s a sixth of that slice has left: 20 x 5/6 = 16.7 still count, 3 slots are free
    assert admitted(process, 5, "address", "a") == 3
    # and once the slice has left, the window holds only the 3 just admitted
    clock.now += 6
    assert admitted(process, 25, "address", "a") == 17


def test_counts_on_their_way_to_redis_still_count() -> None:
    async def hit_during_a_sync() -> int | None:
        process = throttle()
        assert admitted(process, 20, "key", "ui") == 20
        sharing = asyncio.create_task(process.sync())
        await asyncio.sleep(0)  # the sync has taken the counts and waits for Redis's answer
        refused = process.hit((TWENTY_A_MINUTE,), "key", "ui")
        await sharing
        await process._client.aclose()
        return refused

    assert run_coroutine(hit_during_a_sync()) is not None, "the window was full while its counts travelled"


def test_counts_reach_redis_and_idle_windows_are_forgotten() -> None:
    clock = Clock()
    process = throttle(clock)
    admitted(process, 4, "address", "b")
    sync(process)
    store = redis.Redis(host=HOST, db=TEST_REDIS_DB)
    (key,) = list(store.scan_iter(f"{PREFIX}:address:b:*"))
    assert int(store.get(key) or 0) == 4
    assert 60 < store.pttl(key) / 1000 <= 73, "kept a window, a slice and a second, then gone"
    # two minutes on, nothing is left in either bucket: the window is no longer followed
    clock.now += 120
    sync(process)
    assert process._seconds == {}, process._seconds


def test_a_failing_redis_leaves_each_process_limiting_alone_and_keeps_its_counts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    process = throttle(clock, port=1)  # nothing listens there
    assert admitted(process, 12, "key", "ui") == 12
    with caplog.at_level(logging.WARNING, logger="gateway.admission.shared_throttle"):
        sync(process)
        sync(process)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, "one warning per failure streak"
    # the 12 are still counted here: 8 more, not 20
    assert admitted(process, 20, "key", "ui") == 8


def test_two_gateways_share_a_lockout_through_the_middleware() -> None:
    """The admission middleware over the shared throttle: wrong keys at one gateway lock the address
    out at the other."""
    keys = {hash_key(ADVISOR_KEY): KeyEntry(name="ui", roles=["advisor"])}
    settings = GatewaySettings(api_keys=keys, auth_failures_per_minute=3)
    gateways = []
    for _ in range(2):
        app = FastAPI()
        counts = throttle()
        admission.install(app, settings, counts)

        @app.get("/v1/whoami")
        async def whoami(caller: Advisor) -> dict[str, str]:
            return {"name": caller.name}

        gateways.append((app, counts))
    (first, first_counts), (second, second_counts) = gateways
    with (
        TestClient(first, client=("10.0.0.7", 1)) as at_first,
        TestClient(second, client=("10.0.0.7", 1)) as at_second,
    ):
        assert at_second.get("/v1/whoami", headers={"X-API-Key": ADVISOR_KEY}).status_code == 200
        guesses = [at_first.get("/v1/whoami", headers={"X-API-Key": f"guess-{i}"}) for i in range(3)]
        at_first.portal.call(first_counts.sync)
        at_second.portal.call(second_counts.sync)
        right = at_second.get("/v1/whoami", headers={"X-API-Key": ADVISOR_KEY})
        at_first.portal.call(first_counts.close)
        at_second.portal.call(second_counts.close)
    assert [g.status_code for g in guesses] == [401] * 3
    assert right.status_code == 429, f"locked out at the other gateway: {right.status_code} {right.text}"
    assert "failed authentications" in right.json()["detail"]
