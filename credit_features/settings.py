"""Configuration of the features core: data folder, Redis connection, online store choice."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from credit_common.paths import default_data_dir

OnlineChoice = Literal["auto", "redis", "sqlite"]
#: Feast's `redis_type`: one server, or a Redis Cluster reached through any of its nodes.
RedisType = Literal["redis", "redis_cluster"]


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
    redis_type: RedisType = Field(
        "redis",
        validation_alias="REDIS_TYPE",
        description="redis (one server) or redis_cluster (REDIS_CONNECTION_STRING lists some of its nodes).",
    )
    redis_ack_replicas: int | None = Field(
        None,
        ge=0,
        validation_alias="REDIS_ACK_REPLICAS",
        description="Replicas that must hold a new application before it is acknowledged (WAIT); "
        "default 1 on a cluster, 0 on one server.",
    )
    redis_ack_timeout_ms: int = Field(
        200,
        gt=0,
        validation_alias="REDIS_ACK_TIMEOUT_MS",
        description="How long a write waits for its replicas before the caller hears 503 (inside the "
        "request path's 0.25 s socket timeout).",
    )
    online_store: OnlineChoice = Field(
        "auto",
        validation_alias="FEAST_ONLINE_STORE",
        description="redis, sqlite, or auto (Redis when reachable, else the embedded SQLite store).",
    )

    @field_validator("online_store", "redis_type", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    @property
    def ack_replicas(self) -> int:
        """Replicas a new application must reach before it is acknowledged."""
        if self.redis_ack_replicas is not None:
            return self.redis_ack_replicas
        return 1 if self.redis_type == "redis_cluster" else 0
