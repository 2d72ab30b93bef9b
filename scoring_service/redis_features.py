"""Fast reads of a feature service's values from Feast's Redis online store.

Feast's `get_online_features` spends most of a request turning every value into protobuf objects
and back (~7 ms for one client's 423 features, ~300 ms for 100 clients). This reader reads the same
Redis hashes (keys and field names built by Feast's own Redis store), one HGETALL per client in one
pipeline, and decodes the Float64 ValueProtos (tag 0x29 + 8 little-endian bytes; b"" = missing)
with NumPy.
Tests check it returns exactly what `get_online_features` returns.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
from feast import FeatureStore
from feast.infra.online_stores.redis import RedisOnlineStore, _versioned_fv_name
from feast.protos.feast.types.EntityKey_pb2 import EntityKey as EntityKeyProto
from feast.protos.feast.types.Value_pb2 import Value as ValueProto

DOUBLE_TAG = 0x29
_CELL = np.dtype([("tag", "u1"), ("value", "<f8")])  # a serialized Float64 ValueProto: 9 bytes
_NAN_CELL = bytes([DOUBLE_TAG]) + struct.pack("<d", float("nan"))
ENTITY = "SK_ID_CURR"


class RedisFeatureReader:
    """Reads the Float64 features of a feature service for clients, in the service's feature order."""

    def __init__(self, store: FeatureStore, feature_service: str) -> None:
        # Feast's own Redis client and key builders, so keys and fields are exactly Feast's.
        online_store = store._get_provider().online_store
        if not isinstance(online_store, RedisOnlineStore):
            raise TypeError("the fast reader needs Feast's Redis online store")
        self._store = online_store
        self._config = store.config
        self._client = online_store._get_client(store.config.online_store)
        self.names: list[str] = []
        self._fields: list[bytes] = []  # every feature's hash field, in `names` order
        for projection in store.get_feature_service(feature_service).feature_view_projections:
            view = store.get_feature_view(projection.name)
            features = [feature.name for feature in projection.features]
            _, fields = online_store._generate_hset_keys_for_features(
                view, list(features), fv_name_override=_versioned_fv_name(view, store.config)
            )
            self.names += features
            # the last field is the view's timestamp: not needed here
            self._fields += [f.encode() if isinstance(f, str) else f for f in fields[:-1]]

    def _keys(self, client_ids: Sequence[int]) -> list[bytes]:
        entity_keys = [
            EntityKeyProto(join_keys=[ENTITY], entity_values=[ValueProto(int64_val=int(i))])
            for i in client_ids
        ]
        return self._store._generate_redis_keys_for_entities(self._config, entity_keys)

    def matrix(self, client_ids: Sequence[int]) -> np.ndarray:
        """(clients × features) float matrix; NaN where a value is missing (or the client unknown)."""
        # One HGETALL per client: all views live in the client's hash, and Redis scans a small hash
        # once instead of once per field as HMGET does (0.2 ms instead of 1.1 ms for 429 fields).
        with self._client.pipeline(transaction=False) as pipe:
            for key in self._keys(client_ids):
                pipe.hgetall(key)
            replies = pipe.execute()
        # Missing cells become a NaN ValueProto, so every cell is 9 bytes and one NumPy view decodes all.
        cells = [reply.get(field) or _NAN_CELL for reply in replies for field in self._fields]
        decoded = np.frombuffer(b"".join(cells), dtype=_CELL)
        if decoded.size != len(cells) or not (decoded["tag"] == DOUBLE_TAG).all():
            raise ValueError("the online store holds a value that is not a Float64 ValueProto")
        return decoded["value"].reshape(len(client_ids), len(self.names))

    def rows(self, client_ids: Sequence[int]) -> list[dict[str, Any] | None]:
        """{feature: value or None} per client; None for a client with no value at all (unknown)."""
        values = self.matrix(client_ids)
        known = ~np.isnan(values)
        return [
            {name: (float(v) if ok else None) for name, v, ok in zip(self.names, row, mask, strict=True)}
            if mask.any()
            else None
            for row, mask in zip(values, known, strict=True)
        ]
