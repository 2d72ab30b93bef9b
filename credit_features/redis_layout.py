"""The one codec of Feast's Redis online-store layout, for the writer (materialize) and the readers.

Feast keeps one Redis hash per client: the key is the serialized entity key followed by the project
name; each feature is a hash field named by the murmur3 hash of "<view>:<feature>" whose value is a
serialized ValueProto; "_ts:<view>" holds the view's event time as a protobuf Timestamp. Knowing the
layout here, once, lets a reader skip Feast's per-value protobuf objects, and lets materialize write
bytes that Feast reads back unchanged (the integration tests compare both with Feast's own helpers).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Sequence

import mmh3
import numpy as np
from google.protobuf.timestamp_pb2 import Timestamp

#: A Float64 ValueProto is field 5 (double_val), wire type 1 (64-bit): tag byte (5 << 3) | 1.
DOUBLE_TAG = 0x29
#: One serialized Float64 ValueProto: the tag and 8 little-endian bytes (a missing value is b"").
CELL = np.dtype([("tag", "u1"), ("value", "<f8")])
NAN_CELL = bytes([DOUBLE_TAG]) + struct.pack("<d", float("nan"))
ENTITY = "SK_ID_CURR"
_STRING_TYPE, _INT64_TYPE = 2, 4  # Feast ValueType codes used by entity key serialization v3
_ENTITY_PREFIX = (
    struct.pack("<I", 1)
    + struct.pack("<II", _STRING_TYPE, len(ENTITY))
    + ENTITY.encode()
    # then the value: its type, its length (8) and the int64
    + struct.pack("<II", _INT64_TYPE, 8)
)


class LayoutError(ValueError):
    """The online store holds bytes this codec does not produce (another type, another version)."""


def client_keys(project: str, client_ids: Iterable[int]) -> list[bytes]:
    """Redis keys of clients: entity key serialization v3 of SK_ID_CURR (int64), then the project."""
    suffix = project.encode()
    return [_ENTITY_PREFIX + struct.pack("<q", int(i)) + suffix for i in client_ids]


def client_key_pattern(project: str) -> bytes:
    """A Redis SCAN pattern matching every client key of the project (glob characters escaped)."""
    return _glob_escape(_ENTITY_PREFIX) + b"*" + _glob_escape(project.encode())


def client_id_of(key: bytes, project: str) -> int | None:
    """The client id a key holds (None for a key of another shape that the pattern also matched)."""
    suffix = project.encode()
    if len(key) != len(_ENTITY_PREFIX) + 8 + len(suffix) or not key.startswith(_ENTITY_PREFIX):
        return None
    if not key.endswith(suffix):
        return None
    return struct.unpack_from("<q", key, len(_ENTITY_PREFIX))[0]


def _glob_escape(raw: bytes) -> bytes:
    return b"".join(b"\\" + bytes([c]) if c in b"*?[]\\" else bytes([c]) for c in raw)


def feature_field(view: str, feature: str) -> bytes:
    """Hash field of one feature: murmur3 (unsigned, little-endian) of "<view>:<feature>"."""
    return struct.pack("<I", mmh3.hash(f"{view}:{feature}", signed=False))


def timestamp_field(view: str) -> bytes:
    """Hash field holding a view's event time."""
    return f"_ts:{view}".encode()


def encode_doubles(values: np.ndarray) -> np.ndarray:
    """Serialized Float64 ValueProtos of a float array, as packed 9-byte records (NaN kept as NaN:
    writers store a missing value as b"")."""
    cells = np.empty(values.shape, dtype=CELL)
    cells["tag"] = DOUBLE_TAG
    cells["value"] = values
    return cells


def value_protos(values: np.ndarray) -> list[bytes]:
    """The bytes Feast stores for each float: a `double_val` ValueProto, or b"" for NaN."""
    flat = np.ascontiguousarray(values, dtype=np.float64).ravel()
    raw = encode_doubles(flat).tobytes()
    missing = np.isnan(flat)
    return [b"" if missing[i] else raw[9 * i : 9 * i + 9] for i in range(flat.size)]


def decode_doubles(cells: Sequence[bytes | None], shape: tuple[int, int]) -> np.ndarray:
    """A (rows × features) matrix from stored values; a missing or empty value is NaN."""
    blob = b"".join(cell or NAN_CELL for cell in cells)
    if len(blob) != CELL.itemsize * len(cells):
        raise LayoutError("the online store holds a value that is not a Float64 ValueProto")
    decoded = np.frombuffer(blob, dtype=CELL)
    if not (decoded["tag"] == DOUBLE_TAG).all():
        raise LayoutError("the online store holds a value that is not a Float64 ValueProto")
    return decoded["value"].reshape(shape)


def timestamp_bytes(micros: int) -> bytes:
    """A view's `_ts` value: protobuf Timestamp of the event time (microsecond precision)."""
    seconds, remainder = divmod(int(micros), 1_000_000)
    return Timestamp(seconds=seconds, nanos=remainder * 1000).SerializeToString()


def timestamp_nanos(stored: bytes) -> int:
    """Nanoseconds since the epoch of a stored `_ts` value."""
    parsed = Timestamp()
    parsed.ParseFromString(stored)
    return parsed.seconds * 1_000_000_000 + parsed.nanos


def parse_connection_string(connection_string: str) -> tuple[list[tuple[str, int]], dict[str, object]]:
    """The servers and the redis-py keyword options of Feast's `host:port[,host:port...][,key=value...]`.

    Values are JSON when they parse as JSON (db=15, ssl=true, socket_timeout=0.5), text otherwise,
    as Feast reads them. No server named means 127.0.0.1:6379.
    """
    options: dict[str, object] = {}
    hosts = []
    for part in connection_string.split(","):
        if "=" in part:
            key, value = part.split("=", 1)
            try:
                options[key] = json.loads(value)
            except json.JSONDecodeError:
                options[key] = value
        elif part:
            host, _, port = part.partition(":")
            hosts.append((host or "127.0.0.1", int(port or 6379)))
    return hosts or [("127.0.0.1", 6379)], options


def connection_options(connection_string: str) -> dict[str, object]:
    """redis-py keyword arguments of one server: the first the connection string names."""
    hosts, options = parse_connection_string(connection_string)
    host, port = hosts[0]
    return {"host": host, "port": port, **options}
