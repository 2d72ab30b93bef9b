"""Session fixtures: one small platform built for real (data → features → Feast → MLflow model).

Everything runs against real services: Redis (a dedicated database index, flushed first), Feast's
DuckDB offline store, a SQLite MLflow store and Ray Tune, all under one temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

TEST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "15"))
SCALE = 0.01


@dataclass(frozen=True)
class Platform:
    """Folders of the session's platform and its training result."""

    root: Path
    raw: Path
    parquet: Path
    features: Path
    dataset: Path
    train_result: object


def _require_redis(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as error:
        raise RuntimeError(f"the integration tests need Redis at {url}; `make test` starts it") from error
    return client


@pytest.fixture(scope="session")
def platform_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Environment of the session's platform: data folder, test Redis database, MLflow store."""
    root = tmp_path_factory.mktemp("platform")
    host = os.environ.get("REDIS_HOST", "127.0.0.1")
    _require_redis(f"redis://{host}:6379/{TEST_REDIS_DB}").flushdb()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREDIT_DATA_DIR", str(root))
        patch.setenv("REDIS_CONNECTION_STRING", f"{host}:6379,db={TEST_REDIS_DB}")
        patch.setenv("FEAST_ONLINE_STORE", "redis")
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        patch.setenv("RAY_AUTH_MODE", "disabled")
        yield root


@pytest.fixture(scope="session")
def features_platform(platform_env: Path) -> Path:
    """Raw synthetic data, Parquet, feature tables and an applied Feast repo (no model yet)."""
    from training import store
    from training.datagen import generate
    from training.features import build_features
    from training.ingest import ingest_folder

    generate(out=platform_env / "raw", scale=SCALE, seed=7, drift=False)
    ingest_folder(raw=platform_env / "raw", out=platform_env / "parquet")
    build_features(parquet_dir=platform_env / "parquet", out=platform_env / "features", progress=False)
    store.apply()
    return platform_env


@pytest.fixture(scope="session")
def platform(features_platform: Path) -> Iterator[Platform]:
    """The whole offline platform: materialized online store and a champion model in MLflow."""
    import ray

    from training import store
    from training.dataset import build_dataset
    from training.train import TrainOptions, train

    store.materialize()
    dataset = build_dataset(features_platform / "parquet", features_platform / "dataset", "train")
    result = train(Path(dataset.path), TrainOptions(trials=3, folds=2, seed=7))
    yield Platform(
        root=features_platform,
        raw=features_platform / "raw",
        parquet=features_platform / "parquet",
        features=features_platform / "features",
        dataset=Path(dataset.path),
        train_result=result,
    )
    ray.shutdown()
