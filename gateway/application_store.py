"""New loan applications, kept in Redis beside their online features: ids, raw fields, atomic writes.

Why Redis and not the gateway's memory: an application posted to one gateway process must survive its
restart and be seen by every other process, and a new client's id must never be handed out twice.
So:

- a new id comes from one counter, in a range of its own above every id a caller may post
  (credit_common.client_ids), and above the largest id the application tables hold; when the range
  is used up, the counter refuses (ClientIdsExhaustedError, a 503) rather than give an id the paths
  refuse;
- an application is written only once it was validated and scored, in one Lua script: its raw fields
  and its `application` view row (the very bytes a Feast push writes: same key, fields, ValueProtos and
  `_ts` timestamp) land together or not at all, and never over a client that already exists.

Every call is bounded by the request-path timeout and not retried (credit_features.redis_client); a
failure is FeatureStoreUnavailableError (503), never a half-written client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import redis.asyncio
from redis.exceptions import RedisError

from credit_common.client_ids import FIRST_ALLOCATED_ID, MAX_CLIENT_ID
from credit_features.backend import project_name
from credit_features.errors import FeatureStoreUnavailableError
from credit_features.redis_client import bounded_async_redis
from credit_features.redis_layout import (
    client_keys,
    feature_field,
    timestamp_bytes,
    timestamp_field,
    value_protos,
)
from credit_features.settings import FeatureSettings

PREFIX = "credit:applications"
#: The view a new application fills (the others hold history, which a new client has none of).
APPLICATION_VIEW = "application"

# The counter moves to max(counter, floor) + 1, or stays and answers 0 past ARGV[2] (the last id).
# Ids stay below 10^12, exact in Lua's doubles.
_NEXT_ID = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if current < floor then current = floor end
current = current + 1
if current > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], current)
return current
"""

# KEYS: record, features hash. ARGV: record JSON, then hash field/value pairs.
# 0 when the client exists already (either key): nothing is written.
_ADD = """
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], unpack(ARGV, 2))
return 1
"""


class ClientIdsExhaustedError(FeatureStoreUnavailableError):
    """Every id of the allocated range is handed out: a new application must post its own id (503)."""


def _record_key(client_id: int) -> str:
    return f"{PREFIX}:{client_id}"


def feature_hash(features: Sequence[str], values: np.ndarray, event_micros: int) -> dict[bytes, bytes]:
    """The `application` view's hash fields of one client, as Feast's push writes them."""
    cells = value_protos(np.asarray(values, dtype=np.float64))
    return {
        timestamp_field(APPLICATION_VIEW): timestamp_bytes(event_micros),
        **{feature_field(APPLICATION_VIEW, name): cell for name, cell in zip(features, cells, strict=True)},
    }


@contextmanager
def _unavailable_on_failure() -> Iterator[None]:
    try:
        yield
    except (RedisError, OSError) as error:
        raise FeatureStoreUnavailableError(
            f"the application store is unavailable: {type(error).__name__}"
        ) from error


class ApplicationStore:
    """Id allocation, atomic writes and reads of new applications in the online store's Redis."""

    def __init__(self, client: redis.asyncio.Redis, project: str | None = None) -> None:
        self._client = client
        self._project = project or project_name()
        self._counter = f"{PREFIX}:next-id"
        self._next_id = client.register_script(_NEXT_ID)
        self._add = client.register_script(_ADD)

    @classmethod
    def open(cls, settings: FeatureSettings) -> ApplicationStore:
        return cls(bounded_async_redis(settings))

    async def close(self) -> None:
        await self._client.aclose()

    async def allocate_id(self, floor: int = 0) -> int:
        """A client id never handed out before, in the allocated range and above `floor` (the tables'
        largest id). ClientIdsExhaustedError when none is left."""
        lowest = max(int(floor), FIRST_ALLOCATED_ID - 1)
        with _unavailable_on_failure():
            allocated = int(await self._next_id(keys=[self._counter], args=[lowest, MAX_CLIENT_ID]))
        if allocated == 0:
            raise ClientIdsExhaustedError(
                f"every client id from {FIRST_ALLOCATED_ID} to {MAX_CLIENT_ID} is allocated: post the "
                "application with its own SK_ID_CURR"
            )
        return allocated

    async def add(self, client_id: int, record: Mapping[str, Any], features: Mapping[bytes, bytes]) -> bool:
        """Store the application and its feature hash together; False (nothing written) when the
        client exists already."""
        (features_key,) = client_keys(self._project, [client_id])
        pairs = [part for item in features.items() for part in item]
        with _unavailable_on_failure():
            written = await self._add(
                keys=[_record_key(client_id), features_key],
                args=[json.dumps(dict(record), separators=(",", ":")), *pairs],
            )
        return bool(written)

    async def get(self, client_id: int) -> dict[str, Any] | None:
        """The raw fields of a posted application, or None."""
        with _unavailable_on_failure():
            stored = await self._client.get(_record_key(client_id))
        return None if stored is None else json.loads(stored)
