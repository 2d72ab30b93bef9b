"""What reading the client's file from a shared PostgreSQL costs, beside the local Parquet files.

On synthetic tables at `--scale` (generated, ingested and turned into features once into `--work`,
reused):
- the history: its publish (DuckDB summaries copied in with psycopg), the database's size beside the
  six Parquet files', and one client's history read by each source for `--clients` clients drawn at
  random, one after another (p50 and p99): the Parquet reader as the gateway runs it (DuckDB over the
  files), the shared reader over one pooled connection;
- the two whole tables a gateway reads at start-up: their publish (application fields, and the
  population with every feature column) and stored size, and the time each source takes to give a
  gateway its applications and its population of `--features` comparison columns.

    python -m bench.history_source [--scale 0.1] [--url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import duckdb
import numpy as np
import psycopg
import typer
from rich.console import Console
from rich.table import Table

from bench.stamp import BenchRun, bench_run
from credit_common.data_layout import DataLayout
from credit_common.history_tables import COLUMNS, libpq_url
from credit_features.client_file_data import application_fields, population
from credit_features.client_file_snapshot import APPLICATIONS, POPULATION, publish_tables
from gateway.client_file.history import TABLES, HistoryReader
from gateway.client_file.population import Population
from gateway.client_file.shared_history import SharedHistoryReader
from gateway.client_file.tables import DatabaseTables, FolderTables
from training.data.history_publish import publish_history

console = Console(stderr=True)
DEFAULT_SCALE = 0.1
app = typer.Typer(add_completion=False)


def _tables(scale: float, work: Path) -> Path:
    """The ingested tables at `scale` (generated and ingested once)."""
    parquet = work / f"scale-{scale}" / "parquet"
    raw, features = parquet.parent / "raw", parquet.parent / "features"
    steps = []
    if not (parquet / "bureau_balance.parquet").exists():
        steps += [
            ["datagen", "--scale", str(scale), "--out", str(raw)],
            ["ingest", "--raw", str(raw), "--out", str(parquet)],
        ]
    if not (features / "application.parquet").exists():
        steps.append(["features", "--parquet", str(parquet), "--out", str(features)])
    for step in steps:
        subprocess.run([sys.executable, "-m", "training", *step], check=True)
    return parquet


def _milliseconds(samples: list[float]) -> tuple[float, float]:
    values = np.array(samples) * 1000
    return round(float(np.percentile(values, 50)), 3), round(float(np.percentile(values, 99)), 3)


def _read_files(parquet: Path, clients: list[int]) -> list[float]:
    reader = HistoryReader(parquet)
    reader.read(clients[0])  # DuckDB's first query opens the files
    seconds = []
    for client in clients:
        started = time.perf_counter()
        reader.read(client)
        seconds.append(time.perf_counter() - started)
    return seconds


async def _read_database(url: str, clients: list[int]) -> list[float]:
    reader = SharedHistoryReader(url)
    await reader.history(clients[0])  # the pool's first connection
    seconds = []
    for client in clients:
        started = time.perf_counter()
        await reader.history(client)
        seconds.append(time.perf_counter() - started)
    await reader.close()
    return seconds


def _seconds(read: Callable[[], object]) -> float:
    started = time.perf_counter()
    read()
    return round(time.perf_counter() - started, 3)


def _record_tables(run: BenchRun, layout: DataLayout, url: str, features: int) -> None:
    """The whole tables: publish, stored size, and each source's start-up read."""
    at = f"client file at scale {run.config['scale']:g}"
    started = time.perf_counter()
    tables = {APPLICATIONS: application_fields(layout), POPULATION: population(layout)}
    stored = publish_tables(url, tables)
    published = round(time.perf_counter() - started, 2)
    run.figure(
        "tables_publish_seconds", published, unit="s", label=f"{at}: publish applications + population"
    )
    megabytes = round(sum(stored.values()) / 2**20, 1)
    run.figure("tables_database_mb", megabytes, unit="MB", label=f"{at}: applications + population stored")
    run.detail("population_columns", tables[POPULATION].num_columns)
    # the gateway's comparison columns: some features, and the filters' fields
    compared = [c for c in tables[POPULATION].column_names if c not in ("SK_ID_CURR", "TARGET")][:features]
    wanted = Population.columns(compared)
    with tempfile.TemporaryDirectory() as cache:
        for source, tables_of in (
            ("files", FolderTables(layout)),
            ("database", DatabaseTables(url, Path(cache))),
        ):
            if source == "files":
                layout.applications_cache.unlink(missing_ok=True)  # a first start: the copy is written
            run.figure(
                f"{source}_applications_seconds",
                _seconds(tables_of.applications),
                unit="s",
                label=f"{at}: applications at a first start, from the {source}",
            )
            run.figure(
                f"{source}_population_seconds",
                _seconds(lambda tables_of=tables_of: tables_of.population(wanted)),
                unit="s",
                label=f"{at}: population of {len(wanted)} columns at start-up, from the {source}",
            )


