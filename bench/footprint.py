"""Serving footprint of running services: memory, sequential latency, saturation throughput, imports.

Why: a refactor that moves code between packages can silently drag heavy offline dependencies (training,
Ray, Evidently, Gradio, DuckDB, Feast, SHAP) into the serving processes, inflating their memory and
start-up, or slow the hot path. This module measures the same figures before and after such a change,
against services already running (`make demo`, or any checkout's services on other ports):

- RSS (MB) of the scoring and explain gRPC servers and of the gateway, found by listening port (psutil),
  after warm-up and again after the load (goal for each gRPC service: ≤ 200 MB);
- sequential `GET /v1/clients/{id}/score` over distinct client ids (listed by the gateway): p50/p90/p99;
- closed-loop saturation with wrk (30 s, 2 threads, 4 and 16 connections, >= 500 distinct ids);
- which heavy top-level modules `import scoring_service.__main__` / `explain_service.__main__` pull in.

It imports nothing of the product (only bench.stamp, which writes bench/results/footprint.json), so it
measures any checkout's services; `--checkout` names the code whose imports are checked:
  python -m bench.footprint --gateway http://127.0.0.1:8100 --api-key KEY --scoring-port 51051 \
      --explain-port 51052 --label NAME --checkout PATH
It is not part of `make bench`: it needs the services running, and a before/after comparison runs it
once per checkout, alternating, on a quiet machine.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

import httpx
import numpy as np
import psutil
import typer
from rich.console import Console
from rich.table import Table

from bench.stamp import BenchRun, bench_run

GOAL_SERVICE_RSS_MB = "<= 200"
app = typer.Typer(add_completion=False)
HEAVY = [
    "training",
    "ray",
    "evidently",
    "gradio",
    "duckdb",
    "feast",
    "shap",
    "pandas",
    "sklearn",
    "mlflow",
    "lightgbm",
]
ENTRY_POINTS = ["scoring_service.__main__", "explain_service.__main__"]
WRK_LUA = """
local ids = {IDS}
local counter, threads = 0, {}
function setup(thread) thread:set("offset", #threads * 7919); table.insert(threads, thread) end
function init(args) counter = offset; non2xx = 0 end
function request()
  counter = counter + 1
  return wrk.format("GET", "/v1/clients/" .. ids[counter % #ids + 1] .. "/score", {["X-API-Key"] = "KEY"})
end
function response(status, headers, body) if status < 200 or status > 299 then non2xx = non2xx + 1 end end
function done(summary, latency, requests)
  local bad, e = 0, summary.errors
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  io.write(string.format('FOOTPRINT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, '
    .. '"p99_us": %d, "max_us": %d, "non_2xx": %d, "socket_errors": %d}\\n', summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    bad, e.connect + e.read + e.write + e.timeout))
end
"""


def client_ids(client: httpx.Client, wanted: int) -> list[int]:
    """Distinct ids from `GET /v1/clients?search=PREFIX&limit=100`, refining full prefixes digit by digit."""
    ids: dict[int, None] = {}
    prefixes = [str(d) for d in range(1, 10)]
    while prefixes and len(ids) < wanted:
        prefix = prefixes.pop(0)
        rows = client.get("/v1/clients", params={"search": prefix, "limit": 100}).raise_for_status().json()
        ids.update((row["client_id"], None) for row in rows)
        if len(rows) == 100 and len(prefix) < 12:
            prefixes[:0] = [prefix + str(d) for d in range(10)]
    return list(ids)[:wanted]


def rss_by_port(ports: dict[str, int]) -> dict[str, dict[str, Any]]:
    """RSS (MB) of the process listening on each port, its children included."""
    listeners = {c.laddr.port: c.pid for c in psutil.net_connections("tcp") if c.status == "LISTEN"}
    found = {}
    for name, port in ports.items():
        process = psutil.Process(listeners[port])
        tree = [process, *process.children(recursive=True)]
        rss = sum(p.memory_info().rss for p in tree) / 2**20
        found[name] = {"pid": process.pid, "processes": len(tree), "rss_mb": round(rss, 1)}
    return found


def sequential(client: httpx.Client, ids: list[int]) -> dict[str, float]:
    """One request at a time over `ids`: latency percentiles (ms), non-200 and unexplained answers."""
    seconds, errors, unexplained = [], 0, 0
    for client_id in ids:
        started = time.perf_counter()
        reply = client.get(f"/v1/clients/{client_id}/score")
        seconds.append(time.perf_counter() - started)
        errors += reply.status_code != 200
        unexplained += reply.status_code == 200 and not reply.json()["explanation_available"]
    ms = np.asarray(seconds) * 1000
    stats = {f"p{q}_ms": round(float(np.percentile(ms, q)), 2) for q in (50, 90, 99)}
    return {"count": len(ids), **stats, "max_ms": round(float(ms.max()), 2), "errors": errors} | {
        "no_explanation": unexplained
    }


def wrk(url: str, key: str, ids: list[int], connections: int, seconds: int) -> dict[str, float]:
    """Closed-loop wrk run (2 threads) cycling through `ids`: req/s, latency percentiles, errors."""
    script = WRK_LUA.replace("{IDS}", "{" + ",".join(map(str, ids)) + "}").replace("KEY", key)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", lua.name, url]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    raw = json.loads(re.search(r"^FOOTPRINT (.*)$", out, re.M).group(1))  # type: ignore[union-attr]
    stats = {f"p{q}_ms": round(raw[f"p{q}_us"] / 1000, 2) for q in (50, 90, 99)}
    rps = round(raw["requests"] / (raw["duration_us"] / 1e6), 1)
    return {"rps": rps, **stats, "max_ms": round(raw["max_us"] / 1000, 2), "requests": raw["requests"]} | {
        "non_2xx": raw["non_2xx"],
        "socket_errors": raw["socket_errors"],
    }


def imports(checkout: Path) -> dict[str, dict[str, Any]]:
    """Heavy top-level modules each entry point imports, and its import time (the checkout's code first)."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    found = {}
    for module in ENTRY_POINTS:
        code = f"import sys, time; t = time.perf_counter(); import {module}; d = time.perf_counter() - t; "
        code += f"print(round(d, 2), *[m for m in {HEAVY!r} if m in sys.modules])"
        out = subprocess.run(
            [sys.executable, "-c", code], check=False, cwd=checkout, env=env, capture_output=True
        )
        if out.returncode:  # recorded, not raised: a broken entry point is a finding too
            found[module.split(".")[0]] = {"error": out.stderr.decode().strip().splitlines()[-1]}
            continue
        seconds, *heavy = out.stdout.decode().split()
        found[module.split(".")[0]] = {"import_s": float(seconds), "heavy_modules": heavy}
    return found


def git(checkout: Path, *args: str) -> str:
    command = ["git", "--no-optional-locks", "-C", str(checkout), *args]
    return subprocess.run(command, check=False, capture_output=True, text=True).stdout.strip()


def record(run: BenchRun, results: dict[str, Any], label: str) -> None:
    """Resident memory of each service once serving, sequential latency, and each wrk run's rate."""
    for service, found in results["rss_serving"].items():
        goal = GOAL_SERVICE_RSS_MB if service in {"scoring", "explain"} else None
        what = f"resident memory of the {service} service once serving ({label})"
        run.figure(f"rss_{service}_mb", found["rss_mb"], unit="MB", label=what, goal=goal)
    sequential = results["sequential"]
    what = f"sequential GET /score, {sequential['count']} distinct clients ({label})"
    run.figure("sequential_p50_ms", sequential["p50_ms"], unit="ms", label=f"{what}: p50")
    run.figure("sequential_p99_ms", sequential["p99_ms"], unit="ms", label=f"{what}: p99")
    for case, measured in results["wrk"].items():
        what = f"gateway saturation, wrk closed loop, {case} ({label})"
        key = case.split()[0]
        run.figure(f"wrk_{key}_rps", measured["rps"], unit="req/s", label=f"{what}: achieved rate")
        run.figure(f"wrk_{key}_p99_ms", measured["p99_ms"], unit="ms", label=f"{what}: p99")


@app.command()
def main(
    *,
    api_key: Annotated[str, typer.Option(help="An API key the gateway accepts.")],
    label: Annotated[str, typer.Option(help="Name of this measurement (e.g. previous-main).")],
    gateway: Annotated[str, typer.Option(help="Gateway base URL.")] = "http://127.0.0.1:8000",
    scoring_port: Annotated[int, typer.Option(help="Port of the scoring service.")] = 50051,
    explain_port: Annotated[int, typer.Option(help="Port of the explain service.")] = 50052,
    checkout: Annotated[Path, typer.Option(help="Code whose imports are checked.")] = Path(),
    sequential_ids: Annotated[int, typer.Option(help="Distinct ids of the sequential case.")] = 200,
    wrk_ids: Annotated[int, typer.Option(help="Distinct ids cycled by wrk (>= 500).")] = 1000,
    seconds: Annotated[int, typer.Option(help="Duration of each wrk run.")] = 30,
    connections: Annotated[list[int], typer.Option(help="wrk connections, one flag per run.")] = [4, 16],  # noqa: B006
) -> dict[str, Any]:
    """Measure the running services; print a table and write bench/results/footprint.json."""
    checkout = checkout.resolve()
    ports = {"scoring": scoring_port, "explain": explain_port, "gateway": urlparse(gateway).port or 80}
    config = {
        "label": label,
        "checkout": str(checkout),
        "checkout_commit": git(checkout, "rev-parse", "HEAD"),
        "checkout_dirty": bool(git(checkout, "status", "--porcelain", "--untracked-files=no")),
        "python": platform.python_version(),
        "gateway": gateway,
        "ports": ports,
        "sequential_ids": sequential_ids,
        "wrk_ids": wrk_ids,
        "wrk_seconds": seconds,
        "wrk_threads": 2,
        "connections": connections,
    }
    with bench_run("footprint", config=config) as run:
        load = {"start": os.getloadavg()}
        with httpx.Client(base_url=gateway, headers={"X-API-Key": api_key}, timeout=10) as client:
            ids = client_ids(client, max(wrk_ids, sequential_ids + 50))
            sequential(client, ids[-50:])  # warm-up on ids outside the measured ones
            results: dict[str, Any] = {"sequential": sequential(client, ids[:sequential_ids])}
        results["rss_serving"] = rss_by_port(ports)
        load["before_wrk"] = os.getloadavg()
        results["wrk"] = {f"{c} connections": wrk(gateway, api_key, ids, c, seconds) for c in connections}
        results["rss_after_load"] = rss_by_port(ports)
        load["end"] = os.getloadavg()
        results["imports"] = imports(checkout)
        run.config["ids"] = len(ids)
        record(run, results, label)
        run.detail("results", results)
        run.detail("load_average_1_5_15", {k: [round(x, 2) for x in v] for k, v in load.items()})
    table = Table(title=f"Serving footprint — {label} ({config['checkout_commit'][:8]})")
    for column in ("case", "figures"):
        table.add_column(column)
    for section, rows in results.items():
        for case, row in rows.items() if section != "sequential" else [("score", rows)]:
            table.add_row(f"{section} · {case}", ", ".join(f"{k}={v}" for k, v in row.items()))
    Console().print(table)
    return results


if __name__ == "__main__":
    app()
