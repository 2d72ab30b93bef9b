"""New applications in real time: `POST /v1/applications` alone, sustained, in a burst, and beside `/score`.

`python -m bench.applications [--data DIR]` runs what `make demo` runs on `DIR` (bench.platform), on
free ports, waits until it is ready, then measures from this process:

1. the feature step: `application_row` (application.sql compiled) on the demo's raw applications, in
   this process, each timed alone (goal p99 <= 5 ms);
2. one application alone: POSTs at 5/s, so that none overlaps another (goal p99 <= 30 ms);
3. a ramp of sustained rates (`--ramp`, `--step-seconds` each), open loop, stopped after the first step
   whose p99 passes 100 ms or that has errors: the highest passing rate is the sustained capacity
   (goal >= 150/s). A 201 without its reasons (Explain was late) is an error, as bench.capacity counts;
4. a burst of 100 applications due at the same instant: statuses and p99 (goal: 100 x 201);
5. `GET /score` at 200 req/s with 100 applications/s beside it for `--mixed-seconds` (goal: /score p99
   <= 15 ms).

Every latency runs from the request's scheduled start (bench.load). The applications are the demo's
own test applications' raw fields, without their id, so each POST creates a new client in the demo's
Redis, as a real application would; they stay there. The result goes to bench/results/applications.json,
stamped (bench.stamp).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from bench.capacity import (
    Bench,
    client_ids,
    demo_parser,
    explained_answer,
    parse_rates,
    ready_demo,
    run_configuration,
)
from bench.latency import summarise
from bench.load import Call, HttpPool, cold_mix, run_step
from bench.platform import CpuMeter
from bench.stamp import bench_run
from credit_features.application import application_row

console = Console(width=None if sys.stdout.isatty() else 140)
APPLICATIONS = "/v1/applications"
#: A step of the sustained ramp holds when it has no error and its p99 is at most this.
SUSTAINED_P99_MS = 100.0
WARMUP_APPLICATIONS = 30


def raw_applications(data: Path) -> list[dict[str, Any]]:
    """The demo's test applications as a caller would post them: raw fields, no id, missing as null."""
    records = pq.read_table(data / "parquet" / "application_test.parquet").to_pylist()
    return [
        {
            name: None if isinstance(value, float) and math.isnan(value) else value
            for name, value in record.items()
            if name != "SK_ID_CURR"
        }
        for record in records
    ]


def application_calls(records: list[dict[str, Any]], rng: random.Random) -> Iterator[Call]:
    """POSTs of the records, shuffled, forever; each one unique.

    Why unique: the explain service keeps each (model version, feature row)'s answer, so a record posted
    twice would be explained once. Real applications differ, so each POST gets its own income (the
    record's plus a serial number of euros), hence its own feature row and a fresh TreeSHAP.
    """
    order = list(records)
    serial = itertools.count(1)
    while True:
        rng.shuffle(order)
        for record in order:
            income = (record.get("AMT_INCOME_TOTAL") or 100_000.0) + next(serial)
            yield Call("POST", APPLICATIONS, json.dumps({**record, "AMT_INCOME_TOTAL": income}).encode())


def feature_step(records: list[dict[str, Any]], rounds: int) -> dict[str, float]:
    """Latency of the feature step alone: each record's `application_row`, timed one by one."""
    application_row(records[0])  # compiles application.sql once, as a gateway does at its first POST
    times = []
    for record in itertools.islice(itertools.cycle(records), rounds):
        started = time.perf_counter()
        application_row(record)
        times.append(time.perf_counter() - started)
    return summarise(times)


