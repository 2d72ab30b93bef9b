"""A redis-py connection used as a pipeline whose replies are read late.

Why: Redis (on the same cores) applies batch N while the writer encodes batch N+1; replies come back
in order on one connection, so reading a batch's replies later changes nothing else.
"""

from __future__ import annotations

import redis


class RedisPipeline:
    """Commands sent as already-encoded Redis protocol; replies read in order, when the writer asks."""

    def __init__(self, client: redis.Redis) -> None:
        self.pool = client.connection_pool
        self.connection = self.pool.get_connection()
        self.pending = 0
        self.errors: list[Exception] = []

    def send(self, commands: list[bytes]) -> None:
        if commands:
            self.connection.send_packed_command([b"".join(commands)])
            self.pending += len(commands)

    def pack(self, *args: bytes | str) -> bytes:
        return b"".join(self.connection.pack_command(*args))

    def read(self, count: int) -> list[object]:
        """The next `count` replies; an error reply is kept (raised at `close`) so the stream stays in
        sync, and stands as None among the replies."""
        replies = self._replies(count)
        self.errors += [reply for reply in replies if isinstance(reply, Exception)]
        return [None if isinstance(reply, Exception) else reply for reply in replies]

    def read_errors(self, count: int) -> list[Exception | None]:
        """The next `count` replies as their errors (None for a success), for a caller that sorts the
        error replies itself."""
        return [reply if isinstance(reply, Exception) else None for reply in self._replies(count)]

    def _replies(self, count: int) -> list[object]:
        replies: list[object] = []
        for _ in range(count):
            try:
                replies.append(self.connection.read_response())
            except (redis.ResponseError, redis.DataError) as error:
                replies.append(error)
        self.pending -= count
        return replies

    def close(self, failed: bool) -> None:
        try:
            if not failed:
                self.read(self.pending)
                if self.errors:
                    raise self.errors[0]
        except Exception:
            failed = True
            raise
        finally:
            if failed:
                self.connection.disconnect()
            self.pool.release(self.connection)
