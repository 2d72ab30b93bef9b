"""Configuration of the offline jobs that is theirs alone (data and registry come from the cores)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from training.features.load_options import DUCKDB_MEMORY


class TrainingSettings(BaseSettings):
    """Knobs of the training package, read from the environment where the jobs run."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    fairness_excess_gap: float = Field(
        0.02,
        ge=0,
        validation_alias="FAIRNESS_EXCESS_GAP",
        description="With an oracle: how much wider than the oracle's a version's opportunity gap may be.",
    )
    fairness_excess_ratio: float = Field(
        0.05,
        ge=0,
        validation_alias="FAIRNESS_EXCESS_RATIO",
        description="With an oracle: how much lower than the oracle's a version's grant-rate ratio may be.",
    )
    fairness_max_gap: float = Field(
        0.05, ge=0, validation_alias="FAIRNESS_MAX_GAP", description="Without an oracle: the largest gap."
    )
    fairness_min_ratio: float = Field(
        0.8,
        ge=0,
        le=1,
        validation_alias="FAIRNESS_MIN_RATIO",
        description="Without an oracle: the lowest ratio.",
    )
    fast_materialize: bool = Field(
        True,
        validation_alias="FEAST_FAST_MATERIALIZE",
        description="Write Redis through the vectorised path; false runs `feast materialize-incremental`.",
    )
    materialize_duckdb_memory: str = Field(
        DUCKDB_MEMORY,
        validation_alias="MATERIALIZE_DUCKDB_MEMORY",
        description="DuckDB memory limit of the materialization's queries (spills beyond it).",
    )
