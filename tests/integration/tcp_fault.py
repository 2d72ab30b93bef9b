"""A TCP relay in front of a real server that can stall or drop it, for fault tests.

Stalling the relay is what SIGSTOP does to a server: connections stay open and nothing comes back.
Dropping it is what a killed server does: open connections are reset and new ones refused. The
session's Redis is shared by every test, so faults are injected here rather than on Redis itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from credit_common.processes import free_port

CHUNK = 65536


class FaultyRelay:
    """Relays 127.0.0.1:`port` to `target`; `stall()`, `drop()` and `heal()` change what it does."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.port = free_port()
        self._target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._flowing = asyncio.Event()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> FaultyRelay:
        self._thread.start()
        self._call(self._listen())
        self._loop.call_soon_threadsafe(self._flowing.set)
        return self

    def __exit__(self, *_: object) -> None:
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def stall(self) -> None:
        """Keep every connection open but pass nothing, either way (a stopped server)."""
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def drop(self) -> None:
        """Reset every connection and refuse new ones (a killed server)."""
        self._call(self._close())

    def heal(self) -> None:
        """Relay again, and accept connections again."""
        self._call(self._listen())
        self._loop.call_soon_threadsafe(self._flowing.set)

    def _call(self, coroutine) -> None:  # type: ignore[no-untyped-def]
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=5)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, upstream_writer))
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.transport.abort()
