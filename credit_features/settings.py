"""Configuration of the features core: data folder, Redis connection, online store choice."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from credit_common.paths import default_data_dir

OnlineChoice = Literal["auto", "redis", "sqlite"]


class FeatureSettings(BaseSettings):
    """Read from the environment names the deployment files and Feast's YAML already use."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    data_dir: Path = Field(
        default_factory=default_data_dir,
        validation_alias="CREDIT_DATA_DIR",
        description="Raw, Parquet and feature tables, Feast registry, SQLite online store.",
    )
    redis_connection_string: str = Field(
        "127.0.0.1:6379",
        validation_alias="REDIS_CONNECTION_STRING",
        description="Feast's format: host:port[,db=N][,password=...][,ssl=true][,socket_timeout=S].",
    )
    online_store: OnlineChoice = Field(
        "auto",
        validation_alias="FEAST_ONLINE_STORE",
        description="redis, sqlite, or auto (Redis when reachable, else the embedded SQLite store).",
    )

    @field_validator("online_store", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()
