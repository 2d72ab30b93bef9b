"""Two gateway processes on one port (GATEWAY_WORKERS=2), as `make demo` runs them: connections reach
both, metrics and the prediction log add both up, health reports both, a killed worker is replaced,
and SIGTERM stops them all."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from credit_model.decision_log import log_files, read_log
from gateway.workers import STOP_SECONDS

from .conftest import ADVISOR_KEY, SERVICE_KEY, Service, start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ADVISOR = {"X-API-Key": ADVISOR_KEY}
REQUESTS = 40


@pytest.fixture(scope="module")
def two_workers(
    scoring_server: Service, explain_server: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Service, Path]]:
    folder = tmp_path_factory.mktemp("workers")
    run = folder / "run"
    server = start_gateway(
        folder, scoring_server.target, explain_server.target, GATEWAY_WORKERS="2", GATEWAY_RUN_DIR=str(run)
    )
    wait_healthy(server)
    yield server, folder
    server.stop()


def wait_healthy(server: Service, timeout: float = 180) -> dict:
    """The health answer once every worker serves."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server._check_alive()
        try:
            reply = httpx.get(server.url + "/v1/health", timeout=5)
            if reply.status_code == 200:
                return reply.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"not healthy after {timeout} s:\n{server.log.read_text()[-3000:]}")


def decided(server: Service, client_id: int, attempts: int = 3) -> httpx.Response:
    """A score on a new connection, asked again after a 503 as a client does (after its Retry-After,
    at most 1 s here): this Redis and the 2 cores are shared with another pytest worker, and a read
    that waits past its 0.25 s budget is a 503 by design. No decision is logged for a 503 (the
    features are read before anything is decided), so the log still counts one row per 200."""
    for _ in range(attempts - 1):
        reply = httpx.get(f"{server.url}/v1/clients/{client_id}/score", headers=ADVISOR, timeout=60)
        if reply.status_code != 503:
            return reply
        time.sleep(min(float(reply.headers.get("Retry-After", "1")), 1.0))
    return httpx.get(f"{server.url}/v1/clients/{client_id}/score", headers=ADVISOR, timeout=60)


def wait_exited(pid: int, timeout: float = 30) -> None:
    """Return once process `pid` is gone: reaped by its supervisor, hence every thread of it ended and
    its sockets closed (a zombie leader is not enough: its other threads may still hold them)."""
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"process {pid} still there {timeout} s after SIGKILL")
        time.sleep(0.01)


def worker_pids(run: Path) -> set[int]:
    return {json.loads(beat.read_text())["pid"] for beat in (run / "workers").glob("*.json")}


def test_health_metrics_and_the_log_add_up_both_workers(two_workers: tuple[Service, Path], platform) -> None:
    server, folder = two_workers
    client_id = int(pd.read_parquet(platform.parquet / "application_train.parquet")["SK_ID_CURR"].iloc[3])
    health = wait_healthy(server)
    assert health["dependencies"]["workers"] == {"ok": True, "detail": "2 of 2 workers serving"}, health
    # when 40 decisions come on 40 connections (the kernel spreads connections, not requests)
    for _ in range(REQUESTS):
        reply = decided(server, client_id)
        assert reply.status_code == 200, reply.text
    # then both workers logged decisions, and the log reads them as one
    pids = {int(re.search(r"-(\d+)\.", path.name).group(1)) for path in log_files(folder / "predictions")}  # type: ignore[union-attr]
    assert pids == worker_pids(folder / "run"), f"every worker logged: {pids}"
    assert read_log(folder / "predictions").num_rows == REQUESTS
    # and whichever worker answers /metrics counts every worker's requests
    for _ in range(3):
        text = httpx.get(server.url + "/metrics", headers={"X-API-Key": SERVICE_KEY}, timeout=10).text
        counted = sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("gateway_requests_total{") and "/score" in line
        )
        assert counted == REQUESTS, f"one sum over both workers: {counted}"


def test_a_killed_worker_is_replaced_and_health_says_so_meanwhile(two_workers: tuple[Service, Path]) -> None:
    server, folder = two_workers
    wait_healthy(server)
    before = worker_pids(folder / "run")
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    # (a connection the kernel handed to the dying worker's socket is reset: SO_REUSEPORT gives each
    # worker its own accept queue, and the kernel sends no new one there once the process has exited)
    wait_exited(victim)
    # while its replacement starts, health names the missing worker
    deadline = time.monotonic() + 30
    degraded = None
    while time.monotonic() < deadline and degraded is None:
        reply = httpx.get(server.url + "/v1/health", timeout=5)
        if reply.status_code == 503:
            degraded = reply.json()
        time.sleep(0.2)
    assert degraded is not None, "health saw the missing worker"
    assert degraded["dependencies"]["workers"]["detail"] == "1 of 2 workers serving", degraded
    # then a new worker takes its place and every worker serves again
    wait_healthy(server)
    after = worker_pids(folder / "run")
    assert len(after) == 2, (before, after)
    assert victim not in after, (before, after)


def test_sigterm_stops_every_worker(two_workers: tuple[Service, Path]) -> None:
    server, folder = two_workers
    pids = worker_pids(folder / "run")
    # Longer than the supervisor's own budget, so that it is the supervisor that ends a slow drain (by
    # a kill it logs): CI once saw this wait, then 30 s like the budget, kill the supervisor itself.
    code = server.stop(timeout=STOP_SECONDS + 30)
    assert code == 0, f"a clean stop, exit {code}:\n{server.log.read_text()[-4000:]}"
    stopped = [line for line in server.log.read_text().splitlines() if "gateway workers stopped" in line]
    assert len(stopped) == 1, "the supervisor said when its workers were all gone"
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()], "no worker outlives the supervisor"
