"""Measured work in a fresh Python process that reports its own figures as JSON on its last line.

Why: peak memory (ru_maxrss) and CPU time are counted per process, so each measured case runs alone in
a child: its figures never mix with another case's, nor with the benchmark's own imports. The child
prints `json.dumps({..., **usage()})` last; `run_child` adds the wall time seen from outside (imports
included, what an operator waits for).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


class ChildFailedError(RuntimeError):
    """A measured child exited non-zero; the message ends with its stderr."""


def usage() -> dict[str, float]:
    """This process's peak RSS (MB) and CPU time (user + system, s): call it last, in the child."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    cpu = own.ru_utime + own.ru_stime
    return {"peak_rss_mb": round(own.ru_maxrss / 1024, 1), "cpu_seconds": round(cpu, 1)}


def run_child(code: str, *args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> dict[str, Any]:
    """Run `code` with `args` in a fresh interpreter (working folder `cwd`, whose packages it imports
    first; `env` added to ours); its last stdout line as a dict, plus `process_seconds`."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise ChildFailedError(f"measured child exited with {done.returncode}:\n{done.stderr[-3000:]}")
    # Its report is the last JSON object it printed: a library may print around it (a progress bar
    # left without its newline, a line at exit).
    report = _last_report(done.stdout)
    report["process_seconds"] = round(time.perf_counter() - started, 2)
    return report


def _last_report(stdout: str) -> dict[str, Any]:
    """The last line's JSON object, from its first brace (what came before on the line is not ours)."""
    for line in reversed(stdout.splitlines()):
        start = line.find("{")
        if start >= 0:
            try:
                return json.loads(line[start:])
            except json.JSONDecodeError:
                continue
    raise ChildFailedError(f"measured child printed no JSON report:\n{stdout[-3000:]}")
