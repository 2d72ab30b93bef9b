"""Several gateway processes on one port: each binds it with SO_REUSEPORT and the kernel spreads the
connections; a small supervisor starts them, restarts one that dies, and stops them together.

Why not uvicorn's own workers: its supervisor kills a worker that does not answer its ping within
seconds, and a gateway that loads its client directory and population on a busy 2-core machine takes
longer than that to start. Why SO_REUSEPORT rather than one shared socket: each process accepts from a
queue of its own, so one process cannot take every new connection while the other sleeps.

The processes share a run folder, emptied at start: Prometheus's multi-process files (`metrics/`, read
together by every worker's /metrics) and the workers' board (`workers/`), where each worker writes a
heartbeat every second so that any worker's /v1/health reports them all.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import time
from collections import deque
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from gateway.api.metrics import METRICS_VARIABLE
from gateway.worker_board import Board

log = logging.getLogger(__name__)

#: More deaths than this within RESTART_WINDOW seconds: the supervisor gives up (and exits 1).
MOST_RESTARTS, RESTART_WINDOW = 5, 60.0
#: How long stopping workers have to drain before they are killed.
STOP_SECONDS = 30.0


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port) that other processes may bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def prepare_run_folder(folder: Path) -> None:
    """Empty the run folder of a previous run (dead workers' metrics and beats) and point Prometheus's
    multi-process mode at it for the workers about to start."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "metrics").mkdir(parents=True)
    (folder / "workers").mkdir()
    os.environ[METRICS_VARIABLE] = str(folder / "metrics")


def _serve(index: int) -> None:
    """One worker: the gateway's app on its own SO_REUSEPORT socket (settings from the environment)."""
    import uvicorn

    from credit_common.logging import configure_logging
    from credit_common.tracing import start_tracing
    from gateway.api.serving import app_for
    from gateway.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, service="gateway")
    start_tracing("credit-gateway")
    sock = reuse_port_socket(settings.host, settings.port)
    config = uvicorn.Config(app_for(settings, worker=index), log_config=None, access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


class Supervisor:
    """Starts `count` workers, restarts one that dies, stops them all on SIGTERM or SIGINT."""

    def __init__(self, count: int, run_folder: Path) -> None:
        self.count = count
        self.board = Board.under(run_folder)
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked state
        self._workers: dict[int, BaseProcess] = {}
        self._deaths: deque[float] = deque()
        self._stopping = False

    def run(self) -> int:
        """Serve until told to stop; the exit code is 0, or 1 when workers kept dying."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        for index in range(self.count):
            self._start(index)
        log.info("gateway workers started", extra={"workers": self.count})
        while not self._stopping:
            sentinels = {worker.sentinel: index for index, worker in self._workers.items()}
            for sentinel in wait(list(sentinels), timeout=1.0):
                if not self._stopping and not self._restart(sentinels[sentinel]):  # type: ignore[index]
                    self._stop_all()
                    return 1
        self._stop_all()
        return 0

    def _start(self, index: int) -> None:
        worker = self._context.Process(target=_serve, args=(index,), name=f"gateway-worker-{index}")
        worker.start()
        self._workers[index] = worker

    def _restart(self, index: int) -> bool:
        """Replace a dead worker; False once deaths come too fast for restarts to help."""
        from prometheus_client import multiprocess

        dead = self._workers[index]
        dead.join()
        log.warning("gateway worker died", extra={"worker": index, "exit_code": dead.exitcode})
        if dead.pid is not None:
            multiprocess.mark_process_dead(dead.pid)
            self.board.forget(dead.pid)
        now = time.monotonic()
        self._deaths.append(now)
        while self._deaths and self._deaths[0] < now - RESTART_WINDOW:
            self._deaths.popleft()
        if len(self._deaths) > MOST_RESTARTS:
            log.error("gateway workers keep dying: giving up", extra={"deaths": len(self._deaths)})
            return False
        self._start(index)
        return True

    def _stop(self, signum: int, frame: object) -> None:
        self._stopping = True

    def _stop_all(self) -> None:
        """SIGTERM each worker (uvicorn drains its requests), SIGKILL what is left after STOP_SECONDS.
        Each worker's stop is logged with its duration: a slow drain shows in the log, not only as a kill."""
        started = time.monotonic()
        for worker in self._workers.values():
            if worker.is_alive():
                worker.terminate()
        deadline = started + STOP_SECONDS
        killed = 0
        for index, worker in self._workers.items():
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                worker.kill()
                worker.join()
                killed += 1
                log.error("gateway worker killed: it did not stop in time", extra={"worker": index})
            else:
                seconds = round(time.monotonic() - started, 3)
                log.info(
                    "gateway worker stopped",
                    extra={"worker": index, "exit_code": worker.exitcode, "seconds": seconds},
                )
        seconds = round(time.monotonic() - started, 3)
        log.info(
            "gateway workers stopped", extra={"workers": self.count, "killed": killed, "seconds": seconds}
        )
