"""A logistic-regression champion served end to end: registry, gRPC services, gateway, over sockets.

The champion, its registry (an MLflow server, as `make demo` runs one) and its scoring and explain
services are the session's (tests/linear_champion.py: a registry of their own, the session's champion
untouched); this file adds a gateway that reads the champion's importance from that registry.
Everything is asserted over HTTP and gRPC.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import grpc
import httpx
import numpy as np
import pandas as pd
import pytest
import redis
from mlflow import MlflowClient
from sklearn.pipeline import Pipeline

from credit_features.online import open_online_features
from credit_features.redis_layout import connection_options
from credit_features.settings import FeatureSettings
from credit_model.registries import open_registry
from credit_model.registry import MODEL_NAME, ModelUri
from credit_model.settings import ModelSettings
from explain_service.explainer import ShapExplainer
from explain_service.responses import explanation_body
from explain_service.warm_up import explain_population
from protos.credit.v1 import explain_pb2_grpc, scoring_pb2
from serving_base.bundle import ModelBundle
from serving_base.explanation_store import (
    ExplanationStore,
    encode_answer,
    explanation_keys,
    population_key,
)
from tests.linear_champion import (
    SERVED_NAME,
    SERVED_URI,
    LinearChampion,
    LinearServices,
    client_ids,
    start_linear_gateway,
)
from training.model import tracking

from .conftest import ADVISOR_KEY, Service, mlflow_on
from .tcp_fault import FaultyRelay

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def log_odds(pipeline: Pipeline, rows: pd.DataFrame) -> np.ndarray:
    proba = pipeline.predict_proba(rows)[:, 1]
    return np.log(proba / (1.0 - proba))


@pytest.fixture(scope="module")
def linear_gateway(
    linear_services: LinearServices,
    linear_registry: Service,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[httpx.Client]:
    """The gateway as an advisor's client calls it."""
    server = start_linear_gateway(tmp_path_factory.mktemp("linear-gateway"), linear_services, linear_registry)
    try:
        with httpx.Client(base_url=server.url, headers={"X-API-Key": ADVISOR_KEY}, timeout=30) as client:
            yield client
    finally:
        server.stop()


def offline(champion: LinearChampion, client_id: int) -> pd.DataFrame:
    """The client's row of the training set, as the pipeline was fitted on such rows."""
    rows = champion.holdout[champion.holdout["SK_ID_CURR"] == client_id]
    return rows[list(champion.shap.features)].astype(float)


def test_the_model_route_names_the_linear_champion_and_its_size(
    linear_gateway: httpx.Client, linear_champion: LinearChampion
) -> None:
    # given the gateway over services following the linear champion
    # when asking which model answers
    reply = linear_gateway.get("/v1/model")
    # then it is that version, with its threshold and no trees
    assert reply.status_code == 200, reply.text
    model = reply.json()
    assert (model["name"], model["version"]) == (SERVED_NAME, linear_champion.served_version)
    assert model["threshold"] == pytest.approx(linear_champion.threshold, abs=1e-15)
    assert (model["trees"], model["leaves"]) == (0, 0), "a linear model has no trees"
    assert model["features"] == len(linear_champion.shap.features)
    # and the registry tags the version with that size, as every registered version
    tags = (
        MlflowClient(tracking_uri=linear_champion.registry_uri)
        .get_model_version(MODEL_NAME, linear_champion.version)
        .tags
    )
    assert (tags["trees"], tags["leaves"]) == ("0", "0"), tags


