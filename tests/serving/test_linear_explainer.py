"""The explain service explains a logistic regression like a tree model: exact contributions that add
up to the served log-odds, the strongest reasons each way with the rest summed; a model without
contributions is refused by name."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from credit_model.linear_shap import LinearShap
from credit_model.scorers import LinearScorer, PipelineScorer, Scorer
from explain_service.explainer import ShapExplainer
from explain_service.responses import explanation_body
from protos.credit.v1 import scoring_pb2
from serving_base.bundle import ModelBundle
from training.model.candidates import candidates, categorical_features

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(8)
    n = 1200
    frame = pd.DataFrame(
        {f"X{i}": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)) for i in range(8)}
        | {"LEVEL_CODE": rng.choice([0.0, 1.0, 2.0, 3.0], size=n)}
    )
    logit = -2 + np.nan_to_num(frame["X0"].to_numpy()) - 0.7 * np.nan_to_num(frame["X3"].to_numpy())
    return frame, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


def bundle_of(scorer: Scorer, features: tuple[str, ...]) -> ModelBundle:
    return ModelBundle(
        name="credit-default",
        version="4",
        threshold=0.1,
        cost_fn=10.0,
        cost_fp=1.0,
        feature_service="credit_scoring_v1",
        features=features,
        scorer=scorer,
    )


def candidate_pipeline(name: str, frame: pd.DataFrame, y: np.ndarray):
    candidate = next(c for c in candidates() if c.name == name)
    categorical = categorical_features(frame.columns)
    numeric = [c for c in frame.columns if c not in categorical]
    return candidate.build(categorical, numeric, 0).fit(frame, y)


@pytest.fixture(scope="module")
def linear_bundle(data) -> ModelBundle:
    """The undersampled logistic candidate, served as the loaders serve it."""
    frame, y = data
    shap = LinearShap.of(candidate_pipeline("logreg_undersample", frame, y), frame)
    assert shap is not None
    return bundle_of(LinearScorer(shap, tuple(frame.columns)), tuple(frame.columns))


def test_explanations_of_a_linear_model_add_up_to_the_served_decision(data, linear_bundle) -> None:
    # given a logistic regression's bundle (no trees)
    frame, _ = data
    assert linear_bundle.size == (0, 0), "a linear model reports no trees"
    matrix = frame.head(64).to_numpy(dtype=float)
    # when the explain service explains rows
    explanations = ShapExplainer(linear_bundle).explain(matrix)
    # then each is the decision the scoring service serves, base + contributions = raw score
    raw = np.array([e.raw_score for e in explanations])
    np.testing.assert_allclose(raw, linear_bundle.raw_scores(matrix), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        [e.probability for e in explanations], linear_bundle.predict(matrix), rtol=0, atol=1e-12
    )
    sums = np.array([e.base_value + e.contributions.sum() for e in explanations])
    np.testing.assert_allclose(sums, raw, rtol=0, atol=1e-12)
    assert len({e.base_value for e in explanations}) == 1, "one base value: the average client's"


def test_the_answer_lists_the_strongest_reasons_and_sums_the_rest(data, linear_bundle) -> None:
    # given a linear model's explanation of one client
    frame, _ = data
    explainer = ShapExplainer(linear_bundle)
    explanation = explainer.explain(frame.head(1).to_numpy(dtype=float))[0]
    # when it is answered with three reasons each way, as the gateway asks
    body = explanation_body(explainer, 3, explanation)
    # then base + listed + omitted is the raw score, and the decision is the bundle's
    listed = sum(c.shap for c in body.contributions)
    assert body.base_value + listed + body.omitted_shap == pytest.approx(body.raw_score, abs=1e-12)
    assert body.omitted == len(linear_bundle.features) - len(body.contributions)
    assert len([c for c in body.contributions if c.shap > 0]) <= 3, "at most three raising"
    assert len([c for c in body.contributions if c.shap < 0]) <= 3, "at most three lowering"
    refused = body.probability >= linear_bundle.threshold
    assert body.decision == (scoring_pb2.DECISION_REFUSED if refused else scoring_pb2.DECISION_GRANTED)
    assert all(c.missing == math.isnan(c.value) for c in body.contributions), "missing values said so"


def test_one_linear_explanation_costs_milliseconds(data, linear_bundle) -> None:
    # given a linear model's explainer and one client's row (the gateway's call)
    frame, _ = data
    explainer = ShapExplainer(linear_bundle)
    row = frame.head(1).to_numpy(dtype=float)
    explainer.explain(row)
    # when explaining it repeatedly
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        explainer.explain(row)
        timings.append(time.perf_counter() - started)
    # then the median call stays well inside the gateway's explain budget (0.3 s)
    assert float(np.median(timings)) < 0.05, f"median {np.median(timings) * 1000:.1f} ms per explanation"


def test_a_model_without_contributions_is_refused_by_name(data) -> None:
    # given the dummy baseline's bundle (scored through its pipeline, nothing to explain)
    frame, y = data
    dummy = candidate_pipeline("dummy_prior", frame, y)
    bundle = bundle_of(PipelineScorer(dummy, tuple(frame.columns)), tuple(frame.columns))
    # then the explain service refuses it, naming the version and why
    assert not bundle.explains
    with pytest.raises(TypeError, match="version 4 is not a tree model nor a logistic regression"):
        ShapExplainer(bundle)
