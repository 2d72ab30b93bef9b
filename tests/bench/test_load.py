"""The load generator: percentiles, the mixes' order, and the HTTP client against a real asyncio server."""

from __future__ import annotations

import asyncio
import gc
import itertools
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from bench.latency import percentile, summarise
from bench.load import HttpPool, cold_mix, run_step, warm_mix


@pytest.mark.unit
def test_percentile_is_an_observed_value_by_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 100 .. 1, unsorted on purpose
    assert percentile(values, 50) == 50.0, "half the values are <= 50"
    assert percentile(values, 99) == 99.0, "99 values are <= 99"
    assert percentile(values, 100) == 100.0, "p100 is the maximum"
    assert percentile([3.0, 1.0, 2.0], 99) == 3.0, "few values: p99 is the worst one, never interpolated"
    assert percentile([7.0], 50) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


@pytest.mark.unit
def test_summary_in_milliseconds() -> None:
    summary = summarise([0.001 * k for k in range(1, 1001)])  # 1 .. 1000 ms
    assert summary == {"count": 1000, "p50_ms": 500.0, "p90_ms": 900.0, "p99_ms": 990.0, "max_ms": 1000.0}


@pytest.mark.unit
def test_cold_mix_sends_every_client_once_before_any_repeat() -> None:
    ids = list(range(1000, 1300))
    order = list(itertools.islice(cold_mix(ids, random.Random(1)), 3 * len(ids) + 10))
    for cycle in range(3):
        block = order[cycle * len(ids) : (cycle + 1) * len(ids)]
        assert sorted(block) == ids, f"cycle {cycle} holds every client exactly once"
    assert order[: len(ids)] != ids, "the order is shuffled, not the given order"
    assert order[: len(ids)] != order[len(ids) : 2 * len(ids)], "each cycle is shuffled anew"
    assert set(order[3 * len(ids) :]) <= set(ids)


@pytest.mark.unit
def test_warm_mix_reopens_recent_clients_at_the_given_share() -> None:
    ids = list(range(5000))
    order = list(itertools.islice(warm_mix(ids, random.Random(2), hot_share=0.8, recent=20), 20_000))
    opened: list[int] = []
    repeats = 0
    for client in order:
        if client in opened[-20:]:
            repeats += 1
        else:
            assert client not in opened, "a client not among the recent ones is a new client (cold order)"
            opened.append(client)
    assert 0.78 < repeats / len(order) < 0.82, f"about 80% of requests reopen a recent client: {repeats}"
    assert len(opened) == len(order) - repeats


@dataclass
class TinyServer:
    """A real HTTP/1.1 server on a loopback port whose answers a test chooses."""

    answer: Callable[[int], bytes]
    delay: float = 0.0
    connections: int = 0
    active: int = 0
    most_active: int = 0
    requests: list[bytes] = field(default_factory=list)
    close_after_answer: bool = False
    served: list[int] = field(default_factory=list)  # requests answered, per connection in accept order

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        connection = len(self.served)
        self.served.append(0)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                self.requests.append(head)
                self.served[connection] += 1
                self.active += 1
                self.most_active = max(self.most_active, self.active)
                await asyncio.sleep(self.delay)
                self.active -= 1
                writer.write(self.answer(len(self.requests)))
                await writer.drain()
                if self.close_after_answer:
                    return
        finally:
            writer.close()


def ok(body: bytes = b'{"ok":true}', status: str = "200 OK") -> bytes:
    return b"HTTP/1.1 " + status.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body


@asynccontextmanager
async def serving(server: TinyServer) -> AsyncIterator[int]:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    async with listener:
        yield listener.sockets[0].getsockname()[1]