def test_decisions_come_with_reasons_that_add_up_to_the_models_log_odds(
    linear_gateway: httpx.Client, linear_services: LinearServices, linear_champion: LinearChampion
) -> None:
    # given hold-out clients (never trained on) and the explain service's own answer with reasons
    stub = explain_pb2_grpc.ExplainerStub(grpc.insecure_channel(linear_services.explain.target))
    additivity, drift = [], []
    for client_id in client_ids(linear_champion):
        # when the app asks for the decision with its full explanation (its one call)
        reply = linear_gateway.get(f"/v1/clients/{client_id}/score", params={"include": "explanation"})
        assert reply.status_code == 200, reply.text
        score = reply.json()
        explanation = score["explanation"]
        # then it is explained, and base value + every contribution = the log-odds served
        assert score["explanation_available"], score.get("explanation_missing_reason")
        total = explanation["base_value"] + sum(c["shap"] for c in explanation["contributions"])
        additivity.append(abs(total - explanation["raw_score"]))
        assert len(explanation["contributions"]) == len(linear_champion.shap.features)
        # and that log-odds is the pipeline's own for the client's row, its probability the decision's
        expected = float(log_odds(linear_champion.pipeline, offline(linear_champion, client_id))[0])
        drift.append(abs(explanation["raw_score"] - expected))
        assert score["probability"] == pytest.approx(1 / (1 + np.exp(-expected)), abs=1e-12)
        refused = score["probability"] >= linear_champion.threshold
        assert score["decision"] == ("refused" if refused else "granted")
        # and the base value is the training rows' average client (offset of undersampling included)
        assert explanation["base_value"] == pytest.approx(linear_champion.shap.base_value, abs=1e-12)
        # and each reason is one of those contributions, in its direction
        shares = {c["feature"]: c["shap"] for c in explanation["contributions"]}
        reasons = score["reasons"]["raising"] + score["reasons"]["lowering"]
        assert reasons, "a decision comes with reasons"
        for reason in reasons:
            assert reason["impact"] == shares[reason["feature"]], reason["feature"]
            assert (reason["impact"] > 0) == (reason["direction"] == "raises")
        # and the explain service's short answer (3 each way) adds up with what it leaves out
        short = stub.Explain(scoring_pb2.ScoreRequest(client_id=client_id, top_each_way=3), timeout=10)
        listed = sum(c.shap for c in short.contributions)
        additivity.append(abs(short.base_value + listed + short.omitted_shap - short.raw_score))
        assert short.raw_score == explanation["raw_score"], "the same bits, whatever answered first"
    assert max(additivity) < 1e-9, f"base + contributions vs raw score: max {max(additivity):.1e}"
    assert max(drift) < 1e-9, f"served vs offline log-odds: max {max(drift):.1e}"


def test_the_explanation_route_and_the_comparison_answer_for_a_linear_champion(
    linear_gateway: httpx.Client, linear_champion: LinearChampion
) -> None:
    # given a hold-out client
    client_id = client_ids(linear_champion)[0]
    # when the app asks for the explanation, then for the comparison with all and with similar clients
    explanation = linear_gateway.get(f"/v1/clients/{client_id}/explanation")
    everyone = linear_gateway.get(f"/v1/clients/{client_id}/comparison")
    similar = linear_gateway.get(f"/v1/clients/{client_id}/comparison", params={"group": "similar"})
    # then the explanation is whole and exact
    assert explanation.status_code == 200, explanation.text
    body = explanation.json()
    total = body["base_value"] + sum(c["shap"] for c in body["contributions"])
    assert total == pytest.approx(body["raw_score"], abs=1e-9)
    # and the comparison offers the champion's most important features, in the order of importance
    for reply in (everyone, similar):
        assert reply.status_code == 200, reply.text
    compared = [f["feature"] for f in everyone.json()["features"]]
    assert compared, "features are compared"
    rank = {name: i for i, name in enumerate(linear_champion.importance)}
    assert all(name in rank for name in compared), f"{compared} are from the linear champion's importance"
    assert compared == sorted(compared, key=rank.__getitem__), "strongest first"
    assert similar.json()["group_size"] > 0, "similar clients are found on the same features"


