"""A stored explanation reused again and again is decoded once per process, and its reasons rendered
once per language; every decision on it still carries its own ids and the same answer a fresh
rendering gives."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import orjson
import pytest

from explain_service.client import Explanation
from gateway.api.json_answer import JSONAnswer
from gateway.api.views import score_body
from gateway.decisions.recent_explanations import RecentExplanation, RecentExplanations
from gateway.decisions.service import ScoredDecision, score_of
from protos.credit.v1 import explain_pb2, scoring_pb2
from serving_base.explanation_store import StoredAnswer, encode_answer
from tests.gateway.test_reasons_by_family import explanation

pytestmark = pytest.mark.unit


def stored(key: bytes, source: Explanation) -> StoredAnswer:
    """The bytes the explain service would store for `source` (ids are not stored)."""
    answer = explain_pb2.ExplainResponse(
        probability=source.probability,
        decision=scoring_pb2.Decision.Value(f"DECISION_{source.outcome.upper()}"),
        threshold=source.threshold,
        base_value=source.base_value,
        raw_score=source.raw_score,
        omitted_shap=source.omitted_shap,
        omitted=source.omitted,
    )
    answer.model.name, answer.model.version = source.model_name, source.model_version
    for c in source.contributions:
        answer.contributions.add(
            feature=c.feature,
            value=0.0 if c.value is None else c.value,
            missing=c.value is None,
            shap=c.shap,
            family=c.family,
        )
    for f in source.families:
        answer.families.add(family=f.family, impact=f.impact, features=f.features)
    return StoredAnswer(key, encode_answer(answer))


def decision_on(recent_entry: RecentExplanation, request_id: str, client_id: int) -> ScoredDecision:
    """A decision reusing `recent_entry`, as DecisionService takes it."""
    explained = dataclasses.replace(recent_entry.explanation, request_id=request_id, client_id=client_id)
    return ScoredDecision(
        request_id,
        client_id,
        score_of(explained),
        explained,
        None,
        ("A",),
        np.array([math.nan]),
        3,
        recent_entry,
    )


def test_the_same_key_is_decoded_once_and_the_least_recent_is_dropped_beyond_the_size() -> None:
    recent = RecentExplanations(size=2)
    a, b, c = (stored(key, explanation()) for key in (b"a", b"b", b"c"))
    first = recent.of(a)
    assert recent.of(a) is first, "the same key: the same decoded explanation"
    assert recent.of(b) is not first
    kept_b = recent.of(b)
    recent.of(a)  # a is now the most recent: b is the one to go
    recent.of(c)
    assert len(recent) == 2
    assert recent.of(StoredAnswer(b"a", b"not a stored answer")) is first, "a kept key is not decoded again"
    assert recent.of(b) is not kept_b, "the least recent was dropped, and is decoded again"


def test_a_size_of_zero_keeps_nothing() -> None:
    recent = RecentExplanations(size=0)
    answer = stored(b"a", explanation())
    assert recent.of(answer) is not recent.of(answer)
    assert len(recent) == 0


def test_what_is_derived_is_made_once_per_explanation_and_name() -> None:
    entry = RecentExplanations(size=4).of(stored(b"a", explanation()))
    made: list[str] = []

    def make(text: str) -> str:
        made.append(text)
        return text

    assert entry.derived(("reasons", "en"), lambda: make("en")) == "en"
    assert entry.derived(("reasons", "en"), lambda: make("again")) == "en"
    assert entry.derived(("reasons", "fr"), lambda: make("fr")) == "fr"
    assert made == ["en", "fr"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_decisions_on_a_recent_explanation_answer_as_a_fresh_rendering_with_their_own_ids(
    language: str,
) -> None:
    recent = RecentExplanations(size=4)
    answer = stored(b"key", explanation())
    first = decision_on(recent.of(answer), "r1", 11)
    second = decision_on(recent.of(answer), "r2", 12)
    fresh = dataclasses.replace(second, recent=None)
    bodies = [orjson.loads(JSONAnswer(score_body(d, language)).body) for d in (first, second, fresh)]
    assert [b["request_id"] for b in bodies] == ["r1", "r2", "r2"]
    assert [b["client_id"] for b in bodies] == [11, 12, 12]
    assert bodies[1] == bodies[2], "the kept rendering is the fresh one"
    assert bodies[0]["reasons"] == bodies[1]["reasons"]
    assert bodies[1]["reasons"]["raising"][0]["feature"] == "APP_EXT_SOURCE_MEAN"
    other = "fr" if language == "en" else "en"
    assert score_body(second, other)["reasons"] != bodies[1]["reasons"], "each language its own texts"
    assert first.derived("served reasons", lambda: first.served_reasons().to_json()) == (
        fresh.served_reasons().to_json()
    ), "the prediction log keeps the same reasons"
