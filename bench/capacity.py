"""Serving capacity of the whole product: `GET /v1/clients/{id}/score` (with its reasons) under load.

`python -m bench.capacity [--data DIR] [--seconds 60] [--rate 200] [--ramp 100,200,...]` runs what
`make demo` runs on `DIR` (bench.platform), on free ports, waits until it is ready, then sends open-loop
load (bench.load) from this process:

1. cold: every client of the demo once, shuffled, before any repeat — `--rate` req/s for `--seconds`;
2. warm: advisors reopening files — 80% of requests go to one of the 50 clients opened last;
3. a step ramp for each mix (`--step-seconds` per rate), stopped after the first step whose p99 passes
   50 ms or that has errors: where capacity gives out.

Goal (issue 13): 200 req/s for 60 s at p99 <= 15 ms with zero errors, cold and warm, on two cores
shared by every process of the demo. A 200 that says the explanation is unavailable is an error: the
goal is the score with its reasons. Each step starts once the gateway is idle (requests given up by
the generator may still be worked on, and that backlog must not spill into the next step) and records the
cores each process used (which one saturates), the generator's own CPU and lateness, and the load
outside the demo: a run whose generator was late or whose machine was busy says it is not to be
trusted (bench.capacity_report). The result goes to bench/results/capacity.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import httpx
import psutil
import pyarrow.parquet as pq
from grpc_health.v1 import health_pb2, health_pb2_grpc
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench.capacity_report import KNEE_P99_MS, passes, record, step_line, table
from bench.load import HttpPool, cold_mix, run_step, warm_mix
from bench.online_memory import CLUSTER_PORT, loaded_cluster
from bench.platform import CpuMeter, Platform, demo_environment, listener, read_env_file, running_demo
from bench.stamp import REPO, bench_run
from credit_features.redis_client import open_redis
from credit_features.redis_layout import parse_connection_string
from gateway.settings import GatewaySettings
from protos.credit.v1.scoring_pb2 import ModelInfoRequest
from protos.credit.v1.scoring_pb2_grpc import ScoringStub
from serving_base.explanation_store import population_key
from serving_base.settings import ExplainSettings, ScoringSettings
from ui.settings import UISettings

WARMUP = (5, 50)  # clients, requests: first calls of each code path, before anything is measured
console = Console(width=None if sys.stdout.isatty() else 140)  # logs keep the table whole


def _grpc_serving(port: int) -> bool:
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
    except grpc.RpcError:
        return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


def _population_explained(platform: Platform) -> bool:
    """Whether the explain service has prepared every known client's explanation for the served
    version (its background warm-up after a swap): until then a cold request may pay TreeSHAP."""
    try:
        with grpc.insecure_channel(f"127.0.0.1:{platform.port('scoring')}") as channel:
            model = ScoringStub(channel).ModelInfo(ModelInfoRequest(), timeout=1).model
    except grpc.RpcError:
        return False
    env = platform.env
    store = open_redis(
        env["REDIS_CONNECTION_STRING"],
        "redis_cluster" if env.get("REDIS_TYPE") == "redis_cluster" else "redis",
    )
    with store:
        return store.exists(population_key(model.name, model.version)) == 1


def redis_ports(env: dict[str, str]) -> list[int]:
    """The ports of the Redis servers the demo uses: its one server, or every node of the cluster."""
    if env.get("REDIS_TYPE") == "redis_cluster":
        return list(range(CLUSTER_PORT, CLUSTER_PORT + 6))
    hosts, _ = parse_connection_string(env["REDIS_CONNECTION_STRING"])
    return [hosts[0][1]]


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_ready(platform: Platform, timeout: float = 600.0) -> None:
    """Wait until every process of the demo is ready for advisors, so no start-up work is measured:
    MLflow and the UI answer, both model services are SERVING, the gateway's /v1/health says 200, and
    the explain service has prepared the population's explanations."""
    conditions = {
        "scoring SERVING": lambda: _grpc_serving(platform.port("scoring")),
        "explain SERVING": lambda: _grpc_serving(platform.port("explain")),
        "gateway /v1/health": lambda: _http_ok(f"http://127.0.0.1:{platform.port('gateway')}/v1/health"),
        "MLflow /health": lambda: _http_ok(f"http://127.0.0.1:{platform.port('mlflow')}/health"),
        "UI": lambda: _http_ok(f"http://127.0.0.1:{platform.port('ui')}/"),
        "population explained": lambda: _population_explained(platform),
    }
    deadline = time.monotonic() + timeout
    waiting = list(conditions)
    with console.status("starting the demo") as status:
        while True:
            platform.check_alive()
            waiting = [name for name in waiting if not conditions[name]()]
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:g} s: {waiting}\n{platform.tail()}")
            status.update(f"starting the demo: waiting for {', '.join(waiting)}")
            time.sleep(0.5)