def run(coroutine):
    """Run a coroutine in its own thread and loop (another test's library may own this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def redis_store() -> redis.Redis:
    """The Redis of the online store and of the explanation store."""
    return redis.Redis(**connection_options(FeatureSettings().redis_connection_string))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def served_explainer(linear_registry: Service) -> ShapExplainer:
    """The explainer the explain service builds, loaded here the same way (registry over HTTP)."""
    registry = open_registry(ModelSettings(tracking_uri_override=linear_registry.url))
    with mlflow_on(linear_registry.url):  # MLflow resolves the copy's models:/ source process-wide
        return ShapExplainer(ModelBundle.of(registry.load(ModelUri.parse(SERVED_URI))))


def test_the_population_is_explained_ahead_and_a_stored_answer_is_a_fresh_one(
    linear_gateway: httpx.Client,
    linear_services: LinearServices,
    served_explainer: ShapExplainer,
    linear_champion: LinearChampion,
) -> None:
    # given the explain service's background warm-up for the linear version (started at its load)
    store = redis_store()
    marker = population_key(SERVED_NAME, linear_champion.served_version)
    deadline = time.monotonic() + 180
    while store.get(marker) is None and time.monotonic() < deadline:
        time.sleep(0.5)
    # then every client the online store held when the service started was explained for that version
    known = list(linear_services.clients_at_start)
    assert known, "the online store lists its clients"
    assert store.get(marker) is not None, "the warm-up marks the population explained"
    # Other tests' applications may join the population before the warm-up lists it: the mark counts them too.
    assert int(store.get(marker)) >= len(known), "the population it marks holds every client known at start"
    explainer = served_explainer
    rows = open_online_features().matrix(known, explainer.bundle.features)
    keys = explanation_keys(SERVED_NAME, linear_champion.served_version, [3] * len(known), rows)
    present = store.exists(*keys)  # a key named twice (two identical rows) counts twice
    assert present == len(keys), f"every known client is explained: {len(keys) - present} missing"
    # and a stored answer (three reasons each way, the gateway's) is bit for bit a fresh computation
    client_id = client_ids(linear_champion)[1]
    row = open_online_features().matrix([client_id], explainer.bundle.features)
    key = explanation_keys(SERVED_NAME, linear_champion.served_version, [3], row)[0]
    fresh = explanation_body(explainer, 3, explainer.explain(row)[0])
    assert store.get(key) == encode_answer(fresh), "the stored answer is the exact one"


def test_a_warm_up_rides_out_a_stalled_store(
    served_explainer: ShapExplainer, caplog: pytest.LogCaptureFixture
) -> None:
    # given the linear explainer under a name of its own, and its store reached through a relay
    explainer = ShapExplainer(replace(served_explainer.bundle, name=f"{SERVED_NAME}-stall"))
    options = connection_options(FeatureSettings().redis_connection_string)
    caplog.set_level(logging.INFO, logger="explain_service.warm_up")

    async def warm_up_with_a_stall(relay: FaultyRelay) -> list[bytes]:
        """The answers' keys of the clients known before the warm-up (their rows, read after it)."""
        store = ExplanationStore.open(
            FeatureSettings(redis_connection_string=f"127.0.0.1:{relay.port},db={options.get('db', 0)}")
        )
        online = open_online_features()
        try:
            known = await online.known_clients() or []
            task = asyncio.create_task(explain_population(explainer, online, store, 3))
            # when the store stops answering for 1.2 s in the middle of the warm-up
            await asyncio.sleep(1.0)
            relay.stall()
            await asyncio.sleep(1.2)
            relay.heal()
            await task
            rows = await online.matrix_async(known, explainer.bundle.features)
            return explanation_keys(explainer.bundle.name, explainer.bundle.version, [3] * len(known), rows)
        finally:
            await store.close()

    store = redis_store()
    namespace = f"credit:explanations:{explainer.bundle.name}:*"
    try:
        with FaultyRelay(str(options.get("host", "127.0.0.1")), int(options.get("port", 6379))) as relay:
            keys = run(warm_up_with_a_stall(relay))
        # then the batches that met it were tried again, and the warm-up went to its end
        retried = [r for r in caplog.records if r.getMessage() == "warm-up batch retried"]
        assert retried, "a batch met the stall and was retried"
        marker = store.get(population_key(explainer.bundle.name, explainer.bundle.version))
        assert marker is not None, "the warm-up finished despite the stall"
        # Other tests' applications may join the population meanwhile: the mark counts them too.
        assert int(marker) >= len(keys), "the population it marks holds every client known before"
        missing = sum(not store.exists(key) for key in keys)
        assert missing == 0, f"every known client was gone through: {missing} of {len(keys)} missing"
    finally:
        for key in store.scan_iter(match=namespace, count=1000):
            store.delete(key)


def test_the_session_champion_is_tagged_with_the_size_it_is_served_with(platform) -> None:
    # given the session's champion, registered by training's log_and_register
    champion = tracking.champion()
    assert champion is not None
    # when loading it as the services do
    bundle = ModelBundle.of(open_registry().load(ModelUri(MODEL_NAME, version=str(champion.version))))
    # then its trees and leaves tags are the size the services count (0 and 0 for a linear model)
    assert (champion.tags["trees"], champion.tags["leaves"]) == tuple(str(n) for n in bundle.size)
