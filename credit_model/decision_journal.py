"""The prediction log's journal: the binary segment a process appends decisions to, safe under kill -9.

A segment starts with MAGIC and a header naming the model's features once (u32 length, u32 CRC32, JSON).
Then one record per decision: u32 payload length, u32 CRC32 of the payload, and the payload: fixed
fields (time in µs, client id, probability, threshold, outcome code, lengths of the strings), the row as
float64 in the header's order, then the strings (UTF-8): the request id, the model version, and since
format 2 the model's name, the lending policy's version and the reasons as served (JSON), so that a
decision can be produced and replayed on request. Format 1 segments still read, without those three.

Appending a record costs a struct.pack, a CRC and one writev() of the row's own buffer: no per-feature
Python work (~14 µs for 423 features, where the JSON line it replaced cost ~450 µs and 16 KB:
bench/prediction_log.py). A record is one system call, so a killed process leaves only whole records; a
machine crash may leave a torn last one, which its length or CRC rejects, and the reader stops there.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from credit_model.journal_records import MAGIC, OUTCOME_CODES, PREFIX

log = logging.getLogger(__name__)

#: Segments written before the reasons were recorded: read, never written.
MAGIC_V1 = b"CDLOGJ01"
_COMMON_FIELDS = [
    ("time", "<i8"),
    ("client_id", "<i8"),
    ("probability", "<f8"),
    ("threshold", "<f8"),
    ("outcome", "u1"),
    ("id_length", "u1"),
    ("version_length", "<u2"),
]
#: The fixed fields as NumPy reads them back (packed, the same layout as _FIXED), per format.
_FIXED_DTYPES = {
    MAGIC: np.dtype(
        [*_COMMON_FIELDS, ("name_length", "<u2"), ("policy_length", "<u2"), ("reasons_length", "<u4")]
    ),
    MAGIC_V1: np.dtype(_COMMON_FIELDS),
}
#: The strings of a record, in order, with the fixed field holding each one's length.
_STRINGS = (
    ("request_id", "id_length"),
    ("model_version", "version_length"),
    ("model_name", "name_length"),
    ("policy_version", "policy_length"),
    ("reasons", "reasons_length"),
)
_BLOCK_ROWS = 512
#: The columns of a decision besides its features, in the order tables carry them.
SCALARS = pa.schema(
    [
        ("request_id", pa.string()),
        ("time", pa.timestamp("us", tz="UTC")),
        ("client_id", pa.int64()),
        ("model_version", pa.string()),
        ("probability", pa.float64()),
        ("threshold", pa.float64()),
        ("refused", pa.bool_()),
        ("outcome", pa.string()),
        ("model_name", pa.string()),
        ("policy_version", pa.string()),
        ("reasons", pa.string()),  # JSON: credit_model.served_reasons; null in format 1 segments
    ]
)


class JournalError(ValueError):
    """A file is not a journal segment (no magic, or a torn header: nothing was acknowledged in it)."""


def _features(data: bytes) -> tuple[tuple[str, ...], int, np.dtype]:
    """The segment's feature names, where its first record starts, and its format's fixed fields."""
    start = len(MAGIC) + PREFIX.size
    fixed = _FIXED_DTYPES.get(data[: len(MAGIC)])
    if fixed is None or len(data) < start:
        raise JournalError("not a prediction-log journal")
    length, crc = PREFIX.unpack_from(data, len(MAGIC))
    body = data[start : start + length]
    if len(body) != length or zlib.crc32(body) != crc:
        raise JournalError("torn journal header")
    return tuple(json.loads(body)["features"]), start + length, fixed


def journal_features(path: Path) -> tuple[str, ...]:
    """The feature names a segment's rows follow (read from its header only)."""
    with path.open("rb") as file:
        head = file.read(len(MAGIC) + PREFIX.size)
        if len(head) == len(MAGIC) + PREFIX.size:
            head += file.read(PREFIX.unpack_from(head, len(MAGIC))[0])
    return _features(head)[0]


def _record_starts(data: bytes, offset: int, width: int) -> tuple[np.ndarray, int]:
    """Where each complete record's payload starts, and where the complete records end (`width`: the
    fixed fields and the row)."""
    view, size, starts = memoryview(data), len(data), []
    while offset + PREFIX.size <= size:
        length, crc = PREFIX.unpack_from(data, offset)
        payload = offset + PREFIX.size
        if length < width or payload + length > size:
            break
        if zlib.crc32(view[payload : payload + length]) != crc:
            break
        starts.append(payload)
        offset = payload + length
    return np.array(starts, dtype=np.int64), offset


def _slices(data: bytes, starts: np.ndarray, width: int) -> bytes:
    """The `width` bytes at each start, back to back (one memcpy each: no per-value Python work)."""
    view = memoryview(data)
    return b"".join([view[start : start + width] for start in starts.tolist()])


