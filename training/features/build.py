"""Batch feature build: run the DuckDB SQL of every feature view over the ingested Parquet tables.

Each view's SQL (feature_repo/sql/<view>.sql) returns one row per client that has data in its source;
this job left-joins it onto `application_time`, so every application (train and test) gets exactly one
row per view, with event_timestamp = its application time and one created_timestamp per build.
Clients absent from a child table get NULL features (counts included): the source cannot tell "no
history" from "history unknown", and a 0 would claim the former. Every feature is written as DOUBLE
(Feast Float64); integer codes and flags are exact in a double.

The gateway computes a new application's features from the same application.sql, compiled into Python
(credit_features.row_sql), so online features cannot drift from training features (tested value by value).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from credit_features.application import application_select, quote, view_query
from credit_features.catalog import VIEWS, feature_names
from training.data.duck import connect

logger = logging.getLogger(__name__)

#: Bounded so the full-scale build stays under 4 GB peak on the 2-core machine; DuckDB spills beyond it.
MEMORY_LIMIT = "3GB"
THREADS = 2
#: Written without dictionaries: most features are near-unique doubles, and DuckDB building a dictionary
#: for each of ~100 columns per view (most then written plain anyway) cost about 3 of the full-size
#: build's 29 CPU-seconds.
PARQUET_OPTIONS = "FORMAT parquet, DICTIONARY_SIZE_LIMIT 1"

#: Relations the SQL reads as they are, each from `<name>.parquet` of the ingest output.
PLAIN_INPUTS = (
    "bureau",
    "bureau_balance",
    "previous_application",
    "POS_CASH_balance",
    "installments_payments",
    "credit_card_balance",
    "application_time",
)
APPLICATION_FILES = ("application_train", "application_test")


@dataclass(frozen=True)
class FeatureBuildResult:
    """What one build wrote: rows and feature count per view, wall time, and the output folder."""

    rows: dict[str, int]
    features: dict[str, int]
    seconds: float
    out: Path


def _register_inputs(con: duckdb.DuckDBPyConnection, parquet_dir: Path) -> None:
    """Name the Parquet tables as the SQL expects; nothing is read until a view needs it."""
    paths = {name: parquet_dir / f"{name}.parquet" for name in (*APPLICATION_FILES, *PLAIN_INPUTS)}
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"{parquet_dir} lacks {', '.join(missing)}")
    applications = ", ".join(quote(paths[name]) for name in APPLICATION_FILES)
    # union_by_name: train has TARGET, test has not; the SELECT then drops TARGET before any SQL sees it.
    source = f"read_parquet([{applications}], union_by_name = true)"
    con.execute(f"CREATE OR REPLACE VIEW application AS {application_select(source)}")
    for name in PLAIN_INPUTS:
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({quote(paths[name])})")


@contextmanager
def _connection(spill_parent: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A bounded DuckDB connection that spills to a private temporary folder, closed on exit."""
    with tempfile.TemporaryDirectory(prefix="features-spill-", dir=spill_parent) as spill:
        con = connect(Path(spill), memory_limit=MEMORY_LIMIT)
        try:
            con.execute(f"SET threads = {THREADS}")
            con.execute("SET preserve_insertion_order = false")
            yield con
        finally:
            con.close()


def build_features(parquet_dir: Path, out: Path, *, progress: bool = True) -> FeatureBuildResult:
    """Write out/<view>.parquet for every feature view from the ingested tables in `parquet_dir`.

    Each file is written to a temporary name and renamed, so a reader (Feast, a running training)
    never sees a half-written table.
    """
    started = time.perf_counter()
    created = datetime.now(UTC)
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    features: dict[str, int] = {}
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} views"),
        TimeElapsedColumn(),
    ]
    with (
        _connection(out) as con,
        Progress(*columns, transient=True, disable=not progress) as bar,
    ):
        _register_inputs(con, parquet_dir)
        task = bar.add_task("features", total=len(VIEWS))
        for view in VIEWS:
            bar.update(task, description=f"features: {view}")
            view_started = time.perf_counter()
            target = out / f"{view}.parquet"
            staging = out / f".{view}.parquet.tmp"
            con.execute(f"COPY ({view_query(view, created)}) TO {quote(staging)} ({PARQUET_OPTIONS})")
            os.replace(staging, target)
            rows[view] = con.execute(f"SELECT count(*) FROM read_parquet({quote(target)})").fetchone()[0]
            features[view] = len(feature_names(view))
            logger.info(
                "feature view built",
                extra={
                    "view": view,
                    "rows": rows[view],
                    "features": features[view],
                    "seconds": round(time.perf_counter() - view_started, 3),
                    "path": str(target),
                },
            )
            bar.advance(task)
    result = FeatureBuildResult(
        rows=rows, features=features, seconds=round(time.perf_counter() - started, 3), out=out
    )
    logger.info(
        "feature build done",
        extra={"seconds": result.seconds, "out": str(out), "features": sum(features.values())},
    )
    return result
