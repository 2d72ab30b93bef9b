"""redis-py connections used as pipelines whose replies are read late, on a server or a cluster.

Why: Redis (on the same cores) applies batch N while the writer encodes batch N+1; replies come back
in order on one connection, so reading a batch's replies later changes nothing else. On a cluster each
command goes to the master that owns its key, on one connection per master; the replies are read back
in the order the commands were sent (each master answers its own in order).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import redis
import redis.cluster

from credit_features.redis_client import SyncRedis


class RedisPipeline:
    """Commands sent as already-encoded Redis protocol; replies read in order, when the writer asks."""

    def __init__(self, client: redis.Redis) -> None:
        self.pool = client.connection_pool
        self.connection = self.pool.get_connection()
        self.pending = 0
        self.errors: list[Exception] = []

    def send(self, commands: list[bytes], keys: Sequence[bytes]) -> None:
        """Send `commands`, the one key each touches beside it (a cluster routes by it)."""
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
            self._release(failed)

    def _release(self, failed: bool) -> None:
        if failed:
            self.connection.disconnect()
        self.pool.release(self.connection)


class ClusterPipeline(RedisPipeline):
    """RedisPipeline over a cluster: one pipeline per master, each command sent to its key's."""

    def __init__(self, client: redis.cluster.RedisCluster) -> None:
        self._client = client
        self._masters: dict[str, RedisPipeline] = {}
        self._order: deque[str] = deque()  # the master of each command awaiting its reply
        self.errors = []
        self._packer = self._master(client.get_primaries()[0])

    @property  # type: ignore[override]
    def pending(self) -> int:
        return len(self._order)

    def _master(self, node: redis.cluster.ClusterNode) -> RedisPipeline:
        pipeline = self._masters.get(node.name)
        if pipeline is None:
            pipeline = self._masters[node.name] = RedisPipeline(node.redis_connection)  # type: ignore[arg-type]
        return pipeline

    def send(self, commands: list[bytes], keys: Sequence[bytes]) -> None:
        batches: dict[str, list[bytes]] = {}
        for command, key in zip(commands, keys, strict=True):
            node = self._client.get_node_from_key(key)
            self._master(node)
            batches.setdefault(node.name, []).append(command)
            self._order.append(node.name)
        for name, batch in batches.items():
            self._masters[name].send(batch, ())

    def pack(self, *args: bytes | str) -> bytes:
        return self._packer.pack(*args)

    def _replies(self, count: int) -> list[object]:
        return [self._masters[self._order.popleft()]._replies(1)[0] for _ in range(count)]

    def _release(self, failed: bool) -> None:
        for master in self._masters.values():
            master._release(failed)


def open_pipeline(client: SyncRedis) -> RedisPipeline:
    """A late-reply pipeline over the server, or over every master of the cluster."""
    if isinstance(client, redis.cluster.RedisCluster):
        return ClusterPipeline(client)
    return RedisPipeline(client)
