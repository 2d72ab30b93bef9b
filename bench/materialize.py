"""Benchmark of materialization into Redis: training.features.materialize against Feast's own path.

`python -m bench.materialize` takes a built platform (CREDIT_DATA_DIR; `make bench` builds one at
scale 0.1: 35.6k clients, 6 views, 423 Float64 features) and writes into scratch Redis databases
(never the platform's), each path from its own copy of the registry, so nothing of the platform changes:

- the fast path materializes every view over the whole population (into an empty database: each
  client's whole hash in one RESTORE, training.features.whole_hashes);
- Feast's own `materialize` runs on the latest `--feast-share` of the applications (a window of event
  times: Feast's cost is per row, so its rate per client on a sample is its rate on the whole, give or
  take its fixed start-up, which only flatters it); the goal is a rate ≥ 20× Feast's (issue 14);
- the hashes Feast wrote are compared byte for byte with the fast path's (a sample of them);
- Redis memory per client (MEMORY USAGE on a sample), with the hash encoding the server chose and the
  projection to the full Kaggle population;
- `get_online_features` latency (p50/p99, 1 and 100 clients, the model's feature service) is measured
  on the fast path's database.

Each materialization runs in a fresh process that reports its own peak RSS and CPU time (CPU time is
what a busy shared machine inflates least). Prints a table and writes bench/results/materialize.json.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import duckdb
import redis
import typer
import yaml
from rich.console import Console
from rich.table import Table

from bench.child import REPO, run_child
from bench.stamp import BenchRun, bench_run
from credit_features.catalog import VIEWS, feature_names
from credit_features.settings import FeatureSettings
from credit_features.tables import row_count

GOAL_SPEEDUP = ">= 20"
APPLICATION_TABLES = ("application_train", "application_test")
console = Console(width=120)
app = typer.Typer(add_completion=False)

# One materialization over [start, end] by either path, then the process's own peak RSS and CPU time.
_MATERIALIZE = """
import json, sys, time
from datetime import datetime
from feast import FeatureStore
from bench.child import usage
path, config, repo, end = sys.argv[1], sys.argv[2], sys.argv[3], datetime.fromisoformat(sys.argv[5])
store = FeatureStore(repo_path=repo, fs_yaml_file=config)
# "ttl": the window a first `materialize-incremental` covers, end minus the longest view ttl
longest = max(v.ttl for v in store.list_feature_views())
start = end - longest if sys.argv[4] == "ttl" else datetime.fromisoformat(sys.argv[4])
started = time.perf_counter()
if path == "feast":
    store.materialize(start, end)
else:
    from training.features.materialize import materialize
    materialize(store, start, end, show_progress=False)
print(json.dumps({"seconds": time.perf_counter() - started, **usage()}))
"""

# Online read latency of the model's feature service, in its own process as a server would run it.
_READ = """
import json, random, sys, time
import numpy as np, pandas as pd
from feast import FeatureStore
from bench.child import usage
config, repo, table, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
store = FeatureStore(repo_path=repo, fs_yaml_file=config)
service = store.get_feature_service("credit_scoring_v1")
ids = pd.read_parquet(table, columns=["SK_ID_CURR"])["SK_ID_CURR"].tolist()
rng = random.Random(5)
out = {}
for size in (1, 100):
    timings = []
    for i in range(repeats + 5):
        rows = [{"SK_ID_CURR": int(c)} for c in rng.sample(ids, size)]
        started = time.perf_counter()
        store.get_online_features(features=service, entity_rows=rows).to_dict()
        if i >= 5:
            timings.append((time.perf_counter() - started) * 1000)
    p50, p99 = np.percentile(timings, [50, 99])
    out[str(size)] = {"p50_ms": round(float(p50), 2), "p99_ms": round(float(p99), 2), "repeats": repeats}
print(json.dumps(out | usage()))
"""


def _scratch_config(platform: Path, folder: Path, name: str, redis_url: str) -> Path:
    """A feature_store.yaml over a copy of the platform's registry, writing into `redis_url`."""
    registry = folder / f"{name}-registry.db"
    shutil.copy(platform / "feast" / "registry.db", registry)
    text = (REPO / "feature_repo" / "feature_store.yaml").read_text()
    text = text.replace("${CREDIT_DATA_DIR}/feast/registry.db", str(registry))
    text = text.replace("${REDIS_CONNECTION_STRING}", redis_url).replace("${REDIS_TYPE}", "redis")
    config = folder / f"{name}.yaml"
    config.write_text(text)
    return config


