"""The training job: compare models by cross-validation, tune LightGBM, refit the best, register it.

One MLflow parent run per training; a child run per candidate model, per Ray Tune trial, and for the
final model (hold-out figures, figures, global SHAP, the registered version).
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from rich.progress import Progress
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from credit_common.data_layout import DataLayout
from credit_features.backend import FEATURE_SERVICE
from credit_features.catalog import risk_directions
from credit_model.estimators import unwrap_lightgbm
from credit_model.lending_policy import LendingPolicy
from credit_model.native_trees import NativeTrees
from training.model import figures, tracking
from training.model.candidates import (
    candidates,
    categorical_features,
    lightgbm_pipeline,
    monotone_settings,
    with_trees,
)
from training.model.cost import DEFAULT_WEIGHTS, CostWeights
from training.model.dataset import LABEL, feature_columns
from training.model.fairness import Decided, FairnessReport, fairness_report
from training.model.fairness_bounds import DEFAULT_BOUNDS, FairnessBounds
from training.model.importance import explain_globally
from training.model.metrics import score_predictions
from training.model.monotonicity import check_monotone
from training.model.oracle import oracle_threshold, planted_probability
from training.model.policy import evaluate_policy, fit_policy, policy_outcomes
from training.model.protected_proxy import proxy_aucs
from training.model.sampling import SEARCH_ROWS, stratified_draw
from training.model.selection import Standing, cheapest, near_best
from training.model.tune import METRIC, SearchOutcome, lightgbm_params, search
from training.model.validation import CvResult, cross_validate
from training.reporting.model_card import CARD_FILE, model_card

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainOptions:
    """Budget and protocol of a training."""

    trials: int = 30
    folds: int = 5
    holdout: float = 0.2
    seed: int = 42
    weights: CostWeights = DEFAULT_WEIGHTS
    address: str | None = None
    cpus: int = 2
    search_rows: int | None = SEARCH_ROWS  # None: every row (training.model.sampling says why a cap)
    #: Measurement variants, registered but never served: without the monotone constraints, or with the
    #: protected attributes as inputs (what each costs is measured against the served kind).
    monotone: bool = True
    protected: bool = False
    #: What a version must hold to be promoted (the command line reads them from FAIRNESS_*).
    fairness: FairnessBounds = DEFAULT_BOUNDS
    #: Where Ray Tune keeps its trials: the data folder's (the command line and the pipeline say which);
    #: None: the folder of the data folder the training set lies in.
    ray_results: Path | None = None

    @property
    def variant(self) -> str | None:
        """The measurement variant's name (None: a version that may serve)."""
        names = [
            *(["unconstrained"] if not self.monotone else []),
            *(["protected"] if self.protected else []),
        ]
        return "+".join(names) or None


@dataclass(frozen=True)
class TrainResult:
    """What a training produced: the comparison, the chosen model and its registered version."""

    parent_run_id: str
    cv_costs: dict[str, float]
    chosen: str
    threshold: float
    holdout_auc: float
    holdout_cost: float
    model_version: str
    promoted: bool
    seconds: float
    search_seconds: float  # the Ray Tune search alone (its trials), the part of training issue 15 budgets
    search_stopped_early: int  # trials ASHA stopped before their last fold


@dataclass(frozen=True)
class _Contender:
    name: str
    family: str
    cv: CvResult
    build: Callable[[], Pipeline]  # fitted later on all training rows

    @property
    def cv_cost(self) -> float:
        return self.cv.scores.business_cost

    @property
    def threshold(self) -> float:
        return self.cv.scores.threshold


def _log_cv(name: str, params: dict[str, object], metrics: dict[str, float], tags: dict[str, str]) -> None:
    with mlflow.start_run(run_name=name, nested=True):
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        mlflow.set_tags(tags)


