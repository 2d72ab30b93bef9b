"""Load test of the gateway: GET /v1/clients/{id}/score (with explanation) at fixed request rates.

`python -m bench.gateway` starts the scoring and explain services and the gateway (uvicorn) on free
loopback ports against the platform in CREDIT_DATA_DIR, then sends an open-loop load (requests start
on schedule whatever the answers' delays) at each rate, and writes bench/results/gateway.json.
Goal: p99 ≤ 25 ms at 100 requests/s with zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import httpx

from bench.grpc import _client_ids
from bench.latency import report, summarise
from credit_common.processes import start_service
from credit_features.settings import FeatureSettings
from gateway.auth import hash_key

KEY = "bench-key"


async def _load(url: str, ids: list[int], rate: float, seconds: float) -> tuple[list[float], int]:
    """Open-loop load: request k starts at k/rate seconds; returns latencies and the error count."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(
        base_url=url, headers={"X-API-Key": KEY}, limits=limits, timeout=10
    ) as client:

        async def one(client_id: int) -> None:
            nonlocal errors
            started = time.perf_counter()
            try:
                reply = await client.get(f"/v1/clients/{client_id}/score")
                ok = reply.status_code == 200 and reply.json()["explanation_available"]
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - started)
            errors += not ok

        tasks = []
        start = time.perf_counter()
        for k in range(int(rate * seconds)):
            delay = start + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(ids[k % len(ids)])))
        await asyncio.gather(*tasks)
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", type=float, nargs="+", default=[50, 100, 200])
    parser.add_argument("--seconds", type=float, default=20.0, help="Duration of each rate.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    scoring = start_service("scoring_service", folder)
    explain = start_service("explain_service", folder)
    keys = json.dumps({hash_key(KEY): {"name": "bench", "roles": ["service"]}})
    scoring.wait_serving()
    explain.wait_serving()
    gateway = start_service(
        "gateway",
        folder,
        port_env="GATEWAY_PORT",
        env={
            "GATEWAY_SCORING_TARGET": scoring.target,
            "GATEWAY_EXPLAIN_TARGET": explain.target,
            "GATEWAY_API_KEYS": keys,
            "GATEWAY_PREDICTION_LOG_DIR": str(folder / "predictions"),
            "GATEWAY_LOG_LEVEL": "WARNING",
        },
    )
    try:
        gateway.wait_ready()
        ids = _client_ids(1000)
        asyncio.run(_load(gateway.url, ids, 20, 3))  # warm-up
        rows = {}
        for rate in args.rates:
            latencies, errors = asyncio.run(_load(gateway.url, ids, rate, args.seconds))
            rows[f"{rate:g} req/s"] = summarise(latencies) | {
                "errors": errors,
                "achieved_rps": round(len(latencies) / args.seconds, 1),
            }
        context = {
            "endpoint": "GET /v1/clients/{id}/score",
            "seconds_per_rate": args.seconds,
            "data": str(FeatureSettings().data_dir),
            "goal": "p99 <= 25 ms at 100 req/s, 0 errors",
        }
        report(
            "gateway", "Gateway under load (score + explanation, all services on this machine)", rows, context
        )
    finally:
        for service in (gateway, scoring, explain):
            service.stop()


if __name__ == "__main__":
    main()
