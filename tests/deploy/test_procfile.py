"""The Procfile runner `make demo` uses: every process starts, the first to stop stops the others."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from credit_common.procfile import parse_procfile

pytestmark = pytest.mark.unit


def test_the_demo_procfile_parses_into_its_processes() -> None:
    processes = parse_procfile(Path("deploy/Procfile").read_text())
    assert list(processes)[:5] == ["mlflow", "scoring", "explain", "gateway", "ui"]
    assert processes["gateway"] == ".venv/bin/python -m gateway"


@pytest.mark.parametrize(
    ("text", "message"),
    [("web python -m x", "line 1 is not 'name: command'"), ("a: x\n\na: y", "process 'a' is defined twice")],
)
def test_a_malformed_procfile_is_refused_with_its_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_procfile(text)


def _runner(tmp_path: Path, procfile: str) -> subprocess.Popen:
    (tmp_path / "Procfile").write_text(procfile)
    return subprocess.Popen(
        [sys.executable, "-m", "credit_common.procfile", str(tmp_path / "Procfile")],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_when_one_process_fails_the_others_are_stopped_and_its_status_returned(tmp_path: Path) -> None:
    runner = _runner(tmp_path, "sleeper: sleep 60\nfailing: sleep 0.5; echo bye; exit 3\n")
    output, _ = runner.communicate(timeout=30)
    assert runner.returncode == 3, output
    assert "failing exited with status 3: stopping the others" in output
    assert "bye" in output, "a process writes to the runner's output directly"
    assert "sleeper stopped (status -15)" in output, "the sleeper got SIGTERM"


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
