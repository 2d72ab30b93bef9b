"""RESTORE of the payloads training.features.dump_payload builds gives the hash Redis builds with HSET.

Compared by DUMP: Redis serializes both hashes from what it holds, so equal DUMPs mean equal listpacks,
byte for byte (entries, their encodings, their order), not only equal fields and values.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from credit_features.redis_layout import timestamp_bytes
from training.features.dump_payload import (
    LISTPACK_END,
    LISTPACK_OVERHEAD,
    entry,
    hash_payload,
    listpack_header,
)

pytestmark = pytest.mark.integration

DB = int(os.environ.get("DUMP_PAYLOAD_TEST_DB", "12"))
PROTO = b")" + struct.pack("<d", -1.5)


def _payload(pairs: list[tuple[bytes, bytes]]) -> bytes:
    entries = [entry(raw) for pair in pairs for raw in pair]
    content = sum(map(len, entries))
    return hash_payload(
        [listpack_header(content, len(entries)), *entries, LISTPACK_END], LISTPACK_OVERHEAD + content
    )


@pytest.fixture
def scratch() -> Iterator[redis.Redis]:
    client = redis.Redis(host=os.environ.get("REDIS_HOST", "127.0.0.1"), db=DB)
    client.flushdb()
    yield client
    client.flushdb()


@contextmanager
def _listpack_values_up_to(client: redis.Redis, size: int) -> Iterator[None]:
    """The server keeps fields and values of `size` bytes in listpacks meanwhile (HSET would turn the
    hash into a hash table otherwise: whole hashes are only written when no field is that long)."""
    setting = "hash-max-listpack-value"
    before = int(client.config_get(setting)[setting])
    client.config_set(setting, max(before, size))
    try:
        yield
    finally:
        client.config_set(setting, before)


def _listpack_limit(client: redis.Redis) -> int:
    return int(client.config_get("hash-max-listpack-entries")["hash-max-listpack-entries"])


@pytest.mark.parametrize(
    "field",
    [
        b"\x9a\x01\xff\x10",  # a murmur3 name, as every feature field
        b"1234",  # reads as an integer: Redis stores it as a 13-bit int
        b"9999",  # a 16-bit int
        b"-77",
        b"0",
        b"7",  # a 7-bit uint
        b"0123",  # a leading zero: stays a string
        b"+5",
        b"99999999999999999999",  # beyond int64: a string
        b"_ts:previous_application_features",
        b"n" * 70,  # over 63 bytes: a 12-bit length (the server's listpack value limit is raised)
    ],
)
def test_a_restored_hash_is_the_listpack_hset_builds(scratch: redis.Redis, field: bytes) -> None:
    # given fields and values as materialize writes them, around one field of each shape
    pairs = [(b"_ts:application", timestamp_bytes(1_700_000_000_123_456)), (field, PROTO), (b"abcd", b"")]
    pairs += [(struct.pack("<I", i * 2_654_435_761 % 2**32), PROTO) for i in range(60)]
    # when one hash is built by HSET in that order and the other restored from the payload
    with _listpack_values_up_to(scratch, len(field)):
        for name, value in pairs:
            scratch.hset("hset", name, value)
        scratch.restore("restored", 0, _payload(pairs))
    # then Redis holds the same listpack for both
    assert scratch.object("encoding", "restored") == b"listpack"
    assert scratch.dump("restored") == scratch.dump("hset")


def test_a_hash_above_the_listpack_limit_becomes_the_same_hash_table(scratch: redis.Redis) -> None:
    # given more fields than the server keeps in a listpack
    size = _listpack_limit(scratch) + 10
    pairs = [(struct.pack("<I", i * 2_654_435_761 % 2**32), PROTO if i % 3 else b"") for i in range(size)]
    # when restored
    scratch.restore("restored", 0, _payload(pairs))
    scratch.hset("hset", mapping=dict(pairs))
    # then Redis turned it into a hash table holding the same fields and values
    assert scratch.object("encoding", "restored") == b"hashtable"
    assert scratch.hgetall("restored") == scratch.hgetall("hset") == dict(pairs)


def test_a_damaged_payload_is_refused_and_writes_nothing(scratch: redis.Redis) -> None:
    payload = bytearray(_payload([(b"abcd", PROTO)]))
    payload[10] ^= 0xFF
    with pytest.raises(redis.ResponseError, match="checksum"):
        scratch.restore("damaged", 0, bytes(payload))
    assert not scratch.exists("damaged")
