"""Gateway configuration from GATEWAY_* environment variables; built once by `get_settings()`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from limits import parse_many
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from credit_features.settings import FeatureSettings
from credit_model.reviews import sqlite_url
from gateway.auth import KeyEntry


class GatewaySettings(BaseSettings):
    """Where the gateway listens, the services it calls, its time budgets, its callers' keys and how
    much of each caller it admits (gateway.admission)."""

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
    # New applications (gateway.intake_limit): the capacity bench sustains about 150 a second on 2 cores
    # (bench/results/applications.json); a burst of 100 waits at most a second or so in the queue.
    intake_concurrency: int = Field(8, ge=1, description="New applications worked on at once, per process.")
    intake_queue: int = Field(
        192, ge=0, description="New applications that may wait for a slot (503 busy beyond)."
    )
    intake_wait_seconds: float = Field(
        3.0, gt=0, description="Longest wait for a slot, seconds (503 busy beyond)."
    )
    busy_retry_after_seconds: int = Field(1, ge=1, description="Retry-After of a 503 'busy' answer.")
    max_body_bytes: int = Field(
        64 * 1024, ge=1, description="Largest request body, bytes (413 beyond); an application is ~5 KB."
    )
    # Rates are `limits` strings ("1000/second;30000/minute": every window applies), counted per gateway
    # process. The defaults stop runaway clients only: the capacity bench sends 300 req/s for 60 s with
    # one key from one address (18,000 a minute), and the UI sends every advisor's requests with one key
    # from one address; a gateway process serves a few hundred requests a second at most.
    rate_limit_per_key: str = Field(
        "1000/second;30000/minute", description="Requests admitted per API key holder (429 beyond)."
    )
    rate_limit_per_address: str = Field(
        "1000/second;30000/minute", description="Requests admitted per client address (429 beyond)."
    )
    # Keys are long random strings, out of reach of guessing at any rate: the lockout caps what a flood
    # of guesses costs. Not lower: one address may carry many clients (a NAT, the UI's server).
    auth_failures_per_minute: int = Field(
        30, ge=1, description="Wrong API keys from one address in a minute before it is locked out (429)."
    )
    log_level: str = "INFO"
    reviews_database_url: str = Field(
        "",
        description="Where advisors' reviews are kept: a SQLAlchemy URL, e.g. "
        "postgresql+psycopg://user@host/db (empty: the SQLite file <data>/reviews/reviews.sqlite).",
    )

    @field_validator("api_keys")
    @classmethod
    def _hashes_only(cls, keys: dict[str, KeyEntry]) -> dict[str, KeyEntry]:
        for digest in keys:
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ValueError("api_keys must map SHA-256 hex digests (never raw keys) to their holders")
        return keys

    @field_validator("rate_limit_per_key", "rate_limit_per_address")
    @classmethod
    def _rates(cls, rates: str) -> str:
        parse_many(rates)  # a typo raises here: the gateway refuses to start rather than admit everyone
        return rates

    @property
    def reviews_url(self) -> str:
        """The reviews' database: the configured URL, else the embedded SQLite file."""
        if self.reviews_database_url:
            return self.reviews_database_url
        folder = self.data_dir / "reviews"
        folder.mkdir(parents=True, exist_ok=True)
        return sqlite_url(str(folder / "reviews.sqlite"))

    @property
    def predictions(self) -> Path:
        """Folder of the prediction log (default <data>/predictions)."""
        return self.prediction_log_dir or self.data_dir / "predictions"


@cache
def get_settings() -> GatewaySettings:
    """The process's settings, read from the environment on first use (never at import time)."""
    return GatewaySettings()
