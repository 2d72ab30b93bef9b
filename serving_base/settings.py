"""Configuration of the model services: one typed class per service, from its own environment prefix."""

from __future__ import annotations

import argparse
from typing import TypeVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from credit_model.registry import CHAMPION_URI


class ServiceSettings(BaseSettings):
    """What a model-serving gRPC process needs: where to listen, which model, how often to re-check."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535)
    model_uri: str = CHAMPION_URI
    poll_seconds: float = Field(10.0, gt=0, description="How often the registry alias is checked.")
    grace_seconds: float = Field(10.0, ge=0, description="How long in-flight calls may finish on SIGTERM.")
    log_level: str = "INFO"


class ScoringSettings(ServiceSettings):
    """SCORING_* variables."""

    model_config = SettingsConfigDict(env_prefix="SCORING_", extra="forbid", frozen=True)

    port: int = Field(50051, ge=0, le=65535)


class ExplainSettings(ServiceSettings):
    """EXPLAIN_* variables."""

    model_config = SettingsConfigDict(env_prefix="EXPLAIN_", extra="forbid", frozen=True)

    port: int = Field(50052, ge=0, le=65535)
    store_explanations: bool = Field(
        True, description="Keep explanations in Redis by (version, row) and reuse them (exact)."
    )
    warm_population: bool = Field(
        True, description="After each swap, explain every client of the online store in the background."
    )
    explanation_ttl_seconds: int = Field(7 * 86400, gt=0, description="How long a stored explanation lives.")


Settings = TypeVar("Settings", bound=ServiceSettings)


def parse_settings(kind: type[Settings], argv: list[str] | None = None) -> Settings:
    """Settings from the service's environment variables, overridden by command-line flags."""
    parser = argparse.ArgumentParser(description=f"{kind.__doc__} Flags override them.")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--model-uri")
    parser.add_argument("--poll-seconds", type=float)
    flags = {k: v for k, v in vars(parser.parse_args(argv)).items() if v is not None}
    return kind(**flags)
