"""A logistic-regression champion in a registry of its own, and the services that follow it.

Shared by tests/integration/test_linear_champion.py and tests/e2e/test_linear_champion_app.py, and
built once per session (fitting, registering and starting its MLflow server and two services takes
about a minute on this machine): tests/conftest.py registers the fixtures. The real logistic candidate is
fitted on the session platform's training set and registered by training's `log_and_register`
(threshold from the business cost, global importance logged in its run as train.py does) into a
registry of its OWN, so the session's champion, which other tests rely on, is left alone. Scoring and
explain services follow a copy of the version under another model name, so that their explanations
live in a Redis namespace of their own beside the session's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from credit_common.processes import Service
from credit_features.backend import FEATURE_SERVICE
from credit_features.online import open_online_features
from credit_model.linear_shap import LinearShap
from credit_model.registry import CHAMPION, EXPERIMENT, MODEL_NAME
from gateway.client_file.comparison_features import IMPORTANCE_ARTIFACT
from tests.integration.conftest import mlflow_on, start_gateway
from tests.session_services import start_mlflow_server, start_server
from training.model import tracking
from training.model.candidates import candidates, categorical_features
from training.model.cost import DEFAULT_WEIGHTS, best_threshold
from training.model.dataset import LABEL, feature_columns
from training.model.importance import explain_globally
from training.model.metrics import score_predictions

#: The name the services follow: a copy of the registered version, with a Redis namespace of its own.
SERVED_NAME = "credit-default-linear"
SERVED_URI = f"models:/{SERVED_NAME}@{CHAMPION}"
#: The logistic candidate whose log-odds carry an offset (undersampling): the harder of the two shapes.
CANDIDATE = "logreg_undersample"
CLIENTS = 20


@dataclass(frozen=True)
class LinearChampion:
    """The registered logistic regression and what the tests compare the services with."""

    registry_uri: str
    version: str
    served_version: str
    pipeline: Pipeline
    shap: LinearShap
    holdout: pd.DataFrame
    threshold: float
    importance: list[str]


class LinearServices(NamedTuple):
    """The two services following the linear champion, and the clients the online store held when
    they started (what the explain service's warm-up explains: later tests add applications)."""

    scoring: Service
    explain: Service
    clients_at_start: tuple[int, ...]


@pytest.fixture(scope="session")
def linear_champion(platform, tmp_path_factory: pytest.TempPathFactory) -> LinearChampion:
    """The logistic candidate fitted on the session's training set and registered as training does."""
    folder = tmp_path_factory.mktemp("linear-registry")
    frame = pd.read_parquet(platform.dataset)
    columns = feature_columns(frame)
    train, holdout = train_test_split(frame, test_size=0.2, stratify=frame[LABEL], random_state=0)
    x, y = train[columns].astype(float), train[LABEL].to_numpy(dtype=int)
    x_hold = holdout[columns].astype(float)
    categorical = categorical_features(columns)
    numeric = [c for c in columns if c not in categorical]
    pipeline = next(c for c in candidates() if c.name == CANDIDATE).build(categorical, numeric, 0).fit(x, y)
    threshold = best_threshold(y, pipeline.predict_proba(x)[:, 1], DEFAULT_WEIGHTS).threshold
    scores = score_predictions(
        holdout[LABEL].to_numpy(dtype=int), pipeline.predict_proba(x_hold)[:, 1], threshold, DEFAULT_WEIGHTS
    )
    explanation = explain_globally(pipeline, x_hold)
    assert explanation is not None, "a logistic regression has a global explanation"
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    with mlflow_on(uri):
        experiment = mlflow.create_experiment(EXPERIMENT, artifact_location=(folder / "artifacts").as_uri())
        with mlflow.start_run(experiment_id=experiment, run_name=f"final-{CANDIDATE}"):
            mlflow.log_dict(explanation.importance.to_dict(), IMPORTANCE_ARTIFACT)
            registered = tracking.log_and_register(
                pipeline,
                x.head(50),
                threshold=threshold,
                weights=DEFAULT_WEIGHTS,
                feature_service=FEATURE_SERVICE,
                holdout=scores,
                background=x,
            )
        client = MlflowClient(tracking_uri=uri)
        copy = client.copy_model_version(f"models:/{MODEL_NAME}/{registered.version}", SERVED_NAME)
        client.set_registered_model_alias(SERVED_NAME, CHAMPION, copy.version)
    shap = LinearShap.of(pipeline, x)
    assert shap is not None
    assert registered.promoted, "the first version of its own registry is the champion"
    return LinearChampion(
        registry_uri=uri,
        version=registered.version,
        served_version=str(copy.version),
        pipeline=pipeline,
        shap=shap,
        holdout=holdout.head(CLIENTS).reset_index(drop=True),
        threshold=threshold,
        importance=list(explanation.importance.index),
    )


@pytest.fixture(scope="session")
def linear_registry(
    linear_champion: LinearChampion, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """An MLflow tracking server over that registry: the services read it over HTTP, as in `make demo`."""
    server = start_mlflow_server(tmp_path_factory.mktemp("linear-mlflow"), linear_champion.registry_uri)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def linear_services(
    linear_registry: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LinearServices]:
    """Scoring and explain services following the linear champion (registry over HTTP). They poll it
    at the default pace: its alias never moves, and they live for the rest of the session."""
    folder = tmp_path_factory.mktemp("linear-services")
    # In a thread: a browser test's Playwright may hold this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        clients = tuple(pool.submit(asyncio.run, open_online_features().known_clients()).result() or ())
    started = [
        start_server(
            module,
            folder,
            "--model-uri",
            SERVED_URI,
            env={"MLFLOW_TRACKING_URI": linear_registry.url},
        )
        for module in ("scoring_service", "explain_service")
    ]
    try:
        for server in started:
            server.wait_serving()
        yield LinearServices(started[0], started[1], clients)
    finally:
        for server in started:
            server.stop()


def start_linear_gateway(folder: Path, services: LinearServices, registry: Service, **env: str) -> Service:
    """A gateway over the linear services, its comparison features from the linear champion's
    importance (its registry's champion); ready when it returns."""
    scoring, explain = services.scoring, services.explain
    server = start_gateway(
        folder,
        scoring.target,
        explain.target,
        MLFLOW_TRACKING_URI=registry.url,
        GATEWAY_EXPLAIN_TIMEOUT="5",  # a loaded CI box must not drop an explanation
        GATEWAY_SCORE_TIMEOUT="5",
        **env,
    )
    try:
        server.wait_ready()
    except (TimeoutError, RuntimeError):
        server.stop()
        raise
    return server


def client_ids(champion: LinearChampion) -> list[int]:
    return [int(i) for i in champion.holdout["SK_ID_CURR"]]
