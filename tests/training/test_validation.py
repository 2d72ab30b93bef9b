"""Cross-validation: early stopping never sees the rows it is scored on; fold costs give a spread."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from lightgbm import LGBMClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from tests.training.conftest import noisy_threshold_data
from training.model.candidates import LGBM_FIXED, with_trees
from training.model.cost import business_cost
from training.model.validation import INNER_SHARE, cross_validate

FOLDS, SEED = 4, 3


class StoppingRowsRecorder(LGBMClassifier):
    """A real LightGBM that remembers which rows it was fitted and stopped on."""

    seen: list[tuple[set[int], set[int]]] = []  # noqa: RUF012 (shared by the copies sklearn makes)

    def fit(self, X: pd.DataFrame, y: Any, **kwargs: Any) -> StoppingRowsRecorder:  # noqa: N803
        stop_rows = set().union(*(set(frame.index) for frame in kwargs.get("eval_X", ())))
        StoppingRowsRecorder.seen.append((set(X.index), stop_rows))
        return super().fit(X, y, **kwargs)


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    return noisy_threshold_data(1200, 6, noise=1.5, cut=1.5, seed=0)


def test_early_stopping_uses_an_inner_slice_of_the_training_fold_never_the_scored_fold(data) -> None:
    x, y = data
    StoppingRowsRecorder.seen.clear()
    result = cross_validate(
        lambda: Pipeline([("model", StoppingRowsRecorder(n_estimators=300, **LGBM_FIXED))]),
        x,
        y,
        folds=FOLDS,
        seed=SEED,
        early_stopping_rounds=10,
    )
    scored = [set(rows) for _, rows in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(x, y)]
    assert len(StoppingRowsRecorder.seen) == FOLDS, "one fit per fold"
    for (fitted, stopped_on), scored_rows in zip(StoppingRowsRecorder.seen, scored, strict=True):
        assert stopped_on, "early stopping had rows to stop on"
        assert not stopped_on & scored_rows, "early stopping looked at the rows it is scored on"
        assert not stopped_on & fitted, "nor on rows it was fitted on"
        share = len(stopped_on) / (len(stopped_on) + len(fitted))
        assert share == pytest.approx(INNER_SHARE, abs=0.01), "an inner slice of the training fold"
    assert len(result.best_iterations) == FOLDS, "each fold says where it stopped"
    assert 1 <= result.mean_best_iteration < 300, "and stopped early"


def test_fold_costs_are_taken_at_the_pooled_threshold_and_give_a_standard_error(data) -> None:
    x, y = data
    result = cross_validate(
        lambda: with_trees(Pipeline([("model", LGBMClassifier(**LGBM_FIXED))]), 40),
        x,
        y,
        folds=FOLDS,
        seed=SEED,
        early_stopping_rounds=None,
    )
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(x, y)
    expected = [business_cost(y[rows], result.oof[rows], result.scores.threshold) for _, rows in folds]
    assert result.fold_costs == pytest.approx(expected), "each fold scored at the one threshold"
    assert result.best_iterations == (), "no early stopping asked, none done"
    assert 0 < result.cost_standard_error < np.std(expected), "the spread of the mean, not of a fold"


@pytest.mark.parametrize("candidate", ["lightgbm_class_weight", "logreg_undersample"])
def test_folds_fitted_at_once_give_exactly_the_sequential_result(data, candidate: str) -> None:
    from training.model.candidates import candidates

    x, y = data
    build = next(c for c in candidates() if c.name == candidate).build
    results = [
        cross_validate(
            lambda: build([], list(x.columns), SEED), x, y, folds=FOLDS, seed=SEED, workers=workers
        )
        for workers in (1, 2)
    ]

    assert np.array_equal(results[0].oof, results[1].oof), "the same out-of-fold predictions"
    assert results[0].best_iterations == results[1].best_iterations, "each fold stopped at the same tree"
    assert results[0].fold_costs == results[1].fold_costs


def test_with_trees_sets_the_size_of_a_plain_or_undersampled_lightgbm() -> None:
    from training.model.candidates import LGBM_DEFAULTS, lightgbm_pipeline

    for imbalance in ("class_weight", "undersample"):
        pipeline = with_trees(lightgbm_pipeline(LGBM_DEFAULTS, imbalance), 123)
        model = pipeline.steps[-1][1]
        assert getattr(model, "estimator", model).n_estimators == 123, imbalance