def _columns(rows: np.ndarray, picked: list[int]) -> np.ndarray:
    """Columns `picked` of a (records, features) matrix as contiguous rows of a (picked, records) one,
    transposed by blocks of records that fit in cache (a record is 3 KB: column-wise reads miss)."""
    out = np.empty((len(picked), len(rows)), dtype=np.float64)
    every = picked == list(range(rows.shape[1]))
    for low in range(0, len(rows), _BLOCK_ROWS):
        block = rows[low : low + _BLOCK_ROWS]
        out[:, low : low + _BLOCK_ROWS] = (block if every else block[:, picked]).T
    return out


def read_journal(path: Path, columns: Sequence[str] | None = None) -> pa.Table:
    """A segment's complete records as a table (SCALARS then features; NaN read as null).

    `columns` keeps only those names that the segment has, in that order (None: all). Reading stops at
    the first record whose length or CRC is wrong: a torn tail, or a record still being written.
    """
    data = path.read_bytes()
    features, offset, fixed = _features(data)
    width = 8 * len(features)
    starts, end = _record_starts(data, offset, fixed.itemsize + width)
    if end < len(data):
        log.warning("journal tail ignored", extra={"path": path.name, "bytes": len(data) - end})
    wanted = list(SCALARS.names) + list(features) if columns is None else list(columns)
    position = {name: i for i, name in enumerate(features)}
    kept = [name for name in wanted if name in position or name in SCALARS.names]
    named = [name for name in kept if name in position]
    arrays = _scalars(data, starts, fixed, width) if len(named) < len(kept) else {}
    if named:
        rows = np.frombuffer(_slices(data, starts + fixed.itemsize, width), np.float64).reshape(
            len(starts), len(features)
        )
        del data  # every byte still needed is in `rows` now: the journal's copy can go
        values = _columns(rows, [position[name] for name in named])
        arrays |= {name: _fixed_width(values[i], pa.float64(), nulls=True) for i, name in enumerate(named)}
    return pa.table({name: arrays[name] for name in kept})


def _scalars(data: bytes, starts: np.ndarray, layout: np.dtype, width: int) -> dict[str, pa.Array]:
    """The SCALARS columns of the records starting at `starts` (fixed fields as `layout`)."""
    fixed = np.frombuffer(_slices(data, starts, layout.itemsize), dtype=layout)
    codes = fixed["outcome"]
    columns = {
        "refused": _fixed_width(codes == OUTCOME_CODES.index("refused"), pa.bool_()),
        "outcome": _outcomes(codes),
    }
    text = starts + layout.itemsize + width
    for name, length_field in _STRINGS:
        if length_field not in layout.names:  # a format 1 segment
            columns[name] = pa.nulls(len(starts), pa.string())
            continue
        lengths = fixed[length_field].astype(np.int64)
        columns[name] = _strings(data, text, lengths)
        text = text + lengths
    return columns | {
        field.name: _fixed_width(fixed[field.name], field.type)
        for field in SCALARS
        if field.name not in columns
    }


# Arrays are built from their buffers: pyarrow.array() imports pandas, which costs the compaction
# process more CPU (~2 s) than the compaction of 20,000 decisions itself.
def _fixed_width(values: np.ndarray, kind: pa.DataType, nulls: bool = False) -> pa.Array:
    """A column of numbers (NaN as null when `nulls`), sharing the values' memory when contiguous."""
    if pa.types.is_boolean(kind):
        bits = pa.py_buffer(np.packbits(values, bitorder="little"))
        return pa.Array.from_buffers(kind, len(values), [None, bits])
    validity, missing = None, 0
    if nulls:
        present = ~np.isnan(values)
        missing = len(values) - int(np.count_nonzero(present))
        validity = pa.py_buffer(np.packbits(present, bitorder="little")) if missing else None
    buffer = pa.py_buffer(np.ascontiguousarray(values))
    return pa.Array.from_buffers(kind, len(values), [validity, buffer], null_count=missing)


def _outcomes(codes: np.ndarray) -> pa.Array:
    """The outcome codes as their names (a dictionary of the three names, then plain strings)."""
    names = "".join(OUTCOME_CODES).encode()
    lengths = np.array([len(name) for name in OUTCOME_CODES], dtype=np.int64)
    dictionary = _strings(names, np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    indices = pa.Array.from_buffers(pa.uint8(), len(codes), [None, pa.py_buffer(np.ascontiguousarray(codes))])
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())


def _strings(data: bytes, starts: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """A string column from each record's UTF-8 bytes at `starts`."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    view = memoryview(data)
    text = b"".join([view[s : s + n] for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)])
    return pa.Array.from_buffers(pa.string(), len(lengths), [None, pa.py_buffer(offsets), pa.py_buffer(text)])
