"""Ray Tune search of LightGBM's hyper-parameters: Optuna TPE proposes, ASHA stops bad trials early.

A trial is one stratified cross-validation by validation's protocol (training.model.fold_training);
it reports the pooled business cost after every fold, so ASHA can drop a hopeless configuration after
its first fold. What keeps a search short (issue 15: 30 trials × 5 folds at scale 0.1 under 10 minutes
on 2 cores) without changing what a trial measures:

- each fold is split and binned once, by Ray tasks, and shared through the object store
  (training.model.folds): a trial only trains, with `lightgbm.train` (training.model.booster);
- a trial's LightGBM runs as many threads as the CPUs Ray gives the trial;
- `cpus // cpus_per_trial` trials run at once, on reused actors (no process start and imports per
  trial), and Optuna suggests each next configuration on demand: no CPU waits;
- ASHA compares trials from their first fold.

Every trial records its wall time, the folds it did, whether ASHA stopped it and the node it ran on.
`address` joins a running cluster (`ray start --head`, more nodes with `ray start --address`, or
KubeRay's, through Ray Client `ray://`): trials run on its nodes that have CPUs free.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from training.model.candidates import monotone_settings
from training.model.cost import DEFAULT_WEIGHTS, CostWeights
from training.model.fold_training import cross_validate_folds
from training.model.folds import FoldData, build_fold

if TYPE_CHECKING:
    from ray import ObjectRef

log = logging.getLogger(__name__)

#: Early stopping picks the number of trees below this ceiling (in a 30-trial search at scale 0.1,
#: the trials that ran every fold stopped at 58 to 377 trees on average, at rates down to 0.010).
MAX_TREES = 1000
#: Slower rates buy nothing measurable and cost the search its time budget: in a 30-trial search at
#: scale 0.1, two trials at 0.010-0.011 took 850 of its 1,428 trial-seconds (one held a core for
#: 570 s) for a CV cost within 0.003 of the trials at 0.03-0.05.
MIN_LEARNING_RATE = 0.02
METRIC = "cv_business_cost"
#: The leaf sizes searched (`min_child_samples`, upper end excluded): folds are binned for each.
LEAF_SIZES = (10, 200)
#: ASHA's first comparison comes after this many folds; at each rung half the trials go on.
GRACE_FOLDS = 1
REDUCTION_FACTOR = 2
#: A trial's reported numbers kept as its metrics, beside the cv_*, best_*, fit_* and folds_* ones.
_TRIAL_FIGURES = frozenset({METRIC, "trial_seconds", "trial_threads"})


@dataclass(frozen=True)
class TrialOutcome:
    """One trial as MLflow records it: parameters, last reported metrics, whether it ran to the end,
    and how it ran (wall time, folds done, stopped by ASHA, node)."""

    trial_id: str
    params: dict[str, Any]
    metrics: dict[str, float]
    completed: bool
    seconds: float
    folds_done: int
    stopped_early: bool
    node_id: str
    node_ip: str


@dataclass(frozen=True)
class SearchOutcome:
    """Every trial of a search, the best complete one, and how the search spent its time."""

    trials: tuple[TrialOutcome, ...]
    best: TrialOutcome
    seconds: float
    fold_data_seconds: float  # splitting and binning the folds, once, before the first trial
    concurrent_trials: int

    @property
    def seconds_per_trial(self) -> float:
        """Mean wall time of a trial, from its start to its last fold."""
        return float(np.mean([trial.seconds for trial in self.trials]))

    @property
    def stopped_early(self) -> int:
        """Trials ASHA stopped before their last fold."""
        return sum(trial.stopped_early for trial in self.trials)

    @property
    def nodes(self) -> tuple[str, ...]:
        """Ids of the Ray nodes trials ran on."""
        return tuple(sorted({trial.node_id for trial in self.trials}))


def search_space() -> dict[str, Any]:
    """The LightGBM parameters searched, with ranges that make sense for ~100-300 tabular features."""
    from ray import tune

    return {
        "learning_rate": tune.loguniform(MIN_LEARNING_RATE, 0.2),
        "num_leaves": tune.randint(8, 96),
        "max_depth": tune.choice([-1, 4, 6, 8, 12]),
        "min_child_samples": tune.randint(*LEAF_SIZES),
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
    folds: tuple[ObjectRef, ...],
    target: np.ndarray,
    seed: int,
    weights: CostWeights,
    fixed: dict[str, Any],
) -> None:
    """Ray Tune's trainable: cross-validate one configuration (with the `fixed` parameters the search
    does not touch: the monotone constraints) on the shared folds, reporting each fold."""
    import ray
    from ray import tune

    started = time.perf_counter()
    context = ray.get_runtime_context()
    threads = max(1, int(context.get_assigned_resources().get("CPU", 1)))
    where = {"node_id": context.get_node_id(), "node_ip": ray.util.get_node_ip_address()}
    params, imbalance = lightgbm_params(config)
    params |= fixed

    def progress(done: int) -> dict[str, Any]:
        elapsed = time.perf_counter() - started
        return {"folds_done": done, "trial_seconds": elapsed, "trial_threads": threads, **where}

    def report_fold(done: int, cost: float) -> None:
        if done < len(folds):
            tune.report({METRIC: cost, **progress(done)})

    fetched: Any = (ray.get(fold) for fold in folds)  # each fold only when the trial gets there
    result = cross_validate_folds(
        fetched, target, params, imbalance, seed=seed, weights=weights, threads=threads, on_fold=report_fold
    )
    tune.report(
        {
            METRIC: result.scores.business_cost,
            **progress(len(folds)),
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


def _built_fold(
    x: np.ndarray, target: np.ndarray, number: int, *, folds: int, seed: int, names: list[str]
) -> tuple[float, FoldData]:
    """A Ray task's body: (seconds spent, the fold's data); two returns, so the driver checks the
    task by its seconds without fetching the data, which stays in the object store for the trials."""
    started = time.perf_counter()
    leaf_sizes = (LEAF_SIZES[0], LEAF_SIZES[1] - 1)
    fold = build_fold(x, target, number, folds=folds, seed=seed, names=names, leaf_sizes=leaf_sizes)
    return time.perf_counter() - started, fold


def share_folds(features: pd.DataFrame, target: np.ndarray, *, folds: int, seed: int) -> list[ObjectRef]:
    """Build every fold's data once, in parallel on the cluster; references the trials fetch them by."""
    import ray

    x = ray.put(np.ascontiguousarray(features.to_numpy(dtype=np.float64)))
    names = [str(column) for column in features.columns]
    build = ray.remote(num_cpus=1, num_returns=2)(_built_fold)
    y = np.asarray(target)
    tasks = [
        build.remote(x, y, number, folds=folds, seed=seed, names=names) for number in range(1, folds + 1)
    ]
    seconds = ray.get([timing for timing, _ in tasks])  # raises here if a fold could not be built
    log.info("fold data shared", extra={"folds": folds, "task_seconds": [round(s, 2) for s in seconds]})
    return [fold for _, fold in tasks]