def census(platform: Path, share: float) -> dict[str, Any]:
    """Clients, views and features of the platform, and the event time from which the latest `share`
    of its applications start (Feast's sample window)."""
    table = str(platform / "features" / "application.parquet")
    clients, sample_start = duckdb.sql(
        f"SELECT count(DISTINCT SK_ID_CURR), quantile_disc(event_timestamp, {1 - share}) "
        f"FROM read_parquet('{table}')"
    ).fetchall()[0]
    return {
        "clients": clients,
        "views": len(VIEWS),
        "features": sum(len(feature_names(view)) for view in VIEWS),
        "feast_sample_start": sample_start.astimezone(UTC).isoformat(),
    }


def compare(feast: redis.Redis, fast: redis.Redis, sample: int) -> dict[str, int]:
    """Hashes Feast wrote, compared with the fast path's hash of the same key, over a random sample."""
    keys = sorted(feast.scan_iter(count=5000))
    chosen = random.Random(3).sample(keys, min(sample, len(keys)))
    return {"compared": len(chosen), "differ": sum(feast.hgetall(k) != fast.hgetall(k) for k in chosen)}


def redis_footprint(client: redis.Redis, sample: int) -> dict[str, Any]:
    """Redis memory of one client's hash (MEMORY USAGE over a random sample of keys), its encoding
    and the server's listpack limit, which decides it: the client's 429 fields stay one compact
    listpack when the limit is above them (Debian's redis.conf: 512) and become a hash table under
    Redis's default of 128, about 3.6 times larger but read and written in constant time per field,
    and the projection to the full Kaggle population."""
    keys = sorted(client.scan_iter(count=5000))
    chosen = random.Random(4).sample(keys, min(sample, len(keys)))
    per_client = sum(int(client.memory_usage(k, samples=0) or 0) for k in chosen) / len(chosen)
    population = sum(map(row_count, APPLICATION_TABLES))
    return {
        "sampled": len(chosen),
        "bytes_per_client": round(per_client),
        "encoding": client.object("encoding", chosen[0]).decode(),
        "hash_max_listpack_entries": int(
            client.config_get("hash-max-listpack-entries")["hash-max-listpack-entries"]
        ),
        "full_population": population,
        "full_population_gb": round(per_client * population / 1e9, 2),
    }


def _materialize(path: str, config: Path, start: str, end: str, platform: Path) -> dict[str, Any]:
    env = {"CREDIT_DATA_DIR": str(platform)}
    return run_child(_MATERIALIZE, path, str(config), str(REPO / "feature_repo"), start, end, env=env)


def _batch_size() -> int:
    text = (REPO / "feature_repo" / "feature_store.yaml").read_text()
    return int(yaml.safe_load(text)["materialization"]["online_write_batch_size"])


def record(run: BenchRun, results: dict[str, Any]) -> None:
    """Headline figures: the fast path's rate and footprint, Feast's rate, their ratio, byte identity."""
    fast, size = results["paths"]["fast"], results["census"]
    what = f"materialize into Redis, {size['clients']:,} clients × {size['views']} views"
    what += f" ({size['features']} features)"
    run.figure(
        "fast_clients_per_second",
        fast["clients_per_second"],
        unit="clients/s",
        label=f"{what}: rate",
    )
    run.figure("fast_seconds", fast["seconds"], unit="s", label=f"{what}: time")
    run.figure(
        "fast_peak_rss_mb",
        fast["peak_rss_mb"],
        unit="MB",
        label=f"{what}: peak memory",
    )
    memory = results["redis_memory"]
    stored = f"Redis memory per client ({memory['encoding']}, hash-max-listpack-entries "
    stored += f"{memory['hash_max_listpack_entries']})"
    run.figure("redis_bytes_per_client", memory["bytes_per_client"], unit="B", label=stored)
    run.figure(
        "redis_population_gb",
        memory["full_population_gb"],
        unit="GB",
        label=f"{stored}, projected to the {memory['full_population']:,} Kaggle applications",
    )
    feast = results["paths"].get("feast")
    if feast is None:
        return
    run.figure(
        "feast_clients_per_second",
        feast["clients_per_second"],
        unit="clients/s",
        label=f"Feast's own materialize, latest {feast['redis_keys']:,} clients: rate",
    )
    run.figure(
        "speedup",
        fast["clients_per_second"] / feast["clients_per_second"],
        unit="×",
        label="materialize rate per client, fast path / Feast's",
        goal=GOAL_SPEEDUP,
    )
    same = results["byte_identical_sample"]
    run.figure(
        "hashes_differing",
        same["differ"],
        unit="hashes",
        label=f"hashes that differ from Feast's bytes (sample of {same['compared']:,})",
        goal="== 0",
    )