@pytest.mark.integration
def test_client_reads_answers_and_keeps_one_connection_alive() -> None:
    server = TinyServer(lambda n: ok(b"body-%d" % n))

    async def scenario() -> list[bytes]:
        async with serving(server) as port:
            pool = HttpPool("127.0.0.1", port, {"X-API-Key": "k"})
            answers = [await pool.get(f"/v1/clients/{i}/score") for i in range(5)]
            await pool.close()
            return [a.body for a in answers]

    assert asyncio.run(scenario()) == [b"body-%d" % n for n in range(1, 6)]
    assert server.connections == 1, "sequential requests reuse one kept-alive connection"
    assert server.requests[2].startswith(b"GET /v1/clients/2/score HTTP/1.1\r\n")
    assert b"\r\nX-API-Key: k\r\n" in server.requests[2]


@pytest.mark.integration
def test_opened_connections_take_requests_in_turn() -> None:
    """Requests go round the open connections (as many clients' would), not down the latest one."""
    server = TinyServer(lambda n: ok())

    async def scenario() -> HttpPool:
        async with serving(server) as port:
            pool = HttpPool("127.0.0.1", port, cap=6)
            await pool.open(4)
            await pool.open(3)  # already open: nothing more
            for _ in range(12):
                assert (await pool.get("/")).status == 200
            await pool.close()
            await pool.open(10)  # capped
            await pool.close()
            return pool

    pool = asyncio.run(scenario())
    assert server.served[:4] == [3, 3, 3, 3], "sequential requests rotate over the four open connections"
    assert pool.opened == 4 + 6, "open() tops the pool up to its argument, at most to the cap"


@pytest.mark.integration
def test_a_step_freezes_what_the_generator_held_before_it_and_thaws_it_after() -> None:
    """A full collection of the generator's objects would pause every answer in flight mid-step."""
    frozen: list[int] = []
    server = TinyServer(lambda n: frozen.append(gc.get_freeze_count()) or ok())
    held = [object() for _ in range(1000)]  # what the generator holds before the step

    async def scenario() -> None:
        async with serving(server) as port:
            await run_step(HttpPool("127.0.0.1", port), ["/"] * 5, rate=200, seconds=0.025)

    asyncio.run(scenario())
    assert len(frozen) == 5, "every request was answered"
    assert min(frozen) >= len(held), "everything alive at the start is frozen"
    assert gc.get_freeze_count() == 0, "and thawed once the step ends"


@pytest.mark.integration
def test_a_step_holds_only_its_requests_in_flight() -> None:
    """Tens of thousands of finished requests held to the step's end made each full collection of the
    generator a pause of tens of ms mid-step (27 ms seen at 600 req/s), counted as the product's latency."""
    alive: list[int] = []

    def answer(n: int) -> bytes:
        if n == 300:  # the step's last request has arrived (answers that follow see it too)
            alive.append(request_tasks_alive())
        return ok()

    server = TinyServer(answer)

    async def scenario() -> dict:
        async with serving(server) as port:
            return (await run_step(HttpPool("127.0.0.1", port), ["/"] * 300, rate=3000, seconds=0.1)).row()

    row = asyncio.run(scenario())
    assert row["ok"] == row["sent"] == 300, "every request was sent and answered"
    assert alive, "the tasks were counted once the last request arrived"
    assert max(alive) < 30, f"finished requests are let go during the step: {max(alive)} tasks alive"


def request_tasks_alive() -> int:
    """The step's request tasks, finished or not, that something still holds: those of the running
    loop only, for the process may hold tasks of earlier tests (CI's pytest worker held 495)."""
    loop = asyncio.get_running_loop()
    return sum(
        isinstance(o, asyncio.Task)
        and o.get_loop() is loop
        and getattr(o.get_coro(), "__qualname__", "") == "_run_step.<locals>.one"
        for o in gc.get_objects()
    )


