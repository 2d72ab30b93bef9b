"""Gateway configuration from GATEWAY_* environment variables; built once by `get_settings()`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from credit_features.settings import FeatureSettings
from gateway.auth import KeyEntry


class GatewaySettings(BaseSettings):
    """Where the gateway listens, the services it calls, its time budgets and its callers' keys."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    scoring_target: str = "127.0.0.1:50051"
    explain_target: str = "127.0.0.1:50052"
    score_timeout: float = Field(0.5, gt=0, description="gRPC deadline of Score, seconds.")
    explain_timeout: float = Field(0.3, gt=0, description="Explain budget (s); past it, score alone.")
    reuse_explanations: bool = Field(
        True, description="Answer from the explain service's store when it holds this (version, row)."
    )
    api_keys: dict[str, KeyEntry] = Field(
        default_factory=dict, description="SHA-256 of each API key -> its holder and roles (JSON)."
    )
    data_dir: Path = Field(
        default_factory=lambda: FeatureSettings().data_dir,
        description="Parquet tables, features, prediction log.",
    )
    prediction_log_dir: Path | None = None
    comparison_features: int = Field(20, ge=2, description="Top features (global SHAP) to compare.")
    similar_clients: int = Field(200, ge=5, description="Neighbours in the 'similar clients' group.")
    retry_after_seconds: int = 5
    log_level: str = "INFO"

    @field_validator("api_keys")
    @classmethod
    def _hashes_only(cls, keys: dict[str, KeyEntry]) -> dict[str, KeyEntry]:
        for digest in keys:
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ValueError("api_keys must map SHA-256 hex digests (never raw keys) to their holders")
        return keys

    @property
    def predictions(self) -> Path:
        """Folder of the prediction log (default <data>/predictions)."""
        return self.prediction_log_dir or self.data_dir / "predictions"


@cache
def get_settings() -> GatewaySettings:
    """The process's settings, read from the environment on first use (never at import time)."""
    return GatewaySettings()
