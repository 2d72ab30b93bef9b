"""The decision path's answers, serialized straight from the views, are what the response models
describe: validated by them, and written as pydantic would write them (NaN as null included)."""

from __future__ import annotations

import math

import numpy as np
import orjson
import pytest

from credit_model.lending_policy import PolicyReason
from gateway.api.json_answer import JSONAnswer
from gateway.api.schemas import ExplanationOut, ScoreOut
from gateway.api.views import explanation_body, score_body
from gateway.decisions.service import ScoredDecision
from scoring_service.client import Score
from tests.gateway.test_reasons_by_family import explanation

pytestmark = pytest.mark.unit


def decision(*, explained: bool = True) -> ScoredDecision:
    """A referred decision with a policy reason whose bound is unknown (NaN) and an unknown value."""
    score = Score(
        request_id="r",
        client_id=1,
        probability=0.3,
        outcome="referred",
        threshold=0.5,
        model_name="m",
        model_version="1",
        policy_reasons=(PolicyReason("missing_information", "referred", fields=("AMT_INCOME_TOTAL",)),),
        policy_version="p1",
    )
    return ScoredDecision(
        request_id="r",
        client_id=1,
        score=score,
        explanation=explanation() if explained else None,
        explanation_missing_reason=None if explained else "explanation service unavailable",
        features=("A",),
        row=np.array([math.nan]),
        each_way=3,
    )


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("explained", [True, False])
@pytest.mark.parametrize("full", [True, False])
def test_a_score_answer_is_what_its_model_validates_and_writes(
    language: str, explained: bool, full: bool
) -> None:
    body = score_body(decision(explained=explained), language, with_explanation=full)  # type: ignore[arg-type]
    written = orjson.loads(JSONAnswer(body).body)
    assert written == ScoreOut.model_validate(body).model_dump(mode="json"), "same fields, same values"
    assert written["policy_reasons"][0]["value"] is None, "NaN is written as null, as pydantic writes it"
    assert written["policy_reasons"][0]["fields"] == ["AMT_INCOME_TOTAL"]
    assert (written["reasons"] is not None) is explained
    assert (written["explanation"] is not None) is (explained and full)
    if explained:
        unknown = next(r for r in written["reasons"]["raising"] if r["feature"] == "APP_EXT_SOURCE_1")
        assert unknown["value"] is None
        assert [f["family"] for f in written["reasons"]["families"]] == ["external_scores", "loan", "bureau"]


def test_an_explanation_answer_is_what_its_model_validates_and_writes() -> None:
    body = explanation_body(1, explanation(), "fr")
    written = orjson.loads(JSONAnswer(body).body)
    assert written == ExplanationOut.model_validate(body).model_dump(mode="json")
    assert len(written["contributions"]) == 6
    assert written["families"][0]["label"] == "Scores de crédit externes"


def test_a_value_json_cannot_write_fails_rather_than_writes_something_else() -> None:
    with pytest.raises(TypeError):
        JSONAnswer({"probability": object()})
