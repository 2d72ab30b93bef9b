"""Decision ids: UUID version 7, whose first 48 bits are the millisecond the decision was taken, so that
a lookup (credit_model.decision_records) reads only that day's partition of the log. Apart from the
log's readers: minting an id needs no pyarrow."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

_VERSION_7 = 7


def new_decision_id(now: datetime | None = None) -> str:
    """A UUID version 7 as 32 hex digits: the millisecond of `now` (default: the clock), then random."""
    instant = now or datetime.now(tz=UTC)
    milliseconds = int(instant.timestamp() * 1000) & ((1 << 48) - 1)
    random = int.from_bytes(secrets.token_bytes(10))
    value = (milliseconds << 80) | random
    value = (value & ~(0xF << 76)) | (_VERSION_7 << 76)  # version nibble
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value).hex


def decision_time(decision_id: str) -> datetime | None:
    """The millisecond a version 7 id was made at (None for an id of another shape)."""
    try:
        parsed = uuid.UUID(hex=decision_id)
    except ValueError:
        return None
    if parsed.version != _VERSION_7:
        return None
    return datetime.fromtimestamp((parsed.int >> 80) / 1000, tz=UTC)
