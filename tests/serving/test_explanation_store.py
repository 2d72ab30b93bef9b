"""The explanation store: exact keys, a real Redis round trip, and no harm when Redis is away."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest

from credit_features.catalog import feature_catalog
from credit_features.families import FAMILY_BY_KEY, family_key
from credit_features.settings import FeatureSettings
from protos.credit.v1 import explain_pb2
from serving_base.bundle import ModelBundle
from serving_base.explanation_store import (
    ExplanationStore,
    decode_answer,
    encode_answer,
    explanation_keys,
    served_key,
)

pytestmark = pytest.mark.unit
REDIS = f"{os.environ.get('REDIS_HOST', '127.0.0.1')}:6379,db={os.environ.get('TEST_REDIS_DB', '15')}"


def body(probability: float) -> explain_pb2.ExplainResponse:
    return explain_pb2.ExplainResponse(probability=probability, base_value=-2.0, omitted=7)


def test_keys_are_equal_exactly_when_version_reasons_and_row_are() -> None:
    row = np.array([[1.0, np.nan, 3.5]])
    key = explanation_keys("m", "1", [3], row)[0]
    assert explanation_keys("m", "1", [3], row.copy())[0] == key, "same inputs, same key"
    assert explanation_keys("m", "2", [3], row)[0] != key, "another version"
    assert explanation_keys("n", "1", [3], row)[0] != key, "another model"
    assert explanation_keys("m", "1", [0], row)[0] != key, "another number of reasons"
    changed = row.copy()
    changed[0, 2] = np.nextafter(3.5, 4.0)  # the smallest change a float allows
    assert explanation_keys("m", "1", [3], changed)[0] != key, "another row"


def test_an_answer_is_stored_in_under_half_its_bytes_and_read_back_identical() -> None:
    # given an answer as the explain service gives one: 33 reasons of catalog features, 12 families
    rng = np.random.default_rng(0)
    names = [spec.name for specs in feature_catalog().values() for spec in specs]
    answer = explain_pb2.ExplainResponse(base_value=-2.49, raw_score=-4.29, probability=0.0135, omitted=388)
    for name in rng.choice(names, 33, replace=False):
        answer.contributions.add(
            feature=name, value=rng.lognormal(), shap=rng.normal(), family=family_key(name)
        )
    for key in list(FAMILY_BY_KEY)[:12]:
        answer.families.add(family=key, impact=rng.normal(), features=int(rng.integers(1, 90)))
    # when it is stored, then it takes less than half its protobuf bytes and decodes to the same answer
    stored = encode_answer(answer)
    assert len(stored) < 0.5 * answer.ByteSize(), f"{len(stored)} of {answer.ByteSize()} bytes"
    assert decode_answer(stored) == answer


def test_every_nan_payload_is_the_same_missing_value() -> None:
    other_nan = np.frombuffer(np.array([0x7FF8000000000001], dtype=np.uint64).tobytes(), dtype=np.float64)
    assert np.isnan(other_nan[0])
    row = np.array([[1.0, np.nan]])
    assert (
        explanation_keys("m", "1", [3], np.array([[1.0, other_nan[0]]]))[0]
        == explanation_keys("m", "1", [3], row)[0]
    )


def run(coroutine):
    """Run a coroutine in its own thread and loop (another test's library may own this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def version(name: str, number: str) -> ModelBundle:
    """What the store reads of a bundle: its model name and version."""
    return cast(ModelBundle, SimpleNamespace(name=name, version=number))


def test_stored_bodies_come_back_identical_and_unserved_versions_are_dropped() -> None:
    async def scenario() -> None:
        model = f"test-{uuid.uuid4().hex[:8]}"
        champion, challenger = f"models:/{model}@champion", f"models:/{model}@challenger"
        store = ExplanationStore.open(FeatureSettings(redis_connection_string=REDIS), ttl_seconds=60)
        rows = np.arange(6.0).reshape(3, 2)
        first, second, third = (explanation_keys(model, v, [3, 3, 3], rows) for v in ("1", "2", "3"))
        try:
            assert await store.get(second) == [None, None, None]
            await store.put(
                {first[0]: body(0.1), second[0]: body(0.2), second[1]: body(0.3), third[0]: body(0.4)}
            )
            assert await store.missing(second) == [False, False, True]
            got = await store.get(second)
            assert [g.SerializeToString() if g else None for g in got] == [
                body(0.2).SerializeToString(),
                body(0.3).SerializeToString(),
                None,
            ]
            # when the champion moves to version 2 while another deployment serves version 3
            await store.mark_served(challenger, version(model, "3"))
            await store.mark_served(champion, version(model, "2"))
            assert await store.drop_unserved_versions(version(model, "2")) == 1
            # then only version 1's answers are gone, and reuse follows each URI's served version
            assert await store.missing(first) == [True, True, True], "version 1 is served nowhere"
            assert await store.missing(second[:2]) == [False, False], "version 2 is kept"
            assert await store.missing(third[:1]) == [False], "the challenger's version 3 is kept"
            assert (await store.reusable(champion, "2", 3, rows[0])).decoded() == body(0.2)
            assert (await store.reusable(challenger, "3", 3, rows[0])).decoded() == body(0.4)
            assert await store.reusable(champion, "3", 3, rows[0]) is None, "not what the champion serves"
            await store.put({first[0]: body(0.1)})  # an answer of version 1 written late
            assert await store.reusable(champion, "1", 3, rows[0]) is None, (
                "a replaced version is never reused"
            )
        finally:
            for uri in (champion, challenger):
                await store.mark_served(uri, version(model, "none"))
            await store.drop_unserved_versions(version(model, "none"))
            await store._client.delete(served_key(champion), served_key(challenger))
            await store.close()

    run(scenario())


def test_a_store_that_is_down_costs_a_miss_not_an_error() -> None:
    async def scenario() -> float:
        # a port nothing listens on
        store = ExplanationStore.open(FeatureSettings(redis_connection_string="127.0.0.1:1"), ttl_seconds=60)
        keys = explanation_keys("m", "1", [3], np.zeros((1, 2)))
        started = time.perf_counter()
        assert await store.get(keys) == [None]
        await store.put({keys[0]: body(0.5)})  # logged, not raised
        return time.perf_counter() - started

    assert run(scenario()) < 1.0
