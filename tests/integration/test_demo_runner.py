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


@pytest.mark.slow
def test_explain_killed_under_the_runner_keeps_scores_answering_and_explanations_return(
    mlflow_server, scoring_server, tmp_path: Path
) -> None:
    """The demo's case itself: the explain service and the gateway under the runner, as `make demo` runs
    them (the registry over HTTP), explain killed with SIGKILL while an advisor's scores keep coming."""
    from .conftest import ADVISOR_KEY, api_keys_json

    # given the explain service and a gateway under the runner, explanations served
    explain_port, gateway_port = free_port(), free_port()
    (tmp_path / "Procfile").write_text(
        f"explain: exec {sys.executable} -m explain_service --port {explain_port} --poll-seconds 1\n"
        f"gateway: exec {sys.executable} -m gateway\n"
    )
    environment = {
        **os.environ,
        "MLFLOW_TRACKING_URI": mlflow_server.url,
        "GATEWAY_PORT": str(gateway_port),
        "GATEWAY_SCORING_TARGET": scoring_server.target,
        "GATEWAY_EXPLAIN_TARGET": f"127.0.0.1:{explain_port}",
        "GATEWAY_API_KEYS": api_keys_json(),
        "GATEWAY_PREDICTION_LOG_DIR": str(tmp_path / "predictions"),
        "GATEWAY_REUSE_EXPLANATIONS": "false",  # every decision asks Explain: its absence shows
    }
    log = tmp_path / "runner.log"
    with log.open("w") as output:
        runner = subprocess.Popen(
            [sys.executable, "-m", "credit_common.procfile", str(tmp_path / "Procfile")],
            cwd=Path(__file__).resolve().parents[2],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{gateway_port}/v1/clients/{_known_client()}/score"
    answers: list[tuple[int, bool]] = []  # (status, explained) of each score
    try:
        with httpx.Client(headers={"X-API-Key": ADVISOR_KEY}, timeout=10.0) as client:

            def score() -> tuple[int, bool]:
                try:
                    reply = client.get(url)
                except httpx.HTTPError:
                    return 0, False
                return reply.status_code, reply.status_code == 200 and reply.json()["explanation_available"]

            assert _until(lambda: score() == (200, True), 180), f"never explained:\n{log.read_text()[-2000:]}"
            # when explain is killed while scores keep coming
            (victim,) = _pids(log, "explain")
            os.killpg(victim, signal.SIGKILL)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                answers.append(score())
                if len(answers) > 5 and answers[-1] == (200, True) and any(not e for _, e in answers):
                    break
                time.sleep(0.05)
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.wait(timeout=60)
    # then every score answered, some without their explanation, and explanations came back
    assert [status for status, _ in answers if status != 200] == [], "a score failed while explain was down"
    assert any(not explained for _, explained in answers), "explain's absence was never seen: not killed?"
    assert answers[-1] == (200, True), "explanations did not come back"
    assert len(_pids(log, "explain")) == 2, "explain restarted once"
    assert len(_pids(log, "gateway")) == 1, "the gateway kept running"


def _until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def _known_client() -> int:
    """A client of the session's platform (its data folder is CREDIT_DATA_DIR)."""
    import pandas as pd

    table = Path(os.environ["CREDIT_DATA_DIR"]) / "parquet" / "application_train.parquet"
    return int(pd.read_parquet(table, columns=["SK_ID_CURR"])["SK_ID_CURR"].iloc[3])
