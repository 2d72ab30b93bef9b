"""The policy a version is registered with: fitted on its training rows, priced on labelled ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_model.lending_policy import REQUIRED
from training.model.cost import CostWeights
from training.model.policy import evaluate_policy, fit_policy

pytestmark = pytest.mark.unit


def _applications(rows: int = 3_000, seed: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(11.9, 0.4, rows)
    credit = income * rng.lognormal(1.0, 0.5, rows)
    annuity = credit / rng.uniform(8, 25, rows)
    x = pd.DataFrame(
        {
            "APP_AMT_INCOME_TOTAL": income,
            "APP_AMT_CREDIT": credit,
            "APP_AMT_ANNUITY": annuity,
            "APP_CREDIT_INCOME_RATIO": credit / income,
            "APP_ANNUITY_INCOME_RATIO": annuity / income,
            "APP_AGE_YEARS": rng.uniform(21, 65, rows),
            "APP_DAYS_BIRTH": -rng.uniform(21, 65, rows) * 365.25,
            "APP_NAME_INCOME_TYPE_CODE": rng.integers(0, 4, rows).astype(float),
            "APP_EXT_SOURCE_MAX": rng.uniform(0, 1, rows),
            "APP_EXT_SOURCE_MEAN": rng.uniform(0, 1, rows),
        }
    )
    return x, (rng.uniform(0, 1, rows) < 0.08).astype(int)


def test_one_percent_of_its_training_rows_are_novel_and_the_policy_is_priced() -> None:
    x, y = _applications()
    policy = fit_policy(x)
    assert policy.novelty is not None
    proba = np.full(len(x), 0.01)  # every file under the threshold: only the policy's rules decide
    priced = evaluate_policy(policy, x, y, proba, threshold=0.5, weights=CostWeights())
    distances = policy.novelty.distances(x[list(policy.novelty.features)].to_numpy())
    assert np.mean(distances > policy.novelty.threshold) == pytest.approx(0.01, abs=0.002), "1 % novel"
    assert 0 < priced.rules["novelty"]["share"] <= 0.01, "some of those a knock-out refuses first"
    assert set(priced.rules) <= {"granted", "annuity_income", "credit_income", "age_at_end", "novelty"}
    granted = priced.outcomes == "granted"
    by_hand = (10 * np.sum(granted & (y == 1)) + np.sum(~granted & (y == 0))) / len(y)
    assert priced.cost == pytest.approx(by_hand), "a referral costs as a refusal"
    assert priced.cost_without_policy == pytest.approx(10 * np.sum(y == 1) / len(y)), "all granted alone"
    shares = priced.metrics("holdout_")
    total = sum(shares[f"holdout_policy_{o}_share"] for o in ("granted", "refused", "referred"))
    assert total == pytest.approx(1.0)


def test_a_model_without_the_policys_features_requires_none_of_them_and_measures_no_novelty() -> None:
    x = pd.DataFrame({"BURO_COUNT": [1.0, 2.0, 3.0]})
    policy = fit_policy(x)
    assert policy.required == ()
    assert policy.novelty is None
    assert policy.decide({"BURO_COUNT": 1.0}, 0.01, 0.5).outcome == "granted", "nothing required is missing"
    priced = evaluate_policy(
        policy, x, np.array([0, 1, 0]), np.array([0.1, 0.9, 0.2]), threshold=0.5, weights=CostWeights()
    )
    assert priced.outcomes.tolist() == ["granted", "refused", "granted"], "the score alone decides"
    assert len(fit_policy(_applications()[0]).required) == len(REQUIRED), "all required where all exist"
