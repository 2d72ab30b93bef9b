"""A decision as the prediction log keeps it, where its segments live, and how a record is encoded:
the writer's half of the log (the gateway), apart from its readers (credit_model.decision_journal,
credit_model.decision_log), so that appending a decision needs NumPy only, never pyarrow.

The record layout is described in credit_model.decision_journal.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

JOURNAL_SUFFIX = ".journal"
PART_SUFFIX = ".parquet"
MAGIC = b"CDLOGJ02"
PREFIX = struct.Struct("<II")  # payload length, CRC32 of the payload
# time µs, client id, probability, threshold, outcome code, then the lengths of the strings: id, version,
# model name, policy version, reasons. The outcome's byte held a bool `refused` before "referred" existed:
# 0 and 1 read the same either way (granted, refused).
FIXED = struct.Struct("<qqddBBHHHI")
OUTCOME_CODES = ("granted", "refused", "referred")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_DAY_US = 86_400_000_000


@dataclass(frozen=True)
class Decision:
    """What the log keeps of one decision (no name, no contact detail: ids and model inputs only).

    `features` is the served model's feature order (the tuple the model gave, shared, not copied) and
    `values` the row in that order, NaN where missing: the gateway hands over the row it scored.
    """

    request_id: str
    time: datetime
    client_id: int
    model_version: str
    probability: float
    outcome: str  # granted, refused or referred (credit_model.lending_policy.Outcome)
    threshold: float
    features: tuple[str, ...]
    values: np.ndarray
    model_name: str = ""
    policy_version: str = ""  # the version's lending policy ("" when it has none)
    reasons: str = ""  # the reasons as served, JSON (credit_model.served_reasons)

    @property
    def refused(self) -> bool:
        return self.outcome == "refused"


def segment_file(folder: Path, day: str, segment: str, suffix: str = JOURNAL_SUFFIX) -> Path:
    """Where a segment of a day lives, as a journal or (suffix PART_SUFFIX) as its compacted part."""
    return folder / f"date={day}" / f"part-{segment}{suffix}"


def micros(instant: datetime) -> int:
    """An aware instant as integer µs since the epoch (exact, unlike a float timestamp)."""
    return (instant - _EPOCH) // _MICROSECOND


def day_number(time_us: int) -> int:
    """The UTC day of an instant in µs, as days since the epoch (a segment holds one day)."""
    return time_us // _DAY_US


def day_name(day: int) -> str:
    """A day number as the ISO date that names its partition folder."""
    return (_EPOCH + timedelta(days=day)).date().isoformat()


def header(features: Sequence[str]) -> bytes:
    """The start of a segment: MAGIC and the feature names its records' rows follow."""
    body = json.dumps({"features": list(features)}).encode()
    return MAGIC + PREFIX.pack(len(body), zlib.crc32(body)) + body


def record(decision: Decision, time_us: int) -> tuple[bytes, bytes, np.ndarray, bytes]:
    """One decision's record as the buffers of a single writev(): prefix, fixed fields, row, strings."""
    row = decision.values
    if row.dtype != np.float64 or not row.flags.c_contiguous:
        row = np.ascontiguousarray(row, dtype=np.float64)
    if row.shape != (len(decision.features),):
        raise ValueError(f"{row.shape[0]} values for {len(decision.features)} features")
    texts = [
        decision.request_id.encode(),
        decision.model_version.encode(),
        decision.model_name.encode(),
        decision.policy_version.encode(),
        decision.reasons.encode(),
    ]
    fixed = FIXED.pack(
        time_us,
        decision.client_id,
        decision.probability,
        decision.threshold,
        OUTCOME_CODES.index(decision.outcome),
        *(len(text) for text in texts),
    )
    strings = b"".join(texts)
    crc = zlib.crc32(strings, zlib.crc32(row, zlib.crc32(fixed)))
    return PREFIX.pack(len(fixed) + row.nbytes + len(strings), crc), fixed, row, strings
