"""What the online store costs per client, and how fast it is read and written, for each layout:

- `listpack`: one Redis, each client's 429 fields in one listpack (hash-max-listpack-entries 512, what
  scripts/ensure_services.sh and the deploy files set);
- `hash_table`: one Redis under Redis's default of 128 entries, each client a hash table (the former
  setting);
- `cluster`: a Redis Cluster of 3 masters and 3 replicas (scripts/ensure_redis_cluster.sh), listpacks.

For each, on a server of its own: the pipeline's first load of the platform's clients (clients/s), the
Redis memory per client of its hash and of its stored explanation (the explain service's warm-up of
the served version), the Redis time of the gateway's whole-client read (HGETALL, from the servers'
command statistics), and the incremental per-view write (the `application` view of every client
updated, as a scheduled `materialize` writes it).

With `--scale`, the clients are those of synthetic tables at that scale (1.0 = Kaggle size, 356,255
clients), prepared as bench.features prepares them (kept in `--work`, reused), and served by the data
folder's model: what each client costs does not depend on which model explains it.

    python -m bench.online_memory [--data data] [--layouts listpack,hash_table,cluster] [--scale 1.0]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import redis
import redis.cluster
import typer
from rich.console import Console
from rich.table import Table

from bench.child import REPO, run_child
from bench.features import prepare
from bench.stamp import bench_run
from credit_common.processes import free_port, start_service
from credit_features.redis_client import SyncRedis, masters, open_redis

console = Console()
app = typer.Typer(add_completion=False)
#: Listpack entries each single-server layout allows (a client has 429 fields).
LISTPACK_ENTRIES = {"listpack": 512, "hash_table": 128, "cluster": 512}
CLUSTER_PORT = 7300

#: A child's first load of the platform's clients into the configured store (after `feast apply`).
LOAD = """
import json, sys
from credit_features.settings import FeatureSettings
from credit_features.store import apply
from training.features.reload import reload_online
from bench.child import usage
apply(FeatureSettings())  # the registry names the scratch folder's tables
loaded = reload_online(FeatureSettings())
print(json.dumps({"clients": loaded.clients, "seconds": loaded.seconds} | usage()))
"""

_INCREMENTAL = """
import json, sys
from datetime import datetime
from credit_features.store import get_store
from training.features.materialize import materialize
start, end = (datetime.fromisoformat(t) for t in sys.argv[1:3])
result = materialize(get_store(), start, end, views=["application"], show_progress=False)
(view,) = result.views
print(json.dumps({"written": view.written, "seconds": view.seconds, "path": view.path}))
"""


def used_memory(client: SyncRedis) -> int:
    """Bytes the masters hold for keys and values: their used memory less the replication backlog and
    the clients' buffers (a cluster's fixed 1 MB backlog per master is no cost per client)."""
    total = 0
    for master in masters(client):
        memory = master.info("memory")
        buffers = ("mem_replication_backlog", "mem_clients_slaves", "mem_clients_normal")
        total += int(memory["used_memory"]) - sum(int(memory.get(name, 0)) for name in buffers)
    return total


def hgetall_micros(client: SyncRedis) -> tuple[float, int]:
    """Mean Redis time of an HGETALL since the statistics were reset, over every master, and calls."""
    calls = micros = 0
    for master in masters(client):
        stats = master.info("commandstats").get("cmdstat_hgetall", {"calls": 0, "usec": 0})
        calls, micros = calls + int(stats["calls"]), micros + int(stats["usec"])
    return (micros / calls if calls else float("nan")), calls


@contextmanager
def single_redis(entries: int) -> Iterator[str]:
    """A redis-server of the run's own (as scripts/ensure_services.sh starts one, listpack limit aside)."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(
        [*command, "--hash-max-listpack-entries", str(entries)], stdout=subprocess.DEVNULL
    )
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


