"""New applications' features online, by the very SQL of the batch build (no training/serving skew).

The batch build (training) and the gateway both call `application_select` and `view_query`, so a
feature computed for a new application is the one the model was trained on.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from credit_features import tables
from credit_features.catalog import view_sql


def quote(value: str | Path) -> str:
    """A SQL string literal (paths with quotes in them must not break or inject into the statement)."""
    return "'" + str(value).replace("'", "''") + "'"


#: The application fields every path sees: application_test's columns, so TARGET is never an input.
APPLICATION_TABLE = "application_test"
_DUCK_TYPES = {"int64": "BIGINT", "float64": "DOUBLE", "string": "VARCHAR"}
_ARROW_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}


def application_select(source: str) -> str:
    """SELECT of the typed application fields from `source`; the same types offline and online."""
    cols = ", ".join(
        f"CAST({c.name} AS {_DUCK_TYPES[c.dtype]}) AS {c.name}" for c in tables.columns(APPLICATION_TABLE)
    )
    return f"SELECT {cols} FROM {source}"


def view_query(view: str, created: datetime) -> str:
    """One view's output: every application, its timestamps, and the view's features as DOUBLE.

    Rows come in no particular order: every reader joins on SK_ID_CURR, and sorting the 356k wide rows of
    each view cost the full-size build about 3 of its 29 CPU-seconds.
    """
    created_literal = quote(created.isoformat())
    return f"""
        SELECT
            t.SK_ID_CURR::BIGINT AS SK_ID_CURR,
            t.APPLICATION_TIME::TIMESTAMPTZ AS event_timestamp,
            {created_literal}::TIMESTAMPTZ AS created_timestamp,
            COLUMNS(f.* EXCLUDE (SK_ID_CURR))::DOUBLE
        FROM application_time AS t
        LEFT JOIN ({view_sql(view)}) AS f USING (SK_ID_CURR)
    """


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
        con.execute(f"CREATE VIEW IF NOT EXISTS application AS {application_select('raw_application')}")
        return con.sql(view_query("application", now)).to_arrow_table().to_pandas()
    finally:
        con.unregister("raw_application")
        con.unregister("application_time")