def _print(results: dict[str, Any]) -> None:
    size = results["census"]
    table = Table(title=f"materialize into Redis: {size['clients']:,} clients × {size['views']} views")
    for column in ("path", "clients", "seconds", "clients/s", "cpu s", "peak RSS MB"):
        table.add_column(column, justify="right")
    for path, m in results["paths"].items():
        table.add_row(
            path,
            f"{m['redis_keys']:,}",
            f"{m['seconds']:.1f}",
            f"{m['clients_per_second']:,.0f}",
            f"{m['cpu_seconds']:.1f}",
            f"{m['peak_rss_mb']:.0f}",
        )
    memory = results["redis_memory"]
    table.caption = (
        f"Redis: {memory['bytes_per_client']:,} B per client ({memory['encoding']}), "
        f"{memory['full_population_gb']} GB for the {memory['full_population']:,} Kaggle applications"
    )
    if "byte_identical_sample" in results:
        same = results["byte_identical_sample"]
        table.caption += f"; byte-identical sample: {same['compared']} hashes, {same['differ']} differ"
    console.print(table)
    read = results["online_read"]
    latency = Table(title=f"get_online_features (credit_scoring_v1, {size['features']} features)")
    for column in ("clients", "p50 ms", "p99 ms"):
        latency.add_column(column, justify="right")
    for clients in ("1", "100"):
        latency.add_row(clients, f"{read[clients]['p50_ms']:.1f}", f"{read[clients]['p99_ms']:.1f}")
    console.print(latency)


@app.command()
def main(
    *,
    platform: Annotated[Path | None, typer.Option(help="Built platform (default: CREDIT_DATA_DIR).")] = None,
    redis_host: Annotated[str, typer.Option(help="Redis host:port of the scratch databases.")] = (
        "127.0.0.1:6379"
    ),
    feast_db: Annotated[int, typer.Option(help="Scratch Redis db for Feast's path.")] = 4,
    fast_db: Annotated[int, typer.Option(help="Scratch Redis db for the fast path.")] = 5,
    feast_share: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Share of the applications Feast's path writes; 0 skips it."),
    ] = 0.1,
    repeats: Annotated[int, typer.Option(help="Online reads per batch size.")] = 200,
) -> dict[str, Any]:
    """Clients/s and peak memory of both materialization paths, and online read latency."""
    platform = (platform or FeatureSettings().data_dir).resolve()
    if not (platform / ".done" / "materialize").is_file():
        raise typer.BadParameter(
            f"{platform} is not a built platform (no .done/materialize)", param_hint="platform"
        )
    size = census(platform, feast_share or 1.0)
    end = datetime.now(tz=UTC).replace(microsecond=0).isoformat()
    dbs = {"feast": feast_db, "fast": fast_db}
    paths = {"feast": size["feast_sample_start"], "fast": "ttl"} if feast_share else {"fast": "ttl"}
    host, _, port = redis_host.partition(":")
    clients = {p: redis.Redis(host=host, port=int(port or 6379), db=dbs[p]) for p in dbs}
    config = {
        "platform": str(platform),
        "scale": round(size["clients"] / sum(map(row_count, APPLICATION_TABLES)), 4),
        "redis_dbs": dbs,
        "online_write_batch_size": _batch_size(),
        "feast_share": feast_share,
        "end": end,
        "online_read_repeats": repeats,
    }
    results: dict[str, Any] = {"census": size, "paths": {}}
    with bench_run("materialize", config=config) as run, tempfile.TemporaryDirectory() as folder:
        configs = {p: _scratch_config(platform, Path(folder), p, f"{redis_host},db={dbs[p]}") for p in dbs}
        try:
            for path, start in paths.items():
                clients[path].flushdb()
                window = "end - longest ttl" if start == "ttl" else start
                console.print(f"materializing: {path} path, window {window} .. {end}")
                measured = _materialize(path, configs[path], start, end, platform)
                measured["redis_keys"] = clients[path].dbsize()
                measured["clients_per_second"] = measured["redis_keys"] / measured["seconds"]
                results["paths"][path] = measured
            results["redis_memory"] = redis_footprint(clients["fast"], sample=500)
            if "feast" in paths:
                results["byte_identical_sample"] = compare(clients["feast"], clients["fast"], sample=2000)
            table = str(platform / "features" / "application.parquet")
            args = [str(configs["fast"]), str(REPO / "feature_repo"), table, str(repeats)]
            results["online_read"] = run_child(_READ, *args, env={"CREDIT_DATA_DIR": str(platform)})
        finally:
            for client in clients.values():
                client.flushdb()
        record(run, results)
        run.detail("results", results)
    _print(results)
    return results


if __name__ == "__main__":
    app()
