"""Open-loop HTTP load that costs the machine little: a bare asyncio HTTP/1.1 client and a scheduler.

Why not httpx: on a 2-core machine shared with the product, a load generator's own CPU is taken from
the product it measures; at 200 req/s against a trivial server, httpx's AsyncClient used 0.43 cores
and the few lines below 0.08, a difference enough to fake a capacity limit. So this module keeps a
pool of persistent connections to one loopback address, writes one GET per request and reads a
Content-Length body (the gateway always sends one; anything else is reported as a protocol error,
never guessed at).

Open loop: request k is due at start + k/rate whatever happened to the previous ones, and its latency
is measured from that due time, so neither a late generator nor queueing (in the product or in the
pool) is ever hidden. The generator reports how late each request started (dispatch lag) and its own
CPU use, so that it can be ruled out as the bottleneck.

The workloads ("mixes") are endless sequences of client ids: cold (every client once, shuffled, before
any repeat) and warm (advisors reopening clients they opened a moment ago).
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.latency import summarise

#: A check of a 200 answer's body: None when it is what the caller wanted, else an error kind.
BodyCheck = Callable[[bytes], str | None]


class ProtocolError(Exception):
    """An answer this client does not read (no Content-Length, chunked, malformed)."""


@dataclass(frozen=True)
class Response:
    """Status, lower-cased headers and body of one answer."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Call:
    """One request of a workload: a method, a path and, for a POST, a JSON body."""

    method: str
    path: str
    body: bytes = b""

    def encode(self, head: bytes) -> bytes:
        """The request's bytes, with the pool's `head` (host and headers, ending in a blank line)."""
        start = f"{self.method} {self.path} HTTP/1.1\r\n".encode("latin-1")
        if not self.body:
            return start + head
        body_headers = f"Content-Type: application/json\r\nContent-Length: {len(self.body)}\r\n"
        return start + body_headers.encode("latin-1") + head + self.body


class _Connection:
    """One persistent HTTP/1.1 connection; `used` says whether it answered before (so may be stale)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = False
        self.reusable = True
        self.closed = False

    async def exchange(self, request: bytes) -> Response:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head[:-4].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line {lines[0]!r}")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length", "")
        if not length.isdigit() or "transfer-encoding" in headers:
            raise ProtocolError("answer without a Content-Length")
        body = await self.reader.readexactly(int(length))
        self.used = True
        self.reusable = headers.get("connection", "").lower() != "close"
        return Response(int(parts[1]), headers, body)

    def close(self) -> None:
        self.closed = True
        self.writer.close()


class HttpPool:
    """Persistent connections to one host:port, opened when all are busy, up to `cap` at once.

    A request that finds all `cap` connections busy waits for the next one freed (first come, first
    served); its latency, counted from its due time, includes that wait.

    Requests take the idle connection used least recently, so they go round every open connection,
    as those of many clients would. A server of several processes sharing its port (SO_REUSEPORT)
    balances connections, not requests: a pool that reused its latest connection sent nearly every
    request down one or two of them, to one process, while the other idled (seen at 800 req/s: one
    gateway worker saturated, its twin at a tenth of a core). `open(n)` opens n connections first:
    the clients, or the ingress's pool of upstream connections, that a gateway serves at once.
    """

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None, cap: int = 256) -> None:
        self.host, self.port, self.cap = host, port, cap
        lines = [f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
        self._head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self._idle: deque[_Connection] = deque()  # least recently used first
        self._waiters: deque[asyncio.Future[_Connection | None]] = deque()
        self._open = 0
        self.opened = 0  # connections opened over the pool's life
        self.most_open = 0
        self.waits = 0  # requests that waited for a connection (all `cap` busy)
        self.stale_retries = 0  # reused connections the server had closed: the request was sent again

    async def get(self, path: str) -> Response:
        """GET `path`; a kept-alive connection the server closed meanwhile is replaced once."""
        return await self.send(Call("GET", path))

    async def send(self, call: Call) -> Response:
        """Send `call`; a kept-alive connection the server closed meanwhile is replaced once."""
        request = call.encode(self._head)
        connection = await self._acquire()
        try:
            try:
                return self._done(connection, await connection.exchange(request))
            except (ConnectionError, asyncio.IncompleteReadError) as error:
                partial = isinstance(error, asyncio.IncompleteReadError) and error.partial
                if not connection.used or partial:
                    raise
            self.stale_retries += 1
            self._discard(connection)
            connection = await self._connect()
            return self._done(connection, await connection.exchange(request))
        except BaseException:
            self._discard(connection)
            raise

    async def open(self, connections: int) -> None:
        """Open connections until `connections` (at most `cap`) are open, all idle."""
        wanted = min(connections, self.cap) - self._open
        opened = await asyncio.gather(*(self._connect() for _ in range(max(wanted, 0))))
        self._idle.extend(opened)

    async def close(self) -> None:
        """Close every idle connection (busy ones close when their request ends)."""
        while self._idle:
            self._discard(self._idle.popleft())

    async def _connect(self) -> _Connection:
        self._open += 1  # counted before the await, so that concurrent requests respect the cap
        self.opened += 1
        self.most_open = max(self.most_open, self._open)
        try:
            return _Connection(*await asyncio.open_connection(self.host, self.port))
        except BaseException:
            self._open -= 1
            self._hand_over(None)
            raise

    async def _acquire(self) -> _Connection:
        if self._idle:
            return self._idle.popleft()
        if self._open < self.cap:
            return await self._connect()
        self.waits += 1
        waiter: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            connection = await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed over just as this request gave up
                self._hand_over(waiter.result())
            raise
        return connection if connection is not None else await self._connect()

    def _hand_over(self, connection: _Connection | None) -> None:
        """Give a free connection (or, with None, a free slot) to the first waiter, else keep it idle."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        if connection is not None:
            self._idle.append(connection)

    def _done(self, connection: _Connection, response: Response) -> Response:
        if connection.reusable:
            self._hand_over(connection)
        else:
            self._discard(connection)
        return response

    def _discard(self, connection: _Connection) -> None:
        if not connection.closed:
            connection.close()
            self._open -= 1
            self._hand_over(None)


