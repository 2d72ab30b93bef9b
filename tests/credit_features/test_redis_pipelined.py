"""The pipelined Redis client of the decision's reads: the same answers as redis-py's, each reply to its
own caller, and failures as redis-py reports them (a real Redis, and real sockets that misbehave)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
import redis
import redis.exceptions

from credit_features.redis_client import request_reads
from credit_features.redis_pipelined import PipelinedRedis, command
from credit_features.settings import FeatureSettings
from tests.async_run import run_coroutine

pytestmark = pytest.mark.unit
HOST = os.environ.get("REDIS_HOST", "127.0.0.1")
DB = int(os.environ.get("TEST_REDIS_DB", "15"))


@pytest.fixture
def keys() -> list[bytes]:
    """Hashes and strings of this test in the test database, removed after it."""
    server = redis.Redis(HOST, 6379, db=DB)
    prefix = f"test:pipelined:{uuid.uuid4().hex}"
    names = [f"{prefix}:{i}".encode() for i in range(60)]
    for i, name in enumerate(names):
        if i % 2:
            server.set(name, f"value {i}")
        else:
            server.hset(name, mapping={f"f{j}": f"{i}.{j}" for j in range(i % 7 + 1)})
    yield names
    server.delete(*names)


def test_concurrent_calls_each_get_their_own_reply_as_redis_py_gives_it(keys: list[bytes]) -> None:
    # given the same keys read by redis-py, one call after the other
    reference = redis.Redis(HOST, 6379, db=DB)
    wanted = [
        reference.hgetall(k) if i % 2 == 0 else reference.mget([k, b"absent"]) for i, k in enumerate(keys)
    ]

    async def read_all() -> list[object]:
        client = PipelinedRedis(HOST, 6379, timeout=1.0, db=DB)
        calls = [client.hgetall(k) if i % 2 == 0 else client.mget([k, b"absent"]) for i, k in enumerate(keys)]
        try:
            return list(await asyncio.gather(*calls))  # when every call is in flight at once
        finally:
            await client.aclose()

    # then each caller gets its own key's reply, pipelined over one connection
    assert run_coroutine(read_all()) == wanted


def test_an_error_reply_raises_and_leaves_the_connection_usable(keys: list[bytes]) -> None:
    async def scenario() -> tuple[str, object]:
        client = PipelinedRedis(HOST, 6379, timeout=1.0, db=DB)
        try:
            # when a command is refused (a string read as a hash)
            with pytest.raises(redis.exceptions.ResponseError) as refused:
                await client.hgetall(keys[1])
            # then the next command on the same connection still gets its own reply
            return str(refused.value), await client.mget([keys[1]])
        finally:
            await client.aclose()

    message, after = run_coroutine(scenario())
    assert "WRONGTYPE" in message
    assert after == [b"value 1"]


def test_a_caller_that_gives_up_leaves_the_replies_in_order(keys: list[bytes]) -> None:
    async def scenario() -> list[bytes | None]:
        client = PipelinedRedis(HOST, 6379, timeout=1.0, db=DB)
        try:
            # when a first caller is cancelled while its reply is on its way
            first = asyncio.ensure_future(client.mget([keys[1]]))
            await asyncio.sleep(0)
            first.cancel()
            # then a second caller still gets its own reply, not the first one's
            return await client.mget([keys[3]])
        finally:
            await client.aclose()

    assert run_coroutine(scenario()) == [b"value 3"]


@asynccontextmanager
async def fake_server(
    behave: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[int]:
    """A TCP server on a free port that treats each connection as `behave` says: its port."""
    server = await asyncio.start_server(behave, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


def test_a_server_that_never_answers_fails_every_waiting_call_within_the_timeout() -> None:
    connections = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)  # reads nothing, answers nothing

    async def scenario() -> list[BaseException | object]:
        async with fake_server(silent) as port:
            client = PipelinedRedis("127.0.0.1", port, timeout=0.2)
            started = asyncio.get_running_loop().time()
            outcomes = await asyncio.gather(client.mget([b"a"]), client.mget([b"b"]), return_exceptions=True)
            elapsed = asyncio.get_running_loop().time() - started
            # and the next call connects again
            await asyncio.gather(client.mget([b"c"]), return_exceptions=True)
            await client.aclose()
            return [*outcomes, elapsed]

    first, second, elapsed = run_coroutine(scenario())
    assert isinstance(first, redis.exceptions.TimeoutError)
    assert isinstance(second, redis.exceptions.TimeoutError)
    assert "no reply in 0.2 s" in str(first)
    assert elapsed < 1.0, "both fail at the first one's timeout, not one after the other"
    assert len(connections) == 2, "a broken connection is replaced by the next call"


def test_a_server_that_closes_the_connection_is_a_connection_error_then_a_new_connection() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.close()

    async def scenario() -> list[BaseException | object]:
        async with fake_server(hang_up) as port:
            client = PipelinedRedis("127.0.0.1", port, timeout=1.0)
            return await asyncio.gather(client.mget([b"a"]), client.mget([b"b"]), return_exceptions=True)

    outcomes = run_coroutine(scenario())
    assert all(isinstance(o, redis.exceptions.ConnectionError) for o in outcomes), outcomes


def test_no_server_is_a_connection_error_naming_it() -> None:
    async def scenario() -> None:
        async with fake_server(lambda r, w: asyncio.sleep(0)) as port:
            pass  # the port is free again
        await PipelinedRedis("127.0.0.1", port, timeout=0.5).mget([b"a"])

    with pytest.raises(redis.exceptions.ConnectionError, match=r"Error connecting to Redis 127\.0\.0\.1:\d+"):
        run_coroutine(scenario())


def test_the_database_and_password_are_sent_before_the_first_command() -> None:
    received: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(4096):
            received.append(data)
            writer.write(b"+OK\r\n" * data.count(b"*"))

    async def scenario() -> object:
        async with fake_server(record) as port:
            client = PipelinedRedis("127.0.0.1", port, timeout=1.0, db=3, username="gw", password="s3")
            reply = await client.execute("PING")
            await client.aclose()
            return reply

    assert run_coroutine(scenario()) == b"OK"
    assert b"".join(received) == command(["AUTH", "gw", "s3"]) + command(["SELECT", 3]) + command(["PING"])


@pytest.mark.parametrize(
    ("connection_string", "redis_type", "pipelined"),
    [
        ("127.0.0.1:6379", "redis", True),
        ("127.0.0.1:6379,db=15,password=x,socket_timeout=0.5", "redis", True),
        ("127.0.0.1:6379,ssl=true", "redis", False),  # TLS: redis-py's client
        ("127.0.0.1:7000,127.0.0.1:7001", "redis_cluster", False),  # slots: redis-py's cluster client
    ],
)
def test_requests_read_through_the_pipelined_client_where_it_understands_the_connection(
    connection_string: str, redis_type: str, pipelined: bool
) -> None:
    settings = FeatureSettings(redis_connection_string=connection_string, redis_type=redis_type)
    assert isinstance(request_reads(settings), PipelinedRedis) == pipelined
