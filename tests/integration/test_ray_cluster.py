"""The search on a real multi-node Ray cluster: a head and a worker node, each a `ray start` process.

The head has no CPU (as a production head that only coordinates) and the worker node two, so where
each trial must run is known: a search that used a Ray of its own, or the head, would show other
node ids. (With a CPU on each node, which node runs which trial is Tune's choice: it hands a trial to
whichever actor is free first, so a worker that starts slowly on a loaded machine may run none.)
Both nodes run on this machine (their own temporary folders and ports), so their addresses are
equal: the nodes are told apart by their ids. Every process a node started is stopped with it, by
its process group, whatever the test's outcome (never `ray stop`, which would stop every Ray of the
machine).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_common.processes import free_port

RAY = Path(sys.executable).with_name("ray")
ENV = {**os.environ, "RAY_AUTH_MODE": "disabled"}
ROWS, FEATURES = 8000, 12

# A driver that waits until the cluster has its nodes and prints the head's id and the others'.
_NODES = """
import json, sys, time
import ray
ray.init(address=sys.argv[1], log_to_driver=False)
deadline = time.monotonic() + 60
while len(alive := [n for n in ray.nodes() if n["Alive"]]) < int(sys.argv[2]):
    assert time.monotonic() < deadline, f"only {len(alive)} nodes joined"
    time.sleep(0.5)
is_head = lambda node: "node:__internal_head__" in node["Resources"]
print(json.dumps({"head": [n["NodeID"] for n in alive if is_head(n)],
                  "workers": [n["NodeID"] for n in alive if not is_head(n)]}))
"""


@dataclass(frozen=True)
class Cluster:
    """A running cluster: the address drivers join, and its nodes' ids."""

    address: str
    head: str
    worker: str


@dataclass(frozen=True)
class Node:
    """One `ray start --block` process, leader of its own process group."""

    process: subprocess.Popen
    log: Path

    def wait_started(self, timeout: float = 60) -> None:
        """Until `ray start` says its node runs; fails at once if the command exits."""
        deadline = time.monotonic() + timeout
        while "Ray runtime started" not in self.log.read_text():
            assert self.process.poll() is None, f"ray start exited:\n{self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no node after {timeout} s:\n{self.log.read_text()[-3000:]}"
            time.sleep(0.3)

    def stop(self) -> None:
        """SIGTERM (the node stops what it started), then SIGKILL whatever of its group is left."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):  # nothing of the group left
            os.killpg(self.process.pid, signal.SIGKILL)


def _start_node(folder: Path, name: str, cpus: int, *args: str) -> Node:
    # A short temporary root: Ray's socket paths must stay under the 107 characters Unix allows.
    temp_dir = tempfile.mkdtemp(prefix=f"ray-{name}-")
    log = folder / f"{name}.log"
    ports = ("--dashboard-agent-listen-port", str(free_port()))
    command = [str(RAY), "start", "--block", "--num-cpus", str(cpus), "--node-ip-address", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--disable-usage-stats", "--temp-dir", temp_dir, *ports, *args],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=ENV,
        start_new_session=True,
    )
    return Node(process, log)


def _driver(code: str, *args: str, timeout: float = 90) -> dict | list:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"driver failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A head without CPU (`ray start --head`), then a worker node of two (`ray start --address`)."""
    folder = tmp_path_factory.mktemp("ray_cluster")
    port = free_port()
    address = f"127.0.0.1:{port}"
    nodes = [
        _start_node(
            folder,
            "head",
            0,
            "--head",
            "--port",
            str(port),
            "--include-dashboard=false",
            "--ray-client-server-port",
            str(free_port()),
        )
    ]
    try:
        nodes[0].wait_started()
        nodes.append(_start_node(folder, "worker", 2, "--address", address))
        nodes[1].wait_started()
        ids = _driver(_NODES, address, "2")
        assert isinstance(ids, dict)
        (head,), (worker,) = ids["head"], ids["workers"]  # one of each, or the unpacking fails
        yield Cluster(address, head=head, worker=worker)
    except Exception:
        for node in nodes:
            print(f"--- {node.log.name}\n{node.log.read_text()[-2000:]}")  # the nodes' side of a failure
        raise
    finally:
        for node in reversed(nodes):
            node.stop()


@pytest.fixture(scope="module")
def training_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Applications shaped like a Feast training set (keys, features, TARGET)."""
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(rng.normal(size=(ROWS, FEATURES)), columns=[f"f{i}" for i in range(FEATURES)])
    frame.insert(0, "SK_ID_CURR", np.arange(100_000, 100_000 + ROWS))
    frame.insert(1, "event_timestamp", pd.Timestamp("2026-01-01", tz="UTC"))
    frame["TARGET"] = (frame["f0"] + rng.normal(scale=1.0, size=ROWS) > 1.2).astype(int)
    path = tmp_path_factory.mktemp("ray_cluster_data") / "train.parquet"
    frame.to_parquet(path, index=False)
    return path


def test_training_through_the_cli_address_runs_its_search_on_the_cluster(
    cluster: Cluster, training_set: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    # Given a head without CPU, a worker node of two, and a training set
    # When `python -m training train --address <the head>` runs the whole training with a tiny search
    search = ["--trials", "4", "--folds", "2", "--address", cluster.address, "--cpus", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "training", "train", "--dataset", str(training_set), *search],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
        env={
            **ENV,
            "CREDIT_DATA_DIR": str(data),
            "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        },
    )
    assert done.returncode == 0, f"train failed:\n{done.stderr[-3000:]}"
    # Then Tune's record of every trial names the worker node: not a Ray of the CLI's own, not the head
    results = sorted((data / "ray_results" / "lightgbm_search").glob("*/result.json"))
    assert len(results) == 4, f"4 trials recorded: {results}"
    ran_on = {json.loads(line)["node_id"] for path in results for line in path.read_text().splitlines()}
    assert ran_on, "every trial's record names its node"
    assert ran_on == {cluster.worker}, f"trials ran on {ran_on}, the worker is {cluster.worker}"