def _compare_candidates(
    x: pd.DataFrame, y: np.ndarray, options: TrainOptions, progress: Progress
) -> list[_Contender]:
    categorical = categorical_features(x.columns)
    numeric = [c for c in x.columns if c not in categorical]
    contenders = []
    task = progress.add_task("comparing models", total=len(candidates()))
    for candidate in candidates(list(x.columns), options.monotone):

        def build(candidate=candidate) -> Pipeline:
            return candidate.build(categorical, numeric, options.seed)

        result = cross_validate(
            build,
            x,
            y,
            folds=options.folds,
            seed=options.seed,
            weights=options.weights,
            workers=_local_threads(options),
        )
        params: dict[str, object] = {"family": candidate.family, "imbalance": candidate.imbalance}
        trees = result.mean_best_iteration
        if trees is not None:
            # What gets deployed is a fixed-size model (no rows left to stop on): its figures and
            # threshold come from the same procedure, cross-validated at the size early stopping chose.
            build = _sized(build, trees)
            result = _fixed_size(build, x, y, options)
            params["n_estimators"] = trees
        _log_cv(
            candidate.name,
            {**params, "folds": options.folds},
            {
                **result.scores.as_dict("cv_"),
                METRIC: result.scores.business_cost,
                "fit_seconds": result.fit_seconds,
            },
            {"kind": "candidate"},
        )
        contenders.append(_Contender(candidate.name, candidate.family, result, build))
        progress.advance(task)
    return contenders


def _local_threads(options: TrainOptions) -> int:
    """Folds the comparison fits at once on this machine (`cpus` may count a whole Ray cluster's)."""
    return max(1, min(options.cpus, os.cpu_count() or 1))


def _sized(build: Callable[[], Pipeline], trees: int) -> Callable[[], Pipeline]:
    return lambda: with_trees(build(), trees)


def _fixed_size(
    build: Callable[[], Pipeline], x: pd.DataFrame, y: np.ndarray, options: TrainOptions
) -> CvResult:
    """Cross-validation of a model grown to a fixed size (no early stopping)."""
    return cross_validate(
        build,
        x,
        y,
        folds=options.folds,
        seed=options.seed,
        weights=options.weights,
        early_stopping_rounds=None,
        workers=_local_threads(options),
    )


def _tuned_contender(
    x: pd.DataFrame, y: np.ndarray, options: TrainOptions, storage: Path
) -> tuple[_Contender, SearchOutcome]:
    outcome = search(
        x,
        y,
        trials=options.trials,
        folds=options.folds,
        seed=options.seed,
        storage=storage,
        weights=options.weights,
        address=options.address,
        cpus=options.cpus,
        monotone=options.monotone,
    )
    for trial in outcome.trials:
        _log_cv(
            f"trial-{trial.trial_id}",
            trial.params,
            trial.metrics,
            {"kind": "tune_trial", "completed": str(trial.completed).lower()},
        )
    params, imbalance = lightgbm_params(trial_config := outcome.best.params)
    params |= monotone_settings(list(x.columns), options.monotone)
    params["n_estimators"] = int(outcome.best.metrics["best_iteration"])
    # The tuned model's out-of-fold predictions, with the trees early stopping chose, set its threshold.
    refit = _fixed_size(lambda: lightgbm_pipeline(params, imbalance, options.seed), x, y, options)
    _log_cv(
        "lightgbm_tuned",
        {**params, "family": "lightgbm", "imbalance": imbalance, "folds": options.folds},
        {**refit.scores.as_dict("cv_"), METRIC: refit.scores.business_cost, "fit_seconds": refit.fit_seconds},
        {"kind": "candidate"},
    )
    mlflow.log_metric("search_seconds", outcome.seconds)
    mlflow.log_dict(trial_config, "best_trial_config.json")
    contender = _Contender(
        "lightgbm_tuned", "lightgbm", refit, lambda: lightgbm_pipeline(params, imbalance, options.seed)
    )
    return contender, outcome


def serving_size(pipeline: Pipeline) -> float:
    """Leaves over all trees: what an explanation's cost grows with (TreeSHAP walks every leaf of
    every tree). A model without trees counts as infinite: its explanation goes through its
    scikit-learn preprocessing, 10 to 250 times a tree model's per decision today, so its size
    earns it no preference."""
    unwrapped = unwrap_lightgbm(pipeline)
    if unwrapped is None:
        return math.inf
    return NativeTrees(unwrapped[0].booster_.model_to_string()).leaves


