"""Explanations already computed, kept by (model, version, feature row) so that none is computed twice.

TreeSHAP is the costliest step of a decision (its cost grows with trees × leaves × depth²), while the
same clients are explained again and again with unchanged features. An explanation depends on nothing
but the model version, the row and how many reasons are asked for, and the store's key is made of
exactly those (the row by a digest of its float64 bytes). So a reused answer is the bytes of an exact
computation on the same inputs; a changed application is another key; a new champion is another
namespace (the previous one is dropped after a swap). Redis holds it: shared by every explain replica,
kept across restarts.

An answer is stored zlib-compressed with a preset dictionary of the strings every answer repeats (the
catalog's feature names and the family keys): 2.3 KB of protobuf become 1.1 KB (measured on the
demo's 3,562 clients), which keeps a client's hash and its stored explanation within 8 KB of Redis,
for 7 µs of decompression. The dictionary follows the code (a new feature changes it), so its digest
is part of the key: a process of another release misses rather than misreads.

The store is an accelerator, never a dependency: when Redis is slow or down, explanations are computed
as if it were empty. A short socket timeout and no retry bound what one call can cost; after a
failure the store is left alone for a few seconds, so a stalled Redis costs one timeout, not one
per request.
"""

from __future__ import annotations

import hashlib
import logging
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import get_args

import numpy as np

from credit_features.backend import FEATURE_SERVICE
from credit_features.catalog import feature_catalog
from credit_features.families import FAMILY_BY_KEY
from credit_features.redis_client import (
    REDIS_FAILURES,
    AsyncReads,
    AsyncRedis,
    bounded_async_redis,
    get_many,
    request_reads,
)
from credit_features.settings import FeatureSettings
from credit_model.lending_policy import Rule
from credit_model.registry import ModelUri
from protos.credit.v1 import explain_pb2
from serving_base.bundle import ModelBundle

log = logging.getLogger(__name__)
PREFIX = "credit:explanations"
#: The layout of a stored answer; bumped when ExplainResponse gains what readers need (2: families and
#: each family's strongest features; 3: compressed), so that answers stored before are never reused as
#: if complete. The compression dictionary's digest follows it in the key.
FORMAT = "f3"
#: A row's digest in its key: 96 bits (two of ten million rows share one with odds under 1e-15), and a key
#: of under 60 bytes, which Redis's allocator then holds in 64 rather than 80 (16 bytes a client).
ROW_DIGEST_BYTES = 12
#: zlib's level: 9 gains 0.05 % on these answers over 6 and costs more time.
COMPRESSION_LEVEL = 6
#: How long a stored explanation lives unless the service is told otherwise.
DEFAULT_TTL_SECONDS = 7 * 86400
#: A store read slower than this is skipped: computing the explanation costs a few milliseconds.
SOCKET_TIMEOUT_SECONDS = 0.05
#: After a failure, the store is bypassed this long (and one warning is logged per such pause).
PAUSE_SECONDS = 5.0


@cache
def compression_dictionary() -> bytes:
    """zlib's preset dictionary: the strings answers repeat (the policy's rules, the feature service,
    the features, the families), the most frequent last, where zlib reaches them with the shortest
    distances."""
    features = [spec.name for specs in feature_catalog().values() for spec in specs]
    return "\n".join([*get_args(Rule), FEATURE_SERVICE, *features, *FAMILY_BY_KEY]).encode()


@cache
def answer_format() -> str:
    """The key part naming how an answer is stored: the format and the dictionary's digest."""
    return f"{FORMAT}.{hashlib.blake2b(compression_dictionary(), digest_size=2).hexdigest()}"


def encode_answer(body: explain_pb2.ExplainResponse) -> bytes:
    """Raw deflate (no zlib header and checksum: 6 bytes an answer; Redis keeps the value intact)."""
    compressor = zlib.compressobj(COMPRESSION_LEVEL, wbits=-15, zdict=compression_dictionary())
    return compressor.compress(body.SerializeToString()) + compressor.flush()


def decode_answer(blob: bytes) -> explain_pb2.ExplainResponse:
    inflater = zlib.decompressobj(wbits=-15, zdict=compression_dictionary())
    return explain_pb2.ExplainResponse.FromString(inflater.decompress(blob) + inflater.flush())


@dataclass(frozen=True)
class StoredAnswer:
    """An answer found in the store: its key, which names the computation it is the result of (so the
    same key always holds the same answer), and its bytes."""

    key: bytes
    blob: bytes

    def decoded(self) -> explain_pb2.ExplainResponse:
        return decode_answer(self.blob)


def version_namespace(model_name: str, version: str) -> str:
    """The part of every key that names the model version."""
    return f"{PREFIX}:{model_name}:{version}"


def explanation_keys(
    model_name: str, version: str, each_way: Sequence[int], matrix: np.ndarray
) -> list[bytes]:
    """One key per row: the version's namespace, the answer's format, the number of reasons each way, the
    row's digest.

    Every NaN is hashed as the same bytes: a missing value is missing whatever NaN payload carried it.
    """
    namespace = version_namespace(model_name, version)
    rows = np.array(matrix, dtype=np.float64, order="C")
    rows[np.isnan(rows)] = np.nan
    return [
        f"{namespace}:{answer_format()}:{ways}:".encode()
        + hashlib.blake2b(row.tobytes(), digest_size=ROW_DIGEST_BYTES).digest()
        for ways, row in zip(each_way, rows, strict=True)
    ]


def served_key(model_uri: str) -> str:
    """Where an explain service following `model_uri` records the version it serves: a reader that
    believes in another version must not reuse what it finds (it goes through the service, which
    tells it the new one)."""
    return f"{PREFIX}:served:{model_uri}"


