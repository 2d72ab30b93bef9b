"""Benchmark of the batch feature build: wall time and peak memory per data scale.

`python -m bench.features --scales 0.1 --scales 1.0` prepares each scale in a work folder (synthetic
data through `python -m training datagen` then `ingest`, or with `--random-data` random tables with
the real schema and row counts, enough to time the SQL when the generator is not available), then
runs `build_features` in a fresh process that reports its own peak RSS, so the figure is the
build's alone. `--parquet DIR` times prepared folders instead. Prints a table and writes
bench/results/features.json. Goal at scale 1.0 (synthetic data): under 2 min and 4 GB on 2 cores.
Prepared folders (`<work>/synthetic-<scale>/`) are kept: bench.train refits on the scale-1.0 one.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bench.child import REPO, run_child
from bench.stamp import BenchRun, bench_run
from credit_features import tables
from credit_features.application import quote
from training.data.duck import connect
from training.features.build import MEMORY_LIMIT, THREADS

GOAL_SECONDS = "< 120"
GOAL_RSS_MB = "< 4096"

_CHILD = """
import json, sys
from pathlib import Path
from bench.child import usage
from training.features.build import build_features
r = build_features(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)
print(json.dumps({"seconds": r.seconds, "rows": r.rows, "features": r.features, **usage()}))
"""

console = Console(width=120)
app = typer.Typer(add_completion=False)


def _run(args: list[str]) -> float:
    """Run a command of the project (from the repo root) and return its wall time."""
    started = time.perf_counter()
    subprocess.run(args, check=True, cwd=REPO)
    return time.perf_counter() - started


def _column_sql(column: tables.Column) -> str:
    """A random value of the column's dtype (a profile level for categoricals); ids stay unique."""
    if column.levels and column.dtype == "string":
        levels = ", ".join(quote(level) for level in column.levels)
        return f"([{levels}])[1 + floor(random() * {len(column.levels)})::INT]"
    if column.dtype == "string":
        return "'x'"
    return "(random() * 2000 - 1000)::BIGINT" if column.dtype == "int64" else "(random() * 2000 - 1000)"


