"""Access to the Feast feature store: which configuration, apply, materialize, training sets.

The repo lives in feature_repo/; its data (registry, feature tables, SQLite online store) under
CREDIT_DATA_DIR. The online store is Redis when reachable, SQLite otherwise (FEAST_ONLINE_STORE
forces one: redis | sqlite | auto).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pandas as pd
from feast import FeatureStore

from training.materialize import MaterializeResult, fast_path_enabled, materialize_incremental

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
FEATURE_REPO = REPO_ROOT / "feature_repo"
FEATURE_SERVICE = "credit_scoring_v1"
OnlineBackend = Literal["redis", "sqlite"]


class FeatureStoreError(RuntimeError):
    """The feature store could not be configured, applied or read."""


def data_dir() -> Path:
    """Where the data of the platform lives (CREDIT_DATA_DIR, default <repo>/data)."""
    return Path(os.environ.get("CREDIT_DATA_DIR", REPO_ROOT / "data")).resolve()


def redis_address() -> tuple[str, int]:
    """Host and port of the Redis online store, from REDIS_CONNECTION_STRING (host:port[,options])."""
    connection = os.environ.get("REDIS_CONNECTION_STRING", "127.0.0.1:6379")
    host, _, port = connection.split(",")[0].partition(":")
    return host or "127.0.0.1", int(port or 6379)


def redis_reachable(timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections at the Redis address."""
    try:
        with socket.create_connection(redis_address(), timeout=timeout):
            return True
    except OSError:
        return False


def online_backend() -> OnlineBackend:
    """The online store to use: FEAST_ONLINE_STORE, or Redis if reachable, else the SQLite fallback."""
    choice = os.environ.get("FEAST_ONLINE_STORE", "auto").lower()
    if choice in ("redis", "sqlite"):
        return choice  # type: ignore[return-value]
    if choice != "auto":
        raise FeatureStoreError(f"FEAST_ONLINE_STORE must be redis, sqlite or auto, got {choice!r}")
    return "redis" if redis_reachable() else "sqlite"


def store_environment() -> dict[str, str]:
    """Environment with the defaults feature_store.yaml expands (${CREDIT_DATA_DIR}, ${REDIS_...})."""
    env = dict(os.environ)
    env["CREDIT_DATA_DIR"] = str(data_dir())
    env.setdefault("REDIS_CONNECTION_STRING", "127.0.0.1:6379")
    return env


def config_file(backend: OnlineBackend | None = None) -> Path:
    """The feature_store.yaml matching the online backend."""
    backend = backend or online_backend()
    return FEATURE_REPO / ("feature_store.yaml" if backend == "redis" else "feature_store.sqlite.yaml")


def get_store(backend: OnlineBackend | None = None) -> FeatureStore:
    """A FeatureStore over feature_repo/ with the chosen online backend."""
    os.environ.update(store_environment())
    (data_dir() / "feast").mkdir(parents=True, exist_ok=True)
    return FeatureStore(repo_path=str(FEATURE_REPO), fs_yaml_file=config_file(backend))


def feast_cli(*args: str, backend: OnlineBackend | None = None) -> None:
    """Run the real `feast` CLI on the repo (a subprocess, so definitions import with fresh paths)."""
    (data_dir() / "feast").mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("feast")),
        "--chdir",
        str(FEATURE_REPO),
        "--feature-store-yaml",
        str(config_file(backend)),
        *args,
    ]
    log.info("feast command", extra={"args": list(args)})
    done = subprocess.run(command, env=store_environment(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise FeatureStoreError(f"`feast {' '.join(args)}` failed:\n{done.stderr[-3000:]}")


def apply(backend: OnlineBackend | None = None) -> None:
    """Register the definitions of feature_repo/ (`feast apply`)."""
    feast_cli("apply", backend=backend)


def materialize(
    end: datetime | None = None, backend: OnlineBackend | None = None
) -> MaterializeResult | None:
    """Move the latest feature values up to `end` into the online store (`materialize-incremental`).

    Redis takes the vectorised path of training.materialize (same bytes as Feast, many times faster);
    SQLite, or FEAST_FAST_MATERIALIZE=0, runs the real `feast materialize-incremental` CLI.
    """
    end = (end or datetime.now(tz=UTC)).replace(microsecond=0)  # the CLI's resolution: same intervals
    backend = backend or online_backend()
    if backend == "redis" and fast_path_enabled():
        return materialize_incremental(get_store(backend), end)
    feast_cli("materialize-incremental", end.strftime("%Y-%m-%dT%H:%M:%S"), backend=backend)
    return None


def historical_features(entities: pd.DataFrame, store: FeatureStore | None = None) -> pd.DataFrame:
    """Point-in-time correct features of the model's feature service for (SK_ID_CURR, event_timestamp)."""
    missing = {"SK_ID_CURR", "event_timestamp"} - set(entities.columns)
    if missing:
        raise FeatureStoreError(f"entity frame lacks column(s) {sorted(missing)}")
    store = store or get_store()
    service = store.get_feature_service(FEATURE_SERVICE)
    return store.get_historical_features(entity_df=entities, features=service).to_df()