def population_key(model_name: str, version: str) -> str:
    """Where the warm-up records that every known client of the version is explained."""
    return f"{version_namespace(model_name, version)}:population"


class ExplanationStore:
    """Serialized explanations (ExplainResponse without request and client ids) by key, in Redis."""

    def __init__(
        self, client: AsyncRedis, ttl_seconds: int = DEFAULT_TTL_SECONDS, reads: AsyncReads | None = None
    ) -> None:
        self._client = client
        self._reads = reads or client  # the gets (pipelined where they can be: request_reads)
        self._ttl = ttl_seconds
        self._paused_until = 0.0

    @classmethod
    def open(cls, settings: FeatureSettings, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> ExplanationStore:
        """The store in the online store's Redis, with a socket timeout fit for a cache."""
        return cls(
            bounded_async_redis(settings, SOCKET_TIMEOUT_SECONDS),
            ttl_seconds,
            request_reads(settings, SOCKET_TIMEOUT_SECONDS),
        )

    async def get(self, keys: Sequence[bytes]) -> list[explain_pb2.ExplainResponse | None]:
        """The stored explanation of each key, None where there is none (or the store failed)."""
        if self._paused():
            return [None] * len(keys)
        try:
            blobs = await get_many(self._reads, keys)
        except REDIS_FAILURES as error:
            self._warn("read", error)
            return [None] * len(keys)
        return [None if blob is None else decode_answer(blob) for blob in blobs]

    async def reusable(
        self, model_uri: str, version: str, each_way: int, row: np.ndarray
    ) -> StoredAnswer | None:
        """The stored explanation of a row, only while `version` is the one the explain service
        following `model_uri` serves (one MGET reads both; one per node on a cluster): the gateway's way
        to skip the gRPC call without ever serving a decision of a replaced model."""
        if self._paused():
            return None
        key = explanation_keys(ModelUri.parse(model_uri).name, version, [each_way], row.reshape(1, -1))[0]
        try:
            blob, served = await get_many(self._reads, [key, served_key(model_uri)])
        except REDIS_FAILURES as error:
            self._warn("read", error)
            return None
        if blob is None or served is None or served.decode() != version:
            return None
        return StoredAnswer(key, blob)

    async def mark_served(self, model_uri: str, bundle: ModelBundle) -> None:
        """Record the version served for `model_uri` (readers compare it with theirs)."""
        try:
            await self._client.set(served_key(model_uri), bundle.version)
        except REDIS_FAILURES as error:  # readers then find no marker of their version: no reuse
            self._warn("mark", error)

    async def put(self, bodies: dict[bytes, explain_pb2.ExplainResponse]) -> None:
        """Store explanations, given without request and client ids (those belong to one call), if the
        store is up: a request's answer is not held up by its cache."""
        if not bodies or self._paused():
            return
        try:
            await self.write(bodies)
        except REDIS_FAILURES as error:
            self._warn("write", error)

    async def write(self, bodies: dict[bytes, explain_pb2.ExplainResponse]) -> None:
        """Store explanations or raise: for the population's warm-up, which marks the population
        explained only once every answer is stored (so it retries a failed write instead)."""
        async with self._client.pipeline(transaction=False) as pipe:
            for key, body in bodies.items():
                pipe.set(key, encode_answer(body), ex=self._ttl)
            await pipe.execute()

    async def missing(self, keys: Sequence[bytes]) -> list[bool]:
        """For each key, whether nothing is stored under it yet."""
        async with self._client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.exists(key)
            return [not found for found in await pipe.execute()]

    async def unmark_population(self, bundle: ModelBundle) -> None:
        """Withdraw the mark while a warm-up runs: a readiness check then waits for this one."""
        await self._client.delete(population_key(bundle.name, bundle.version))

    async def mark_population(self, bundle: ModelBundle, clients: int) -> None:
        """Record that every known client of the version is explained (read by readiness checks)."""
        await self._client.set(population_key(bundle.name, bundle.version), clients, ex=self._ttl)

    async def drop_unserved_versions(self, bundle: ModelBundle) -> int:
        """Delete the explanations of the model's versions that no explain service serves any more
        (the bundle's own is always kept; another deployment may serve a challenger); the number of
        keys deleted. Deleting is never wrong, only a future miss: a racing swap costs a recomputation."""
        served = {bundle.version}
        async for key in self._client.scan_iter(match=served_key("*"), count=1000):
            uri = key.decode().removeprefix(served_key(""))
            version = await self._client.get(key)
            if version is not None and ModelUri.parse(uri).name == bundle.name:
                served.add(version.decode())
        namespace = f"{PREFIX}:{bundle.name}:".encode()
        stale: list[bytes] = []
        dropped = 0
        async for key in self._client.scan_iter(match=namespace + b"*", count=1000):
            if key[len(namespace) :].split(b":", 1)[0].decode() not in served:
                stale.append(key)
            if len(stale) >= 1000:
                dropped += await self._client.unlink(*stale)
                stale.clear()
        if stale:
            dropped += await self._client.unlink(*stale)
        return dropped

    def _paused(self) -> bool:
        return time.monotonic() < self._paused_until

    def _warn(self, operation: str, error: Exception) -> None:
        self._paused_until = time.monotonic() + PAUSE_SECONDS
        log.warning(
            "explanation store unavailable", extra={"operation": operation, "error": type(error).__name__}
        )

    async def close(self) -> None:
        await self._client.aclose()
        if self._reads is not self._client:
            await self._reads.aclose()
