"""Configuration of the offline jobs that is theirs alone (data and registry come from the cores)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TrainingSettings(BaseSettings):
    """Knobs of the training package, read from the environment where the jobs run."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    fast_materialize: bool = Field(
        True,
        validation_alias="FEAST_FAST_MATERIALIZE",
        description="Write Redis through the vectorised path; false runs `feast materialize-incremental`.",
    )
    materialize_duckdb_memory: str = Field(
        "3GB",
        validation_alias="MATERIALIZE_DUCKDB_MEMORY",
        description=(
            "DuckDB memory limit of the materialization's queries (spills beyond it). A first load joins"
            " every view's latest rows: 1.2 GB of features, a 2.0 GB peak for the Kaggle population;"
            " it stopped, out of memory, under 512MB."
        ),
    )