@pytest.mark.integration
def test_pool_grows_when_every_connection_is_busy_up_to_its_cap() -> None:
    server = TinyServer(lambda n: ok(), delay=0.05)

    async def scenario(cap: int) -> HttpPool:
        async with serving(server) as port:
            pool = HttpPool("127.0.0.1", port, cap=cap)
            answers = await asyncio.gather(*(pool.get("/") for _ in range(10)))
            assert all(a.status == 200 for a in answers)
            await pool.close()
            return pool

    pool = asyncio.run(scenario(cap=4))
    assert server.most_active == 4, "never more requests in flight than the cap"
    assert pool.most_open == 4
    assert pool.waits == 6, "the 6 requests beyond the cap waited for a free connection"
    assert server.connections == 4, "waiting requests reuse freed connections"


@pytest.mark.integration
def test_connection_closed_by_the_server_while_idle_is_replaced_once() -> None:
    server = TinyServer(lambda n: ok(), close_after_answer=True)

    async def scenario() -> HttpPool:
        async with serving(server) as port:
            pool = HttpPool("127.0.0.1", port)
            for _ in range(3):
                assert (await pool.get("/")).status == 200
                await asyncio.sleep(0.05)  # the server's close reaches the idle connection
            return pool

    pool = asyncio.run(scenario())
    assert pool.stale_retries == 2, "the 2nd and 3rd requests found their kept-alive connection closed"
    assert server.connections == 3


@pytest.mark.integration
def test_step_counts_every_kind_of_error() -> None:
    answers = {
        1: ok(status="503 Service Unavailable"),
        2: ok(b'{"explanation_available":false}'),
        3: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    }
    server = TinyServer(lambda n: answers.get(n, ok(b'{"explanation_available":true}')))

    def check(body: bytes) -> str | None:
        return None if b'"explanation_available":true' in body else "no_explanation"

    async def scenario() -> dict:
        async with serving(server) as port:
            pool = HttpPool("127.0.0.1", port, cap=1)  # one connection: answers come in request order
            row = (await run_step(pool, ["/"] * 10, rate=100, seconds=0.1, check=check)).row()
            await pool.close()
            return row

    row = asyncio.run(scenario())
    assert row["errors_by_kind"] == {"http_503": 1, "no_explanation": 1, "protocol": 1}
    assert row["ok"] == 7
    assert row["sent"] == 10


@pytest.mark.integration
def test_refused_connections_and_timeouts_are_errors() -> None:
    async def refused() -> dict:
        listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        listener.close()
        await listener.wait_closed()
        return (await run_step(HttpPool("127.0.0.1", port), ["/"] * 3, rate=100, seconds=0.03)).row()

    async def slow() -> dict:
        async with serving(TinyServer(lambda n: ok(), delay=1.0)) as port:
            pool = HttpPool("127.0.0.1", port)
            return (await run_step(pool, ["/"] * 2, rate=100, seconds=0.02, timeout=0.1)).row()

    assert asyncio.run(refused())["errors_by_kind"] == {"connection": 3}
    row = asyncio.run(slow())
    assert row["errors_by_kind"] == {"timeout": 2}
    assert row["max_ms"] >= 100, "a timed-out request keeps its latency in the tail"


@pytest.mark.integration
def test_open_loop_latency_counts_queueing_from_the_due_time() -> None:
    """One connection, 20 ms per answer, a request due every 10 ms: the queue grows, and shows."""
    server = TinyServer(lambda n: ok(), delay=0.02)

    async def scenario() -> dict:
        async with serving(server) as port:
            pool = HttpPool("127.0.0.1", port, cap=1)
            row = (await run_step(pool, ["/"] * 50, rate=100, seconds=0.5)).row()
            await pool.close()
            return row

    row = asyncio.run(scenario())
    assert row["sent"] == 50
    assert row["send_rps"] > 95, "the generator kept its schedule although answers came late"
    assert row["lag_p99_ms"] < 50, "requests started on time (give or take a busy machine's scheduling)"
    # Request k waits for k earlier answers of 20 ms but was due at 10 k ms: the last is ~500 ms late.
    assert row["max_ms"] > 400, f"queueing is in the latency: {row}"
    assert row["achieved_rps"] < 55, "the server could answer only 50 requests per second"
