"""The workers' board: each gateway worker writes a heartbeat every second in the folder they share,
so that whichever worker answers /v1/health can say how many of them serve (gateway.workers)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

#: How often a worker writes its heartbeat, and how old one may be before the worker counts as gone.
BEAT_SECONDS, STALE_SECONDS = 1.0, 5.0


@dataclass(frozen=True)
class Board:
    """The workers' heartbeats: one small JSON file per live worker, named by its pid."""

    folder: Path

    @classmethod
    def under(cls, run_folder: Path) -> Board:
        """The board of the workers sharing `run_folder`."""
        return cls(run_folder / "workers")

    def beat(self, index: int) -> None:
        """Say this process is alive and serving (written whole: a reader never sees half a file)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        fresh = self.folder / f".{pid}.new"
        fresh.write_text(json.dumps({"pid": pid, "worker": index, "beat": time.time()}), encoding="utf-8")
        fresh.replace(self.folder / f"{pid}.json")

    def forget(self, pid: int) -> None:
        (self.folder / f"{pid}.json").unlink(missing_ok=True)

    def alive(self, now: float | None = None) -> list[dict[str, float]]:
        """The workers whose last heartbeat is recent."""
        now = time.time() if now is None else now
        beats = []
        for file in self.folder.glob("*.json"):
            with contextlib.suppress(OSError, ValueError):  # a worker forgotten while being read
                beat = json.loads(file.read_text(encoding="utf-8"))
                if now - beat["beat"] <= STALE_SECONDS:
                    beats.append(beat)
        return beats

    async def beat_forever(self, index: int) -> None:
        while True:
            await asyncio.to_thread(self.beat, index)
            await asyncio.sleep(BEAT_SECONDS)