def write_random_tables(out: Path, scale: float) -> float:
    """Random tables with the real schema and scale x the real row counts (timing only, no signal)."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    counts = {t: max(1, round(tables.row_count(t) * scale)) for t in tables.TABLE_NAMES}
    n_apps = counts["application_train"] + counts["application_test"]
    n_bureau = counts["bureau"]
    keys = {
        "SK_ID_CURR": f"100000 + floor(random() * {n_apps})::BIGINT",
        "SK_ID_BUREAU": f"5000000 + floor(random() * {n_bureau})::BIGINT",
        "SK_ID_PREV": "1000000 + floor(random() * 2000000)::BIGINT",
    }
    firsts = {"application_train": 100000, "application_test": 100000 + counts["application_train"]}
    con = connect(out)
    try:
        for table in tables.TABLE_NAMES:
            own = {
                "application_train": "SK_ID_CURR",
                "application_test": "SK_ID_CURR",
                "bureau": "SK_ID_BUREAU",
            }
            select = []
            for column in tables.columns(table):
                if column.name == own.get(table):
                    start = firsts.get(table, 5000000)
                    select.append(f"{start} + i AS {column.name}")
                elif column.name in keys:
                    select.append(f"{keys[column.name]} AS {column.name}")
                else:
                    select.append(f"{_column_sql(column)} AS {column.name}")
            rows = f"SELECT {', '.join(select)} FROM range({counts[table]}) t(i)"
            con.execute(f"COPY ({rows}) TO {quote(out / f'{table}.parquet')} (FORMAT parquet)")
        train = counts["application_train"]
        con.execute(
            f"""COPY (SELECT 100000 + i AS SK_ID_CURR,
                      CASE WHEN i < {train} THEN 'train' ELSE 'test' END AS SPLIT,
                      TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(i) AS APPLICATION_TIME
                  FROM range({n_apps}) t(i)) TO {quote(out / "application_time.parquet")} (FORMAT parquet)"""
        )
    finally:
        con.close()
    return time.perf_counter() - started


def prepare(work: Path, scale: float, random_data: bool) -> tuple[Path, float]:
    """A Parquet folder for `scale` (reused if already there) and the seconds spent preparing it."""
    kind = "random" if random_data else "synthetic"
    parquet = work / f"{kind}-{scale:g}" / "parquet"
    if (parquet / "application_time.parquet").is_file():
        return parquet, 0.0
    if random_data:
        return parquet, write_random_tables(parquet, scale)
    raw = parquet.parent / "raw"
    python = sys.executable
    seconds = _run([python, "-m", "training", "datagen", "--out", str(raw), "--scale", str(scale)])
    seconds += _run([python, "-m", "training", "ingest", "--raw", str(raw), "--out", str(parquet)])
    return parquet, seconds


def measure(parquet: Path) -> dict[str, Any]:
    """Build the features of `parquet` in a fresh process; its wall time, rows and peak RSS."""
    report = run_child(_CHILD, str(parquet), str(parquet.parent / "features"))
    report["input_rows"] = _input_rows(parquet)
    return report


def _input_rows(parquet: Path) -> dict[str, int]:
    con = connect(parquet.parent)
    try:
        return {
            table: con.execute(
                f"SELECT count(*) FROM read_parquet({quote(parquet / f'{table}.parquet')})"
            ).fetchone()[0]
            for table in tables.TABLE_NAMES
        }
    finally:
        con.close()


def record(run: BenchRun, case: dict[str, Any]) -> None:
    """The headline figures of one case; goals hold for synthetic data at the Kaggle size only."""
    applications, inputs = case["rows"]["application"], sum(case["input_rows"].values())
    what = f"feature build, {case['data']} ({applications:,} applications, {inputs / 1e6:.1f}M input rows)"
    full = case["scale"] == 1.0 and case["kind"] == "synthetic"
    run.figure(
        f"{case['key']}_seconds",
        case["process_seconds"],
        unit="s",
        label=f"{what}: process wall time",
        goal=GOAL_SECONDS if full else None,
    )
    run.figure(
        f"{case['key']}_peak_rss_mb",
        case["peak_rss_mb"],
        unit="MB",
        label=f"{what}: peak memory",
        goal=GOAL_RSS_MB if full else None,
    )


def _print(cases: list[dict[str, Any]]) -> None:
    table = Table(title=f"feature build ({THREADS} threads, memory_limit {MEMORY_LIMIT})")
    for header in ("data", "applications", "input rows", "features", "build s", "process s", "peak RSS MB"):
        table.add_column(header, justify="left" if header == "data" else "right")
    for case in cases:
        table.add_row(
            case["data"],
            f"{case['rows']['application']:,}",
            f"{sum(case['input_rows'].values()):,}",
            str(sum(case["features"].values())),
            f"{case['seconds']:.1f}",
            f"{case['process_seconds']:.1f}",
            f"{case['peak_rss_mb']:.0f}",
        )
    console.print(table)


@app.command()
def main(
    scales: Annotated[
        list[float], typer.Option(help="Data scales to prepare and time, one flag each (1.0 = Kaggle size).")
    ] = [],  # noqa: B006
    parquet: Annotated[list[Path], typer.Option(help="Prepared ingest folders to time as they are.")] = [],  # noqa: B006
    work: Annotated[Path, typer.Option(help="Where prepared scales are kept and reused.")] = Path(
        "data/bench"
    ),
    random_data: Annotated[
        bool, typer.Option(help="Random tables with the real schema instead of datagen+ingest (timing only).")
    ] = False,
) -> list[dict[str, Any]]:
    """Time the feature build at each scale or folder; print a table and write bench/results/features.json."""
    kind = "random" if random_data else "synthetic"
    config = {"scales": scales, "parquet": [str(p) for p in parquet], "work": str(work), "data": kind}
    config |= {"duckdb_threads": THREADS, "duckdb_memory_limit": MEMORY_LIMIT}
    cases: list[dict[str, Any]] = []
    with bench_run("features", config=config) as run:
        plan = [
            {"data": f"folder {p}", "key": f"folder_{n}", "kind": "folder", "scale": None, "parquet": p}
            for n, p in enumerate(parquet)
        ]
        for scale in scales or ([] if parquet else [0.01]):
            folder, seconds = prepare(work, scale, random_data)
            case = {"data": f"{kind} data at scale {scale:g}", "key": f"{kind}_{scale:g}", "kind": kind}
            plan.append(case | {"scale": scale, "parquet": folder, "prepare_seconds": round(seconds, 1)})
        for case in plan:
            case.update(data_reused=not case.get("prepare_seconds"), **measure(case["parquet"]))
            case["parquet"] = str(case["parquet"])
            cases.append(case)
            record(run, case)
        run.detail("runs", cases)
    _print(cases)
    return cases


if __name__ == "__main__":
    app()