@contextmanager
def ready_demo(
    data: Path,
    name: str,
    ready_timeout: float,
    workers: int | None = None,
    overrides: dict[str, str] | None = None,
) -> Iterator[Platform]:
    """What `make demo` runs on `data`, on free ports, ready for advisors; stopped on exit. `workers`
    overrides the demo's count of gateway processes, `overrides` any other variable."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    env = demo_environment(data, folder) | (overrides or {})
    if workers is not None:
        env["GATEWAY_WORKERS"] = str(workers)
    with running_demo(env, folder) as platform:
        console.print(f"demo on free ports (gateway {platform.port('gateway')}); output in {platform.log}")
        wait_ready(platform, ready_timeout)
        yield platform


def client_ids(data: Path) -> list[int]:
    """Every client the demo can score: the ids of the application feature table (materialized online)."""
    table = pq.read_table(data / "features" / "application.parquet", columns=["SK_ID_CURR"])
    return sorted(int(i) for i in table.column("SK_ID_CURR").to_pylist())


def run_configuration(platform: Platform, data: Path, api_key: str) -> dict[str, Any]:
    """What the figures hold for: the model served, each process's log level, the data's size."""
    model = httpx.get(
        f"http://127.0.0.1:{platform.port('gateway')}/v1/model", headers={"X-API-Key": api_key}, timeout=10
    ).raise_for_status()
    env = platform.env
    datagen = data / ".done" / "datagen"  # the pipeline's record of the generated data
    return {
        "model": {k: model.json()[k] for k in ("name", "version", "trees", "leaves", "features")},
        "log_levels": {
            "gateway": env.get("GATEWAY_LOG_LEVEL", GatewaySettings.model_fields["log_level"].default),
            "scoring": env.get("SCORING_LOG_LEVEL", ScoringSettings.model_fields["log_level"].default),
            "explain": env.get("EXPLAIN_LOG_LEVEL", ExplainSettings.model_fields["log_level"].default),
            "ui": env.get("UI_LOG_LEVEL", UISettings.model_fields["log_level"].default),
            "mlflow": env.get("MLFLOW_LOGGING_LEVEL", "INFO"),
        },
        "data": {
            "folder": str(data),
            "datagen": json.loads(datagen.read_text()) if datagen.exists() else "not recorded",
        },
        "online_store": _online_store(env),
    }


def _online_store(env: dict[str, str]) -> str:
    """The online store the demo ran on, in words the README table repeats."""
    if env.get("REDIS_TYPE") == "redis_cluster":
        return "Redis Cluster, 3 masters + 3 replicas"
    choice = env.get("FEAST_ONLINE_STORE", "auto")
    return "one Redis" if choice in ("auto", "redis") else choice


def explained_answer(body: bytes) -> str | None:
    """The goal is the score with its reasons: a 200 without them is an error."""
    try:
        available = json.loads(body)["explanation_available"]
    except (ValueError, KeyError, TypeError):
        return "bad_body"
    return None if available is True else "no_explanation"


def _now() -> str:
    return datetime.now(tz=UTC).isoformat(timespec="milliseconds")


class Bench:
    """The steps of one run against one running demo: same pool settings, same CPU meter, one record
    of the clients already requested (to tell first visits from repeats)."""

    def __init__(self, platform: Platform, api_key: str, args: argparse.Namespace) -> None:
        self.port = platform.port("gateway")
        self.headers = {"X-API-Key": api_key}
        self.args = args
        used = {f"redis:{port}": process for port in redis_ports(platform.env) if (process := listener(port))}
        self.meter = CpuMeter(psutil.Process(platform.runner.pid), platform.processes(), used)
        self.seen: set[int] = set()

    async def settle(self) -> float:
        """Wait until the gateway is idle (< 0.05 cores for a second), up to `--settle` seconds.

        Why: requests the generator gave up on may still be worked on by the product, so after an
        overloaded step its backlog would be charged to the next step.
        """
        started = time.perf_counter()
        while time.perf_counter() - started < self.args.settle:
            before, begun = self.meter.read(), time.perf_counter()
            await asyncio.sleep(1.0)
            if CpuMeter.cores(before, self.meter.read(), time.perf_counter() - begun)["gateway"] < 0.05:
                break
        return round(time.perf_counter() - started, 1)

    async def step(self, label: str, clients: Iterator[int], rate: float, seconds: float) -> dict[str, Any]:
        """One open-loop step; its row: rates, latencies, errors, pool and CPU figures."""
        ids = list(itertools.islice(clients, round(rate * seconds)))
        first_visits = len(set(ids) - self.seen)
        self.seen.update(ids)
        pool = HttpPool("127.0.0.1", self.port, self.headers, cap=self.args.connections)
        await pool.open(self.args.open_connections)
        paths = [f"/v1/clients/{i}/score" for i in ids]
        began_at = _now()
        before, started = self.meter.read(), time.perf_counter()
        result = await run_step(pool, paths, rate, seconds, check=explained_answer, timeout=self.args.timeout)
        cores = CpuMeter.cores(before, self.meter.read(), time.perf_counter() - started)
        await pool.close()
        row = result.row()
        return {
            "step": label,
            # when it ran (UTC), to set beside the demo's log: a spike of p99 and what ran meanwhile
            "began_at": began_at,
            "ended_at": _now(),
            **row,
            # every gateway process's CPU (workers and their supervisor) per decision answered
            "gateway_cpu_ms": round(1000 * cores["gateway"] / max(row["achieved_rps"], 1e-9), 3),
            "first_visits": first_visits,
            "connections": pool.most_open,
            "pool_waits": pool.waits,
            "stale_retries": pool.stale_retries,
            "cores": cores,
        }


async def measure(bench: Bench, ids: list[int], progress: Progress) -> dict[str, list[dict[str, Any]]]:
    """Warm-up, then cold and warm at the goal's rate, then a ramp per mix until capacity gives out."""
    args = bench.args
    mixes = {
        "cold": cold_mix(ids, random.Random(args.seed)),
        "warm": warm_mix(ids, random.Random(args.seed + 1), args.hot_share, args.recent),
    }
    warmup_ids, warmup_requests = WARMUP
    await bench.step("warm-up", itertools.cycle(ids[:warmup_ids]), 25, warmup_requests / 25)
    plan = [(mix, args.rate, args.seconds, "goal") for mix in mixes]
    plan += [(mix, rate, args.step_seconds, "ramp") for mix in mixes for rate in args.ramp]
    task = progress.add_task("steps", total=len(plan))
    rows: dict[str, list[dict[str, Any]]] = {"goal": [], "ramp": []}
    gave_out: set[str] = set()
    for mix, rate, seconds, phase in plan:
        if phase == "ramp" and mix in gave_out:
            progress.advance(task)
            continue
        progress.update(task, description=f"{phase} {mix} {rate:g} req/s × {seconds:g} s")
        settled = await bench.settle()
        row = await bench.step(f"{phase} {mix} {rate:g}", mixes[mix], rate, seconds)
        rows[phase].append({"mix": mix, **row, "settle_s": settled})
        if phase == "ramp" and not passes(row):
            gave_out.add(mix)
        progress.console.print(step_line(row))
        progress.advance(task)
    return rows