def _choose(contenders: list[_Contender], x: pd.DataFrame, y: np.ndarray) -> tuple[_Contender, Pipeline]:
    """The model to register, fitted: the cheapest to serve among those the folds cannot tell from the
    best (training.model.selection). The dummy baseline is there to be beaten, never chosen."""
    by_name = {c.name: c for c in contenders if c.family != "dummy"}
    costs = [Standing(c.name, c.cv_cost, c.cv.cost_standard_error, 0) for c in by_name.values()]
    fitted = {s.name: by_name[s.name].build().fit(x, y) for s in near_best(costs)}
    near = [
        Standing(s.name, s.cv_cost, s.cost_standard_error, serving_size(fitted[s.name]))
        for s in near_best(costs)
    ]
    chosen = cheapest(near)
    mlflow.log_metrics({f"serving_leaves_{s.name}": s.leaves for s in near})
    mlflow.set_tag("selection_near_best", ", ".join(s.name for s in near))
    log.info("model chosen", extra={"chosen": chosen.name, "near_best": [s.name for s in near]})
    return by_name[chosen.name], fitted[chosen.name]


def _log_final_figures(
    pipeline: Pipeline,
    x_hold: pd.DataFrame,
    y_hold: np.ndarray,
    proba: np.ndarray,
    *,
    threshold: float,
    options: TrainOptions,
    auc: float,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = [
            figures.confusion_figure(y_hold, proba, threshold, folder / "confusion_matrix.png"),
            figures.cost_curve_figure(y_hold, proba, threshold, options.weights, folder / "cost_curve.png"),
            figures.roc_figure(y_hold, proba, auc, folder / "roc.png"),
            figures.calibration_figure(y_hold, proba, folder / "calibration.png"),
        ]
        explanation = explain_globally(pipeline, x_hold, seed=options.seed)
        if explanation is not None:
            paths += figures.shap_figures(explanation.values, explanation.rows, folder)
            (folder / "shap_importance.json").write_text(
                json.dumps(explanation.importance.to_dict(), indent=1)
            )
            paths.append(folder / "shap_importance.json")
        for path in paths:
            mlflow.log_artifact(str(path), artifact_path="figures" if path.suffix == ".png" else None)


def _fairness(
    x: pd.DataFrame,
    rows: pd.DataFrame,
    y: np.ndarray,
    proba: np.ndarray,
    *,
    policy: LendingPolicy,
    threshold: float,
    raw: Path,
    weights: CostWeights,
    bounds: FairnessBounds,
) -> FairnessReport:
    """The version's fairness report on its hold-out (`x` its inputs, `rows` the same rows whole, with
    the group columns), beside the oracle's decisions when `raw` holds the planted truth."""
    decided = Decided(*policy_outcomes(policy, x, proba, threshold), proba)
    try:
        planted = planted_probability(rows, raw)
    except LookupError:
        log.warning("the truth file does not cover the hold-out: fairness bounds are absolute")
        planted = None
    oracle = None
    if planted is not None:
        oracle = Decided(*policy_outcomes(policy, x, planted, oracle_threshold(weights)), planted)
    return fairness_report(rows.reset_index(drop=True), y, decided, oracle, bounds)


def train(
    dataset: Path, tracking_store: tracking.TrackingStore, options: TrainOptions = TrainOptions()
) -> TrainResult:
    """Run the whole training on a Feast training set (`python -m training dataset` output).

    The set lives in a data folder (credit_common.data_layout: `<root>/dataset/train.parquet`), whose raw
    data holds the planted truth when synthetic."""
    started = time.perf_counter()
    layout = DataLayout(dataset.resolve().parent.parent)
    frame = pd.read_parquet(dataset)
    columns = feature_columns(frame, protected=options.protected)
    x_all, y_all = frame[columns].astype(float), frame[LABEL].to_numpy(dtype=int)
    x, x_hold, y, y_hold = train_test_split(
        x_all, y_all, test_size=options.holdout, stratify=y_all, random_state=options.seed
    )
    drawn = stratified_draw(y, options.search_rows, options.seed)
    x_search, y_search = (x, y) if drawn is None else (x.iloc[drawn], y[drawn])
    tracking.configure(tracking_store)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%d-%H%M%S")
    with mlflow.start_run(run_name=f"training-{stamp}") as parent, Progress() as progress:
        mlflow.log_params(
            {
                "rows_train": len(x),
                "rows_search": len(x_search),
                "rows_holdout": len(x_hold),
                "features": len(columns),
                "folds": options.folds,
                "trials": options.trials,
                "seed": options.seed,
                "cost_fn": options.weights.fn,
                "cost_fp": options.weights.fp,
                "feature_service": FEATURE_SERVICE,
                "dataset": str(dataset),
                "variant": options.variant or "served",
                "data_from": str(frame["event_timestamp"].min().date()),
                "data_until": str(frame["event_timestamp"].max().date()),
            }
        )
        contenders = _compare_candidates(x_search, y_search, options, progress)
        task = progress.add_task(f"Ray Tune: {options.trials} trials", total=None)
        storage = options.ray_results or layout.ray_results
        tuned, searched = _tuned_contender(x_search, y_search, options, storage)
        contenders.append(tuned)
        progress.update(task, total=1, completed=1)
        chosen, pipeline = _choose(contenders, x, y)

        with mlflow.start_run(run_name=f"final-{chosen.name}", nested=True):
            proba = pipeline.predict_proba(x_hold)[:, 1]
            holdout = score_predictions(y_hold, proba, chosen.threshold, options.weights)
            mlflow.log_metrics({**holdout.as_dict("holdout_"), METRIC: chosen.cv_cost})
            monotone = check_monotone(
                pipeline, x_hold, dict(zip(columns, risk_directions(columns), strict=True))
            )
            mlflow.log_dict(
                {"clients": monotone.clients, "points": monotone.points, "violations": monotone.violations},
                "monotonicity.json",
            )
            mlflow.log_metrics(
                {f"proxy_auc.{name}": auc for name, auc in proxy_aucs(frame, x, options.seed).items()}
            )
            policy = fit_policy(x)
            priced = evaluate_policy(
                policy, x_hold, y_hold, proba, threshold=chosen.threshold, weights=options.weights
            )
            mlflow.log_metrics(priced.metrics("holdout_"))
            mlflow.log_dict({"version": policy.version, "rules": priced.rules}, "policy/report.json")
            fairness = _fairness(
                x_hold,
                frame.loc[x_hold.index],
                y_hold,
                proba,
                policy=policy,
                threshold=chosen.threshold,
                raw=layout.raw,
                weights=options.weights,
                bounds=options.fairness,
            )
            mlflow.set_tags({"kind": "final", "model": chosen.name})
            _log_final_figures(
                pipeline, x_hold, y_hold, proba, threshold=chosen.threshold, options=options, auc=holdout.auc
            )
            registered = tracking.log_and_register(
                pipeline,
                x.head(50),
                threshold=chosen.threshold,
                weights=options.weights,
                feature_service=FEATURE_SERVICE,
                holdout=holdout,
                background=x,
                policy=policy,
                monotone=monotone,
                variant=options.variant,
                fairness=fairness,
            )
            mlflow.log_text(model_card(registered.version), CARD_FILE)
            holdout_ids = frame.loc[x_hold.index, "SK_ID_CURR"].tolist()
            mlflow.log_dict({"SK_ID_CURR": holdout_ids}, "holdout_ids.json")
        mlflow.log_metrics({f"cv_cost_{c.name}": c.cv_cost for c in contenders})
        mlflow.set_tag("chosen_model", chosen.name)
    return TrainResult(
        parent_run_id=parent.info.run_id,
        cv_costs={c.name: round(c.cv_cost, 4) for c in contenders},
        chosen=chosen.name,
        threshold=chosen.threshold,
        holdout_auc=holdout.auc,
        holdout_cost=holdout.business_cost,
        model_version=registered.version,
        promoted=registered.promoted,
        seconds=time.perf_counter() - started,
        search_seconds=searched.seconds,
        search_stopped_early=searched.stopped_early,
    )
