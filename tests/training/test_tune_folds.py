"""A search trial on shared binned folds computes what cross_validate computes on the pipeline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from training.model.candidates import lightgbm_pipeline
from training.model.fold_training import cross_validate_folds
from training.model.folds import build_fold, fold_splits
from training.model.validation import cross_validate

FOLDS, SEED = 3, 5
PARAMS: dict[str, Any] = {
    "n_estimators": 400,
    "learning_rate": 0.1,
    "num_leaves": 15,
    "max_depth": -1,
    "min_child_samples": 30,
    "reg_lambda": 1.0,
    "reg_alpha": 0.01,
    "subsample": 0.8,
    "colsample_bytree": 0.6,
}


LEAF_SIZES = (10, 199)


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    """About 12% positives; continuous features, missing values, and rare flags that LightGBM's
    pre-filter keeps at some leaf sizes and drops at others (more so in the undersampled rows)."""
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.normal(size=(1500, 8)), columns=[f"f{i}" for i in range(8)])
    y = (x["f0"] - 0.5 * x["f1"] + rng.normal(scale=1.2, size=len(x)) > 1.8).to_numpy(dtype=int)
    x.loc[rng.random(len(x)) < 0.1, "f2"] = np.nan
    for share in (0.01, 0.03, 0.08):
        x[f"flag_{share}"] = (rng.random(len(x)) < share).astype(float)
    return x, y


def _folds(x: pd.DataFrame, y: np.ndarray) -> list:
    x_values = x.to_numpy(dtype=np.float64)
    return [
        build_fold(x_values, y, number, folds=FOLDS, seed=SEED, names=list(x.columns), leaf_sizes=LEAF_SIZES)
        for number in range(1, FOLDS + 1)
    ]


@pytest.fixture(scope="module")
def folds(data) -> list:
    return _folds(*data)


def _both_paths(
    data: tuple[pd.DataFrame, np.ndarray], folds: list, params: dict[str, Any], imbalance: str
) -> tuple[Any, Any, list, list]:
    x, y = data
    pipeline_costs: list[tuple[int, float]] = []
    shared_costs: list[tuple[int, float]] = []
    expected = cross_validate(
        lambda: lightgbm_pipeline(params, imbalance, SEED),
        x,
        y,
        folds=FOLDS,
        seed=SEED,
        on_fold=lambda done, cost: pipeline_costs.append((done, cost)),
    )
    actual = cross_validate_folds(
        folds,
        y,
        params,
        imbalance,
        seed=SEED,
        on_fold=lambda done, cost: shared_costs.append((done, cost)),
    )
    return expected, actual, pipeline_costs, shared_costs


@pytest.mark.parametrize("leaf_size", [10, 25, 60, 199])
@pytest.mark.parametrize("imbalance", ["class_weight", "undersample"])
def test_a_trial_on_shared_folds_equals_the_pipeline_cross_validated(
    data, folds, imbalance: str, leaf_size: int
) -> None:
    # Given the same configuration, seed and folds, at leaf sizes where rare flags survive or not
    params = PARAMS | {"min_child_samples": leaf_size}
    # When the pipeline is cross-validated, and the trial's path trains on folds binned once
    expected, actual, pipeline_costs, shared_costs = _both_paths(data, folds, params, imbalance)
    # Then both stop at the same trees on the same inner slices and predict the same probabilities
    assert actual.best_iterations == expected.best_iterations, "early stopping chose other sizes"
    assert all(1 <= trees < params["n_estimators"] for trees in actual.best_iterations), "it stopped early"
    np.testing.assert_array_equal(actual.oof, expected.oof, err_msg="out-of-fold probabilities differ")
    # And report the same pooled cost after each fold, and the same figures at the end
    assert shared_costs == pipeline_costs, "per-fold reports differ"
    assert actual.scores == expected.scores, "figures differ"
    assert actual.fold_costs == expected.fold_costs, "fold costs differ"


def test_folds_are_cross_validates_and_each_fold_is_built_once_for_every_strategy(data, folds) -> None:
    x, y = data
    # Given the fold splits of the search
    splits = fold_splits(y, FOLDS, SEED)
    # When fold 2 is built
    fold = folds[1]
    # Then it scores the rows cross_validate scores in its second fold, with their features
    np.testing.assert_array_equal(fold.scored_rows, splits[1][1], err_msg="not the second fold's rows")
    np.testing.assert_array_equal(fold.x_scored, x.to_numpy()[splits[1][1]], err_msg="not their features")
    # And it holds binned training data for both strategies, undersampling with its share of good clients
    assert set(fold.training) == {"class_weight", "undersample"}, "a strategy has no data"
    assert fold.training["class_weight"].keep is None, "class weights keep every good client"
    keep = fold.training["undersample"].keep
    assert keep is not None, "undersampling records its share"
    assert 0 < keep < 1, "undersampling keeps a share of the good clients"
    # And every leaf size of the search has its binned copy, several when the flags drop out
    for strategy, part in fold.training.items():
        covered = [leaf for v in part.variants for leaf in range(v.leaf_sizes[0], v.leaf_sizes[1] + 1)]
        assert covered == list(range(LEAF_SIZES[0], LEAF_SIZES[1] + 1)), f"{strategy}: leaf sizes {covered}"
        assert all(v.fit and v.stop for v in part.variants), f"{strategy}: empty binned data"
    assert len(fold.training["undersample"].variants) > 1, "the flags drop out at some leaf sizes"


def test_a_strategy_or_leaf_size_the_folds_were_not_built_for_is_refused(data, folds) -> None:
    _, y = data
    # Given folds binned for the search's strategies and leaf sizes
    # When a configuration names another strategy, or a leaf size outside the range
    # Then it is refused by name, never trained on data binned for something else
    with pytest.raises(ValueError, match="smote"):
        cross_validate_folds(folds, y, PARAMS, "smote", seed=SEED)
    with pytest.raises(ValueError, match="min_child_samples=5"):
        cross_validate_folds(folds, y, PARAMS | {"min_child_samples": 5}, "class_weight", seed=SEED)
