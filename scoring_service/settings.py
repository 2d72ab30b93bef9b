"""Configuration of the scoring service, from SCORING_* environment variables (or flags)."""

from __future__ import annotations

import argparse

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


def parse_settings(prefix: str, default_port: int) -> ServiceSettings:
    """Settings from `<prefix>*` environment variables, overridden by command-line flags."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--model-uri")
    parser.add_argument("--poll-seconds", type=float)
    flags = {k: v for k, v in vars(parser.parse_args()).items() if v is not None}
    settings = ServiceSettings(_env_prefix=prefix, **flags)  # type: ignore[call-arg]
    if "port" not in settings.model_fields_set:
        settings = settings.model_copy(update={"port": default_port})
    return settings
