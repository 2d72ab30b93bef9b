"""The Procfile runner `make demo` uses: every process starts, one that dies is restarted, a crash loop
or a stop signal stops them all."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from credit_common.procfile import Policy, Slot, parse_procfile

pytestmark = pytest.mark.unit


def test_the_demo_procfile_parses_into_its_processes() -> None:
    processes = parse_procfile(Path("deploy/Procfile").read_text())
    assert list(processes)[:6] == ["mlflow", "scoring", "explain", "gateway", "gateway-file", "ui"]
    assert processes["gateway"] == ".venv/bin/python -m gateway"
    # the whole gateway behind the public one: the registry over HTTP as the services read it, its own
    # port, one process, no forwarding, no counting
    assert processes["gateway-file"].startswith(
        "MLFLOW_TRACKING_URI=http://127.0.0.1:$MLFLOW_PORT GATEWAY_PORT=$GATEWAY_FILE_PORT GATEWAY_WORKERS=1 "
    )
    assert "GATEWAY_CLIENT_FILE_URL= GATEWAY_RATE_LIMITS=false" in processes["gateway-file"]


@pytest.mark.parametrize(
    ("text", "message"),
    [("web python -m x", "line 1 is not 'name: command'"), ("a: x\n\na: y", "process 'a' is defined twice")],
)
def test_a_malformed_procfile_is_refused_with_its_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_procfile(text)


#: Restart delays and crash-loop window of a runner under test: tenths of seconds, not seconds.
FAST = ("--backoff", "0.1", "--backoff-max", "0.4", "--stable", "30")


def _runner(tmp_path: Path, procfile: str, *options: str) -> subprocess.Popen:
    (tmp_path / "Procfile").write_text(procfile)
    return subprocess.Popen(
        [sys.executable, "-m", "credit_common.procfile", *options, str(tmp_path / "Procfile")],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _started(output: str, name: str) -> list[int]:
    """The pids the runner reports for `name`, one per start."""
    return [int(pid) for pid in re.findall(rf"procfile \| {name} started \(pid=(\d+)\)", output)]


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_the_restart_delay_doubles_to_its_cap_and_restarts_from_the_first_after_a_stable_run() -> None:
    slot = Slot("x", "true", Policy(backoff=0.5, backoff_max=10.0, stable=30.0, crash_loop=99))
    delays = []
    for now in range(1, 8):
        slot.started = now - 1.0  # each run lasted a second
        delays.append(slot.died(float(now)))
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    slot.started = 10.0
    assert slot.died(40.0) == 0.5, "up 30 s: healthy again"
    assert slot.restart_at == 40.5


def test_only_deaths_within_the_window_make_a_crash_loop() -> None:
    slot = Slot("x", "true", Policy(crash_loop=3, crash_window=60.0))
    assert slot.died(10.0) is not None
    assert slot.died(50.0) is not None
    assert slot.died(80.0) is not None, "the death at 10 s is out of the window: two within it"
    assert slot.died(100.0) is None, "50, 80, 100: three within 60 s"


def test_a_process_that_dies_is_restarted_and_the_others_keep_their_pid(tmp_path: Path) -> None:
    runner = _runner(
        tmp_path,
        "steady: sleep 60\nshort: echo start >> starts; sleep 0.3; exit 2\n",
        *FAST,
        "--crash-loop",
        "100",
    )
    try:
        time.sleep(0.5)
        first_children = {child.pid for child in psutil.Process(runner.pid).children()}
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and len(_lines(tmp_path / "starts")) < 4:
            assert runner.poll() is None, "the runner keeps running"
            time.sleep(0.1)
        last_children = {child.pid for child in psutil.Process(runner.pid).children()}
    finally:
        runner.send_signal(signal.SIGTERM)
        output, _ = runner.communicate(timeout=30)
    assert len(_lines(tmp_path / "starts")) >= 4, output
    assert len(_started(output, "short")) >= 4, "each start is reported with its pid"
    assert "short died: restarting status=2 uptime_s=0." in output
    assert len(_started(output, "steady")) == 1, output
    assert _started(output, "steady")[0] in first_children & last_children, "one steady pid throughout"
    assert runner.returncode == 0, output


def test_a_process_that_keeps_dying_stops_every_process_and_the_runner_names_it(tmp_path: Path) -> None:
    started = time.monotonic()
    runner = _runner(
        tmp_path,
        "steady: sleep 60\ncrasher: echo bye; exit 3\n",
        *FAST,
        "--crash-loop",
        "4",
        "--crash-window",
        "10",
    )
    output, _ = runner.communicate(timeout=30)
    assert time.monotonic() - started < 10, output
    assert runner.returncode == 1, output
    assert "crasher is crash-looping: stopping every process status=3" in output
    assert "deaths=4 window_s=10" in output
    assert "bye" in output, "a process writes to the runner's output directly"
    assert len(_started(output, "crasher")) == 4, "started, then restarted after each of three deaths"
    assert "steady stopped (status -15)" in output, "the steady process got SIGTERM"


def test_sigterm_stops_every_process(tmp_path: Path) -> None:
    runner = _runner(tmp_path, "one: sleep 60\ntwo: sleep 60\n")
    time.sleep(1.0)
    children = psutil.Process(runner.pid).children(recursive=True)
    assert len(children) >= 2, "both processes started"
    runner.send_signal(signal.SIGTERM)
    output, _ = runner.communicate(timeout=30)
    assert runner.returncode == 0, output
    assert "SIGTERM received: stopping every process" in output
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
