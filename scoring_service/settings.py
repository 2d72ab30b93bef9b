"""Configuration of the scoring service, from SCORING_* environment variables (or flags)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What a model-serving gRPC process needs: where to listen, which model, how often to re-check."""

    model_config = SettingsConfigDict(env_prefix="SCORING_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(50051, ge=0, le=65535)
    model_uri: str = "models:/credit-default@champion"
    poll_seconds: float = Field(10.0, gt=0, description="How often the registry alias is checked.")
    grace_seconds: float = Field(10.0, ge=0, description="How long in-flight calls may finish on SIGTERM.")
    log_level: str = "INFO"
