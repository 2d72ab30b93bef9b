"""How a job loads the online store, handed to it: the jobs read no environment (the command line
fills these from FEAST_FAST_MATERIALIZE and MATERIALIZE_DUCKDB_MEMORY, training.settings)."""

from __future__ import annotations

from dataclasses import dataclass

#: DuckDB's memory limit for a load's queries (spills beyond it). A first load joins every view's
#: latest rows: 1.2 GB of features, a 2.0 GB peak for the Kaggle population; it stopped, out of
#: memory, under 512MB.
DUCKDB_MEMORY = "3GB"


@dataclass(frozen=True)
class OnlineLoadOptions:
    """`fast`: Redis through the vectorised path (the bytes Feast writes, many times faster); False
    runs Feast's own `feast materialize`. `duckdb_memory`: DuckDB's limit for the load's queries."""

    fast: bool = True
    duckdb_memory: str = DUCKDB_MEMORY


#: The defaults: the vectorised path within DuckDB's DUCKDB_MEMORY.
DEFAULT_LOAD = OnlineLoadOptions()
