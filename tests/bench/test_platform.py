"""Running the demo for a benchmark: its environment on other ports, the runner's processes, CPU readings."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench.platform import (
    GENERATOR,
    SUPERVISOR,
    CpuMeter,
    procfile_names,
    read_env_file,
    relocate_ports,
    started_pids,
)

pytestmark = pytest.mark.unit


def test_env_file_is_read_as_the_shell_reads_it(tmp_path: Path) -> None:
    keys = json.dumps({"ab" * 32: {"name": "demo", "roles": ["advisor"]}})
    path = tmp_path / "demo.env"
    path.write_text(f"# a comment\nGATEWAY_PORT='8000'\nGATEWAY_API_KEYS='{keys}'\n\nEMPTY=''\n")
    assert read_env_file(path) == {"GATEWAY_PORT": "8000", "GATEWAY_API_KEYS": keys, "EMPTY": ""}


def test_every_address_follows_its_port() -> None:
    env = {
        "GATEWAY_PORT": "8000",
        "SCORING_PORT": "50051",
        "GATEWAY_SCORING_TARGET": "127.0.0.1:50051",
        "UI_GATEWAY_URL": "http://127.0.0.1:8000",
        "REDIS_CONNECTION_STRING": "127.0.0.1:6379",
        "OTHER": "127.0.0.1:80001",
    }
    # The new gateway port is the scoring service's old one: a second pass would move it again.
    moved = relocate_ports(env, {"GATEWAY_PORT": 50051, "SCORING_PORT": 41000})
    assert moved == {
        "GATEWAY_PORT": "50051",
        "SCORING_PORT": "41000",
        "GATEWAY_SCORING_TARGET": "127.0.0.1:41000",
        "UI_GATEWAY_URL": "http://127.0.0.1:50051",
        "REDIS_CONNECTION_STRING": "127.0.0.1:6379",
        "OTHER": "127.0.0.1:80001",
    }


def test_demo_procfile_and_runner_output() -> None:
    assert procfile_names()[:6] == ["mlflow", "scoring", "explain", "gateway", "gateway-file", "ui"]
    output = (
        "03:13:15 procfile | scoring started (pid=10573)\n"
        '{"service": "scoring", "event": "gateway started (pid=1)"}\n'
        "03:13:15 procfile | demo-banner started (pid=10576)\n"
    )
    assert started_pids(output) == {"scoring": 10573, "demo-banner": 10576}


def test_cpu_meter_charges_a_busy_process_and_its_children() -> None:
    spin = (
        "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\ntime.sleep(30)"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {spin!r}])"]
    )
    meter = CpuMeter(psutil.Process(), {"busy": psutil.Process(parent.pid)})
    try:
        before, started = meter.read(), time.perf_counter()
        time.sleep(1.5)
        cores = CpuMeter.cores(before, meter.read(), time.perf_counter() - started)
    finally:
        for process in psutil.Process(parent.pid).children(recursive=True):
            process.kill()
        parent.kill()
        parent.wait()
    assert set(cores) == {"busy", SUPERVISOR, GENERATOR, "machine", "other"}
    assert cores["busy"] > 0.2, f"the grandchild's 0.6 s of spinning are charged to its entry: {cores}"
    assert cores["machine"] >= cores["busy"] - 0.05, "the machine's load includes it"