class ApplicationBench:
    """The steps of one run against one running demo."""

    def __init__(self, bench: Bench, records: list[dict[str, Any]], ids: list[int], args: argparse.Namespace):
        self.bench, self.args = bench, args
        self.calls = application_calls(records, random.Random(args.seed))
        self.scores = (f"/v1/clients/{i}/score" for i in cold_mix(ids, random.Random(args.seed + 1)))

    def _pool(self) -> HttpPool:
        return HttpPool("127.0.0.1", self.bench.port, self.bench.headers, cap=self.args.connections)

    async def applications(self, label: str, rate: float, seconds: float) -> dict[str, Any]:
        """Open-loop POSTs at `rate` for `seconds`; its row."""
        await self.bench.settle()
        pool = self._pool()
        calls = list(itertools.islice(self.calls, round(rate * seconds)))
        before, started = self.bench.meter.read(), time.perf_counter()
        result = await run_step(
            pool, calls, rate, seconds, check=explained_answer, timeout=self.args.timeout, expected_status=201
        )
        cores = CpuMeter.cores(before, self.bench.meter.read(), time.perf_counter() - started)
        await pool.close()
        row = {"step": label, **result.row(), "cores": cores}
        console.print(_line(row))
        return row

    async def burst(self, size: int) -> dict[str, Any]:
        """`size` POSTs due at the same instant, each on a connection of its own."""
        await self.bench.settle()
        pool = self._pool()
        calls = list(itertools.islice(self.calls, size))
        result = await run_step(
            pool,
            calls,
            1e6,
            size / 1e6,
            check=explained_answer,
            timeout=self.args.timeout,
            expected_status=201,
        )
        await pool.close()
        statuses = Counter({"201": result.ok, **result.errors})
        row = {"step": f"burst {size}", **result.row(), "statuses": dict(statuses)}
        console.print(_line(row))
        return row

    async def mixed(self, score_rate: float, application_rate: float, seconds: float) -> dict[str, Any]:
        """/score at `score_rate` and applications at `application_rate`, together, each open loop."""
        await self.bench.settle()
        score_pool, application_pool = self._pool(), self._pool()
        score_paths = list(itertools.islice(self.scores, round(score_rate * seconds)))
        calls = list(itertools.islice(self.calls, round(application_rate * seconds)))
        before, started = self.bench.meter.read(), time.perf_counter()
        scores, applications = await asyncio.gather(
            run_step(
                score_pool,
                score_paths,
                score_rate,
                seconds,
                check=explained_answer,
                timeout=self.args.timeout,
            ),
            run_step(
                application_pool,
                calls,
                application_rate,
                seconds,
                check=explained_answer,
                timeout=self.args.timeout,
                expected_status=201,
            ),
        )
        cores = CpuMeter.cores(before, self.bench.meter.read(), time.perf_counter() - started)
        for pool in (score_pool, application_pool):
            await pool.close()
        rows = {
            "score": {**scores.row(), "cores": cores},
            "applications": {**applications.row(), "cores": cores},
        }
        for name, row in rows.items():
            console.print(_line({"step": f"mixed: {name}", **row}))
        return rows


def _line(row: dict[str, Any]) -> str:
    cores = ", ".join(f"{name} {used:.2f}" for name, used in row.get("cores", {}).items() if used >= 0.05)
    return (
        f"{row['step']}: {row['achieved_rps']:g}/s of {row['rate']:g}/s, p50 {row['p50_ms']:g} ms, "
        f"p99 {row['p99_ms']:g} ms, errors {row['errors']} {row['errors_by_kind'] or ''} cores: {cores}"
    )


def _sustains(row: dict[str, Any]) -> bool:
    return row["errors"] == 0 and row["p99_ms"] <= SUSTAINED_P99_MS


async def measure(bench: ApplicationBench) -> dict[str, Any]:
    """Warm-up, alone, the ramp until it fails, the burst, then /score beside applications."""
    args = bench.args
    await bench.applications("warm-up", 10, WARMUP_APPLICATIONS / 10)
    alone = await bench.applications("alone", 5, args.alone / 5)
    ramp = []
    for rate in args.ramp:
        ramp.append(await bench.applications(f"sustained {rate:g}", rate, args.step_seconds))
        if not _sustains(ramp[-1]):
            break
    burst = await bench.burst(args.burst)
    mixed = await bench.mixed(args.score_rate, args.mixed_rate, args.mixed_seconds)
    return {"alone": alone, "ramp": ramp, "burst": burst, "mixed": mixed}