def cold_mix(ids: Sequence[int], rng: random.Random) -> Iterator[int]:
    """Every client once, in a shuffled order, before any repeat; then again in a new order, forever."""
    if not ids:
        raise ValueError("no client ids")
    pool = list(ids)
    while True:
        rng.shuffle(pool)
        yield from pool


def warm_mix(ids: Sequence[int], rng: random.Random, hot_share: float, recent: int) -> Iterator[int]:
    """Advisors reopening files: a share `hot_share` of requests goes to one of the `recent` clients
    opened last; the others open a new client, taken in cold order."""
    fresh = cold_mix(ids, rng)
    opened: deque[int] = deque(maxlen=recent)
    while True:
        if opened and rng.random() < hot_share:
            yield rng.choice(opened)
        else:
            opened.append(next(fresh))
            yield opened[-1]


@dataclass
class StepResult:
    """What one open-loop step at a fixed rate measured."""

    rate: float
    planned_seconds: float
    sent: int = 0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds from the due time, every request
    lags: list[float] = field(default_factory=list)  # seconds from the due time to the request's start
    wall_seconds: float = 0.0
    send_seconds: float = 0.0
    cpu_seconds: float = 0.0

    def row(self) -> dict[str, Any]:
        """The step as one JSON-able row: rates, latency percentiles, errors, generator figures."""
        lag = summarise(self.lags)
        return {
            "rate": self.rate,
            "sent": self.sent,
            "ok": self.ok,
            "errors": sum(self.errors.values()),
            "errors_by_kind": dict(self.errors),
            "achieved_rps": round(self.ok / self.wall_seconds, 1) if self.wall_seconds else 0.0,
            "send_rps": round(self.sent / self.send_seconds, 1) if self.send_seconds else 0.0,
            **summarise(self.latencies),
            "lag_p99_ms": lag["p99_ms"],
            "lag_max_ms": lag["max_ms"],
            "generator_cpu": round(self.cpu_seconds / self.wall_seconds, 3) if self.wall_seconds else 0.0,
        }


_FAILURES = (OSError, ProtocolError, asyncio.IncompleteReadError, asyncio.LimitOverrunError)


def _kind(error: BaseException) -> str:
    if isinstance(error, TimeoutError):  # before OSError, of which it is a subclass
        return "timeout"
    if isinstance(error, OSError):
        return "connection"
    return "protocol"


async def run_step(
    pool: HttpPool,
    paths: Iterable[str | Call],
    rate: float,
    seconds: float,
    *,
    check: BodyCheck | None = None,
    timeout: float = 5.0,
    expected_status: int = 200,
) -> StepResult:
    """Send `rate * seconds` requests (GETs of paths, or calls, taken in order), request k due at
    start + k/rate.

    Latency runs from the due time to the end of the answer. A failed request counts its kind
    (`http_<status>`, `timeout`, `connection`, `protocol`, or what `check` says of an answer with the
    expected status) and its latency too, so that errors never shorten the tail. Dispatch lag is how
    late the request started, from its due time: the generator's own lateness.
    """
    with _collector_frozen():
        return await _run_step(
            pool, paths, rate, seconds, check=check, timeout=timeout, expected_status=expected_status
        )


@contextmanager
def _collector_frozen() -> Iterator[None]:
    """Keep the generator's own garbage collector from pausing it in the middle of a step.

    A full collection walks every object the process holds (the step's ids and paths, pandas...): 17 to
    30 ms measured at 800 req/s, enough to hold up every answer in flight, which the step would count as
    the product's latency. What is alive when the step starts is frozen (never walked again during it);
    the step's own garbage is collected as usual."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def _run_step(
    pool: HttpPool,
    paths: Iterable[str | Call],
    rate: float,
    seconds: float,
    *,
    check: BodyCheck | None,
    timeout: float,
    expected_status: int,
) -> StepResult:
    result = StepResult(rate, seconds)
    count = round(rate * seconds)
    # Only the requests in flight are held: a step's every finished task would outlive it and, tens of
    # thousands of them, make each full collection of the generator a pause of tens of ms mid-step.
    in_flight: set[asyncio.Task[None]] = set()
    cpu_started = time.process_time()
    start = time.perf_counter() + 0.01  # a little slack: request 0 is not late by construction

    async def one(call: Call, due: float) -> None:
        result.lags.append(time.perf_counter() - due)
        try:
            async with asyncio.timeout(timeout):  # not wait_for: no second task per request
                answer = await pool.send(call)
        except _FAILURES as error:
            result.errors[_kind(error)] += 1
        else:
            wrong_status = answer.status != expected_status
            kind = f"http_{answer.status}" if wrong_status else check and check(answer.body)
            if kind:
                result.errors[kind] += 1
            else:
                result.ok += 1
        result.latencies.append(time.perf_counter() - due)

    for k, path in zip(range(count), paths, strict=False):
        due = start + k / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        call = path if isinstance(path, Call) else Call("GET", path)
        task = asyncio.create_task(one(call, due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        result.sent += 1
    result.send_seconds = time.perf_counter() - start + 1 / rate  # the span of `sent` slots
    await asyncio.gather(*in_flight)
    result.wall_seconds = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu_started
    return result
