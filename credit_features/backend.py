"""Which online store serves features (Redis, or the embedded SQLite fallback) and what Feast calls
the project: answered without importing Feast, so a service that only reads Redis stays small."""

from __future__ import annotations

import socket
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from credit_common.paths import REPO_ROOT
from credit_features.redis_layout import connection_options
from credit_features.settings import FeatureSettings

FEATURE_REPO = REPO_ROOT / "feature_repo"
#: The feature service the models are trained on and that a model version pins.
FEATURE_SERVICE = "credit_scoring_v1"
OnlineBackend = Literal["redis", "sqlite"]


def config_file(backend: OnlineBackend) -> Path:
    """The feature_store.yaml of an online backend (same definitions, another online store)."""
    return FEATURE_REPO / ("feature_store.yaml" if backend == "redis" else "feature_store.sqlite.yaml")


@cache
def project_name() -> str:
    """Feast's project name, part of every online-store key."""
    return str(yaml.safe_load(config_file("redis").read_text(encoding="utf-8"))["project"])


def redis_address(settings: FeatureSettings) -> tuple[str, int]:
    """Host and port of the Redis online store."""
    options = connection_options(settings.redis_connection_string)
    return str(options["host"]), int(options["port"])  # type: ignore[call-overload]


def redis_reachable(settings: FeatureSettings, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections at the Redis address."""
    try:
        with socket.create_connection(redis_address(settings), timeout=timeout):
            return True
    except OSError:
        return False


def online_backend(settings: FeatureSettings) -> OnlineBackend:
    """The configured online store, or under "auto" Redis when reachable, else SQLite."""
    if settings.online_store != "auto":
        return settings.online_store
    return "redis" if redis_reachable(settings) else "sqlite"
