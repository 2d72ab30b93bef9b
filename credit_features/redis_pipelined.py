"""An asyncio client of one Redis server for the reads a decision makes: every call over one connection,
pipelined, its reply parsed by hiredis.

Why not redis-py's asyncio client there: a decision reads the client's features (one HGETALL of some
430 fields) and its stored explanation (one MGET), and redis-py 7 spent 232 and 145 µs of CPU on them
against 118 and 54 µs for the same commands written and parsed here (timed in-process on `make demo`'s
store, 2026-12-08): taking a connection from its pool reads the socket to check it, each call records
its observability and reads its reply under a timeout of its own. That was about a seventh of the
gateway's CPU per decision.

One connection per event loop carries every call. Redis answers a connection's commands in order, so
each reply goes to the oldest call still waiting: concurrent requests share the connection, their
commands pipelined as they come. A call given up by its caller keeps its place and its reply is dropped.
A call without a reply within `timeout` breaks the connection: every call waiting on it fails, and the
next call connects again, as redis-py does on a timeout. Failures are redis-py's own exception types,
so the callers' handling (REDIS_FAILURES) is the same for both clients.
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import Sequence
from typing import Any, cast

import hiredis
import redis.exceptions

Argument = bytes | str | int


def command(args: Sequence[Argument]) -> bytes:
    """A command in Redis's protocol (RESP): an array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts += (b"$%d\r\n" % len(data), data, b"\r\n")
    return b"".join(parts)


class _Connection(asyncio.Protocol):
    """One connection: the calls waiting for a reply, oldest first."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.failure: redis.exceptions.RedisError | None = None
        self._parser = hiredis.Reader(
            protocolError=redis.exceptions.InvalidResponse, replyError=redis.exceptions.ResponseError
        )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is none of asyncio's classes

    def data_received(self, data: bytes) -> None:
        self._parser.feed(data)
        try:
            while (reply := self._parser.gets()) is not False:
                if not self.waiting:
                    raise redis.exceptions.InvalidResponse("a reply to no command")
                waiter = self.waiting.popleft()
                if not waiter.done():  # else its caller gave up: the reply is nobody's
                    waiter.set_result(reply)
        except redis.exceptions.InvalidResponse as error:
            self.abort(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(redis.exceptions.ConnectionError(f"Redis closed the connection ({exc or 'EOF'})"))

    @property
    def usable(self) -> bool:
        return self.failure is None and self.transport is not None and not self.transport.is_closing()

    def send(self, payload: bytes) -> asyncio.Future[Any]:
        """Write a command; the future of its reply."""
        assert self.transport is not None
        waiter = self.loop.create_future()
        self.waiting.append(waiter)
        self.transport.write(payload)
        return waiter

    def abort(self, error: redis.exceptions.RedisError) -> None:
        """Fail every waiting call with `error` and drop the connection."""
        self._fail(error)
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: redis.exceptions.RedisError) -> None:
        if self.failure is None:
            self.failure = error
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_exception(error)


class PipelinedRedis:
    """HGETALL, MGET and any other command of one server, pipelined over one connection per loop."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float,
        db: int = 0,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._hello: list[tuple[Argument, ...]] = []
        if password:
            self._hello.append(("AUTH", *([username] if username else []), password))
        if db:
            self._hello.append(("SELECT", db))
        self._connection: _Connection | None = None
        self._connect_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    async def execute(self, *args: Argument) -> Any:
        """The reply of one command; redis-py's ConnectionError, TimeoutError or ResponseError if none."""
        connection = self._connection
        if connection is None or not connection.usable or connection.loop is not asyncio.get_running_loop():
            connection = await self._connected()
        return await self._call(connection, command(args))

    async def hgetall(self, key: Argument) -> dict[bytes, bytes]:
        """Every field of a hash, as redis-py's `hgetall` gives them."""
        flat = iter(await self.execute(b"HGETALL", key))
        return dict(zip(flat, flat, strict=True))

    async def mget(self, keys: Sequence[Argument]) -> list[bytes | None]:
        """The values of `keys`, in order (None where a key has none)."""
        return await self.execute(b"MGET", *keys)  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        """Close the connection (calls still waiting fail); the next call connects again."""
        if self._connection is not None and not self._connection.loop.is_closed():
            self._connection.abort(redis.exceptions.ConnectionError("client closed"))
        self._connection = None

    async def _call(self, connection: _Connection, payload: bytes) -> Any:
        waiter = connection.send(payload)
        try:
            async with asyncio.timeout(self.timeout):
                reply = await waiter
        except TimeoutError:
            error = redis.exceptions.TimeoutError(
                f"Redis {self.host}:{self.port}: no reply in {self.timeout} s"
            )
            connection.abort(error)
            raise error from None
        if isinstance(reply, redis.exceptions.ResponseError):
            raise reply
        return reply

    async def _connected(self) -> _Connection:
        """The loop's connection, opened (and authenticated, its database selected) if it is not."""
        loop = asyncio.get_running_loop()
        if self._connect_lock is None or self._connect_lock[0] is not loop:
            self._connect_lock = (loop, asyncio.Lock())
        async with self._connect_lock[1]:  # concurrent first calls open one connection
            connection = self._connection
            if connection is not None and connection.usable and connection.loop is loop:
                return connection
            if connection is not None and not connection.loop.is_closed():
                connection.abort(redis.exceptions.ConnectionError("replaced"))
            self._connection = connection = await self._open(loop)
            return connection

    async def _open(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        try:
            async with asyncio.timeout(self.timeout):
                transport, connection = await loop.create_connection(
                    lambda: _Connection(loop), self.host, self.port
                )
        except (OSError, TimeoutError) as error:
            raise redis.exceptions.ConnectionError(
                f"Error connecting to Redis {self.host}:{self.port}: {error or type(error).__name__}"
            ) from error
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for hello in self._hello:
            await self._call(connection, command(hello))
        return connection
