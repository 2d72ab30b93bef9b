"""Writes acknowledged only once they reached the master's replicas (Redis `WAIT`), on a server or a
cluster.

Redis replicates asynchronously: a master that dies right after answering takes the writes its replica
had not received yet, and the promoted replica never saw them. `WAIT n timeout` after a write blocks
until n replicas hold every write made *on that connection*, so the write and the WAIT must share one
connection. redis-py's cluster client gives no such guarantee (each command takes any free connection
of the node), so the write goes through a plain client of the master that owns the key: one connection,
two commands (a script and WAIT), in one round trip.

When the master does not answer or no longer owns the key (MOVED, after a failover), the caller gets
the failure at once (it answers 503), the cluster client's slot map is refreshed for the next write,
and the clients of nodes that stopped being masters are closed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import redis.asyncio
import redis.asyncio.cluster

from credit_features.redis_client import REDIS_FAILURES, AsyncRedis

#: What a master's plain client keeps of the cluster client's connection options.
_OPTIONS = ("socket_timeout", "socket_connect_timeout", "username", "password", "ssl", "retry")


class NotReplicatedError(redis.RedisError):
    """The write is on the master, but fewer replicas than required confirmed it in time."""


class AcknowledgedWrites:
    """Run a single-key script, then WAIT for `replicas` replicas, on one connection of the key's master."""

    def __init__(self, client: AsyncRedis, replicas: int, timeout_ms: int) -> None:
        self._client = client
        self.replicas = replicas
        self._timeout_ms = timeout_ms
        self._masters: dict[tuple[str, int], redis.asyncio.Redis] = {}

    async def run(self, script: str, key: bytes, args: Sequence[bytes | str | int]) -> object:
        """The script's answer once `replicas` replicas hold the write (NotReplicatedError otherwise);
        with 0 replicas, the script alone."""
        if not self.replicas:
            return await self._client.eval(script, 1, key, *args)  # type: ignore[misc]
        master = await self._master_of(key)
        try:
            async with master.pipeline(transaction=False) as pipe:
                pipe.eval(script, 1, key, *args)
                pipe.execute_command("WAIT", self.replicas, self._timeout_ms)
                answer, acknowledged = await pipe.execute()
        except REDIS_FAILURES:
            await self._refresh()
            raise
        if int(acknowledged) < self.replicas:
            raise NotReplicatedError(
                f"{acknowledged} of {self.replicas} replica(s) confirmed the write in {self._timeout_ms} ms"
            )
        return answer

    async def _master_of(self, key: bytes) -> redis.asyncio.Redis:
        if not isinstance(self._client, redis.asyncio.cluster.RedisCluster):
            return self._client
        await self._client.initialize()  # no-op once the slot map is known
        node = self._client.get_node_from_key(key)
        address = (node.host, node.port)
        master = self._masters.get(address)
        if master is None:
            # A pipeline runs on one connection of the pool: a write and its WAIT always share it.
            options = {
                name: node.connection_kwargs[name] for name in _OPTIONS if name in node.connection_kwargs
            }
            master = self._masters[address] = redis.asyncio.Redis(host=node.host, port=node.port, **options)
        return master

    async def _refresh(self) -> None:
        """Ask the cluster for its slot map again (a failover moves slots), then close the clients of
        the nodes that are no longer masters. The others stay open: other writes may be in flight on
        them, and a client closed under a command fails it."""
        if not isinstance(self._client, redis.asyncio.cluster.RedisCluster):
            return
        with contextlib.suppress(*REDIS_FAILURES):  # still electing: the next failed write asks again
            await self._client.nodes_manager.initialize()
        masters = {(node.host, node.port) for node in self._client.get_primaries()}
        for address in [address for address in self._masters if address not in masters]:
            demoted = self._masters.pop(address, None)  # None: a concurrent refresh closed it
            if demoted is not None:
                await demoted.aclose()

    async def close(self) -> None:
        for master in self._masters.values():
            await master.aclose()
