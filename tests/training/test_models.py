"""Candidate pipelines: each fits and predicts; undersampling keeps probabilities on the population scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from credit_model.estimators import UndersampledClassifier, unwrap_lightgbm
from training.model.candidates import candidates, categorical_features

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def imbalanced() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 4000
    x = pd.DataFrame(
        {"SIGNAL": rng.normal(size=n), "NOISE": rng.normal(size=n), "APP_KIND_CODE": rng.integers(0, 3, n)}
    )
    x.loc[rng.random(n) < 0.1, "NOISE"] = np.nan
    logit = -2.8 + 1.5 * x["SIGNAL"]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return x, y


def test_undersampling_keeps_the_population_default_rate(imbalanced: tuple[pd.DataFrame, np.ndarray]) -> None:
    # given a rare positive class
    x, y = imbalanced
    model = UndersampledClassifier(LogisticRegression(), ratio=1.0).fit(x[["SIGNAL"]], y)
    # when predicting after fitting on a balanced subsample
    mean_proba = model.predict_proba(x[["SIGNAL"]])[:, 1].mean()
    # then the prior correction brings the mean probability back to the observed rate
    assert mean_proba == pytest.approx(y.mean(), abs=0.02), f"mean {mean_proba:.3f} vs rate {y.mean():.3f}"
    assert 0 < model.keep_ < 0.5, "only a share of the good clients is kept"


def test_every_candidate_fits_and_ranks(imbalanced: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, y = imbalanced
    categorical = categorical_features(x.columns)
    numeric = [c for c in x.columns if c not in categorical]
    assert categorical == ["APP_KIND_CODE"], "only *_CODE columns are categorical"
    for candidate in candidates():
        pipeline = candidate.build(categorical, numeric, 0).fit(x, y)
        proba = pipeline.predict_proba(x)[:, 1]
        assert proba.shape == (len(x),), candidate.name
        assert np.all((proba >= 0) & (proba <= 1)), f"{candidate.name} gives probabilities"
        if candidate.family != "dummy":
            assert np.corrcoef(proba, x["SIGNAL"])[0, 1] > 0.5, f"{candidate.name} must follow the signal"


def test_unwrap_gives_the_booster_and_the_undersampling_offset(
    imbalanced: tuple[pd.DataFrame, np.ndarray],
) -> None:
    x, y = imbalanced
    by_name = {c.name: c for c in candidates()}
    pipeline = by_name["lightgbm_undersample"].build([], list(x.columns), 0).fit(x, y)
    model, offset = unwrap_lightgbm(pipeline)
    raw = model.booster_.predict(x.to_numpy(dtype=float), raw_score=True) + offset
    expected = pipeline.predict_proba(x)[:, 1]
    assert np.allclose(1 / (1 + np.exp(-raw)), expected), (
        "raw score + offset must give the pipeline's probability"
    )
    assert unwrap_lightgbm(by_name["dummy_prior"].build([], [], 0)) is None, "no booster in the dummy"
