"""The search on a real multi-node Ray cluster: a head and a second node, each a `ray start` process.

Both nodes run on this machine (one CPU each, their own temporary folders and ports), so their
addresses are equal: the nodes are told apart by their ids. Every process a node started is stopped
with it, by its process group, whatever the test's outcome (never `ray stop`, which would stop every
Ray of the machine).
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
# Trials of a second or so: Tune hands a free actor the next trial, so trials much shorter than an
# actor's start could all run on the node whose actor came up first.
ROWS, FEATURES = 8000, 12

# A driver that waits until the cluster has its nodes and prints their ids.
_NODES = """
import json, sys, time
import ray
ray.init(address=sys.argv[1], log_to_driver=False)
deadline = time.monotonic() + 60
while len(alive := [n["NodeID"] for n in ray.nodes() if n["Alive"]]) < int(sys.argv[2]):
    assert time.monotonic() < deadline, f"only {len(alive)} nodes joined"
    time.sleep(0.5)
print(json.dumps(sorted(alive)))
"""

# A driver that runs a tiny search through search(address=...) and prints where each trial ran.
_SEARCH = """
import json, sys
from pathlib import Path
import pandas as pd
from training.model.tune import search
frame = pd.read_parquet(sys.argv[2])
y = frame.pop("TARGET").to_numpy()
x = frame.drop(columns=["SK_ID_CURR", "event_timestamp"])
outcome = search(x, y, trials=4, folds=2, seed=3, storage=Path(sys.argv[3]), address=sys.argv[1], cpus=2)
print(json.dumps({"trial_nodes": [t.node_id for t in outcome.trials],
                  "completed": sum(t.completed for t in outcome.trials)}))
"""


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


def _start_node(folder: Path, name: str, *args: str) -> Node:
    # A short temporary root: Ray's socket paths must stay under the 107 characters Unix allows.
    temp_dir = tempfile.mkdtemp(prefix=f"ray-{name}-")
    log = folder / f"{name}.log"
    ports = ("--dashboard-agent-listen-port", str(free_port()))
    command = [str(RAY), "start", "--block", "--num-cpus", "1", "--node-ip-address", "127.0.0.1"]
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
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """(address, node ids) of a two-node cluster: `ray start --head`, then `ray start --address`."""
    folder = tmp_path_factory.mktemp("ray_cluster")
    port = free_port()
    address = f"127.0.0.1:{port}"
    nodes = [
        _start_node(
            folder,
            "head",
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
        nodes.append(_start_node(folder, "second", "--address", address))
        nodes[1].wait_started()
        node_ids = _driver(_NODES, address, "2")
        assert isinstance(node_ids, list)
        yield address, node_ids
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


def test_a_search_through_its_address_runs_trials_on_both_nodes(cluster, training_set, tmp_path) -> None:
    address, node_ids = cluster
    # Given a head and a second node of one CPU each
    assert len(node_ids) == 2, "the cluster has two nodes"
    # When a driver runs a tiny search through search(address=...)
    report = _driver(_SEARCH, address, str(training_set), str(tmp_path / "ray_results"))
    assert isinstance(report, dict)
    # Then every trial ran on a node of the cluster, and both nodes ran trials
    assert len(report["trial_nodes"]) == 4, f"4 trials recorded: {report}"
    assert set(report["trial_nodes"]) == set(node_ids), f"trials ran on {report['trial_nodes']}"
    assert report["completed"] >= 1, "a trial ran to its last fold"


def test_training_through_the_cli_address_runs_its_search_on_the_cluster(
    cluster, training_set, tmp_path
) -> None:
    address, node_ids = cluster
    data = tmp_path / "data"
    # Given a training set and the cluster's address
    # When `python -m training train --address` runs the whole training with a tiny search
    search = ["--trials", "4", "--folds", "2", "--address", address, "--cpus", "2"]
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
    # Then Tune's record of every trial names a node of the cluster (a Ray of its own would have
    # nodes of other ids). Which nodes share the trials is the search driver's test above: through
    # the CLI, a slow actor start on a loaded machine can leave every trial to the first actor.
    results = sorted((data / "ray_results" / "lightgbm_search").glob("*/result.json"))
    assert len(results) == 4, f"4 trials recorded: {results}"
    ran_on = {json.loads(line)["node_id"] for path in results for line in path.read_text().splitlines()}
    assert ran_on, "every trial's record names its node"
    assert ran_on <= set(node_ids), f"trials ran on {ran_on}, the cluster is {node_ids}"
