"""The Feast feature store over feature_repo/: its configuration from typed settings, the handle,
the `feast` CLI, and point-in-time training sets. Imports Feast: serving reads Redis without it."""

from __future__ import annotations

import logging
import os
import string
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml
from feast import FeatureStore
from feast.repo_config import RepoConfig

from credit_common.data_layout import DataLayout
from credit_features.backend import FEATURE_REPO, FEATURE_SERVICE, OnlineBackend, config_file, online_backend
from credit_features.errors import FeatureStoreError
from credit_features.settings import FeatureSettings

log = logging.getLogger(__name__)


def store_environment(settings: FeatureSettings) -> dict[str, str]:
    """The variables feature_store.yaml expands, for a `feast` subprocess (this process's own
    environment is never written)."""
    return {
        **os.environ,
        "CREDIT_DATA_DIR": str(settings.data_dir),
        "REDIS_CONNECTION_STRING": settings.redis_connection_string,
        "REDIS_TYPE": settings.redis_type,
    }


def repo_config(settings: FeatureSettings, backend: OnlineBackend) -> RepoConfig:
    """feature_store.yaml of the backend with ${...} filled from the settings."""
    text = config_file(backend).read_text(encoding="utf-8")
    expanded = string.Template(text).safe_substitute(store_environment(settings))
    config = RepoConfig(**yaml.safe_load(expanded))
    config.repo_path = FEATURE_REPO
    return config


def get_store(settings: FeatureSettings | None = None, backend: OnlineBackend | None = None) -> FeatureStore:
    """A FeatureStore over feature_repo/ with the chosen (or configured) online backend."""
    settings = settings or FeatureSettings()
    DataLayout(settings.data_dir).feast.mkdir(parents=True, exist_ok=True)
    config = repo_config(settings, backend or online_backend(settings))
    return FeatureStore(repo_path=str(FEATURE_REPO), config=config)


def feast_cli(
    *args: str, settings: FeatureSettings | None = None, backend: OnlineBackend | None = None
) -> None:
    """Run the real `feast` CLI on the repo (a subprocess, so definitions import with fresh paths)."""
    settings = settings or FeatureSettings()
    DataLayout(settings.data_dir).feast.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("feast")),
        "--chdir",
        str(FEATURE_REPO),
        "--feature-store-yaml",
        str(config_file(backend or online_backend(settings))),
        *args,
    ]
    log.info("feast command", extra={"command": ["feast", *args]})
    done = subprocess.run(
        command, env=store_environment(settings), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise FeatureStoreError(f"`feast {' '.join(args)}` failed:\n{done.stderr[-3000:]}")


def apply(settings: FeatureSettings | None = None, backend: OnlineBackend | None = None) -> None:
    """Register the definitions of feature_repo/ (`feast apply`)."""
    feast_cli("apply", settings=settings, backend=backend)


def historical_features(entities: pd.DataFrame, store: FeatureStore | None = None) -> pd.DataFrame:
    """Point-in-time correct features of the model's feature service for (SK_ID_CURR, event_timestamp)."""
    missing = {"SK_ID_CURR", "event_timestamp"} - set(entities.columns)
    if missing:
        raise FeatureStoreError(f"entity frame lacks column(s) {sorted(missing)}")
    store = store or get_store()
    service = store.get_feature_service(FEATURE_SERVICE)
    return store.get_historical_features(entity_df=entities, features=service).to_df()
