"""Result files that say what was measured, where and when: every benchmark writes through `bench_run`.

A figure means little without its context, so each file records the commit (and whether the tree had
uncommitted changes), the date, the machine (cores, memory, load before and after the run), the
configuration the benchmark ran with, and each figure beside its goal. The README's figures table is
generated from these files, never typed by hand.

    with bench_run("capacity", config={"rate": 200}) as run:
        run.figure("cold_p99_ms", 11.2, unit="ms", label="p99 at 200 req/s, cold", goal="<= 15")
        run.detail("cold", rows)

A run that raises writes nothing: a failed benchmark never replaces the last good result.
"""

from __future__ import annotations

import json
import operator
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.staleness import measured_paths

RESULTS = Path(__file__).resolve().parent / "results"
REPO = RESULTS.parent.parent
_GOAL = re.compile(r"^\s*(<=|>=|<|>|==)\s*(-?[\d.]+)\s*$")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Figure:
    """One measured figure and the goal it is held to (`goal` like "<= 15", or None)."""

    label: str
    value: float
    unit: str
    goal: str | None = None
    met: bool | None = None


def goal_met(value: float, goal: str | None) -> bool | None:
    """Whether `value` meets a goal written as "<op> <number>" (None when there is no goal)."""
    if goal is None:
        return None
    match = _GOAL.match(goal)
    if match is None:
        raise ValueError(f"goal {goal!r} is not '<op> <number>' with <op> one of {', '.join(_COMPARE)}")
    return _COMPARE[match.group(1)](value, float(match.group(2)))


@dataclass
class BenchRun:
    """What one benchmark run collects before it is written."""

    name: str
    config: dict[str, Any]
    figures: dict[str, Figure] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def figure(self, key: str, value: float, *, unit: str, label: str, goal: str | None = None) -> None:
        """Record a headline figure (it goes to the README's table)."""
        self.figures[key] = Figure(label, value, unit, goal, goal_met(value, goal))

    def detail(self, key: str, value: Any) -> None:
        """Record raw measurements behind the figures (per-rate rows, per-round samples...)."""
        self.details[key] = value


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _memory_gb() -> float:
    return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@contextmanager
def bench_run(name: str, config: dict[str, Any]) -> Iterator[BenchRun]:
    """Collect a run's figures and write bench/results/<name>.json, stamped, when the run succeeds."""
    run = BenchRun(name, dict(config))
    # The code measured is the code at the start: a commit made during a long run must not claim it.
    commit = _git("rev-parse", "--short=12", "HEAD")
    # Result files are what a run writes, not what it measures: a changed one is not a change of code.
    uncommitted = bool(_git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"))
    started_at = datetime.now(tz=UTC).isoformat(timespec="seconds")
    load_before, started = _load(), time.perf_counter()
    yield run
    document = {
        "name": name,
        "commit": commit,
        "uncommitted_changes": uncommitted,
        "date": started_at,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": _memory_gb(),
            "load_before": load_before,
            "load_after": _load(),
        },
        "config": run.config,
        "measures": list(measured_paths(name)),
        "figures": {key: asdict(figure) for key, figure in run.figures.items()},
        "details": run.details,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(document, indent=2, default=str) + "\n")
    temporary.replace(path)
