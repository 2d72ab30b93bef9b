"""Where the client's file reads its two tables at start-up: the data folder it mounts, or the shared
PostgreSQL the publish job fills (what N machines read without a volume they all mount).

Either way the application fields end up in a memory-mapped Arrow copy on the machine's own disk, so
that the gateway processes of one machine share its pages instead of each holding the table; the
copy is written again when the tables are newer (files) or another version was published (database).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from credit_common.data_layout import DataLayout
from credit_features.client_file_data import (
    APPLICATION_TABLES,
    CLIENT_ID,
    OUTCOME,
    application_fields,
    population,
)
from credit_features.client_file_snapshot import APPLICATIONS, POPULATION, published_version, read_table

log = logging.getLogger(__name__)


class ClientTables(Protocol):
    """The client's file's tables, each sorted by client id."""

    def applications(self) -> pa.Table:
        """Every known client's application fields."""
        ...

    def population(self, columns: Collection[str]) -> pa.Table:
        """The id, the given feature columns the population holds, and past outcomes when known."""
        ...


def _mapped(cache: Path) -> pa.Table:
    return pa.ipc.open_file(pa.memory_map(str(cache))).read_all()


def _copied(cache: Path, table: pa.Table) -> pa.Table:
    """The table written to its copy at `cache`, then mapped from it; held in memory when the copy
    cannot be written."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.partial")
        with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(partial, cache)  # atomic: another process maps the old copy or the new one
    except OSError as error:
        log.warning("applications copy not written: held in memory", extra={"error": str(error)})
        return table
    return _mapped(cache)


@dataclass(frozen=True)
class FolderTables:
    """The tables built from the mounted data folder (credit_features.client_file_data)."""

    layout: DataLayout

    def applications(self) -> pa.Table:
        sources = [self.layout.parquet / f"{name}.parquet" for name in APPLICATION_TABLES]
        cache = self.layout.applications_cache
        newest = max((path.stat().st_mtime_ns for path in sources if path.exists()), default=0)
        fresh = cache.exists() and cache.stat().st_mtime_ns >= newest and all(p.exists() for p in sources)
        return _mapped(cache) if fresh else _copied(cache, application_fields(self.layout))

    def population(self, columns: Collection[str]) -> pa.Table:
        return population(self.layout, columns)


@dataclass(frozen=True)
class DatabaseTables:
    """The tables the publish job copied into the shared database; the applications' copy is cached
    under `cache_dir`, named by the version it holds (the copies of earlier versions are removed when
    a new one is written: a process still mapping one keeps its pages until it ends)."""

    url: str
    cache_dir: Path

    def applications(self) -> pa.Table:
        cache = self.cache_dir / f"applications-{published_version(self.url, APPLICATIONS)}.arrow"
        if cache.exists():
            return _mapped(cache)
        snapshot = read_table(self.url, APPLICATIONS)
        # named by what was read: a publish between the two reads does not mislabel the copy
        cache = self.cache_dir / f"applications-{snapshot.version}.arrow"
        table = _copied(cache, snapshot.table)
        for older in self.cache_dir.glob("applications-*.arrow"):
            if older != cache:
                older.unlink(missing_ok=True)
        return table

    def population(self, columns: Collection[str]) -> pa.Table:
        return read_table(self.url, POPULATION, [CLIENT_ID, *columns, OUTCOME]).table


def open_tables(database_url: str, layout: DataLayout) -> ClientTables:
    """The shared database when one is configured, else the data folder."""
    if database_url:
        return DatabaseTables(database_url, layout.applications_cache.parent)
    return FolderTables(layout)
