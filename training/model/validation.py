"""Stratified cross-validation with out-of-fold predictions: the one evaluation every model goes through.

Candidates and Ray Tune trials both call `cross_validate`, so a trial's figures and a candidate's
mean the same thing: the business cost of the pooled out-of-fold predictions at their best threshold.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import lightgbm
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from training.model.cost import DEFAULT_WEIGHTS, CostWeights, best_threshold
from training.model.metrics import Scores, score_predictions

#: Called after each fold with (folds done, pooled cost so far): Ray Tune's report, or a progress bar.
FoldCallback = Callable[[int, float], None]


@dataclass(frozen=True)
class CvResult:
    """Out-of-fold predictions of a model, its best threshold and figures there, and timings."""

    oof: np.ndarray
    scores: Scores
    fit_seconds: float
    best_iterations: tuple[int, ...]

    @property
    def mean_best_iteration(self) -> int | None:
        """Trees to refit with: the mean early-stopping point over folds (None without early stopping)."""
        return round(float(np.mean(self.best_iterations))) if self.best_iterations else None


def _is_lightgbm(pipeline: Pipeline) -> bool:
    model = pipeline.steps[-1][1]
    inner = getattr(model, "estimator", model)
    return isinstance(inner, lightgbm.LGBMClassifier)


def _fit_fold(
    pipeline: Pipeline,
    x_fit: pd.DataFrame,
    y_fit: np.ndarray,
    x_val: pd.DataFrame,
    y_val: np.ndarray,
    *,
    early_stopping_rounds: int | None,
) -> int | None:
    """Fit one fold; LightGBM stops early on the fold's validation rows and says where."""
    if early_stopping_rounds and _is_lightgbm(pipeline):
        pipeline.fit(
            x_fit,
            y_fit,
            model__eval_X=(x_val,),
            model__eval_y=(y_val,),
            model__callbacks=[lightgbm.early_stopping(early_stopping_rounds, verbose=False)],
        )
        model = pipeline.steps[-1][1]
        booster_owner = getattr(model, "estimator_", model)
        return int(booster_owner.best_iteration_ or booster_owner.n_estimators)
    pipeline.fit(x_fit, y_fit)
    return None


def cross_validate(
    build: Callable[[], Pipeline],
    features: pd.DataFrame,
    target: np.ndarray,
    *,
    folds: int = 5,
    seed: int = 0,
    weights: CostWeights = DEFAULT_WEIGHTS,
    early_stopping_rounds: int | None = 50,
    on_fold: FoldCallback | None = None,
) -> CvResult:
    """Out-of-fold probabilities of a fresh pipeline per fold, scored at the cost-minimising threshold."""
    y = np.asarray(target).astype(int)
    oof = np.full(len(y), np.nan)
    iterations: list[int] = []
    started = time.perf_counter()
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for done, (fit_rows, val_rows) in enumerate(splitter.split(features, y), start=1):
        pipeline = build()
        x_val = features.iloc[val_rows]
        stopped_at = _fit_fold(
            pipeline,
            features.iloc[fit_rows],
            y[fit_rows],
            x_val,
            y[val_rows],
            early_stopping_rounds=early_stopping_rounds,
        )
        if stopped_at is not None:
            iterations.append(stopped_at)
        oof[val_rows] = pipeline.predict_proba(x_val)[:, 1]
        if on_fold is not None:
            seen = ~np.isnan(oof)
            on_fold(done, best_threshold(y[seen], oof[seen], weights).cost)
    choice = best_threshold(y, oof, weights)
    return CvResult(
        oof=oof,
        scores=score_predictions(y, oof, choice.threshold, weights),
        fit_seconds=time.perf_counter() - started,
        best_iterations=tuple(iterations),
    )
