"""Redis clients for request paths: every call bounded by a timeout, and never retried.

redis-py retries a failed call three times with exponential backoff by default, and waits for a
stalled server as long as the socket allows: a stalled Redis then holds a request for seconds, past
the caller's own deadline. On a request path a slow answer is as useless as none, so each client here
gives up after its timeout and reports the failure at once; the caller answers 503 (or, for a cache,
treats it as a miss). Timeouts in Feast's connection string (`socket_timeout=...`) still win, so an
operator can loosen them.

`REDIS_TYPE=redis_cluster` (Feast's own setting) gives redis-py's cluster clients over the nodes the
connection string lists: each key goes to the master that owns its slot, a pipeline is split per node,
and a MOVED reply after a failover is followed (that is routing, not a retry).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.cluster
from redis.backoff import NoBackoff
from redis.retry import Retry

from credit_features.redis_layout import parse_connection_string
from credit_features.redis_pipelined import PipelinedRedis
from credit_features.settings import FeatureSettings, RedisType

#: What one online-store read or write may take on a request path: well inside the gateway's
#: budget for a decision (Explain 0.3 s, then Score 0.5 s), far above a healthy Redis (≤ 1 ms).
REQUEST_TIMEOUT_SECONDS = 0.25

#: A client of one server or of a cluster (redis-py's cluster client routes each key to its node,
#: follows MOVED redirections and splits pipelines per node).
SyncRedis = redis.Redis | redis.cluster.RedisCluster
AsyncRedis = redis.asyncio.Redis | redis.asyncio.cluster.RedisCluster
#: What a request path reads with: the pipelined client of one server, or redis-py's (gets and hashes).
AsyncReads = AsyncRedis | PipelinedRedis
#: The connection-string options the pipelined client takes; with any other, redis-py reads.
_PIPELINED_OPTIONS = frozenset({"db", "username", "password", "socket_timeout", "socket_connect_timeout"})


#: What a failed call may raise: redis-py's errors, a cluster client's own (no slot map, a slot no
#: master serves: not RedisErrors) and the socket's.
REDIS_FAILURES: tuple[type[Exception], ...] = (
    redis.RedisError,
    redis.exceptions.RedisClusterException,
    OSError,
)


class ClusterConfigurationError(ValueError):
    """A connection string a Redis Cluster cannot take."""


def _cluster_options(connection_string: str) -> tuple[list[tuple[str, int]], dict[str, Any]]:
    hosts, options = parse_connection_string(connection_string)
    if int(options.pop("db", 0)) != 0:  # type: ignore[call-overload]
        raise ClusterConfigurationError(
            "REDIS_CONNECTION_STRING: a Redis Cluster has only database 0; drop its db= option"
        )
    return hosts, options


def open_redis(connection_string: str, redis_type: RedisType, **overrides: Any) -> SyncRedis:
    """A blocking client of the server, or of the cluster, the connection string names."""
    if redis_type == "redis_cluster":
        hosts, options = _cluster_options(connection_string)
        nodes = [redis.cluster.ClusterNode(host, port) for host, port in hosts]
        return redis.cluster.RedisCluster(startup_nodes=nodes, **{**overrides, **options})
    hosts, options = parse_connection_string(connection_string)
    host, port = hosts[0]
    return redis.Redis(host=host, port=port, **{**overrides, **options})


def open_async_redis(connection_string: str, redis_type: RedisType, **overrides: Any) -> AsyncRedis:
    """An asyncio client of the server, or of the cluster, the connection string names."""
    if redis_type == "redis_cluster":
        hosts, options = _cluster_options(connection_string)
        nodes = [redis.asyncio.cluster.ClusterNode(host, port) for host, port in hosts]
        return redis.asyncio.cluster.RedisCluster(startup_nodes=nodes, **{**overrides, **options})
    hosts, options = parse_connection_string(connection_string)
    host, port = hosts[0]
    return redis.asyncio.Redis(host=host, port=port, **{**overrides, **options})


def masters(client: SyncRedis) -> list[redis.Redis]:
    """A client of each master (the server itself for one Redis): what a per-server question (INFO,
    CONFIG GET, command statistics) is asked of."""
    if isinstance(client, redis.cluster.RedisCluster):
        return [node.redis_connection for node in client.get_primaries()]  # type: ignore[misc]
    return [client]


def _bounded(timeout: float) -> dict[str, Any]:
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), retries=0),
    }


def bounded_redis(settings: FeatureSettings, timeout: float = REQUEST_TIMEOUT_SECONDS) -> SyncRedis:
    """A blocking client whose calls fail after `timeout` seconds, without retry."""
    return open_redis(settings.redis_connection_string, settings.redis_type, **_bounded(timeout))


def bounded_async_redis(settings: FeatureSettings, timeout: float = REQUEST_TIMEOUT_SECONDS) -> AsyncRedis:
    """An asyncio client whose calls fail after `timeout` seconds, without retry."""
    return open_async_redis(settings.redis_connection_string, settings.redis_type, **_bounded(timeout))


def request_reads(settings: FeatureSettings, timeout: float = REQUEST_TIMEOUT_SECONDS) -> AsyncReads:
    """The client a request's reads go through: pipelined over one connection (credit_features.
    redis_pipelined says why) on one server whose connection string it understands; redis-py's
    otherwise (a cluster, TLS...). Either fails after `timeout` seconds (or the string's socket_timeout)."""
    hosts, options = parse_connection_string(settings.redis_connection_string)
    if settings.redis_type == "redis_cluster" or not options.keys() <= _PIPELINED_OPTIONS:
        return bounded_async_redis(settings, timeout)
    (host, port), *_ = hosts
    return PipelinedRedis(
        host,
        port,
        timeout=float(options.get("socket_timeout", timeout)),  # type: ignore[arg-type]
        db=int(options.get("db", 0)),  # type: ignore[call-overload]
        username=str(options["username"]) if "username" in options else None,
        password=str(options["password"]) if "password" in options else None,
    )


async def get_many(client: AsyncReads, keys: Sequence[bytes | str]) -> list[bytes | None]:
    """The values of `keys`, in order: one MGET on a server, one per slot on a cluster (whose MGET
    takes the keys of one slot only)."""
    if isinstance(client, redis.asyncio.cluster.RedisCluster):
        return await client.mget_nonatomic(keys)
    return await client.mget(keys)
