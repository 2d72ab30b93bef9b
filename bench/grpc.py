"""Benchmark of the gRPC services: Score and Explain latency (one client, batches of 100), throughput.

`python -m bench.grpc` starts both services on free ports against the platform in CREDIT_DATA_DIR
(`make bench` builds one at scale 0.1), reading features from the online store as in production, and
writes bench/results/grpc.json. The services run with their default settings (log level included)
except that the explain service keeps no explanation store and warms no population: every Explain
computes TreeSHAP, which is the cost this benchmark measures (the capacity benchmark measures the
demo's default configuration end to end). Calls are sequential (one in flight), so each latency is
the call's own; the throughput case keeps `--in-flight` calls going and counts those that finished.
Goals: Score p99 ≤ 3 ms, Explain p99 ≤ 10 ms.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import duckdb
import grpc
import typer
from rich.console import Console
from rich.table import Table

from bench.latency import summarise
from bench.stamp import BenchRun, bench_run
from credit_common.data_layout import DataLayout
from credit_common.processes import start_service
from credit_features.settings import FeatureSettings
from protos.credit.v1 import explain_pb2_grpc, scoring_pb2, scoring_pb2_grpc
from serving_base.settings import ExplainSettings, ScoringSettings

GOAL_SCORE_P99 = "<= 3"
GOAL_EXPLAIN_P99 = "<= 10"
#: Every Explain computes its answer (no reuse, no background work competing for the cores).
SERVICE_ENV = {"EXPLAIN_STORE_EXPLANATIONS": "false", "EXPLAIN_WARM_POPULATION": "false"}
app = typer.Typer(add_completion=False)


def _client_ids(count: int) -> list[int]:
    """`count` training clients of the platform, a seeded sample."""
    table = DataLayout(FeatureSettings().data_dir).parquet / "application_train.parquet"
    return [
        int(row[0])
        for row in duckdb.sql(
            f"SELECT SK_ID_CURR FROM '{table}' USING SAMPLE {count} ROWS (reservoir, 7)"
        ).fetchall()
    ]


def _timed(call: Callable[..., Any], requests: list[Any], repeat: int) -> list[float]:
    latencies = []
    for i in range(repeat):
        request = requests[i % len(requests)]
        started = time.perf_counter()
        call(request, timeout=5)
        latencies.append(time.perf_counter() - started)
    return latencies


async def _throughput(target: str, requests: list[Any], seconds: float, in_flight: int) -> dict[str, float]:
    """Closed loop: `in_flight` callers, each sending its next Score when the last one answered."""
    async with grpc.aio.insecure_channel(target) as channel:
        stub = scoring_pb2_grpc.ScoringStub(channel)
        done = 0
        stop = time.perf_counter() + seconds

        async def caller(offset: int) -> None:
            nonlocal done
            i = offset
            while time.perf_counter() < stop:
                await stub.Score(requests[i % len(requests)], timeout=5)
                done += 1
                i += in_flight

        started = time.perf_counter()
        await asyncio.gather(*(caller(k) for k in range(in_flight)))
        elapsed = time.perf_counter() - started
    return {"calls": done, "seconds": round(elapsed, 2), "rps": round(done / elapsed, 1)}


def record(run: BenchRun, rows: dict[str, dict[str, Any]], model: str) -> None:
    """p50 and p99 of the single-client calls (p99 held to its goal) and the measured throughput."""
    for key, goal in (("score", GOAL_SCORE_P99), ("explain", GOAL_EXPLAIN_P99)):
        row = rows[key]
        what = f"{row['case']}, {model}"
        run.figure(f"{key}_p50_ms", row["p50_ms"], unit="ms", label=f"{what}: p50")
        run.figure(f"{key}_p99_ms", row["p99_ms"], unit="ms", label=f"{what}: p99", goal=goal)
    throughput = rows["throughput"]
    run.figure("score_rps", throughput["rps"], unit="req/s", label=f"{throughput['case']}: achieved rate")


def _print(rows: dict[str, dict[str, Any]], title: str) -> None:
    table = Table(title=title)
    for column in ("case", "count", "p50 ms", "p99 ms", "max ms", "req/s"):
        table.add_column(column, justify="left" if column == "case" else "right")
    for row in rows.values():
        cells = [str(row.get(k, "")) for k in ("count", "p50_ms", "p99_ms", "max_ms", "rps")]
        table.add_row(row["case"], *cells)
    Console(width=120).print(table)


@app.command()
def main(
    repeat: Annotated[int, typer.Option(help="Calls of each single-client case (Explain: half).")] = 2000,
    batches: Annotated[int, typer.Option(help="Calls of each batch case (ExplainBatch: half).")] = 100,
    seconds: Annotated[float, typer.Option(help="Duration of the throughput case.")] = 10.0,
    in_flight: Annotated[int, typer.Option(help="Concurrent callers of the throughput case.")] = 8,
) -> dict[str, dict[str, Any]]:
    """Latency of each call kind and Score throughput; table + bench/results/grpc.json."""
    os.environ.update(SERVICE_ENV)  # the services inherit it; the settings recorded below resolve it
    folder = Path(tempfile.mkdtemp(prefix="bench-grpc-"))
    scoring = start_service("scoring_service", folder)
    explain = start_service("explain_service", folder)
    try:
        scoring.wait_serving()
        explain.wait_serving()
        score = scoring_pb2_grpc.ScoringStub(grpc.insecure_channel(scoring.target))
        info = score.ModelInfo(scoring_pb2.ModelInfoRequest(), timeout=5)
        ids = _client_ids(1000)
        config = {
            "data": str(FeatureSettings().data_dir),
            "model_version": info.model.version,
            "trees": info.trees,
            "leaves": info.leaves,
            "features": len(info.features),
            "clients_sampled": len(ids),
            "scoring_settings": ScoringSettings().model_dump(exclude={"host", "port"}),
            "explain_settings": ExplainSettings().model_dump(exclude={"host", "port"}),
            "service_env_overrides": SERVICE_ENV,
            "repeat": repeat,
            "batches": batches,
            "throughput_seconds": seconds,
            "in_flight": in_flight,
        }
        model = f"model v{info.model.version} ({info.trees} trees, {info.leaves:,} leaves)"
        with bench_run("grpc", config=config) as run:
            singles = [scoring_pb2.ScoreRequest(client_id=i) for i in ids]
            groups = [
                scoring_pb2.ScoreBatchRequest(requests=singles[k : k + 100]) for k in range(0, 1000, 100)
            ]
            explainer = explain_pb2_grpc.ExplainerStub(grpc.insecure_channel(explain.target))
            _timed(score.Score, singles, 200)  # warm-up: connections, caches
            _timed(explainer.Explain, singles, 100)
            cases = {
                "score": ("Score, 1 client, features from Redis", score.Score, singles, repeat),
                "explain": (
                    "Explain, 1 client, features from Redis, TreeSHAP computed per call",
                    explainer.Explain,
                    singles,
                    repeat // 2,
                ),
                "score_batch": ("ScoreBatch, 100 clients", score.ScoreBatch, groups, batches),
                "explain_batch": ("ExplainBatch, 100 clients", explainer.ExplainBatch, groups, batches // 2),
            }
            rows = {
                key: {"case": case} | summarise(_timed(call, requests, n))
                for key, (case, call, requests, n) in cases.items()
            }
            rows["throughput"] = {
                "case": f"Score, {in_flight} calls in flight, 1 scoring process"
            } | asyncio.run(_throughput(scoring.target, singles, seconds, in_flight))
            record(run, rows, model)
            run.detail("cases", rows)
        _print(rows, f"gRPC services, {model}")
        return rows
    finally:
        scoring.stop()
        explain.stop()


if __name__ == "__main__":
    app()