@contextmanager
def cluster_redis(folder: Path) -> Iterator[str]:
    """A cluster of the run's own, started by the project's script, stopped after."""
    env = {
        **os.environ,
        "REDIS_CLUSTER_PORT": str(CLUSTER_PORT),
        "REDIS_CLUSTER_DIR": str(folder / "cluster"),
    }
    subprocess.run(["bash", str(REPO / "scripts" / "ensure_redis_cluster.sh")], env=env, check=True)
    try:
        client = open_redis(f"127.0.0.1:{CLUSTER_PORT}", "redis_cluster")
        client.flushall(target_nodes=redis.cluster.RedisCluster.PRIMARIES)  # type: ignore[call-arg]
        yield f"127.0.0.1:{CLUSTER_PORT},127.0.0.1:{CLUSTER_PORT + 1}"
    finally:
        for port in range(CLUSTER_PORT, CLUSTER_PORT + 6):
            subprocess.run(
                ["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, check=False
            )


def scratch_data(data: Path, folder: Path, features: Path | None = None) -> Path:
    """The platform's folder seen through links, with its own Feast registry and feature tables (applied
    again there: a load records its window in the registry; the incremental step rewrites a table);
    the feature tables copied from `features` when given, else the platform's own."""
    root = folder / "data"
    root.mkdir()
    for entry in data.iterdir():
        if entry.name in ("feast", "features"):
            shutil.copytree(entry, root / entry.name)
        else:
            (root / entry.name).symlink_to(entry)
    if features is not None:
        shutil.rmtree(root / "features")
        shutil.copytree(features, root / "features")
    return root


def scaled_features(work: Path, scale: float) -> Path:
    """The feature tables of synthetic data at `scale`, prepared and built once in `work`, then reused."""
    parquet, _ = prepare(work, scale, random_data=False)
    features = parquet.parent / "features"
    if not (features / "application.parquet").is_file():
        console.print(f"building the features at scale {scale:g}")
        run_child(_BUILD, str(parquet), str(features))
    return features


def newer_applications(root: Path) -> tuple[str, str]:
    """Every application's event time moved one second later: the next load rewrites the view for every
    client. The window (ISO times) that covers them."""
    path = root / "features" / "application.parquet"
    table = pq.read_table(path)
    times = pc.add(table["event_timestamp"], timedelta(seconds=1))
    pq.write_table(
        table.set_column(table.column_names.index("event_timestamp"), "event_timestamp", times), path
    )
    first, last = pc.min(times).as_py(), pc.max(times).as_py()
    return first.isoformat(), (last + timedelta(days=1)).isoformat()


_BUILD = """
import json, sys
from pathlib import Path
from training.features.build import build_features
r = build_features(Path(sys.argv[1]), Path(sys.argv[2]), progress=True)
print(json.dumps({"rows": r.rows}))
"""


def explain_population(env: dict[str, str], client: SyncRedis, folder: Path) -> float:
    """Run the explain service until its warm-up has explained every client; its seconds."""
    started = time.perf_counter()
    service = start_service("explain_service", folder, env=env)
    try:
        while not any(client.scan_iter(match="credit:explanations:*:population", count=1000)):
            if service.process.poll() is not None:
                raise RuntimeError(f"the explain service stopped: {service.log.read_text()[-2000:]}")
            time.sleep(0.5)
        return time.perf_counter() - started
    finally:
        service.stop()


def read_every_client(env: dict[str, str], clients: int) -> None:
    """One whole-client read per client, as the gateway reads one per decision."""
    code = """
import asyncio, sys
from credit_features.catalog import feature_catalog
from credit_features.online import RedisFeatureReader
from credit_features.settings import FeatureSettings
reader = RedisFeatureReader(FeatureSettings())
names = [s.name for specs in feature_catalog().values() for s in specs]
async def main():
    ids = await reader.client_ids()
    for i in ids:
        await reader.matrix_async([i], names)
    print('{"read": %d}' % len(ids))
asyncio.run(main())
"""
    run_child(code, env=env)


@contextmanager
def loaded_cluster(data: Path, folder: Path) -> Iterator[dict[str, str]]:
    """A cluster of the run's own holding the data's clients, loaded as the pipeline loads them; the
    variables that point a service at it (and at a data folder whose Feast registry names it)."""
    root = scratch_data(data, folder)
    with cluster_redis(folder) as connection:
        overrides = {
            "CREDIT_DATA_DIR": str(root),
            "REDIS_CONNECTION_STRING": connection,
            "REDIS_TYPE": "redis_cluster",
            "FEAST_ONLINE_STORE": "redis",
        }
        console.print("loading the data's clients into the cluster")
        run_child(LOAD, env=overrides)
        yield overrides


def measure(layout: str, data: Path, folder: Path, features: Path | None = None) -> dict[str, Any]:
    """Every figure of one layout, on a server (or cluster) of its own (clients of `features` if given)."""
    root = scratch_data(data, folder, features)
    server = cluster_redis(folder) if layout == "cluster" else single_redis(LISTPACK_ENTRIES[layout])
    with server as connection:
        redis_type = "redis_cluster" if layout == "cluster" else "redis"
        env = {
            "CREDIT_DATA_DIR": str(root),
            "REDIS_CONNECTION_STRING": connection,
            "REDIS_TYPE": redis_type,
            "FEAST_ONLINE_STORE": "redis",
            "MLFLOW_TRACKING_URI": os.environ.get("MLFLOW_TRACKING_URI", f"sqlite:///{data / 'mlflow.db'}"),
            "EXPLAIN_PORT": str(free_port()),
        }
        client = open_redis(connection, redis_type)  # type: ignore[arg-type]
        empty = used_memory(client)
        console.print(f"[bold]{layout}[/]: first load")
        load = run_child(LOAD, env=env)
        hashes = used_memory(client)
        console.print(f"[bold]{layout}[/]: explaining every client")
        explain_seconds = explain_population(env, client, folder)
        explained = used_memory(client)
        for master in masters(client):
            master.config_resetstat()
        read_every_client(env, load["clients"])
        micros, calls = hgetall_micros(client)
        console.print(f"[bold]{layout}[/]: incremental write of the application view")
        incremental = run_child(_INCREMENTAL, *newer_applications(root), env=env)
        clients = load["clients"]
        return {
            "clients": clients,
            "first_load_seconds": load["seconds"],
            "first_load_clients_per_second": round(clients / load["seconds"]),
            "hash_bytes_per_client": round((hashes - empty) / clients),
            "explanation_bytes_per_client": round((explained - hashes) / clients),
            "bytes_per_client": round((explained - empty) / clients),
            "explain_warm_up_seconds": round(explain_seconds, 1),
            "hgetall_redis_us": round(micros, 1),
            "hgetall_calls": calls,
            "incremental_view": incremental["path"],
            # Feast's own path does not count what it writes: every client's view is rewritten.
            "incremental_rows_per_second": round(
                (incremental["written"] if incremental["written"] >= 0 else clients) / incremental["seconds"]
            ),
        }


@app.command()
def main(
    data: Annotated[Path, typer.Option(help="A built platform (make demo's data folder).")] = Path("data"),
    layouts: Annotated[str, typer.Option(help="Comma-separated: listpack, hash_table, cluster.")] = (
        "listpack,hash_table,cluster"
    ),
    scale: Annotated[
        float | None, typer.Option(help="Clients of synthetic data at this scale (default: the data's own).")
    ] = None,
    work: Annotated[Path, typer.Option(help="Where scaled data is prepared and kept.")] = Path("data/bench"),
) -> None:
    """Measure each layout and write bench/results/online_memory.json (online_memory-<scale>.json with
    --scale)."""
    chosen = [name.strip() for name in layouts.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(LISTPACK_ENTRIES))
    if unknown:
        raise typer.BadParameter(f"unknown layout(s) {unknown}; choose among {sorted(LISTPACK_ENTRIES)}")
    data = data.resolve()
    if not (data / "features" / "application.parquet").is_file():
        raise typer.BadParameter(f"{data} holds no feature tables: build the platform first (make demo)")
    config = {"data": str(data), "layouts": chosen, "scale": scale}
    config["redis_server"] = shutil.which("redis-server")
    features = None if scale is None else scaled_features(work.resolve(), scale)
    name = "online_memory" if scale is None else f"online_memory-{scale:g}"
    with bench_run(name, config) as run:
        results = {}
        for layout in chosen:
            with tempfile.TemporaryDirectory(prefix=f"online-{layout}-") as folder:
                results[layout] = measure(layout, data, Path(folder), features)
        for layout, figures in results.items():
            goal = "<= 8192" if layout != "hash_table" else None
            where = f"{layout}, {figures['clients']:,} clients"
            run.figure(
                f"{layout}_bytes_per_client",
                figures["bytes_per_client"],
                unit="B",
                label=f"Redis memory per client, hash + explanation ({where})",
                goal=goal,
            )
            run.figure(
                f"{layout}_hgetall_us",
                figures["hgetall_redis_us"],
                unit="µs",
                label=f"Redis time of a whole-client read ({where})",
                goal="<= 100" if layout != "hash_table" else None,
            )
        run.detail("layouts", results)
    _print(results)


def _print(results: dict[str, dict[str, Any]]) -> None:
    table = Table(title="online store per layout")
    rows = [
        ("clients", "clients"),
        ("bytes/client (hash + explanation)", "bytes_per_client"),
        ("  hash", "hash_bytes_per_client"),
        ("  explanation", "explanation_bytes_per_client"),
        ("HGETALL Redis µs", "hgetall_redis_us"),
        ("first load clients/s", "first_load_clients_per_second"),
        ("incremental view rows/s", "incremental_rows_per_second"),
        ("incremental path", "incremental_view"),
    ]
    table.add_column("figure")
    for layout in results:
        table.add_column(layout, justify="right")
    for label, key in rows:
        table.add_row(label, *(str(results[layout][key]) for layout in results))
    console.print(table)


if __name__ == "__main__":
    sys.exit(app())