def gateway_memory(platform: Platform) -> list[dict[str, Any]]:
    """Resident memory of each gateway process, by Procfile entry (the decision path `gateway`, the whole
    gateway `gateway-file`): its supervisor and workers, or its one process."""
    rows = []
    for entry, root in platform.processes().items():
        if not entry.startswith("gateway"):
            continue
        tree = [root, *root.children(recursive=True)]
        # `python -m gateway` (the supervisor, or the one process), and the workers it spawns through
        # multiprocessing; the Procfile's shell and the prediction log's compaction are not the gateway.
        commands = {process.pid: process.cmdline() for process in tree}
        workers = [p for p in tree if "multiprocessing.spawn" in " ".join(commands[p.pid])]
        mains = [p for p in tree if commands[p.pid][1:3] == ["-m", "gateway"]]
        named = [(main, "supervisor" if workers else "process") for main in mains]
        named += [(worker, "worker") for worker in workers]
        rows += [
            {"entry": entry, "pid": p.pid, "name": name, "rss_mb": round(p.memory_info().rss / 2**20, 1)}
            for p, name in named
        ]
    return rows


def parse_rates(text: str) -> list[float]:
    """Rates given as one comma-separated option."""
    return [float(rate) for rate in text.split(",") if rate.strip()]


def demo_parser(description: str | None) -> argparse.ArgumentParser:
    """The options of a benchmark on the running demo: its data, the generator's pool, patience."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=REPO / "data", help="The demo's data folder (demo.env).")
    parser.add_argument("--connections", type=int, default=256, help="Cap of the generator's pool.")
    parser.add_argument("--timeout", type=float, default=5.0, help="Seconds before a request is an error.")
    parser.add_argument(
        "--settle", type=float, default=120.0, help="Most seconds to wait for an idle gateway."
    )
    parser.add_argument(
        "--ready-timeout", type=float, default=600.0, help="Most seconds to wait for the demo."
    )
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = demo_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="Duration of the cold and warm runs.")
    parser.add_argument("--rate", type=float, default=200.0, help="Requests per second of the goal.")
    parser.add_argument("--goal-p99", type=float, default=15.0, help="p99 goal at --rate, ms.")
    parser.add_argument(
        "--ramp",
        type=parse_rates,
        default="100,200,300,400,500,600,700,800,1000",
        help="Rates of the ramp steps (comma-separated); each mix stops at its first failing step.",
    )
    parser.add_argument("--step-seconds", type=float, default=15.0, help="Duration of each ramp step.")
    parser.add_argument("--hot-share", type=float, default=0.8, help="Warm mix: share of reopened files.")
    parser.add_argument("--recent", type=int, default=50, help="Warm mix: how many recent files reopen.")
    parser.add_argument("--seed", type=int, default=13, help="Seed of the clients' order.")
    parser.add_argument(
        "--open-connections",
        type=int,
        default=32,
        help="Connections the generator opens before each step and sends requests over in turn: the "
        "many clients (or an ingress's upstream pool) a gateway serves, which its processes share.",
    )
    parser.add_argument(
        "--redis-cluster",
        action="store_true",
        help="Run the demo's gateway count on a Redis Cluster of its own (3 masters, 3 replicas) loaded "
        "with the data's clients instead: writes capacity-cluster.json.",
    )
    parser.add_argument(
        "--workers",
        type=lambda text: [int(count) for count in text.split(",")],
        default="2,1",
        help="GATEWAY_WORKERS of each run, one after the other in one sitting: the demo's count writes "
        "capacity.json, another count N capacity-N-workers.json.",
    )
    return parser.parse_args(argv)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the run as Ctrl-C does: every process started is stopped


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    args = parse_args(argv)
    data = args.data.resolve()
    demo_workers = int(read_env_file(data / "demo.env").get("GATEWAY_WORKERS", "1"))
    if args.redis_cluster:
        console.rule("the demo on a Redis Cluster: bench/results/capacity-cluster.json")
        with (
            tempfile.TemporaryDirectory(prefix="capacity-cluster-") as folder,
            loaded_cluster(data, Path(folder)) as overrides,
        ):
            run_capacity(args, data, demo_workers, "capacity-cluster", overrides)
        return
    for workers in args.workers:
        name = "capacity" if workers == demo_workers else f"capacity-{workers}-workers"
        console.rule(f"{workers} gateway worker(s): bench/results/{name}.json")
        run_capacity(args, data, workers, name)


def run_capacity(
    args: argparse.Namespace, data: Path, workers: int, name: str, overrides: dict[str, str] | None = None
) -> None:
    """One whole run (goal, ramps) on a demo whose gateway runs `workers` processes."""
    ids = client_ids(data)
    with ready_demo(data, "capacity", args.ready_timeout, workers, overrides) as platform:
        env = platform.env
        config = {
            "endpoint": "GET /v1/clients/{id}/score (reasons included by default)",
            "processes": "everything `make demo` starts: deploy/Procfile with the data's demo.env",
            "gateway_workers": workers,
            **run_configuration(platform, data, env["DEMO_API_KEY"]),
            "clients": len(ids),
            "rate": args.rate,
            "seconds": args.seconds,
            "ramp": args.ramp,
            "step_seconds": args.step_seconds,
            "knee_p99_ms": KNEE_P99_MS,
            "warm_mix": {"hot_share": args.hot_share, "recent": args.recent},
            "warmup": {"clients": WARMUP[0], "requests": WARMUP[1]},
            "connections_cap": args.connections,
            "open_connections": args.open_connections,
            "timeout_s": args.timeout,
            "seed": args.seed,
        }
        bench = Bench(platform, env["DEMO_API_KEY"], args)
        with bench_run(name, config) as run:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=console,
                refresh_per_second=1,
            ) as progress:
                rows = asyncio.run(measure(bench, ids, progress))
            run.detail("goal", rows["goal"])
            run.detail("ramp", rows["ramp"])
            memory = gateway_memory(platform)
            run.detail("gateway_memory", memory)
            run.figure(
                "gateway_rss_mb",
                max(r["rss_mb"] for r in memory if r["entry"] == "gateway" and r["name"] != "supervisor"),
                unit="MB",
                label="resident memory of the largest decision-path process",
                goal="<= 150",
            )
            summary = record(run, rows, args)
    console.print(table(rows))
    for line in summary:
        console.print(line)


if __name__ == "__main__":
    main()
