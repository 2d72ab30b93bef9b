"""Benchmark of materialization into Redis: Feast's own path against training.features.materialize.

`python -m bench.materialize` takes a built platform (CREDIT_DATA_DIR, default /work/bench-data, a
scale-0.1 set: 35.6k clients, 6 views, 423 Float64 features), waits for its `.done/materialize`
marker, and materializes every view over the full population once per path, each in a fresh
subprocess that reports its own peak RSS and CPU time (CPU time is what a busy shared machine
inflates least). Each path writes into its own scratch Redis database (never the platform's) from a
copy of the registry, so nothing of the platform changes. A sample of hashes is then compared
byte for byte between the two databases, and `get_online_features` latency (p50/p99, 1 and 100
clients, the model's feature service) is measured on the fast path's database. Prints a table and
writes bench/results/materialize.json.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import redis
import typer
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "materialize.json"
DEFAULT_PLATFORM = Path(os.environ.get("CREDIT_DATA_DIR", "/work/bench-data"))
log = logging.getLogger("bench.materialize")
console = Console(width=120)
app = typer.Typer(add_completion=False)

# Runs in the measured subprocess: one full-window materialization (what a first
# `materialize-incremental` does), then the process's own peak RSS (kB on Linux) and CPU time.
_MATERIALIZE = """
import json, resource, sys, time
from datetime import datetime, timedelta
from feast import FeatureStore
path, yaml, repo, end = sys.argv[1], sys.argv[2], sys.argv[3], datetime.fromisoformat(sys.argv[4])
store = FeatureStore(repo_path=repo, fs_yaml_file=yaml)
start = end - max(v.ttl for v in store.list_feature_views())
started = time.perf_counter()
if path == "feast":
    store.materialize(start, end)
else:
    from training.features.materialize import materialize
    materialize(store, start, end, show_progress=False)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": usage.ru_maxrss / 1024}))
"""

# Online read latency of the model's feature service, in its own process as a server would run it.
_READ = """
import json, random, resource, sys, time
import numpy as np, pandas as pd
from feast import FeatureStore
yaml, repo, table, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
store = FeatureStore(repo_path=repo, fs_yaml_file=yaml)
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
    out[str(size)] = {"p50_ms": float(p50), "p99_ms": float(p99), "repeats": repeats}
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _scratch_config(platform: Path, folder: Path, name: str, redis_url: str) -> Path:
    """A feature_store.yaml over a copy of the platform's registry, writing into `redis_url`."""
    registry = folder / f"{name}-registry.db"
    shutil.copy(platform / "feast" / "registry.db", registry)
    text = (REPO / "feature_repo" / "feature_store.yaml").read_text()
    text = text.replace("${CREDIT_DATA_DIR}/feast/registry.db", str(registry))
    text = text.replace("${REDIS_CONNECTION_STRING}", redis_url)
    config = folder / f"{name}.yaml"
    config.write_text(text)
    return config


