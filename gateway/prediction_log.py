"""Durable log of every decision, read by the drift job.

One JSON line per decision, appended with a single write() on a file opened O_APPEND, so a killed
process loses at most the request in flight: every earlier line is already in the OS. An fsync
every `sync_seconds` (background thread) bounds what a machine crash can lose. Files are split by
day and process: <dir>/date=YYYY-MM-DD/part-<pid>.jsonl (DuckDB reads them with read_json).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from credit_model.decision_log import Decision, part_file


def _clean(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


class PredictionLog:
    """Appends decisions; safe to call from many threads (one lock around the write)."""

    def __init__(self, folder: Path, sync_seconds: float = 1.0) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._day: str | None = None
        self._dirty = False
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, args=(sync_seconds,), daemon=True)
        self._syncer.start()

    def _file(self, day: str) -> int:
        if self._day != day or self._fd is None:
            if self._fd is not None:
                os.close(self._fd)
            path = part_file(self.folder, day, os.getpid())
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            self._day = day
        return self._fd

    def append(self, decision: Decision) -> None:
        """Write one decision as one line, in one system call."""
        # A shallow dict (asdict would deep-copy the 400-odd features on every decision).
        record = {field.name: getattr(decision, field.name) for field in fields(decision)}
        record["features"] = {k: _clean(v) for k, v in decision.features.items()}
        line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
        with self._lock:
            os.write(self._file(decision.time[:10]), line)
            self._dirty = True

    def _sync_loop(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            self.sync()

    def sync(self) -> None:
        """Flush written lines to disk."""
        with self._lock:
            fd, dirty = self._fd, self._dirty
            self._dirty = False
        if fd is not None and dirty:
            # Outside the lock: an fsync takes milliseconds and must not stall the appends.
            with contextlib.suppress(OSError):  # rotated and closed meanwhile: the OS keeps its data
                os.fsync(fd)

    def close(self) -> None:
        self._stop.set()
        self.sync()
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def now() -> str:
    """Timestamp of a decision (UTC, ISO 8601)."""
    return datetime.now(tz=UTC).isoformat(timespec="milliseconds")
