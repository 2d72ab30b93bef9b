"""Benchmark of the gRPC services: Score and Explain latency (one client, batches of 100), throughput.

`python -m bench.grpc` starts both services on free ports against the platform in CREDIT_DATA_DIR
(build it first: `python -m training pipeline --scale 0.1`), reads features from the online store
as in production, and writes bench/results/grpc.json. Goals: Score p99 ≤ 3 ms, Explain p99 ≤ 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import duckdb
import grpc

from bench.latency import report, summarise
from credit_common.processes import start_service
from credit_features.settings import FeatureSettings
from protos.credit.v1 import explain_pb2_grpc, scoring_pb2, scoring_pb2_grpc


def _client_ids(count: int) -> list[int]:
    table = FeatureSettings().data_dir / "parquet" / "application_train.parquet"
    return [
        int(row[0])
        for row in duckdb.sql(
            f"SELECT SK_ID_CURR FROM '{table}' USING SAMPLE {count} ROWS (reservoir, 7)"
        ).fetchall()
    ]


def _timed(call, requests: list, repeat: int) -> list[float]:
    latencies = []
    for i in range(repeat):
        request = requests[i % len(requests)]
        started = time.perf_counter()
        call(request, timeout=5)
        latencies.append(time.perf_counter() - started)
    return latencies


async def _throughput(target: str, requests: list, seconds: float, concurrency: int) -> float:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = scoring_pb2_grpc.ScoringStub(channel)
        done = 0
        stop = time.perf_counter() + seconds

        async def worker(offset: int) -> None:
            nonlocal done
            i = offset
            while time.perf_counter() < stop:
                await stub.Score(requests[i % len(requests)], timeout=5)
                done += 1
                i += concurrency

        started = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2000, help="Calls per single-client case.")
    parser.add_argument("--batches", type=int, default=100, help="Calls per batch case.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-grpc-"))
    scoring = start_service("scoring_service", folder)
    explain = start_service("explain_service", folder)
    try:
        scoring.wait_serving()
        explain.wait_serving()
        ids = _client_ids(1000)
        singles = [scoring_pb2.ScoreRequest(client_id=i) for i in ids]
        batches = [scoring_pb2.ScoreBatchRequest(requests=singles[k : k + 100]) for k in range(0, 1000, 100)]
        score = scoring_pb2_grpc.ScoringStub(grpc.insecure_channel(scoring.target))
        explainer = explain_pb2_grpc.ExplainerStub(grpc.insecure_channel(explain.target))
        _timed(score.Score, singles, 200)  # warm-up: connections, caches
        _timed(explainer.Explain, singles, 100)
        rows = {
            "Score, 1 client (features from Redis)": summarise(_timed(score.Score, singles, args.repeat)),
            "Explain, 1 client (features from Redis)": summarise(
                _timed(explainer.Explain, singles, args.repeat // 2)
            ),
            "ScoreBatch, 100 clients": summarise(_timed(score.ScoreBatch, batches, args.batches)),
            "ExplainBatch, 100 clients": summarise(
                _timed(explainer.ExplainBatch, batches, args.batches // 2)
            ),
        }
        rows["Score throughput (1 process, 8 in flight)"] = {
            "rps": round(asyncio.run(_throughput(scoring.target, singles, 10.0, 8)), 1)
        }
        info = score.ModelInfo(scoring_pb2.ModelInfoRequest(), timeout=5)
        context = {
            "model_version": info.model.version,
            "trees": info.trees,
            "leaves": info.leaves,
            "features": len(info.features),
            "clients": len(ids),
            "data": str(FeatureSettings().data_dir),
            "goals": {"score_p99_ms": 3, "explain_p99_ms": 10},
        }
        report("grpc", f"gRPC services — model {info.trees} trees × {info.leaves} leaves", rows, context)
    finally:
        scoring.stop()
        explain.stop()


if __name__ == "__main__":
    main()
