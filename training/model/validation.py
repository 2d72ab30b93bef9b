"""Stratified cross-validation with out-of-fold predictions: the one evaluation every model goes through.

Candidates and Ray Tune trials both call `cross_validate`, so a trial's figures and a candidate's
mean the same thing: the business cost of the pooled out-of-fold predictions at their best threshold.

Early stopping never looks at the fold it is scored on: each training fold gives up an inner slice
(stratified, `INNER_SHARE` of its rows) on which LightGBM picks its number of trees, and the fold's
held-out rows only score the result. (Stopping on the scored fold made every LightGBM's figures, and
the threshold learned from them, optimistic.)
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import lightgbm
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline

from training.model.cost import DEFAULT_WEIGHTS, CostWeights, best_threshold, business_cost
from training.model.metrics import Scores, score_predictions

#: Called after each fold with (folds done, pooled cost so far): Ray Tune's report, or a progress bar.
FoldCallback = Callable[[int, float], None]
#: Share of each training fold set aside for early stopping.
INNER_SHARE = 0.15

# A rare feature can be missing in every row of a fold: the logistic candidates' median imputer then
# drops it for that fold, as intended (the fold's model never saw it), and says so once per fold and
# prediction. Set here, the filter holds in every process that evaluates a fold (Ray's trials too).
warnings.filterwarnings(
    "ignore", message="Skipping features without any observed values", category=UserWarning
)


@dataclass(frozen=True)
class CvResult:
    """Out-of-fold predictions of a model, its best threshold and figures there, and timings."""

    oof: np.ndarray
    scores: Scores
    fit_seconds: float
    best_iterations: tuple[int, ...]
    fold_costs: tuple[float, ...]  # each fold's cost at the pooled threshold

    @property
    def cost_standard_error(self) -> float:
        """Standard error of the business cost across folds (how far apart two models must be)."""
        costs = np.asarray(self.fold_costs)
        return float(costs.std(ddof=1) / np.sqrt(costs.size)) if costs.size > 1 else 0.0

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
    *,
    early_stopping_rounds: int | None,
    seed: int,
) -> int | None:
    """Fit one training fold; LightGBM stops early on an inner slice of it and says where."""
    if not (early_stopping_rounds and _is_lightgbm(pipeline)):
        pipeline.fit(x_fit, y_fit)
        return None
    x_inner, x_stop, y_inner, y_stop = train_test_split(
        x_fit, y_fit, test_size=INNER_SHARE, stratify=y_fit, random_state=seed
    )
    pipeline.fit(
        x_inner,
        y_inner,
        model__eval_X=(x_stop,),
        model__eval_y=(y_stop,),
        model__callbacks=[lightgbm.early_stopping(early_stopping_rounds, verbose=False)],
    )
    model = pipeline.steps[-1][1]
    booster_owner = getattr(model, "estimator_", model)
    return int(booster_owner.best_iteration_ or booster_owner.n_estimators)


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
    workers: int = 1,
) -> CvResult:
    """Out-of-fold probabilities of a fresh pipeline per fold, scored at the cost-minimising threshold.

    With `early_stopping_rounds`, a LightGBM pipeline stops on an inner slice of each training fold
    (see the module's docstring); None fits every tree it is given. `workers` folds are fitted at once,
    in threads: the candidates' models run on one core each (LightGBM's n_jobs=1, lbfgs), and their
    heavy work releases the GIL, so on 2 cores two folds take about the time of one. Each fold's model
    is built and seeded as in a sequential run: the result is the same whatever `workers` is.
    """
    y = np.asarray(target).astype(int)
    oof = np.full(len(y), np.nan)
    started = time.perf_counter()
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(splitter.split(features, y))

    def fit_and_predict(number: int) -> tuple[int | None, np.ndarray]:
        fit_rows, val_rows = splits[number - 1]
        pipeline = build()
        stopped_at = _fit_fold(
            pipeline,
            features.iloc[fit_rows],
            y[fit_rows],
            early_stopping_rounds=early_stopping_rounds,
            seed=seed + number,
        )
        return stopped_at, pipeline.predict_proba(features.iloc[val_rows])[:, 1]

    iterations: list[int] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for done, (stopped_at, proba) in enumerate(pool.map(fit_and_predict, range(1, folds + 1)), start=1):
            if stopped_at is not None:
                iterations.append(stopped_at)
            oof[splits[done - 1][1]] = proba
            report_fold(on_fold, done, y, oof, weights)
    scored = [rows for _, rows in splits]
    return pooled_result(
        y, oof, weights, scored, iterations=iterations, seconds=time.perf_counter() - started
    )


def report_fold(
    on_fold: FoldCallback | None, done: int, y: np.ndarray, oof: np.ndarray, weights: CostWeights
) -> None:
    """Tell `on_fold` the pooled cost of the folds scored so far (ASHA's signal, or a progress bar)."""
    if on_fold is not None:
        seen = ~np.isnan(oof)
        on_fold(done, best_threshold(y[seen], oof[seen], weights).cost)


def pooled_result(
    y: np.ndarray,
    oof: np.ndarray,
    weights: CostWeights,
    scored: list[np.ndarray],
    *,
    iterations: list[int],
    seconds: float,
) -> CvResult:
    """The cross-validation's figures: pooled out-of-fold scores at their best threshold, and the cost of
    each scored fold at that same threshold (their spread is the selection's standard error)."""
    choice = best_threshold(y, oof, weights)
    return CvResult(
        oof=oof,
        scores=score_predictions(y, oof, choice.threshold, weights),
        fit_seconds=seconds,
        best_iterations=tuple(iterations),
        fold_costs=tuple(business_cost(y[rows], oof[rows], choice.threshold, weights) for rows in scored),
    )
