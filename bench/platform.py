"""The product as `make demo` runs it (deploy/Procfile, the data folder's demo.env), on free
ports, with the CPU each of its processes uses.

Why not start the services one by one as the older benchmarks did: a capacity figure holds only for a
configuration, and the one advisors meet is everything `make demo` starts (MLflow server, UI, both
model services, gateway, their default logging, the Procfile runner). So the benchmark runs
that very Procfile with that very environment; only the ports move (every address that names a demo
port follows it), so that a demo already running on the machine is left alone, and the prediction log
goes to the run's own folder, so that the demo's drift job never reads benchmark traffic.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from credit_common.processes import free_port
from credit_common.procfile import parse_procfile

REPO = Path(__file__).resolve().parent.parent
PROCFILE = REPO / "deploy" / "Procfile"
_STARTED = re.compile(r"procfile \| ([\w-]+) started \(pid=(\d+)\)")
GENERATOR = "load generator"  # this process, in the CPU table
SUPERVISOR = "procfile runner"  # credit_common.procfile, which starts and stops the processes


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of a shell file of `NAME='value'` lines, as `set -a; . file` would set them."""
    pairs = {}
    for line in path.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words and "=" in words[0]:
            name, value = words[0].split("=", 1)
            pairs[name] = value
    return pairs


def relocate_ports(env: Mapping[str, str], ports: Mapping[str, int]) -> dict[str, str]:
    """`env` with each `*_PORT` variable given its new port, and every `host:port` value that named
    an old port (gRPC targets, the UI's gateway URL) following it (in one pass: a new port may equal
    another variable's old one)."""
    new_for_old = {env[name]: str(port) for name, port in ports.items()}
    pattern = re.compile(r":(\d+)\b")
    moved = {
        key: value
        if key.endswith("_PORT")
        else pattern.sub(lambda m: f":{new_for_old.get(m[1], m[1])}", value)
        for key, value in env.items()
    }
    return moved | {name: str(port) for name, port in ports.items()}


def demo_environment(data: Path, folder: Path) -> dict[str, str]:
    """The environment `make demo` gives the Procfile runner for `data`, on free ports, logging
    predictions in `folder`."""
    demo = read_env_file(data / "demo.env")
    ports = {name: free_port() for name in demo if name.endswith("_PORT")}
    return {
        **os.environ,
        **relocate_ports(demo, ports),
        "GATEWAY_PREDICTION_LOG_DIR": str(folder / "predictions"),
    }


def procfile_names(path: Path = PROCFILE) -> list[str]:
    """The process names a Procfile declares, in order."""
    return list(parse_procfile(path.read_text()))


def started_pids(log: str) -> dict[str, int]:
    """The pid of each process the runner reports as started in its output."""
    return {name: int(pid) for name, pid in _STARTED.findall(log)}


@dataclass
class Platform:
    """The running Procfile runner and where its output goes."""

    runner: subprocess.Popen
    log: Path
    env: dict[str, str]

    def port(self, name: str) -> int:
        return int(self.env[f"{name.upper()}_PORT"])

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def check_alive(self) -> None:
        """Raise with the end of the output when the runner has stopped (a process of the Procfile failed)."""
        if self.runner.poll() is not None:
            raise RuntimeError(f"runner exited with {self.runner.returncode}:\n{self.tail()}")

    def processes(self, timeout: float = 60.0) -> dict[str, psutil.Process]:
        """Each Procfile process (the root of its tree), once the runner has started them all."""
        names = procfile_names()
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            pids = started_pids(self.log.read_text(errors="replace"))
            if all(name in pids for name in names):
                return {name: psutil.Process(pids[name]) for name in names}
            if time.monotonic() > deadline:
                raise TimeoutError(f"runner did not start {sorted(set(names) - set(pids))}:\n{self.tail()}")
            time.sleep(0.2)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the runner as Ctrl-C does (it stops every process), then kill any process left behind."""
        try:
            tree = psutil.Process(self.runner.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        if self.runner.poll() is None:
            self.runner.send_signal(signal.SIGINT)
            try:
                self.runner.wait(timeout)
            except subprocess.TimeoutExpired:
                self.runner.kill()
                self.runner.wait()
        _, alive = psutil.wait_procs(tree, timeout=5)
        for process in alive:
            process.kill()


@contextmanager
def running_demo(env: dict[str, str], folder: Path) -> Iterator[Platform]:
    """Run deploy/Procfile as `make demo` does; every process is stopped on exit."""
    log = folder / "demo.log"
    with log.open("wb") as output:
        runner = subprocess.Popen(
            [sys.executable, "-m", "credit_common.procfile", str(PROCFILE)],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the benchmark, which then stops the runner itself
        )
    platform = Platform(runner, log, env)
    try:
        yield platform
    finally:
        platform.stop()


def listener(port: int) -> psutil.Process | None:
    """The process listening on a loopback TCP port (Redis, which the demo uses but does not start)."""
    for connection in psutil.net_connections("tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid:
            return psutil.Process(connection.pid)
    return None


def _seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


class CpuMeter:
    """CPU seconds of each Procfile process (its whole tree), of the runner, of the services the demo uses
    without starting them (Redis), of this process, and of the machine.

    Read before and after a step: the difference over the step's wall time is the cores each used, so
    a report can say which process saturates (a single-threaded process saturates near 1.0).
    """

    def __init__(
        self,
        runner: psutil.Process,
        processes: Mapping[str, psutil.Process],
        used: Mapping[str, psutil.Process] | None = None,
    ) -> None:
        self.runner = runner
        self.processes = dict(processes)
        self.used = dict(used or {})

    def _trees(self) -> dict[str, list[psutil.Process]]:
        trees: dict[str, list[psutil.Process]] = {}
        claimed: set[int] = set()
        for name, root in self.processes.items():
            try:
                trees[name] = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                trees[name] = []
            claimed.update(p.pid for p in trees[name])
        try:
            relays = [p for p in self.runner.children(recursive=True) if p.pid not in claimed]
            trees[SUPERVISOR] = [self.runner, *relays]
        except psutil.NoSuchProcess:
            trees[SUPERVISOR] = []
        trees.update((name, [process]) for name, process in self.used.items())
        trees[GENERATOR] = [psutil.Process()]
        return trees

    def read(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of every process, by group; the machine's busy seconds under "machine"."""
        reading: dict[str, dict[int, float]] = {}
        for name, tree in self._trees().items():
            reading[name] = {}
            for process in tree:
                try:
                    reading[name][process.pid] = _seconds(process)
                except psutil.NoSuchProcess:
                    continue
        machine = psutil.cpu_times()
        idle = machine.idle + getattr(machine, "iowait", 0.0)
        guests = getattr(machine, "guest", 0.0) + getattr(machine, "guest_nice", 0.0)  # counted in user
        reading["machine"] = {0: sum(machine) - idle - guests}
        return reading

    @staticmethod
    def cores(
        before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], seconds: float
    ) -> dict:
        """Cores each group used between two readings; "other" is the machine's load outside them all
        (other work on the machine, and the kernel's share of the traffic not charged to a process)."""
        used = {
            name: sum(now - before.get(name, {}).get(pid, 0.0) for pid, now in pids.items()) / seconds
            for name, pids in after.items()
        }
        used["other"] = used["machine"] - sum(v for k, v in used.items() if k != "machine")
        return {name: round(max(value, 0.0), 3) for name, value in used.items()}
