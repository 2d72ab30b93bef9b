"""The demo's Procfile runner survives a crash (issue 29): two real HTTP servers under it, one killed
with SIGKILL while requests hit both; the other answers every request, the killed one comes back.

Not the demo's own services: they need the whole platform (data, features, a registered model) to start.
Two `python -m http.server` processes exercise the same runner, with its default (`make demo`'s) backoff.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from credit_common.processes import free_port

pytestmark = pytest.mark.integration

#: From the SIGKILL to the killed server's first answer: the first restart delay (0.5 s) and a start.
RECOVERY_SECONDS = 5.0


def _pids(log: Path, name: str) -> list[int]:
    """The pid of each start of `name` the runner reported."""
    return [int(pid) for pid in re.findall(rf"procfile \| {name} started \(pid=(\d+)\)", log.read_text())]


def _answers(client: httpx.Client, port: int) -> bool:
    try:
        return client.get(f"http://127.0.0.1:{port}/page.txt").status_code == 200
    except httpx.HTTPError:
        return False


def test_a_server_killed_under_the_runner_answers_again_and_the_other_never_stops(tmp_path: Path) -> None:
    # given two HTTP servers under the runner, both answering
    (tmp_path / "page.txt").write_text("ok")
    ports = {"steady": free_port(), "victim": free_port()}
    server = f"exec {sys.executable} -m http.server --bind 127.0.0.1 --directory {tmp_path}"
    (tmp_path / "Procfile").write_text("".join(f"{name}: {server} {port}\n" for name, port in ports.items()))
    log = tmp_path / "runner.log"
    with log.open("w") as output:
        runner = subprocess.Popen(
            [sys.executable, "-m", "credit_common.procfile", str(tmp_path / "Procfile")],
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    steady: list[bool] = []  # each request to the steady server: answered or not
    try:
        with httpx.Client(timeout=2.0) as client:

            def hit_both() -> bool:
                """One request to each server: whether the victim answered."""
                steady.append(_answers(client, ports["steady"]))
                return _answers(client, ports["victim"])

            deadline = time.monotonic() + 20
            while not all(_answers(client, port) for port in ports.values()):
                assert runner.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            for _ in range(20):
                assert hit_both()
                time.sleep(0.02)

            # when the victim is killed in the middle of a loop of requests to both
            os.kill(_pids(log, "victim")[-1], signal.SIGKILL)
            killed_at, outage = time.monotonic(), False
            while time.monotonic() - killed_at < RECOVERY_SECONDS:
                if not hit_both():
                    outage = True
                elif outage:
                    break
                time.sleep(0.02)
            recovered = time.monotonic() - killed_at
            for _ in range(20):
                hit_both()
                time.sleep(0.02)
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.wait(30)

    # then the other server answered every request, and the killed one answers again within seconds
    assert all(steady), f"{steady.count(False)} of {len(steady)} failed:\n{log.read_text()}"
    assert outage, "the killed server stopped answering"
    assert recovered < RECOVERY_SECONDS, f"no answer {RECOVERY_SECONDS} s after the kill:\n{log.read_text()}"
    assert len(_pids(log, "victim")) == 2, "the victim was restarted once"
    assert len(_pids(log, "steady")) == 1, "the other kept its process"
    assert "victim died: restarting status=-9" in log.read_text()
    assert runner.returncode == 0, log.read_text()
