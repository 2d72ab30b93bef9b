"""Whether the machine has a core to spare: what background work of a gateway process waits for.

Why not only the scheduler's lowest priority: on the project's 2-core machine, the prediction log's
compaction (about a second of CPU per 20,000-decision segment) ran under SCHED_IDLE and still took the
serving processes' time. At 800 req/s, the seconds around a compaction had a p99 of 40-80 ms against
3-7 ms beside them; a bare CPU loop under SCHED_IDLE did the same (130 ms), and even one working 25 ms
in every 125 raised p99 to 11-16 ms (ad-hoc runs on `make demo`, 2026-12-08). Work that can wait is
better started when a core has been idle: a segment waits in its journal, which readers read as well.

Idle time is read from /proc/stat (Linux). Elsewhere nothing is known and nothing waits.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

#: /proc/stat's first line: the machine's CPU time by state, in clock ticks.
PROC_STAT = Path("/proc/stat")
#: The states of /proc/stat counted as idle: idle and iowait (columns 4 and 5 of the `cpu` line).
_IDLE_COLUMNS = (3, 4)


def cpu_times(path: Path = PROC_STAT) -> tuple[float, float] | None:
    """(idle, total) CPU time of the whole machine so far, in ticks; None where it cannot be read."""
    try:
        with path.open() as file:
            fields = file.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [float(value) for value in fields[1:]]
    return sum(ticks[i] for i in _IDLE_COLUMNS), sum(ticks[:8])  # guest time is within user time


class SpareCpu:
    """Idle cores of the machine between two readings."""

    def __init__(
        self, read: Callable[[], tuple[float, float] | None] = cpu_times, cores: int | None = None
    ) -> None:
        self._read = read
        self.cores = cores or os.cpu_count() or 1
        self._last = read()

    def idle_cores(self) -> float | None:
        """Cores left idle on average since the previous call (None: unknown)."""
        now = self._read()
        last, self._last = self._last, now
        if now is None or last is None or now[1] <= last[1]:
            return None
        return self.cores * (now[0] - last[0]) / (now[1] - last[1])


def wait_for_spare_cpu(
    spare: SpareCpu,
    cores: float,
    longest: float,
    *,
    poll: float = 1.0,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> float:
    """Wait until `cores` cores were idle over the last `poll` seconds, at most `longest` seconds or until
    `stop` is set; the seconds waited. An unknown reading waits no longer."""
    stop = stop or threading.Event()
    started = clock()
    spare.idle_cores()  # the window starts now
    while clock() - started < longest:
        if stop.wait(poll):
            break
        idle = spare.idle_cores()
        if idle is None or idle >= cores:
            break
    return clock() - started