def _record(run: BenchRun, parquet: Path, url: str, clients: list[int]) -> None:
    at = f"history at scale {run.config['scale']:g}"
    published = publish_history(parquet, url)
    run.figure("publish_seconds", published.seconds, unit="s", label=f"{at}: publish, history tables")
    run.detail("rows", published.rows)
    with psycopg.connect(libpq_url(url)) as database:
        (size,) = database.execute(
            "SELECT sum(pg_total_relation_size(quote_ident(t))) FROM unnest(%s::text[]) AS t", [list(COLUMNS)]
        ).fetchone() or (0,)
    files = sum((parquet / f"{table}.parquet").stat().st_size for table in TABLES)
    run.figure(
        "database_mb",
        round(int(size) / 2**20, 1),
        unit="MB",
        label=f"{at}: size in PostgreSQL (indexes included)",
    )
    run.figure(
        "parquet_mb", round(files / 2**20, 1), unit="MB", label=f"{at}: size of the six tables as Parquet"
    )
    for source, seconds in (
        ("files", _read_files(parquet, clients)),
        ("database", asyncio.run(_read_database(url, clients))),
    ):
        p50, p99 = _milliseconds(seconds)
        run.figure(f"{source}_p50_ms", p50, unit="ms", label=f"{at}: one client's, from the {source}, p50")
        run.figure(f"{source}_p99_ms", p99, unit="ms", label=f"{at}: one client's, from the {source}, p99")


@app.command()
def main(
    scale: Annotated[float, typer.Option(help="Synthetic data size (1.0 = Kaggle).")] = DEFAULT_SCALE,
    url: Annotated[
        str, typer.Option(help="The PostgreSQL to publish to.")
    ] = "postgresql://postgres@127.0.0.1:5432/test",
    clients: Annotated[int, typer.Option(min=10, help="Clients read by each source.")] = 300,
    work: Annotated[Path, typer.Option(help="Where the tables are kept.")] = Path("data/bench/history"),
    features: Annotated[int, typer.Option(min=1, help="Comparison features a gateway reads.")] = 20,
) -> None:
    """Publish the client's file at `scale` and time reads from each source."""
    parquet = _tables(scale, work)
    applications = parquet / "application_train.parquet"
    con = duckdb.connect()
    (count,) = con.execute(f"SELECT count(*) FROM read_parquet('{applications}')").fetchone() or (0,)
    sample = (
        f"SELECT SK_ID_CURR FROM read_parquet('{applications}') USING SAMPLE {clients} ROWS (reservoir, 11)"
    )
    drawn = con.execute(sample).fetchall()
    config = {
        "scale": scale,
        "applications": int(count),
        "clients_read": clients,
        "comparison_features": features,
        "database": url.split("@")[-1],
    }
    # One result per size: history_source (the default 0.1), history_source-1 (Kaggle's)...
    name = "history_source" if scale == DEFAULT_SCALE else f"history_source-{scale:g}"
    with bench_run(name, config) as run:
        _record(run, parquet, url, [int(row[0]) for row in drawn])
        _record_tables(run, DataLayout(parquet.parent), url, features)
    table = Table("figure", "value", title=f"client's file source, scale {scale}")
    for figure in run.figures.values():
        table.add_row(figure.label, f"{figure.value:g} {figure.unit}")
    console.print(table)


if __name__ == "__main__":
    app()
