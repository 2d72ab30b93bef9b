"""Durable log of every decision, read by the drift job (layout: credit_model.decision_log).

The gateway appends each decision, before answering it, as one binary record written by one writev()
on its journal segment (opened O_APPEND): a process killed at any instant loses at most the request in
flight, since every acknowledged record is already in the OS. An fsync every `sync_seconds` (background
thread) bounds what a machine crash can lose. The append packs the scored row's own float64 buffer, with
no per-feature Python work: ~14 µs on the event loop for 423 features (bench/prediction_log.py).

A segment is closed when the feature order changes (a new model), when the UTC day changes, or after
`segment_rows` decisions, and compacted to Parquet (gateway.decisions.log_compaction) in a child
process: at start for what dead processes left, after each closed segment, and at close for the open
one. In the background it first waits for a core to spare, up to DEFER_SECONDS (the gateway's log
does; gateway.decisions.spare_cpu says why): a compaction under load took the p99 of the seconds around
it from 3 to 40-80 ms. A journal is created under a hidden name, locked, then renamed in, so no other
process sees an unlocked live one.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from credit_model.journal_records import (
    JOURNAL_SUFFIX,
    Decision,
    day_name,
    day_number,
    header,
    micros,
    record,
    segment_file,
)
from gateway.decisions.spare_cpu import SpareCpu, wait_for_spare_cpu

log = logging.getLogger(__name__)

#: Decisions per segment: a part of 20,000 rows amortises its footer and dictionaries; its journal (~70 MB)
#: is compacted in ~2 s of CPU by a background process of ~230 MB peak (bench/prediction_log.py).
SEGMENT_ROWS = 20_000
#: A background compaction starts once this many cores were idle over a second (gateway.decisions.spare_cpu),
#: or after DEFER_SECONDS of waiting: 20,000 decisions at 800 req/s are 25 s of journal to wait in.
SPARE_CORES = 1.0
DEFER_SECONDS = 300.0


@dataclass
class _Segment:
    """The journal being appended to."""

    fd: int
    path: Path
    day: int
    features: tuple[str, ...]
    rows: int = 0


class PredictionLog:
    """Appends decisions; safe to call from many threads (one lock around the write)."""

    def __init__(
        self,
        folder: Path,
        sync_seconds: float = 1.0,
        segment_rows: int = SEGMENT_ROWS,
        spare: SpareCpu | None = None,
    ) -> None:
        self.folder = folder
        self.segment_rows = segment_rows
        self._lock = threading.Lock()
        self._segment: _Segment | None = None
        self._dirty = False
        self._compactor = Compactor(folder, spare)  # starts with the journals that dead processes left
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, args=(sync_seconds,), daemon=True)
        self._syncer.start()

    def append(self, decision: Decision) -> None:
        """Write one decision as one record, in one system call (returns once the OS holds it)."""
        time_us = micros(decision.time)
        buffers = record(decision, time_us)
        with self._lock:
            segment = self._segment_for(day_number(time_us), decision.features)
            os.writev(segment.fd, buffers)
            segment.rows += 1
            self._dirty = True

    def _segment_for(self, day: int, features: tuple[str, ...]) -> _Segment:
        """The open segment if it fits this decision, else a new one (the old one goes to compaction)."""
        segment = self._segment
        if (
            segment is not None
            and segment.day == day
            and (segment.features is features or segment.features == features)
            and segment.rows < self.segment_rows
        ):
            return segment
        self._close_segment()
        self._segment = _open_segment(self.folder, day, features)
        return self._segment

    def _close_segment(self) -> None:
        if self._segment is not None:
            os.close(self._segment.fd)  # releases the lock: compaction may take it
            self._segment = None
            self._compactor.request()

    def _sync_loop(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            self.sync()

    def sync(self) -> None:
        """Flush written records to disk."""
        with self._lock:
            fd = self._segment.fd if self._segment is not None else None
            dirty, self._dirty = self._dirty, False
        if fd is not None and dirty:
            # Outside the lock: an fsync takes milliseconds and must not stall the appends.
            with contextlib.suppress(OSError):  # rolled and closed meanwhile: compaction fsyncs its part
                os.fsync(fd)

    def close(self) -> None:
        """Sync, compact the open segment and every one handed over, and stop the threads."""
        self._stop.set()
        self.sync()
        with self._lock:
            self._close_segment()
        self._compactor.close()


class Compactor:
    """A thread that runs the compaction process whenever a segment closes (and once at start), once the
    machine has a core to spare (`spare`: None waits for nothing)."""

    def __init__(self, folder: Path, spare: SpareCpu | None = None) -> None:
        self.folder = folder
        self.spare = spare
        self._wake = threading.Event()
        self._closed = threading.Event()  # ends a wait for a spare core: the last compaction runs at once
        self._closing = False
        self._child: subprocess.Popen[bytes] | None = None
        self._child_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="prediction-log-compactor", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Compact the closed journals soon (requests made during a run start one more run)."""
        self._wake.set()

    def close(self) -> None:
        """Stop a background compaction, run a last one at normal priority, wait for it, stop.

        A background compaction only runs on CPU time nothing else wants: on a machine kept busy it can
        wait for minutes, and a stopping gateway would be killed before its journal became Parquet (a
        CI run saw it). Stopped midway, it leaves every decision in its journal (log_compaction)."""
        with self._child_lock:
            self._closing = True
            if self._child is not None:
                self._child.terminate()
        self._closed.set()
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._wake.clear()
            closing = self._closing
            # One look at the folder decides both the wait and the run: a journal appearing between two
            # looks was once compacted without waiting for a spare core (a CI run saw it).
            if any(self.folder.glob(f"date=*/*{JOURNAL_SUFFIX}*")):
                if not closing:
                    self._wait_for_spare_cpu()
                closing = self._closing
                self._compact(background=not closing)
            if closing:
                return
            self._wake.wait()

    def _wait_for_spare_cpu(self) -> None:
        if self.spare is None:
            return
        waited = wait_for_spare_cpu(self.spare, SPARE_CORES, DEFER_SECONDS, stop=self._closed)
        fields = {"waited_s": round(waited, 1)}
        if waited >= DEFER_SECONDS:
            log.warning("prediction log compacted on a busy machine", extra=fields)
        elif waited >= 1:
            log.info("prediction log compaction waited for a spare core", extra=fields)

    def _compact(self, *, background: bool) -> None:
        # The thread only waits on the child (no GIL held): the event loop never waits on compaction.
        # In the background the child runs at the lowest priority: its start (importing pyarrow) and its
        # work took a core for about a second, and on 2 cores every request in flight then waited (p99
        # of /score beside 100 applications/s: 166 ms in a run where a segment closed, 5 ms in one where
        # none did). At shutdown no request waits, and the stop must not.
        level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
        niced = ["nice", "-n", "19"] if background and shutil.which("nice") else []
        module = [sys.executable, "-m", "gateway.decisions.log_compaction", str(self.folder)]
        command = [*niced, *module, "--log-level", level, *([] if background else ["--at-once"])]
        with self._child_lock:
            if background and self._closing:
                return  # closing began meanwhile: the last compaction follows at once
            child = self._child = subprocess.Popen(command)
        status = child.wait()
        with self._child_lock:
            self._child = None
        if status != 0 and not (background and self._closing):
            log.warning("prediction log compaction process failed", extra={"status": status})


def _open_segment(folder: Path, day: int, features: tuple[str, ...]) -> _Segment:
    """A new journal, locked and holding its header before it appears under its name."""
    path = segment_file(folder, day_name(day), f"{time.time_ns()}-{os.getpid()}")
    path.parent.mkdir(parents=True, exist_ok=True)
    hidden = path.with_name(f".{path.name}.new")
    fd = os.open(hidden, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, header(features))
        hidden.rename(path)
    except OSError:
        os.close(fd)
        raise
    return _Segment(fd, path, day, features)


def now() -> datetime:
    """Time of a decision (aware, UTC)."""
    return datetime.now(tz=UTC)
