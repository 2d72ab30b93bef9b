"""Run every process of a Procfile, restarting those that die, until Ctrl-C:
`python -m credit_common.procfile [options] FILE`.

Why not honcho: honcho copies each output line of each process through a multiprocessing queue to
its printer. Under the gateway's load (one structured line per decision) that relay took half a core
of this 2-core machine and, when it fell behind, the full pipe blocked the gateway's event loop in
the middle of a request. Here the processes write straight to the terminal (they inherit it), and
every JSON line names its service, so nothing sits between a process and its output.

Why restart instead of honcho's "one exits, all stop": stopping the five healthy processes because
one died made nothing recover (a `kill -9` of the explain service: 450 of 600 requests failed and
none of the processes came back; issue 29). So a process that exits, whatever its status, is
started again after a delay, and the others keep running with their pids. The delay starts at
BACKOFF_SECONDS and doubles at each death up to BACKOFF_MAX_SECONDS, so a process that cannot start
does not take the CPU from the others; once a process has stayed up STABLE_SECONDS it counts as
healthy, and its next death starts again from BACKOFF_SECONDS.

Everything stops only on SIGINT (Ctrl-C) or SIGTERM, and the runner exits 0; or on a crash loop, one
process dying CRASH_LOOP_DEATHS times within CRASH_LOOP_WINDOW_SECONDS: restarting it forever would
hide a broken setup behind a demo that looks up, so every process is stopped, the line names the
process, and the runner exits 1.

Each line `name: command` runs under /bin/sh in its own process group. Stopping sends SIGTERM to
every group, then SIGKILL after GRACE_SECONDS. What a dead process leaves in its group (a server's
workers) gets SIGTERM when it dies and SIGKILL just before its restart, so that the new process
finds its port free.

Options, for tests that cannot wait seconds (defaults: the constants below; S in seconds):
`--backoff S`, `--backoff-max S`, `--stable S`, `--crash-loop N`, `--crash-window S`.

The runner's own lines go to stderr as `HH:MM:SS procfile | <process> <event> key=value...`: process
names, pids, statuses and durations only, never a command (one may carry a secret). bench/platform.py
reads the `<process> started (pid=N)` lines, the latest pid of each process being its current one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field, fields
from pathlib import Path

#: SIGTERM to SIGKILL when stopping: time for a server to finish the requests it has.
GRACE_SECONDS = 10.0
#: First delay before restarting a process that died: a process failing at once does not spin.
BACKOFF_SECONDS = 0.5
#: The delay doubles at each death up to this: a process waiting for another one to come back (the
#: model services for MLflow) still retries this often.
BACKOFF_MAX_SECONDS = 10.0
#: Up this long, a process is healthy again: its next death is restarted after BACKOFF_SECONDS.
STABLE_SECONDS = 30.0
#: This many deaths of one process within CRASH_LOOP_WINDOW_SECONDS is a crash loop: all stop. With
#: the default backoff five deaths take at least 7.5 s, so only a process that keeps dying is one.
CRASH_LOOP_DEATHS = 5
CRASH_LOOP_WINDOW_SECONDS = 60.0
#: How often the runner looks for dead processes and due restarts.
TICK_SECONDS = 0.1


@dataclass(frozen=True)
class Policy:
    """When to restart a process that died and when to give up (the constants above, or the options)."""

    backoff: float = BACKOFF_SECONDS
    backoff_max: float = BACKOFF_MAX_SECONDS
    stable: float = STABLE_SECONDS
    crash_loop: int = CRASH_LOOP_DEATHS
    crash_window: float = CRASH_LOOP_WINDOW_SECONDS


@dataclass
class Slot:
    """One Procfile process across its restarts: the current process, its recent deaths, its next delay."""

    name: str
    command: str
    policy: Policy
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restart_at: float | None = None  # set while the process is dead and waits for its restart
    deaths: deque[float] = field(default_factory=deque)
    delay: float = 0.0

    def __post_init__(self) -> None:
        self.delay = self.policy.backoff

    def start(self, directory: Path) -> None:
        """Start the command (after killing what its previous run left in its process group)."""
        if self.process is not None:
            _signal_group(self.process.pid, signal.SIGKILL)
        self.process = subprocess.Popen(
            ["/bin/sh", "-c", self.command], cwd=directory, start_new_session=True
        )
        self.started, self.restart_at = time.monotonic(), None
        _say(f"{self.name} started (pid={self.process.pid})")

    def died(self, now: float) -> float | None:
        """Count a death at `now`: the delay before the restart (now scheduled), or None for a crash loop."""
        if now - self.started >= self.policy.stable:
            self.delay = self.policy.backoff
        self.deaths.append(now)
        while self.deaths[0] <= now - self.policy.crash_window:
            self.deaths.popleft()
        if len(self.deaths) >= self.policy.crash_loop:
            return None
        delay, self.delay = self.delay, min(self.delay * 2, self.policy.backoff_max)
        self.restart_at = now + delay
        return delay


def parse_procfile(text: str) -> dict[str, str]:
    """Process names and commands, in file order (comments and blank lines skipped)."""
    processes: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, separator, command = stripped.partition(":")
        if not separator or not name.strip() or not command.strip():
            raise ValueError(f"Procfile line {number} is not 'name: command': {stripped[:60]!r}")
        if name.strip() in processes:
            raise ValueError(f"Procfile line {number}: process {name.strip()!r} is defined twice")
        processes[name.strip()] = command.strip()
    return processes


def _say(message: str, **fields: object) -> None:
    pairs = "".join(
        f" {key}={value:g}" if isinstance(value, float) else f" {key}={value}"
        for key, value in fields.items()
    )
    print(f"{time.strftime('%H:%M:%S')} procfile | {message}{pairs}", file=sys.stderr, flush=True)


def _signal_group(pgid: int, signum: int) -> None:
    """Signal a process group; one already empty is no error."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _supervise(slots: list[Slot], directory: Path, stopping: list[str]) -> int:
    """Restart every process that dies, until a stop signal (0) or a crash loop (1)."""
    while not stopping:
        now = time.monotonic()
        for slot in slots:
            if slot.restart_at is not None:
                if now >= slot.restart_at:
                    slot.start(directory)
                continue
            if slot.process is None or (status := slot.process.poll()) is None:
                continue
            _signal_group(slot.process.pid, signal.SIGTERM)  # what it left behind; SIGKILL at the restart
            uptime = round(now - slot.started, 1)
            delay = slot.died(now)
            deaths = len(slot.deaths)
            if delay is None:
                _say(
                    f"{slot.name} is crash-looping: stopping every process",
                    status=status,
                    uptime_s=uptime,
                    deaths=deaths,
                    window_s=slot.policy.crash_window,
                )
                return 1
            _say(
                f"{slot.name} died: restarting", status=status, uptime_s=uptime, deaths=deaths, delay_s=delay
            )
        time.sleep(TICK_SECONDS)
    _say(f"{stopping[0]} received: stopping every process")
    return 0


