"""Online reads of clients' latest feature values, in the order the caller (the model) asks for.

Redis is read directly through the one layout codec (one HGETALL per client, one NumPy decode, a
pipeline split per node on a cluster), with no Feast import; the embedded SQLite fallback goes through
Feast's own API. Either way the answer is a (clients × features) matrix, NaN for a missing value; a
client with no value at all is unknown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import cached_property
from typing import Protocol

import numpy as np

from credit_features.backend import online_backend, project_name
from credit_features.catalog import view_of
from credit_features.errors import FeatureStoreUnavailableError, UnknownClientError
from credit_features.redis_client import SyncRedis, bounded_async_redis, bounded_redis, request_reads
from credit_features.redis_layout import (
    ENTITY,
    client_id_of,
    client_key_pattern,
    client_keys,
    decode_doubles,
    feature_field,
)
from credit_features.settings import FeatureSettings
from credit_features.store_failures import unavailable_on_failure


class FeatureReader(Protocol):
    """Reads a matrix of feature values; NaN where missing (or where the client is unknown)."""

    def matrix(self, client_ids: Sequence[int], names: Sequence[str]) -> np.ndarray: ...

    async def matrix_async(self, client_ids: Sequence[int], names: Sequence[str]) -> np.ndarray: ...

    async def client_ids(self) -> list[int] | None: ...

    async def ping(self) -> None: ...


class RedisFeatureReader:
    """Feast's Redis records decoded by NumPy: the same values as `get_online_features`, ~5x faster."""

    def __init__(self, settings: FeatureSettings, project: str | None = None) -> None:
        self._settings = settings
        # For the services' and the gateway's event loop: no thread hop per read (one loop per process).
        # A stalled store fails the read within the request's budget (the caller answers 503).
        self._async_client = bounded_async_redis(settings)
        self._reads = request_reads(settings)  # a decision's one HGETALL (pipelined where it can be)
        self._project = project or project_name()
        self._fields: dict[tuple[str, ...], list[bytes]] = {}

    @cached_property
    def _client(self) -> SyncRedis:
        # Opened on first use: a cluster client asks the nodes for the slot map as it is built, and an
        # event-loop process that never reads synchronously should not wait for that at start-up.
        return bounded_redis(self._settings)

    def _fields_of(self, names: Sequence[str]) -> list[bytes]:
        key = tuple(names)
        fields = self._fields.get(key)
        if fields is None:
            fields = self._fields[key] = [feature_field(view_of(name), name) for name in names]
        return fields

    def matrix(self, client_ids: Sequence[int], names: Sequence[str]) -> np.ndarray:
        fields = self._fields_of(names)
        # One HGETALL per client: every view lives in the client's hash, and Redis scans a small hash
        # once instead of once per field as HMGET does (0.2 ms instead of 1.1 ms for 429 fields).
        with self._client.pipeline(transaction=False) as pipe:
            for key in client_keys(self._project, client_ids):
                pipe.hgetall(key)
            replies = pipe.execute()
        return self._decode(replies, fields)

    async def matrix_async(self, client_ids: Sequence[int], names: Sequence[str]) -> np.ndarray:
        fields = self._fields_of(names)
        if len(client_ids) == 1:  # a decision: one command costs redis-py a third of a pipeline's CPU
            (key,) = client_keys(self._project, client_ids)
            return self._decode([await self._reads.hgetall(key)], fields)
        async with self._async_client.pipeline(transaction=False) as pipe:
            for key in client_keys(self._project, client_ids):
                pipe.hgetall(key)
            replies = await pipe.execute()
        return self._decode(replies, fields)

    async def client_ids(self) -> list[int]:
        """Every client the store holds, once each (a SCAN: incremental, it never blocks Redis, but it may
        return a key twice while Redis rehashes its keyspace, which the explanations written beside the
        features make it do: a listing after a warm-up came out one client longer than the population)."""
        found = set()
        async for key in self._async_client.scan_iter(match=client_key_pattern(self._project), count=1000):
            client_id = client_id_of(key, self._project)
            if client_id is not None:
                found.add(client_id)
        return sorted(found)

    async def ping(self) -> None:
        """Raises when Redis does not answer within the read timeout."""
        await self._async_client.ping()

    @staticmethod
    def _decode(replies: list[dict[bytes, bytes]], fields: list[bytes]) -> np.ndarray:
        cells = [reply.get(field) for reply in replies for field in fields]
        return decode_doubles(cells, (len(replies), len(fields)))