def _child(code: str, args: list[str], platform: Path) -> dict[str, Any]:
    env = {**os.environ, "CREDIT_DATA_DIR": str(platform), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False, cwd=REPO
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rows(platform: Path) -> int:
    """Rows a full materialization writes: one per client and view (DuckDB, latest per client)."""
    import duckdb

    return sum(
        duckdb.sql(f"SELECT count(DISTINCT SK_ID_CURR) FROM read_parquet('{p}')").fetchall()[0][0]
        for p in sorted((platform / "features").glob("*.parquet"))
    )


def _compare(a: redis.Redis, b: redis.Redis, sample: int) -> tuple[int, int]:
    """(hashes compared, hashes that differ) over a random sample of keys."""
    keys = list(a.scan_iter(count=5000))
    if len(keys) != b.dbsize():
        return len(keys), len(keys)
    chosen = random.Random(3).sample(keys, min(sample, len(keys)))
    differ = sum(a.hgetall(k) != b.hgetall(k) for k in chosen)
    return len(chosen), differ


def _wait(marker: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{marker} did not appear: the platform is not built")
        log.info("waiting for the platform", extra={"marker": str(marker)})
        time.sleep(20)


@app.command()
def main(
    *,
    platform: Annotated[Path, typer.Option(help="Built platform (CREDIT_DATA_DIR)")] = DEFAULT_PLATFORM,
    redis_host: Annotated[str, typer.Option()] = "127.0.0.1:6379",
    feast_db: Annotated[int, typer.Option(help="Scratch Redis db for Feast's path")] = 4,
    fast_db: Annotated[int, typer.Option(help="Scratch Redis db for the fast path")] = 5,
    repeats: Annotated[int, typer.Option(help="Online reads per batch size")] = 200,
    skip_feast: Annotated[bool, typer.Option(help="Only the fast path (Feast's takes minutes)")] = False,
) -> None:
    """Rows/s and peak memory of both materialization paths, and online read latency."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    platform = platform.resolve()
    _wait(platform / ".done" / "materialize", timeout=3600)
    rows = _rows(platform)
    host, _, port = redis_host.partition(":")
    end = datetime.now(tz=UTC).replace(microsecond=0).isoformat()
    paths = ["fast"] if skip_feast else ["feast", "fast"]
    dbs = {"feast": feast_db, "fast": fast_db}
    clients = {p: redis.Redis(host=host, port=int(port or 6379), db=dbs[p]) for p in dbs}
    results: dict[str, Any] = {"platform": str(platform), "rows": rows, "end": end, "paths": {}}
    with tempfile.TemporaryDirectory() as folder:
        configs = {p: _scratch_config(platform, Path(folder), p, f"{redis_host},db={dbs[p]}") for p in dbs}
        for path in paths:
            clients[path].flushdb()
            log.info("materializing", extra={"path": path, "rows": rows})
            measured = _child(
                _MATERIALIZE, [path, str(configs[path]), str(REPO / "feature_repo"), end], platform
            )
            measured["rows_per_second"] = rows / measured["seconds"]
            measured["redis_keys"] = clients[path].dbsize()
            results["paths"][path] = measured
            log.info("materialized", extra={"path": path, **measured})
        if not skip_feast:
            compared, differ = _compare(clients["feast"], clients["fast"], sample=2000)
            results["byte_identical_sample"] = {"compared": compared, "differ": differ}
        table = str(platform / "features" / "application.parquet")
        results["online_read"] = _child(
            _READ, [str(configs["fast"]), str(REPO / "feature_repo"), table, str(repeats)], platform
        )
    for client in clients.values():
        client.flushdb()
    _report(results)


def _report(results: dict[str, Any]) -> None:
    table = Table(title=f"materialize into Redis: {results['rows']:,} rows (clients x views)")
    for column in ("path", "seconds", "rows/s", "cpu s", "peak RSS MB"):
        table.add_column(column, justify="right")
    for path, m in results["paths"].items():
        table.add_row(
            path,
            f"{m['seconds']:.1f}",
            f"{m['rows_per_second']:,.0f}",
            f"{m['cpu_seconds']:.1f}",
            f"{m['peak_rss_mb']:.0f}",
        )
    paths = results["paths"]
    if "feast" in paths:
        speedup = paths["feast"]["seconds"] / paths["fast"]["seconds"]
        table.caption = (
            f"speed-up x{speedup:.1f}; byte-identical sample: {results['byte_identical_sample']['compared']} "
            f"hashes, {results['byte_identical_sample']['differ']} differ"
        )
    console.print(table)
    read = results["online_read"]
    latency = Table(title="get_online_features (credit_scoring_v1, 423 features)")
    for column in ("clients", "p50 ms", "p99 ms"):
        latency.add_column(column, justify="right")
    for size in ("1", "100"):
        latency.add_row(size, f"{read[size]['p50_ms']:.1f}", f"{read[size]['p99_ms']:.1f}")
    console.print(latency)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    log.info("results written", extra={"file": str(RESULTS)})


if __name__ == "__main__":
    app()
