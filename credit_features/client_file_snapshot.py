"""The client's file's tables (credit_features.client_file_data) in a shared PostgreSQL: what N gateway
machines read at start-up instead of each mounting the data folder.

A table is stored a column per row, each an Arrow stream compressed with zstd: the gateway reads whole
columns once, at start-up, and only those it compares on (the champion's most important features), so
a row store of 400 feature columns would make it read them all. PostgreSQL does not compress the
already compressed bytes again (storage EXTERNAL). A publish replaces a table's columns in one
transaction: a gateway starting meanwhile reads the old table or the new one, never half of each, and
the publication time names the version a gateway caches.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import psycopg
import pyarrow as pa

from credit_common.history_tables import libpq_url

TABLE = "client_file_columns"
#: The stored tables.
APPLICATIONS, POPULATION = "applications", "population"
_CREATE = f"""
    CREATE TABLE IF NOT EXISTS {TABLE} (
        dataset TEXT NOT NULL,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        published TIMESTAMPTZ NOT NULL DEFAULT now(),
        arrow BYTEA NOT NULL,
        PRIMARY KEY (dataset, name)
    );
    ALTER TABLE {TABLE} ALTER COLUMN arrow SET STORAGE EXTERNAL;
"""
_IPC = pa.ipc.IpcWriteOptions(compression="zstd")


class ClientFileNotPublishedError(LookupError):
    """The shared database holds no such table: the publish job has not run against it."""


@dataclass(frozen=True)
class Snapshot:
    """A table as read from the database, and the time it was published (its version)."""

    table: pa.Table
    version: str


def _column_bytes(table: pa.Table, name: str) -> bytes:
    column = pa.table({name: table[name]})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, column.schema, options=_IPC) as writer:
        writer.write_table(column)
    return sink.getvalue().to_pybytes()


def publish_tables(url: str, tables: dict[str, pa.Table]) -> dict[str, int]:
    """Replace each named table's columns in one transaction; the stored bytes per table."""
    stored: dict[str, int] = {}
    with psycopg.connect(libpq_url(url)) as database, database.transaction():
        database.execute(_CREATE)
        for dataset, table in tables.items():
            database.execute(f"DELETE FROM {TABLE} WHERE dataset = %s", [dataset])
            stored[dataset] = 0
            for position, name in enumerate(table.column_names):
                arrow = _column_bytes(table, name)
                database.execute(
                    f"INSERT INTO {TABLE} (dataset, position, name, arrow) VALUES (%s, %s, %s, %b)",
                    [dataset, position, name, arrow],
                )
                stored[dataset] += len(arrow)
    return stored


def _version(published: datetime) -> str:
    return published.strftime("%Y%m%dT%H%M%S%fZ")


def _not_published(dataset: str) -> ClientFileNotPublishedError:
    return ClientFileNotPublishedError(
        f"the shared database holds no {dataset!r} table of the client's file: "
        "run `python -m training publish-client-file --url ...` against it"
    )


def published_version(url: str, dataset: str) -> str:
    """When the table was last published."""
    with psycopg.connect(libpq_url(url)) as database:
        try:
            row = database.execute(
                f"SELECT max(published) FROM {TABLE} WHERE dataset = %s", [dataset]
            ).fetchone()
        except psycopg.errors.UndefinedTable as missing:
            raise _not_published(dataset) from missing
    if row is None or row[0] is None:
        raise _not_published(dataset)
    return _version(row[0])


def read_table(url: str, dataset: str, columns: Collection[str] | None = None) -> Snapshot:
    """The table's columns asked for (None: all) that it holds, in their published order."""
    query = f"SELECT name, arrow, published FROM {TABLE} WHERE dataset = %s"
    parameters: list[object] = [dataset]
    if columns is not None:
        query += " AND name = ANY(%s)"
        parameters.append(list(columns))
    with psycopg.connect(libpq_url(url)) as database:
        try:
            rows = database.execute(f"{query} ORDER BY position", parameters).fetchall()
        except psycopg.errors.UndefinedTable as missing:
            raise _not_published(dataset) from missing
    if not rows:
        raise _not_published(dataset)
    arrays = {name: pa.ipc.open_stream(arrow).read_all()[name] for name, arrow, _ in rows}
    return Snapshot(pa.table(arrays), _version(max(published for _, _, published in rows)))