class FeastFeatureReader:
    """Feast's `get_online_features` (the SQLite fallback, or any store the codec does not read)."""

    def __init__(self, settings: FeatureSettings) -> None:
        from credit_features.store import get_store  # Feast loads only where it is used

        self._store = get_store(settings)

    def matrix(self, client_ids: Sequence[int], names: Sequence[str]) -> np.ndarray:
        result = self._store.get_online_features(
            features=[f"{view_of(name)}:{name}" for name in names],
            entity_rows=[{ENTITY: int(i)} for i in client_ids],
        ).to_dict()
        columns = [[np.nan if v is None else float(v) for v in result[name]] for name in names]
        return np.array(columns, dtype=np.float64).T.reshape(len(client_ids), len(names))

    async def matrix_async(self, client_ids: Sequence[int], names: Sequence[str]) -> np.ndarray:
        return await asyncio.to_thread(self.matrix, client_ids, names)

    async def client_ids(self) -> list[int] | None:
        """None: Feast's API cannot list the clients an online store holds."""
        return None

    async def ping(self) -> None:
        """Nothing to reach: the SQLite store is a file of this process."""


def _known(values: np.ndarray, client_ids: Sequence[int]) -> np.ndarray:
    """The matrix, or UnknownClientError for the first client with no value at all."""
    unknown = np.flatnonzero(np.isnan(values).all(axis=1))
    if unknown.size:
        raise UnknownClientError(int(client_ids[unknown[0]]))
    return values


class OnlineFeatures:
    """The latest feature values of clients; an id with no value at all is an unknown client."""

    def __init__(self, reader: FeatureReader) -> None:
        self.reader = reader

    def matrix(self, client_ids: Sequence[int], names: Sequence[str]) -> np.ndarray:
        """(clients × names) matrix; raises UnknownClientError for the first unknown client."""
        with unavailable_on_failure("the online feature store"):
            values = self.reader.matrix(client_ids, names)
        return _known(values, client_ids)

    async def matrix_async(self, client_ids: Sequence[int], names: Sequence[str]) -> np.ndarray:
        """`matrix` for an event loop, without blocking it."""
        with unavailable_on_failure("the online feature store"):
            values = await self.reader.matrix_async(client_ids, names)
        return _known(values, client_ids)

    async def known_clients(self) -> list[int] | None:
        """Every client the store holds, sorted; None when the backend cannot list them."""
        with unavailable_on_failure("the online feature store"):
            return await self.reader.client_ids()

    async def ping(self) -> None:
        """Raises FeatureStoreUnavailableError when the store does not answer within its timeout."""
        with unavailable_on_failure("the online feature store"):
            await self.reader.ping()

    def rows(self, client_ids: Sequence[int], names: Sequence[str]) -> list[dict[str, float | None]]:
        """One {feature: value or None} per client, in order."""
        return [
            {name: None if np.isnan(value) else float(value) for name, value in zip(names, row, strict=True)}
            for row in self.matrix(client_ids, names)
        ]

    def warm_up(self, names: Sequence[str]) -> bool:
        """Read once at start-up so the first request does not pay lazy set-up; False when the store
        is down (logged, not fatal: the service reports it per request)."""
        try:
            self.matrix([0], names)
        except UnknownClientError:
            return True
        except FeatureStoreUnavailableError:
            return False
        return True


def open_online_features(settings: FeatureSettings | None = None) -> OnlineFeatures:
    """Online reads on the configured backend: Redis directly, SQLite through Feast."""
    settings = settings or FeatureSettings()
    if online_backend(settings) == "redis":
        return OnlineFeatures(RedisFeatureReader(settings))
    return OnlineFeatures(FeastFeatureReader(settings))
