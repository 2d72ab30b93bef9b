"""Redis's DUMP format of a hash held as a listpack: what RESTORE takes to create a whole hash at once.

Why: training.features.whole_hashes hands Redis each new client's hash ready-made, so Redis copies
one blob instead of looking up and inserting 429 fields one at a time. The bytes are the ones Redis
itself would hold after the HSETs (a test compares DUMPs of both), per Redis 7.0's listpack.c/rdb.h:

- a listpack: its size in bytes (uint32 LE), its number of entries (uint16 LE), the entries, 0xFF;
- an entry: encoding and data, then its "backlen" (the length of both, for walking backwards);
- a string of under 64 bytes: 10LLLLLL then the bytes; under 4096: 1110LLLL LLLLLLLL then the bytes;
- a string that reads as a decimal int64 ("17", "-3", not "017" or "+1") is stored as that integer,
  in the smallest of: 7-bit unsigned, 13-bit, then F1/F2/F3/F4 and 16/24/32/64 bits little-endian;
- the payload: RDB type 16 (a hash as listpack), the listpack as an RDB string (length 00LLLLLL,
  01LLLLLL LLLLLLLL or 0x80 and uint32 BE), the RDB version (uint16 LE) and the CRC-64/Redis of all
  that (uint64 LE). Version 10 is Redis 7.0's, the first with this type: later servers accept it.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable

import anycrc

RDB_TYPE_HASH_LISTPACK = 16
RDB_VERSION = 10
LISTPACK_END = b"\xff"
#: Bytes around a listpack's entries: the 6-byte header and the end byte.
LISTPACK_OVERHEAD = 7
_UNKNOWN_COUNT = 65535
_CRC64 = anycrc.Model("CRC64-REDIS")
_INTEGER = re.compile(rb"-?[1-9][0-9]{0,19}|0")
_INT_RANGES = (  # (lowest, highest, encoding byte, data bytes) after the 7-bit and 13-bit forms
    (-(2**15), 2**15 - 1, 0xF1, 2),
    (-(2**23), 2**23 - 1, 0xF2, 3),
    (-(2**31), 2**31 - 1, 0xF3, 4),
    (-(2**63), 2**63 - 1, 0xF4, 8),
)


def _backlen(length: int) -> bytes:
    if length <= 127:
        return bytes([length])
    if length < 16383:
        return bytes([length >> 7, (length & 127) | 128])
    raise ValueError(f"a listpack entry of {length} bytes is beyond this encoder")


def _integer_entry(value: int) -> bytes:
    if 0 <= value <= 127:
        encoded = bytes([value])
    elif -4096 <= value <= 4095:
        unsigned = value & 0x1FFF
        encoded = bytes([0xC0 | (unsigned >> 8), unsigned & 0xFF])
    else:
        _, _, tag, size = next(r for r in _INT_RANGES if r[0] <= value <= r[1])
        encoded = bytes([tag]) + (value & (2 ** (8 * size) - 1)).to_bytes(size, "little")
    return encoded + _backlen(len(encoded))


def entry(raw: bytes) -> bytes:
    """One listpack entry holding `raw`, encoded as Redis encodes it."""
    if _INTEGER.fullmatch(raw) and -(2**63) <= (number := int(raw)) < 2**63:
        return _integer_entry(number)
    if len(raw) < 64:
        encoded = bytes([0x80 | len(raw)]) + raw
    elif len(raw) < 4096:
        encoded = bytes([0xE0 | (len(raw) >> 8), len(raw) & 0xFF]) + raw
    else:
        raise ValueError(f"a field or value of {len(raw)} bytes is beyond this encoder")
    return encoded + _backlen(len(encoded))


def listpack_header(content_bytes: int, entries: int) -> bytes:
    """The header of a listpack whose entries take `content_bytes` (the end byte follows them)."""
    return struct.pack("<IH", LISTPACK_OVERHEAD + content_bytes, min(entries, _UNKNOWN_COUNT))


def _rdb_length(length: int) -> bytes:
    if length < 64:
        return bytes([length])
    if length < 16384:
        return bytes([0x40 | (length >> 8), length & 0xFF])
    return b"\x80" + struct.pack(">I", length)


def hash_payload(listpack_parts: Iterable[bytes], listpack_bytes: int) -> bytes:
    """RESTORE's payload of a hash whose listpack is the concatenation of `listpack_parts`
    (header, entries, end byte), `listpack_bytes` long."""
    body = b"".join(
        (
            bytes([RDB_TYPE_HASH_LISTPACK]),
            _rdb_length(listpack_bytes),
            *listpack_parts,
            struct.pack("<H", RDB_VERSION),
        )
    )
    return body + struct.pack("<Q", _CRC64.calc(body))