def _stop(slots: list[Slot]) -> None:
    """SIGTERM every process group still running, SIGKILL what is left after the grace period."""
    started = [(slot.name, slot.process) for slot in slots if slot.process is not None]
    for _, process in started:
        running = process.poll() is None
        _signal_group(process.pid, signal.SIGTERM if running else signal.SIGKILL)
    deadline = time.monotonic() + GRACE_SECONDS
    for name, process in started:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"{name} did not stop within {GRACE_SECONDS:g} s: killed")
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
    for name, process in started:
        _say(f"{name} stopped (status {process.returncode})")


def run(processes: dict[str, str], directory: Path, policy: Policy | None = None) -> int:
    """Start every process and keep them running until a stop signal (0) or a crash loop (1)."""
    stopping: list[str] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    slots = [Slot(name, command, policy or Policy()) for name, command in processes.items()]
    try:
        for slot in slots:
            slot.start(directory)
        return _supervise(slots, directory, stopping)
    finally:
        _stop(slots)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m credit_common.procfile", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("procfile", type=Path)
    for option in fields(Policy):  # --backoff, --backoff-max, --stable, --crash-loop, --crash-window
        default = option.default
        assert isinstance(default, int | float)
        parser.add_argument(
            f"--{option.name.replace('_', '-')}",
            type=type(default),
            default=default,
            help=f"default {default}",
        )
    args = parser.parse_args()
    policy = Policy(**{option.name: getattr(args, option.name) for option in fields(Policy)})
    sys.exit(run(parse_procfile(args.procfile.resolve().read_text()), Path.cwd(), policy))


if __name__ == "__main__":
    main()
