"""New loan applications, kept in Redis beside their online features: ids, raw fields, atomic writes.

Why Redis and not the gateway's memory: an application posted to one gateway process must survive its
restart and be seen by every other process, and a new client's id must never be handed out twice.
So:

- a new id comes from one counter, in a range of its own above every id a caller may post
  (credit_common.client_ids), and above the largest id the application tables hold; when the range
  is used up, the counter refuses (ClientIdsExhaustedError, a 503) rather than give an id the paths
  refuse;
- an application is written only once it was validated and scored, in one Lua script over one key: the
  client's hash, which receives its `application` view row (the very bytes a Feast push writes: same
  key, fields, ValueProtos and `_ts` timestamp) and its raw fields (one more field, `_application`,
  that Feast's readers never ask for), together or not at all, and never over a client that exists.
  One key, because on a Redis Cluster a script may only touch keys of one slot, and Feast's binary
  entity key cannot carry a hash tag that would put a second key beside it;
- the advisors' search index (a sorted set) is written first, and holds ids only: an entry whose
  client was never written (refused, or a crash in between) points at no `_application` field and is
  skipped by readers, so the two writes need no transaction.

Every call is bounded by the request-path timeout and not retried (credit_features.redis_client); a
failure is FeatureStoreUnavailableError (503), never a half-written client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from credit_common.client_ids import FIRST_ALLOCATED_ID, MAX_CLIENT_ID
from credit_features.acknowledged_writes import AcknowledgedWrites
from credit_features.backend import project_name
from credit_features.errors import FeatureStoreUnavailableError
from credit_features.redis_client import AsyncRedis, bounded_async_redis
from credit_features.redis_layout import (
    client_keys,
    feature_field,
    timestamp_bytes,
    timestamp_field,
    value_protos,
)
from credit_features.settings import FeatureSettings
from credit_features.store_failures import unavailable_on_failure

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

# KEYS: the client's hash. ARGV: its field/value pairs. 0 when the client exists: nothing is written.
_ADD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""
#: The hash field holding a posted application's raw fields (JSON).
RECORD_FIELD = b"_application"
#: The fields of a posted application the advisors' search lists.
SUMMARY_FIELDS = ("SK_ID_CURR", "NAME_CONTRACT_TYPE", "NAME_INCOME_TYPE", "AMT_CREDIT")


class ClientIdsExhaustedError(FeatureStoreUnavailableError):
    """Every id of the allocated range is handed out: a new application must post its own id (503)."""


def feature_hash(features: Sequence[str], values: np.ndarray, event_micros: int) -> dict[bytes, bytes]:
    """The `application` view's hash fields of one client, as Feast's push writes them."""
    cells = value_protos(np.asarray(values, dtype=np.float64))
    return {
        timestamp_field(APPLICATION_VIEW): timestamp_bytes(event_micros),
        **{feature_field(APPLICATION_VIEW, name): cell for name, cell in zip(features, cells, strict=True)},
    }


class ApplicationStore:
    """Id allocation, atomic writes and reads of new applications in the online store's Redis."""

    def __init__(
        self, client: AsyncRedis, project: str | None = None, writes: AcknowledgedWrites | None = None
    ) -> None:
        self._client = client
        self._project = project or project_name()
        self._counter = f"{PREFIX}:next-id"
        self._index = f"{PREFIX}:ids"
        self._writes = writes or AcknowledgedWrites(client, replicas=0, timeout_ms=0)

    @classmethod
    def open(cls, settings: FeatureSettings) -> ApplicationStore:
        client = bounded_async_redis(settings)
        writes = AcknowledgedWrites(client, settings.ack_replicas, settings.redis_ack_timeout_ms)
        return cls(client, writes=writes)

    async def close(self) -> None:
        await self._writes.close()
        await self._client.aclose()

    async def allocate_id(self, floor: int = 0) -> int:
        """A client id never handed out before, in the allocated range and above `floor` (the tables'
        largest id). ClientIdsExhaustedError when none is left."""
        lowest = max(int(floor), FIRST_ALLOCATED_ID - 1)
        with unavailable_on_failure("the application store"):
            # EVAL, not a registered script's EVALSHA: a replica promoted by a failover has no script
            # cache, and redis-py's cluster client answered NOSCRIPT from then on.
            allocated = int(await self._client.eval(_NEXT_ID, 1, self._counter, lowest, MAX_CLIENT_ID))
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
        raw = json.dumps(dict(record), separators=(",", ":")).encode()
        pairs = [part for item in {**features, RECORD_FIELD: raw}.items() for part in item]
        with unavailable_on_failure("the application store"):
            # Indexed first: the search skips an id whose client was not written (ids as text, equal
            # scores, so that a prefix is a range).
            await self._client.zadd(self._index, {str(client_id): 0})
            # Acknowledged once the configured replicas hold it: a master that dies next loses nothing.
            written = await self._writes.run(_ADD, features_key, pairs)
        return bool(written)

    async def search(self, prefix: str, limit: int) -> list[dict[str, Any]]:
        """Posted applications whose id starts with `prefix` (digits), in the order of their ids as
        text, as the application tables' search lists them: id, contract, income type, amount."""
        found: list[dict[str, Any]] = []
        offset = 0
        with unavailable_on_failure("the application store"):
            while len(found) < limit:
                page = await self._client.zrangebylex(
                    self._index, f"[{prefix}", f"[{prefix}\xff", offset, limit
                )
                if not page:
                    break
                found += [record for record in await self._records([int(i) for i in page]) if record]
                offset += len(page)
        return [{field: record.get(field) for field in SUMMARY_FIELDS} for record in found[:limit]]

    async def get(self, client_id: int) -> dict[str, Any] | None:
        """The raw fields of a posted application, or None."""
        with unavailable_on_failure("the application store"):
            (stored,) = await self._records([client_id])
        return stored or None

    async def _records(self, client_ids: Sequence[int]) -> list[dict[str, Any]]:
        """The posted applications of these clients, in order ({} for an id without one, which a
        refused or interrupted write indexed): one pipelined read, split per node on a cluster."""
        async with self._client.pipeline(transaction=False) as pipe:
            for key in client_keys(self._project, client_ids):
                pipe.hget(key, RECORD_FIELD)
            stored = await pipe.execute()
        return [json.loads(raw) if raw is not None else {} for raw in stored]
