"""The rows a materialization writes: per client, a view's latest row in a window of event times.

Both Redis writers read them (training.features.materialize one view at a time,
training.features.whole_hashes every view of a client at once), by Feast's DuckDB offline store's
rule: per entity, the row of the latest event time, then of the latest created time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from feast import FeatureStore, FeatureView


@dataclass(frozen=True)
class Window:
    """Event times start <= t <= end (aware datetimes)."""

    start: datetime
    end: datetime


def identifier(name: str) -> str:
    """A DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def source_path(store: FeatureStore, view: FeatureView) -> str:
    """The view's Parquet table (relative paths are relative to the Feast repo, as Feast reads them)."""
    path = view.batch_source.path  # type: ignore[union-attr]
    if "://" in path or Path(path).is_absolute():
        return path
    return str(Path(store.repo_path) / path)


def latest_rows_sql(
    connection: duckdb.DuckDBPyConnection, view: FeatureView, path: str, window: Window, winners: str
) -> tuple[str, list[object]]:
    """(SELECT, parameters) of the view's latest row per entity in the window: its keys, its event
    time as `__event_us` (microseconds) and its features, in the view's order.

    Done in two passes so memory stays bounded: the winners' (keys, times) go to the temporary table
    `winners` first (small); the SELECT then streams the full rows through a hash semi-join with it.
    """
    source = view.batch_source
    keys = [identifier(e.name) for e in view.entity_columns]
    event = identifier(source.timestamp_field)
    created = identifier(source.created_timestamp_column) if source.created_timestamp_column else None
    order = f"struct_pack(e := {event}, c := {created})" if created else event
    features = ", ".join(f"t.{identifier(f.name)}" for f in view.features)
    window_rows = f"SELECT * FROM read_parquet(?) WHERE CAST({event} AS TIMESTAMP) BETWEEN ? AND ?"
    bounds: list[object] = [
        path,
        window.start.astimezone(UTC).replace(tzinfo=None),
        window.end.astimezone(UTC).replace(tzinfo=None),
    ]
    key_list = ", ".join(keys)
    connection.execute(
        f"CREATE TEMP TABLE {winners} AS SELECT {key_list}, max({order}) AS __winner "
        f"FROM ({window_rows}) GROUP BY {key_list}",
        bounds,
    )
    winner = f"struct_pack(e := t.{event}, c := t.{created})" if created else f"t.{event}"
    join = " AND ".join(f"t.{k} = l.{k}" for k in keys)
    select = (
        f"SELECT {', '.join('t.' + k for k in keys)}, epoch_us(t.{event}) AS __event_us, {features} "
        f"FROM ({window_rows}) t JOIN {winners} l ON {join} AND {winner} = l.__winner"
    )
    return select, bounds


def duckdb_connection(memory_limit: str) -> duckdb.DuckDBPyConnection:
    """A connection reading event times in UTC, within the memory the materialization may use (no
    progress bar: DuckDB prints one to stdout for any query past 2 s, into the job's own output)."""
    connection = duckdb.connect()
    connection.execute(
        f"SET TimeZone = 'UTC'; SET memory_limit = '{memory_limit}'; SET enable_progress_bar = false"
    )
    return connection


def stream_batches(
    connection: duckdb.DuckDBPyConnection, query: str, parameters: list[object], batch_size: int
) -> Iterator[pa.RecordBatch]:
    """The query's rows in Arrow batches of `batch_size`; the connection closes when the stream ends."""
    reader = connection.sql(query, params=parameters).to_arrow_reader(batch_size)
    try:
        yield from reader
    finally:
        connection.close()
