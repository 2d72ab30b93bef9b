"""A Redis Cluster master killed under load, and what acknowledging a new application once a replica
holds it costs.

On a cluster of the run's own (3 masters, 3 replicas, scripts/ensure_redis_cluster.sh) loaded with the
platform's clients, scoring, explain and one gateway process run on it. Then:

- `POST /v1/applications`, one at a time, with the gateway acknowledging after `WAIT 1` (the cluster's
  default) and after no WAIT: the latency the replica's acknowledgement adds;
- a steady load of decisions and new applications (bench.steady_load), the master of a client killed
  2 s in and started again once its replica has replaced it (as its pod would come back): how long
  answers are 503, what else they are, and whether any acknowledged application is missing after.

    python -m bench.cluster_failover [--data data]
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import numpy as np
import redis
import typer
from rich.console import Console

from bench.child import REPO
from bench.online_memory import CLUSTER_PORT, loaded_cluster
from bench.platform import read_env_file
from bench.stamp import bench_run
from bench.steady_load import APPLICATION, steady_load
from credit_common.processes import Service, free_port, start_service
from credit_features.backend import project_name
from credit_features.redis_client import REDIS_FAILURES, open_redis
from credit_features.redis_layout import client_keys

console = Console()
app = typer.Typer(add_completion=False)
#: When the master is killed, s after the load starts; and how long the load runs.
KILL_AT, LOAD_SECONDS = 2.0, 12.0


def master_port(connection: str, key: bytes) -> int | None:
    """The port of the master serving `key` now (None while the cluster has no slot map to give)."""
    with contextlib.suppress(*REDIS_FAILURES):
        return int(open_redis(connection, "redis_cluster").get_node_from_key(key).port)  # type: ignore[union-attr]
    return None


def wait_until_replaced(connection: str, key: bytes, port: int, timeout: float = 30.0) -> None:
    """Return once another master than the one on `port` serves `key`."""
    deadline = time.monotonic() + timeout
    while master_port(connection, key) in (port, None):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no replica replaced the master on port {port} in {timeout} s")
        time.sleep(0.1)


def restart_cluster_nodes(first_port: int, folder: Path | None = None) -> None:
    """Start again the cluster's nodes that are down (they rejoin with their node files and data)."""
    env = {**os.environ, "REDIS_CLUSTER_PORT": str(first_port)}
    if folder is not None:
        env["REDIS_CLUSTER_DIR"] = str(folder)
    script = str(REPO / "scripts" / "ensure_redis_cluster.sh")
    done = subprocess.run(["bash", script], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ensure_redis_cluster.sh failed: {done.stderr.strip() or done.stdout.strip()}")


@contextmanager
def serving(env: dict[str, str], folder: Path, **gateway_env: str) -> Iterator[Service]:
    """Scoring, explain and one gateway process over `env`'s online store; the gateway."""
    services = [start_service(module, folder, env=env) for module in ("scoring_service", "explain_service")]
    gateway = None
    try:
        for service in services:
            service.wait_serving()
        scoring, explain = services
        variables = {
            **env,
            "GATEWAY_SCORING_TARGET": scoring.target,
            "GATEWAY_EXPLAIN_TARGET": explain.target,
            "GATEWAY_PREDICTION_LOG_DIR": str(folder / "predictions"),
            **gateway_env,
        }
        gateway = start_service("gateway", folder, env=variables, port_env="GATEWAY_PORT")
        gateway.wait_ready()
        yield gateway
    finally:
        for service in [*([gateway] if gateway else []), *services]:
            service.stop()


def posting_latency(gateway: Service, headers: dict[str, str], count: int) -> dict[str, float]:
    """p50 and p99 (ms) of `count` applications posted one after the other."""
    seconds = []
    with httpx.Client(base_url=gateway.url, headers=headers, timeout=10) as client:
        for _ in range(count):
            started = time.perf_counter()
            reply = client.post("/v1/applications", json=APPLICATION)
            seconds.append(time.perf_counter() - started)
            reply.raise_for_status()
    p50, p99 = np.percentile(np.array(seconds) * 1000, [50, 99])
    return {"p50_ms": round(float(p50), 2), "p99_ms": round(float(p99), 2), "posted": count}


def failover(
    gateway: Service, headers: dict[str, str], connection: str, clients: list[int], folder: Path
) -> dict[str, Any]:
    """The steady load, the kill and the restart; what the answers were."""
    (key,) = client_keys(project_name(), clients[:1])
    port = master_port(connection, key)
    assert port is not None
    pid = int(redis.Redis(port=port).info("server")["process_id"])

    def restart_once_replaced() -> None:
        wait_until_replaced(connection, key, port)
        restart_cluster_nodes(CLUSTER_PORT, folder / "cluster")

    events = {KILL_AT: lambda: os.kill(pid, signal.SIGKILL), KILL_AT + 0.5: restart_once_replaced}
    answers = asyncio.run(steady_load(gateway.url, headers, clients, seconds=LOAD_SECONDS, events=events))
    refused = [a for a in answers if a.status == 503]
    created = [a.body["client_id"] for a in answers if a.status == 201]
    with httpx.Client(base_url=gateway.url, headers=headers, timeout=10) as client:
        lost = sum(client.get(f"/v1/clients/{i}").status_code != 200 for i in created)
    return {
        "requests": len(answers),
        "statuses": dict(Counter(str(a.status) for a in answers)),
        "refused_per_kind": dict(Counter(a.kind for a in refused)),
        "refused_without_retry_after": sum(not a.retry_after for a in refused),
        "seconds_of_503_after_kill": round(max((a.due for a in refused), default=KILL_AT) - KILL_AT, 2),
        "acknowledged_applications": len(created),
        "lost_applications": lost,
        "killed_port": port,
    }


@app.command()
def main(
    data: Annotated[Path, typer.Option(help="A built platform (make demo's data folder).")] = Path("data"),
    posts: Annotated[int, typer.Option(help="Applications posted one by one per setting.")] = 300,
) -> None:
    """Measure and write bench/results/cluster_failover.json."""
    data = data.resolve()
    if not (data / "features" / "application.parquet").is_file():
        raise typer.BadParameter(f"{data} holds no feature tables: build the platform first (make demo)")
    demo = read_env_file(data / "demo.env")  # the demo's API key, which the gateway here accepts too
    headers = {"X-API-Key": demo["DEMO_API_KEY"]}
    config = {
        "data": str(data),
        "posts": posts,
        "kill_at_s": KILL_AT,
        "load_seconds": LOAD_SECONDS,
        "per_second": 50,
    }
    with bench_run("cluster_failover", config) as run, tempfile.TemporaryDirectory(prefix="failover-") as tmp:
        folder = Path(tmp)
        with loaded_cluster(data, folder) as cluster:
            connection = cluster["REDIS_CONNECTION_STRING"]
            env = {
                **cluster,
                "MLFLOW_TRACKING_URI": os.environ.get(
                    "MLFLOW_TRACKING_URI", f"sqlite:///{data / 'mlflow.db'}"
                ),
                "SCORING_PORT": str(free_port()),
                "EXPLAIN_PORT": str(free_port()),
                "GATEWAY_API_KEYS": demo["GATEWAY_API_KEYS"],
            }
            latency = {}
            for replicas in (1, 0):
                console.print(f"posting {posts} applications, acknowledged after {replicas} replica(s)")
                with serving(env, folder / f"post-{replicas}", REDIS_ACK_REPLICAS=str(replicas)) as gateway:
                    latency[replicas] = posting_latency(gateway, headers, posts)
            console.print("killing a master under load")
            with serving(env, folder / "failover") as gateway:
                listed = httpx.get(f"{gateway.url}/v1/clients", headers=headers, timeout=10).json()
                ids = [int(row["client_id"]) for row in listed[:6]]
                outcome = failover(gateway, headers, connection, ids, folder)
        run.figure(
            "failover_s",
            outcome["seconds_of_503_after_kill"],
            unit="s",
            label="503s after a master is killed (cluster)",
            goal="<= 5",
        )
        run.figure(
            "lost_applications",
            outcome["lost_applications"],
            unit="",
            label="acknowledged applications lost in a failover",
            goal="== 0",
        )
        added = latency[1]["p50_ms"] - latency[0]["p50_ms"]
        run.figure(
            "wait_p50_ms",
            round(added, 2),
            unit="ms",
            label="latency WAIT 1 adds to POST /v1/applications, p50",
        )
        run.detail("posting", {f"{r}_replicas": v for r, v in latency.items()})
        run.detail("failover", outcome)
    console.print(run.details)


if __name__ == "__main__":
    app()
