"""Ray Tune search of LightGBM's hyper-parameters: Optuna TPE proposes, ASHA stops bad trials early.

A trial is one stratified cross-validation (training.model.validation); it reports the pooled business cost
after every fold, so ASHA can drop a hopeless configuration after its first folds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from training.model.candidates import lightgbm_pipeline
from training.model.cost import DEFAULT_WEIGHTS, CostWeights
from training.model.validation import cross_validate

log = logging.getLogger(__name__)

#: Early stopping picks the number of trees below this ceiling.
MAX_TREES = 2000
METRIC = "cv_business_cost"


@dataclass(frozen=True)
class TrialOutcome:
    """One trial as MLflow records it: parameters, last reported metrics, and whether it ran to the end."""

    trial_id: str
    params: dict[str, Any]
    metrics: dict[str, float]
    completed: bool


@dataclass(frozen=True)
class SearchOutcome:
    """Every trial of a search and the best complete one."""

    trials: tuple[TrialOutcome, ...]
    best: TrialOutcome
    seconds: float


def search_space() -> dict[str, Any]:
    """The LightGBM parameters searched, with ranges that make sense for ~100-300 tabular features."""
    from ray import tune

    return {
        "learning_rate": tune.loguniform(0.01, 0.2),
        "num_leaves": tune.randint(8, 96),
        "max_depth": tune.choice([-1, 4, 6, 8, 12]),
        "min_child_samples": tune.randint(10, 200),
        "reg_lambda": tune.loguniform(1e-3, 30.0),
        "reg_alpha": tune.loguniform(1e-3, 10.0),
        "subsample": tune.uniform(0.5, 1.0),
        "colsample_bytree": tune.uniform(0.2, 1.0),
        "imbalance": tune.choice(["class_weight", "undersample"]),
    }


def lightgbm_params(config: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Split a trial's config into LightGBM parameters and the class-imbalance strategy."""
    params = {key: value for key, value in config.items() if key != "imbalance"}
    params.setdefault("n_estimators", MAX_TREES)
    return params, config.get("imbalance", "class_weight")


def run_trial(
    config: dict[str, Any],
    *,
    features: pd.DataFrame,
    target: np.ndarray,
    folds: int,
    seed: int,
    weights: CostWeights,
) -> None:
    """Ray Tune's trainable: cross-validate one configuration, reporting after each fold."""
    from ray import tune

    params, imbalance = lightgbm_params(config)

    def report_fold(done: int, cost: float) -> None:
        if done < folds:
            tune.report({METRIC: cost, "folds_done": done})

    result = cross_validate(
        lambda: lightgbm_pipeline(params, imbalance, seed),
        features,
        target,
        folds=folds,
        seed=seed,
        weights=weights,
        on_fold=report_fold,
    )
    tune.report(
        {
            METRIC: result.scores.business_cost,
            "folds_done": folds,
            "best_iteration": float(result.mean_best_iteration or params["n_estimators"]),
            "fit_seconds": result.fit_seconds,
            **result.scores.as_dict("cv_"),
        }
    )


def _init_ray(address: str | None, cpus: int) -> None:
    """Join a cluster or start a local one (RAY_AUTH_MODE=disabled comes from demo.env or the image)."""
    import ray

    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)


def search(
    features: pd.DataFrame,
    target: np.ndarray,
    *,
    trials: int,
    folds: int,
    seed: int,
    storage: Path,
    weights: CostWeights = DEFAULT_WEIGHTS,
    address: str | None = None,
    cpus: int = 2,
) -> SearchOutcome:
    """Run the search on the local cores (or the Ray cluster at `address`) and collect every trial."""
    import time

    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.optuna import OptunaSearch

    _init_ray(address, cpus)
    started = time.perf_counter()
    trainable = tune.with_resources(
        tune.with_parameters(
            run_trial, features=features, target=np.asarray(target), folds=folds, seed=seed, weights=weights
        ),
        {"cpu": 1},
    )
    tuner = tune.Tuner(
        trainable,
        param_space=search_space(),
        tune_config=tune.TuneConfig(
            metric=METRIC,
            mode="min",
            search_alg=OptunaSearch(seed=seed),
            scheduler=ASHAScheduler(
                time_attr="training_iteration", max_t=folds, grace_period=min(2, folds), reduction_factor=2
            ),
            num_samples=trials,
            max_concurrent_trials=cpus,
        ),
        run_config=tune.RunConfig(storage_path=str(storage.resolve()), name="lightgbm_search", verbose=1),
    )
    grid = tuner.fit()
    outcomes = []
    for result in grid:
        if result.error or not result.metrics:
            log.warning("trial failed", extra={"error": str(result.error)})
            continue
        metrics = {
            k: float(v)
            for k, v in result.metrics.items()
            if k == METRIC or k.startswith(("cv_", "best_", "fit_", "folds_"))
        }
        outcomes.append(
            TrialOutcome(
                trial_id=str(result.metrics.get("trial_id", result.path)),
                params=dict(result.config),
                metrics=metrics,
                completed=int(metrics.get("folds_done", 0)) == folds,
            )
        )
    complete = [trial for trial in outcomes if trial.completed]
    if not complete:
        raise RuntimeError("no trial of the search ran to its last fold; raise the budget")
    best = min(complete, key=lambda trial: trial.metrics[METRIC])
    return SearchOutcome(trials=tuple(outcomes), best=best, seconds=time.perf_counter() - started)
