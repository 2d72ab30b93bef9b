"""Gateway configuration from GATEWAY_* environment variables; built once by `get_settings()`."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from credit_common.data_layout import DataLayout
from credit_features.settings import FeatureSettings
from gateway.admission.auth import KeyEntry


class GatewaySettings(BaseSettings):
    """Where the gateway listens, the services it calls, its time budgets, its callers' keys and how
    much of each caller it admits (gateway.admission.middleware)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(
        1, ge=1, le=64, description="Gateway processes sharing the port (SO_REUSEPORT); one per core."
    )
    client_file_url: str | None = Field(
        None,
        description="Serve the decision path only (scores, explanations, model, health, metrics) and "
        "forward every other request to the whole gateway at this URL (gateway.api.decision_app).",
    )
    rate_limits: bool = Field(
        True,
        description="Count rate limits and lockouts here; off for a whole gateway behind a decision-path "
        "process, which counts them (every request would come from its address).",
    )
    run_dir: Path | None = Field(
        None,
        description="The workers' shared run folder, local to the machine: never on a volume that "
        "other replicas mount (default <temporary folder>/credit-gateway-<port>).",
    )
    scoring_target: str = "127.0.0.1:50051"
    explain_target: str = "127.0.0.1:50052"
    score_timeout: float = Field(0.5, gt=0, description="gRPC deadline of Score, seconds.")
    explain_timeout: float = Field(0.3, gt=0, description="Explain budget (s); past it, score alone.")
    reuse_explanations: bool = Field(
        True, description="Answer from the explain service's store when it holds this (version, row)."
    )
    recent_explanations: int = Field(
        256,
        ge=0,
        description="Stored explanations a process keeps decoded, with their reasons rendered, for the "
        "files reopened next (0: none; about 40 KB each with one language's reasons).",
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
    # New applications (gateway.intake.limit): the capacity bench sustains about 150 a second on 2 cores
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
    # Rates are `limits` strings ("2000/second;100000/minute": every window applies), counted across
    # every gateway process and replica (gateway.admission.shared_throttle). The defaults stop runaway
    # clients only: the capacity bench's ramp sends up to 1,000 req/s with one key from one address,
    # and the UI sends every advisor's requests with one key from one address.
    rate_limit_per_key: str = Field(
        "2000/second;100000/minute", description="Requests admitted per API key holder (429 beyond)."
    )
    rate_limit_per_address: str = Field(
        "2000/second;100000/minute", description="Requests admitted per client address (429 beyond)."
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

    client_file_database_url: str = Field(
        "",
        description="The shared PostgreSQL the client's file is read from (history, application fields, "
        "comparison population), as `python -m training publish-client-file` fills it "
        "(postgresql://user@host/db); empty: the data folder's Parquet files.",
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
        database = DataLayout(self.data_dir).reviews_database
        database.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{database}"  # SQLAlchemy's URL of a SQLite file

    @field_validator("client_file_url")
    @classmethod
    def _no_url_is_none(cls, url: str | None) -> str | None:
        return url.rstrip("/") or None if url is not None else None

    @model_validator(mode="after")
    def _workers_share_a_known_port(self) -> GatewaySettings:
        if self.workers > 1 and self.port == 0:
            raise ValueError("workers > 1 need a fixed port: each binds it with SO_REUSEPORT")
        return self

    @property
    def run_folder(self) -> Path:
        """Where the workers share their metrics and heartbeats."""
        return self.run_dir or Path(tempfile.gettempdir()) / f"credit-gateway-{self.port}"

    @property
    def predictions(self) -> Path:
        """Folder of the prediction log (default <data>/predictions)."""
        return self.prediction_log_dir or DataLayout(self.data_dir).predictions


@cache
def get_settings() -> GatewaySettings:
    """The process's settings, read from the environment on first use (never at import time)."""
    return GatewaySettings()
