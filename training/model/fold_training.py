"""A search trial's cross-validation: `lightgbm.train` on folds binned once (training.model.folds).

The protocol is `training.model.validation.cross_validate`'s, step for step, so a trial's figures mean
what a candidate's mean: the same folds, early stopping on the same inner slice of each training fold
(never on the scored fold), the same class weights or undersampled rows and the undersampling's prior
correction, and the pooled out-of-fold business cost at its best threshold, reported after each fold.
Only the work changes: no pandas, no binning, the trial's CPUs as LightGBM threads.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np

from training.model.binning import load_variant
from training.model.booster import booster_params
from training.model.cost import DEFAULT_WEIGHTS, CostWeights
from training.model.folds import STRATEGIES, FoldData
from training.model.validation import CvResult, FoldCallback, pooled_result, report_fold


def fit_fold(
    fold: FoldData,
    params: dict[str, Any],
    rounds: int,
    imbalance: str,
    *,
    early_stopping_rounds: int,
) -> tuple[np.ndarray, int]:
    """Probabilities of the fold's scored rows, and the number of trees early stopping kept."""
    training = fold.training[imbalance]
    variant = training.for_leaf_size(int(params["min_child_samples"]))
    with tempfile.TemporaryDirectory(prefix="trial-fold-") as folder:
        fit, stop = load_variant(variant, Path(folder), params)
        booster = lightgbm.train(
            params,
            fit,
            num_boost_round=rounds,
            valid_sets=[stop],
            callbacks=[lightgbm.early_stopping(early_stopping_rounds, verbose=False)],
        )
    proba = booster.predict(fold.x_scored)  # at the best iteration, as predict_proba after stopping
    if training.keep is not None:
        keep = training.keep
        proba = keep * proba / (1.0 - proba + keep * proba)
    return proba, int(booster.best_iteration or rounds)


def cross_validate_folds(
    folds: Iterable[FoldData],
    target: np.ndarray,
    params: dict[str, Any],
    imbalance: str,
    *,
    seed: int,
    weights: CostWeights = DEFAULT_WEIGHTS,
    threads: int = 1,
    early_stopping_rounds: int = 50,
    on_fold: FoldCallback | None = None,
) -> CvResult:
    """cross_validate(lightgbm_pipeline(params, imbalance, seed), ...) on prepared folds.

    `folds` may be lazy (a trial fetches each fold from the object store only when it gets there).
    """
    if imbalance not in STRATEGIES:
        raise ValueError(f"the search knows the strategies {STRATEGIES}, not {imbalance!r}")
    y = np.asarray(target).astype(int)
    lgbm_params, rounds = booster_params(params, seed, threads)
    oof = np.full(len(y), np.nan)
    iterations: list[int] = []
    scored: list[np.ndarray] = []
    started = time.perf_counter()
    for done, fold in enumerate(folds, start=1):
        proba, stopped_at = fit_fold(
            fold, lgbm_params, rounds, imbalance, early_stopping_rounds=early_stopping_rounds
        )
        oof[fold.scored_rows] = proba
        iterations.append(stopped_at)
        scored.append(fold.scored_rows)
        report_fold(on_fold, done, y, oof, weights)
    return pooled_result(
        y, oof, weights, scored, iterations=iterations, seconds=time.perf_counter() - started
    )
