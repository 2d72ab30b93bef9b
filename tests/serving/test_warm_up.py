"""The population's warm-up on a real Redis: a write that fails is tried again, and a population is
marked explained only once every one of its answers is stored (a readiness check trusts the mark)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence

import numpy as np
import pytest
import redis
from lightgbm import LGBMClassifier
from sklearn.pipeline import Pipeline

from credit_features.online import OnlineFeatures
from credit_features.redis_client import bounded_async_redis
from credit_features.settings import FeatureSettings
from credit_model.estimators import unwrap_lightgbm
from credit_model.native_trees import NativeTrees
from credit_model.scorers import TreeScorer
from explain_service import warm_up
from explain_service.explainer import TreeExplainer
from explain_service.responses import explanation_body
from protos.credit.v1 import explain_pb2
from serving_base.bundle import ModelBundle
from serving_base.explanation_store import ExplanationStore, explanation_keys, population_key
from tests.async_run import run_coroutine

pytestmark = pytest.mark.unit
REDIS = f"{os.environ.get('REDIS_HOST', '127.0.0.1')}:6379,db={os.environ.get('TEST_REDIS_DB', '15')}"
CLIENTS = 40  # over two batches of warm_up.BATCH_ROWS
FEATURES = 6


class MatrixReader:
    """An online store held in memory: client i's row is the matrix's row i."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.values = matrix

    def matrix(self, client_ids: Sequence[int], names: Sequence[str]) -> np.ndarray:
        return self.values[list(client_ids)]

    async def matrix_async(self, client_ids: Sequence[int], names: Sequence[str]) -> np.ndarray:
        return self.matrix(client_ids, names)

    async def client_ids(self) -> list[int]:
        return list(range(len(self.values)))

    async def ping(self) -> None:
        return None


class FailingWrites(ExplanationStore):
    """A store whose first `failures` writes time out, as a loaded Redis's do past the socket timeout."""

    def __init__(self, failures: int) -> None:
        super().__init__(bounded_async_redis(FeatureSettings(redis_connection_string=REDIS)))
        self.failures = failures

    async def write(self, bodies: dict[bytes, explain_pb2.ExplainResponse]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise redis.TimeoutError("Timeout reading from socket")
        await super().write(bodies)


@pytest.fixture(scope="module")
def explainer() -> TreeExplainer:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, FEATURES))
    y = (x[:, 0] + rng.normal(size=300) > 1.0).astype(int)
    pipeline = Pipeline([("model", LGBMClassifier(n_estimators=20, verbose=-1).fit(x, y))])
    trees, link = unwrap_lightgbm(pipeline)  # type: ignore[misc]
    bundle = ModelBundle(
        name=f"warm-up-{uuid.uuid4().hex[:8]}",
        version="1",
        threshold=0.1,
        cost_fn=10.0,
        cost_fp=1.0,
        feature_service="credit_scoring_v1",
        features=tuple(f"F{i}" for i in range(FEATURES)),
        scorer=TreeScorer(NativeTrees(trees.booster_.model_to_string()), link),
    )
    return TreeExplainer(bundle)


def warm(explainer: TreeExplainer, store: ExplanationStore, rows: np.ndarray) -> tuple[list, bytes | None]:
    """Run the warm-up; every row's stored answer and the population's mark."""
    bundle = explainer.bundle

    async def scenario() -> tuple[list, bytes | None]:
        try:
            online = OnlineFeatures(MatrixReader(rows))
            await warm_up.explain_population(explainer, online, store, 3)
            keys = explanation_keys(bundle.name, bundle.version, [3] * len(rows), rows)
            stored = await store.get(keys)
            mark = await store._client.get(population_key(bundle.name, bundle.version))
            await store._client.delete(*keys, population_key(bundle.name, bundle.version))
            return stored, mark
        finally:
            await store.close()

    return run_coroutine(scenario())


def test_a_failed_write_is_tried_again_and_the_population_marked_once_all_is_stored(
    explainer: TreeExplainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a store whose first two writes time out
    monkeypatch.setattr(warm_up, "RETRY_PAUSE_SECONDS", 0.01)
    rows = np.random.default_rng(1).normal(size=(CLIENTS, FEATURES))
    # when the population is warmed up
    stored, mark = warm(explainer, FailingWrites(failures=2), rows)
    # then every client's answer is stored, exactly as computed, and the population is marked
    fresh = [explanation_body(explainer, 3, e) for e in explainer.explain(rows)]
    assert stored == fresh
    assert mark == str(CLIENTS).encode()


def test_a_store_that_keeps_failing_leaves_the_population_unmarked(
    explainer: TreeExplainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warm_up, "RETRY_PAUSE_SECONDS", 0.01)
    rows = np.random.default_rng(2).normal(size=(CLIENTS, FEATURES))
    stored, mark = warm(explainer, FailingWrites(failures=warm_up.ATTEMPTS), rows)
    assert mark is None, "a population with answers missing is not marked explained"
    assert all(answer is None for answer in stored[: warm_up.BATCH_ROWS]), "the failed batch is not stored"
