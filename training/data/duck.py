"""DuckDB for the offline jobs: one bounded connection setup and one way to report bad CSV lines."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import duckdb

from credit_features.application import quote

#: Enough for DuckDB to stream a 27M-row CSV into Parquet; beyond it DuckDB spills instead of growing.
MEMORY_LIMIT = "2GB"


def connect(spill_dir: Path, memory_limit: str = MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills to `spill_dir` (not the working tree), in UTC, with no progress bar.

    UTC: timestamps without an offset must mean UTC whatever the machine's zone is. The progress bar
    is off because the jobs draw their own (rich) and log in JSON.
    """
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = {quote(memory_limit)}")
    con.execute(f"SET temp_directory = {quote(spill_dir)}")
    return con


#: Bad lines DuckDB keeps per CSV file: enough for examples, bounded when a whole file is wrong.
REJECTS_LIMIT = 1000


def rejects_options(table: str) -> str:
    """read_csv options that collect bad lines into `table` instead of stopping at the first one."""
    return (
        f"store_rejects = true, rejects_table = {quote(table)}, "
        f"rejects_scan = {quote(table + '_scan')}, rejects_limit = {REJECTS_LIMIT}"
    )


def rejected(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file: str,
    kinds: Mapping[str, str],
    keys: Mapping[str, int] | None = None,
) -> list[str]:
    """One problem per (column, error kind) in rejects `table`, with the first bad line as example.

    `kinds` names what each column should hold; `keys` (name -> position in the file's header) names
    the key columns that identify the example row, e.g. its SK_ID_CURR. Only the faulty field and the
    keys are quoted, never the whole line: a line of the truth file also holds the planted
    probability, which must not leak anywhere.
    """
    groups = con.execute(
        "SELECT column_name, error_type, count(*), min(line), arg_min(csv_line, line), "
        f"arg_min(column_idx, line), arg_min(error_message, line) FROM {table} "
        "GROUP BY ALL ORDER BY min(line)"
    ).fetchall()
    capped = " (counted in the first bad lines only)" if sum(g[2] for g in groups) >= REJECTS_LIMIT else ""
    problems = []
    for column, kind, count, line, text, position, message in groups:
        if kind == "CAST" and column in kinds:
            fields = next(csv.reader([text.strip("\r\n")]), [])
            value = fields[position - 1] if 0 < position <= len(fields) else "?"
            row = ", ".join(f"{key} {fields[at]}" for key, at in (keys or {}).items() if at < len(fields))
            problems.append(
                f"{file}: column {column} ({kinds[column]}): {count} bad value(s){capped}, "
                f"e.g. line {line}{f' ({row})' if row else ''}: {value!r}"
            )
        else:
            problems.append(
                f"{file}: {count} malformed line(s){capped} ({kind.lower()}), e.g. line {line}: {message}"
            )
    return problems
