"""Batch feature build: run the DuckDB SQL of every feature view over the ingested Parquet tables.

Each view's SQL (feature_repo/sql/<view>.sql) returns one row per client that has data in its source;
this job left-joins it onto `application_time`, so every application (train and test) gets exactly one
row per view, with event_timestamp = its application time and one created_timestamp per build.
Clients absent from a child table get NULL features (counts included): the source cannot tell "no
history" from "history unknown", and a 0 would claim the former. Every feature is written as DOUBLE
(Feast Float64); integer codes and flags are exact in a double.

`application_features` runs the very same application.sql on raw fields of new applications, so the
gateway's online features cannot drift from the training features.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from training import tables
from training.duck import connect, quote
from training.feature_catalog import VIEWS, feature_names, view_sql

logger = logging.getLogger(__name__)

#: Bounded so the full-scale build stays under 4 GB peak on the 2-core machine; DuckDB spills beyond it.
MEMORY_LIMIT = "3GB"
THREADS = 2

#: The application fields every path sees: application_test's columns, so TARGET is never an input.
APPLICATION_TABLE = "application_test"
_DUCK_TYPES = {"int64": "BIGINT", "float64": "DOUBLE", "string": "VARCHAR"}
_ARROW_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}

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


def _application_select(source: str) -> str:
    """SELECT of the typed application fields from `source`; the same types offline and online."""
    cols = ", ".join(
        f"CAST({c.name} AS {_DUCK_TYPES[c.dtype]}) AS {c.name}" for c in tables.columns(APPLICATION_TABLE)
    )
    return f"SELECT {cols} FROM {source}"


def _view_query(view: str, created: datetime) -> str:
    """One view's output: every application, its timestamps, and the view's features as DOUBLE."""
    created_literal = quote(created.isoformat())
    return f"""
        SELECT
            t.SK_ID_CURR::BIGINT AS SK_ID_CURR,
            t.APPLICATION_TIME::TIMESTAMPTZ AS event_timestamp,
            {created_literal}::TIMESTAMPTZ AS created_timestamp,
            COLUMNS(f.* EXCLUDE (SK_ID_CURR))::DOUBLE
        FROM application_time AS t
        LEFT JOIN ({view_sql(view)}) AS f USING (SK_ID_CURR)
        ORDER BY t.SK_ID_CURR
    """


def _register_inputs(con: duckdb.DuckDBPyConnection, parquet_dir: Path) -> None:
    """Name the Parquet tables as the SQL expects; nothing is read until a view needs it."""
    paths = {name: parquet_dir / f"{name}.parquet" for name in (*APPLICATION_FILES, *PLAIN_INPUTS)}
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"{parquet_dir} lacks {', '.join(missing)}")
    applications = ", ".join(quote(paths[name]) for name in APPLICATION_FILES)
    # union_by_name: train has TARGET, test has not; the SELECT then drops TARGET before any SQL sees it.
    source = f"read_parquet([{applications}], union_by_name = true)"
    con.execute(f"CREATE OR REPLACE VIEW application AS {_application_select(source)}")
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
            con.execute(f"COPY ({_view_query(view, created)}) TO {quote(staging)} (FORMAT parquet)")
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


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _checked(name: str, dtype: str, value: Any) -> Any:
    """`value` as the schema's type, or a ValueError naming the field (no silent coercion of strings)."""
    if _is_missing(value):
        return None
    if dtype == "string":
        if isinstance(value, str):
            return value
    elif not isinstance(value, bool | str) and isinstance(value, numbers.Real):
        if dtype == "float64":
            return float(value)
        if not float(value).is_integer():
            raise ValueError(f"field {name!r} must be a whole number, got {value!r}")
        if not -(2**63) <= int(value) < 2**63:
            raise ValueError(f"field {name!r} is out of the 64-bit integer range: {value!r}")
        return int(value)
    expected = "text" if dtype == "string" else "a number"
    raise ValueError(f"field {name!r} must be {expected}, got {type(value).__name__} {value!r}")


def _raw_records(raw: Mapping[str, Any] | pd.DataFrame | Sequence[Mapping[str, Any]]) -> list[dict]:
    if isinstance(raw, pd.DataFrame):
        return raw.to_dict(orient="records")
    if isinstance(raw, Mapping):
        return [dict(raw)]
    return [dict(row) for row in raw]


def application_table(raw: Mapping[str, Any] | pd.DataFrame | Sequence[Mapping[str, Any]]) -> pa.Table:
    """Raw application fields (real column names) as the typed table application.sql reads.

    Missing fields are NULL; fields outside the application schema (TARGET, say) are ignored.
    """
    records = _raw_records(raw)
    schema = tables.columns(APPLICATION_TABLE)
    arrays = {
        c.name: pa.array(
            [_checked(c.name, c.dtype, record.get(c.name)) for record in records], type=_ARROW_TYPES[c.dtype]
        )
        for c in schema
    }
    ids = arrays["SK_ID_CURR"]
    if ids.null_count:
        raise ValueError("field 'SK_ID_CURR' is required: it is the client key of the features")
    if len(set(ids.to_pylist())) != len(ids):
        raise ValueError("field 'SK_ID_CURR' must be unique across the rows given")
    return pa.table(arrays)


_online = threading.local()


def _online_connection() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB for single applications (a new one costs ~30 ms, a query ~10 ms)."""
    con = getattr(_online, "con", None)
    if con is None:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET threads = 1")
        _online.con = con
    return con


def application_features(
    raw: Mapping[str, Any] | pd.DataFrame | Sequence[Mapping[str, Any]],
    event_time: datetime | None = None,
) -> pd.DataFrame:
    """The `application` view's row(s) for raw application fields, by the batch build's own SQL.

    `event_time` (default: now, UTC) is the application time of every row given; created_timestamp
    is the time of this call. Raises ValueError naming the field when a value has the wrong type.
    """
    now = datetime.now(UTC)
    event_time = event_time or now
    if event_time.tzinfo is None:
        raise ValueError("event_time must be timezone-aware (UTC)")
    raw_table = application_table(raw)
    times = pa.table(
        {
            "SK_ID_CURR": raw_table["SK_ID_CURR"],
            "APPLICATION_TIME": pa.array(
                [event_time] * raw_table.num_rows, type=pa.timestamp("us", tz="UTC")
            ),
        }
    )
    con = _online_connection()
    con.register("raw_application", raw_table)
    con.register("application_time", times)
    try:
        # created once the relation it selects from exists; later calls re-register that name
        con.execute(f"CREATE VIEW IF NOT EXISTS application AS {_application_select('raw_application')}")
        return con.sql(_view_query("application", now)).to_arrow_table().to_pandas()
    finally:
        con.unregister("raw_application")
        con.unregister("application_time")