def _outcome(metrics: dict[str, Any], config: dict[str, Any], trial_id: str, folds: int) -> TrialOutcome:
    done = int(metrics["folds_done"])
    return TrialOutcome(
        trial_id=trial_id,
        params=config,
        metrics={
            key: float(value)
            for key, value in metrics.items()
            if key in _TRIAL_FIGURES or key.startswith(("cv_", "best_", "fit_", "folds_"))
        },
        completed=done == folds,
        seconds=float(metrics["trial_seconds"]),
        folds_done=done,
        stopped_early=done < folds,
        node_id=str(metrics["node_id"]),
        node_ip=str(metrics["node_ip"]),
    )


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
    cpus_per_trial: int = 1,
    monotone: bool = True,
) -> SearchOutcome:
    """Run the search on `cpus` local cores (or `cpus` CPUs of the Ray cluster at `address`), with
    `cpus_per_trial` CPUs per trial, each one a LightGBM thread."""
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.optuna import OptunaSearch

    from training.model.trial_log import TrialLog

    _init_ray(address, cpus)
    started = time.perf_counter()
    y = np.asarray(target).astype(int)
    shared = share_folds(features, y, folds=folds, seed=seed)
    fold_data_seconds = time.perf_counter() - started
    concurrent = max(1, cpus // cpus_per_trial)
    trainable = tune.with_resources(
        tune.with_parameters(
            run_trial,
            folds=tuple(shared),
            target=y,
            seed=seed,
            weights=weights,
            fixed=monotone_settings(list(features.columns), monotone),
        ),
        {"cpu": cpus_per_trial},
    )
    tuner = tune.Tuner(
        trainable,
        param_space=search_space(),
        tune_config=tune.TuneConfig(
            metric=METRIC,
            mode="min",
            search_alg=OptunaSearch(seed=seed),
            scheduler=ASHAScheduler(
                time_attr="training_iteration",
                max_t=folds,
                grace_period=min(GRACE_FOLDS, folds),
                reduction_factor=REDUCTION_FACTOR,
            ),
            num_samples=trials,
            max_concurrent_trials=concurrent,
            reuse_actors=True,
        ),
        run_config=tune.RunConfig(
            storage_path=str(storage.resolve()),
            name="lightgbm_search",
            verbose=1,
            callbacks=[TrialLog()],
        ),
    )
    grid = tuner.fit()
    outcomes = []
    for result in grid:
        if result.error or not result.metrics:
            log.warning("trial failed", extra={"error": str(result.error)})
            continue
        trial_id = str(result.metrics.get("trial_id", result.path))
        outcomes.append(_outcome(result.metrics, dict(result.config), trial_id, folds))
    complete = [trial for trial in outcomes if trial.completed]
    if not complete:
        raise RuntimeError("no trial of the search ran to its last fold; raise the budget")
    outcome = SearchOutcome(
        trials=tuple(outcomes),
        best=min(complete, key=lambda trial: trial.metrics[METRIC]),
        seconds=time.perf_counter() - started,
        fold_data_seconds=fold_data_seconds,
        concurrent_trials=concurrent,
    )
    log.info(
        "search finished",
        extra={
            "trials": len(outcome.trials),
            "stopped_early": outcome.stopped_early,
            "seconds": round(outcome.seconds, 1),
            "seconds_per_trial": round(outcome.seconds_per_trial, 1),
            "best_cost": outcome.best.metrics[METRIC],
            "nodes": len(outcome.nodes),
            "cluster_cpus": ray.cluster_resources().get("CPU"),
        },
    )
    return outcome