def table(rows: list[dict[str, Any]]) -> Table:
    grid = Table(title="POST /v1/applications, open loop, the whole demo on this machine")
    for column in ("step", "rate/s", "achieved/s", "p50 ms", "p99 ms", "max ms", "errors"):
        grid.add_column(column, justify="left" if column == "step" else "right")
    for row in rows:
        grid.add_row(
            row["step"],
            f"{row['rate']:g}",
            f"{row['achieved_rps']:g}",
            f"{row['p50_ms']:g}",
            f"{row['p99_ms']:g}",
            f"{row['max_ms']:g}",
            str(row["errors"]),
        )
    return grid


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = demo_parser(__doc__)
    parser.add_argument("--feature-rounds", type=int, default=20_000, help="Feature steps timed.")
    parser.add_argument("--alone", type=int, default=200, help="Applications posted one at a time.")
    parser.add_argument(
        "--ramp", type=parse_rates, default="50,100,150,200,300,400,500,600", help="Sustained rates."
    )
    parser.add_argument("--step-seconds", type=float, default=20.0, help="Duration of each ramp step.")
    parser.add_argument("--burst", type=int, default=100, help="Applications of the burst.")
    parser.add_argument(
        "--score-rate", type=float, default=200.0, help="GET /score rate beside applications."
    )
    parser.add_argument("--mixed-rate", type=float, default=100.0, help="Applications/s beside /score.")
    parser.add_argument("--mixed-seconds", type=float, default=30.0, help="Duration of the mixed step.")
    parser.add_argument("--seed", type=int, default=17, help="Seed of the applications' order.")
    return parser.parse_args(argv)


def record(run: Any, features: dict[str, float], rows: dict[str, Any], args: argparse.Namespace) -> None:
    """The headline figures, each beside its goal."""
    run.figure("feature_p50_ms", features["p50_ms"], unit="ms", label="application features, p50")
    run.figure(
        "feature_p99_ms", features["p99_ms"], unit="ms", label="application features, p99", goal="<= 5"
    )
    alone = rows["alone"]
    run.figure("alone_p50_ms", alone["p50_ms"], unit="ms", label="one application alone (POST), p50")
    run.figure(
        "alone_p99_ms", alone["p99_ms"], unit="ms", label="one application alone (POST), p99", goal="<= 30"
    )
    sustained = [row["achieved_rps"] for row in rows["ramp"] if _sustains(row)]
    run.figure(
        "sustained_rps",
        max(sustained, default=0.0),
        unit="applications/s",
        label=f"sustained applications at p99 <= {SUSTAINED_P99_MS:g} ms, no error",
        goal=">= 150",
    )
    burst = rows["burst"]
    run.figure(
        "burst_created",
        burst["statuses"].get("201", 0),
        unit=f"of {args.burst}",
        label=f"burst of {args.burst}: created (201 with reasons)",
        goal=f">= {args.burst}",
    )
    run.figure("burst_p99_ms", burst["p99_ms"], unit="ms", label=f"burst of {args.burst}: p99")
    score = rows["mixed"]["score"]
    run.figure(
        "score_p99_beside_applications_ms",
        score["p99_ms"] if score["errors"] == 0 else math.inf,
        unit="ms",
        label=f"/score p99 at {args.score_rate:g}/s beside {args.mixed_rate:g} applications/s (inf: errors)",
        goal="<= 15",
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    args = parse_args(argv)
    data = args.data.resolve()
    records = raw_applications(data)
    features = feature_step(records, args.feature_rounds)
    console.print(f"feature step: p50 {features['p50_ms']:g} ms, p99 {features['p99_ms']:g} ms")
    with ready_demo(data, "applications", args.ready_timeout) as platform:
        env = platform.env
        config = {
            "endpoint": "POST /v1/applications (reasons included), beside GET /v1/clients/{id}/score",
            "processes": "everything `make demo` starts: deploy/Procfile with the data's demo.env",
            **run_configuration(platform, data, env["DEMO_API_KEY"]),
            "applications": len(records),
            "feature_step": "application_row in the benchmark's own process, each timed alone",
            **{key: value for key, value in vars(args).items() if key != "data"},
            "sustained_p99_ms": SUSTAINED_P99_MS,
        }
        bench = ApplicationBench(Bench(platform, env["DEMO_API_KEY"], args), records, client_ids(data), args)
        with bench_run("applications", config) as run:
            rows = asyncio.run(measure(bench))
            run.detail("feature_step", features)
            run.detail("steps", rows)
            record(run, features, rows, args)
    mixed = [{"step": f"mixed: {name}", **row} for name, row in rows["mixed"].items()]
    console.print(table([rows["alone"], *rows["ramp"], rows["burst"], *mixed]))
    for figure in run.figures.values():
        verdict = (
            "" if figure.met is None else (" (goal met)" if figure.met else f" (goal {figure.goal}: NOT met)")
        )
        console.print(f"{figure.label}: {figure.value:g} {figure.unit}{verdict}")


if __name__ == "__main__":
    main()
