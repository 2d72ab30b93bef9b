"""Run every process of a Procfile until one stops, or Ctrl-C: `python -m credit_common.procfile FILE`.

Why not honcho: honcho copies each output line of each process through a multiprocessing queue to
its printer. Under the gateway's load (one structured line per decision) that relay took half a core
of this 2-core machine and, when it fell behind, the full pipe blocked the gateway's event loop in
the middle of a request. Here the processes write straight to the terminal (they inherit it), and
every JSON line names its service, so nothing sits between a process and its output.

Same contract as honcho's `start`: each line `name: command` runs under /bin/sh in its own process
group; when one process exits, or on SIGINT/SIGTERM, every other group gets SIGTERM, then SIGKILL
after a grace period; the exit status is the first failing process's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_SECONDS = 10.0


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


def _say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} procfile | {message}", file=sys.stderr, flush=True)


def _stop(running: dict[str, subprocess.Popen]) -> None:
    """SIGTERM every process group still running, SIGKILL what is left after the grace period."""
    for process in running.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for name, process in running.items():
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"{name} did not stop within {GRACE_SECONDS:g} s: killed")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run(processes: dict[str, str], directory: Path) -> int:
    """Start every process, wait for the first to exit (or a stop signal), stop the rest."""
    stopping: list[str] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    running: dict[str, subprocess.Popen] = {}
    for name, command in processes.items():
        running[name] = subprocess.Popen(["/bin/sh", "-c", command], cwd=directory, start_new_session=True)
        _say(f"{name} started (pid={running[name].pid})")
    status = 0
    try:
        while not stopping:
            exited = [(name, p.returncode) for name, p in running.items() if p.poll() is not None]
            if exited:
                name, status = exited[0]
                _say(f"{name} exited with status {status}: stopping the others")
                break
            time.sleep(0.2)
        else:
            _say(f"{stopping[0]} received: stopping every process")
    finally:
        _stop(running)
    for name, process in running.items():
        _say(f"{name} stopped (status {process.returncode})")
    return status


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__.splitlines()[0])
    procfile = Path(sys.argv[1]).resolve()
    sys.exit(run(parse_procfile(procfile.read_text()), Path.cwd()))


if __name__ == "__main__":
    main()
