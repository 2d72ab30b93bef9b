"""MLflow: where runs go, how a model version is registered, and the champion/challenger rule.

This module is the only place that finds the champion and its run, for evaluate, report and drift.
"""

from __future__ import annotations

import importlib.metadata
import logging
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Run
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from sklearn.pipeline import Pipeline

from credit_common.data_layout import DataLayout
from credit_model.estimators import unwrap_lightgbm
from credit_model.lending_policy import FILE as POLICY_FILE
from credit_model.lending_policy import FOLDER as POLICY_FOLDER
from credit_model.lending_policy import TAG as POLICY_TAG
from credit_model.lending_policy import LendingPolicy
from credit_model.linear_shap import LinearModel
from credit_model.metadata import ServingMetadata
from credit_model.native_trees import NativeTrees
from credit_model.registry import CHALLENGER, CHAMPION, EXPERIMENT, MODEL_NAME
from credit_model.serving_artifact import LinearArtifact, TreeArtifact
from credit_model.settings import ModelSettings
from training.model.cost import CostWeights
from training.model.fairness import FairnessReport
from training.model.metrics import Scores
from training.model.monotonicity import MonotoneCheck

log = logging.getLogger(__name__)
#: Version tags of the model's size as the services count it (0 and 0 for a model without trees): what
#: a score and an explanation cost grows with, for choosing among equally good models.
TREES_TAG, LEAVES_TAG = "trees", "leaves"
#: Clients x declared features whose risk moved the wrong way (0 for a version that may be champion).
MONOTONE_TAG = "monotone_violations"
#: The fairness report's verdict on a version, and the override of a breach: who, why, when.
FAIRNESS_TAG = "fairness_within_bounds"
OVERRIDE_BY_TAG, OVERRIDE_WHY_TAG, OVERRIDE_AT_TAG = (
    "fairness_override_by",
    "fairness_override_why",
    "fairness_override_at",
)
FAIRNESS_REPORT = "fairness/report.json"
#: A measurement variant's name (trained without the constraints or with protected attributes).
VARIANT_TAG = "variant"


@dataclass(frozen=True)
class TrackingStore:
    """Where runs and models are recorded: MLflow's tracking URI, and the folder an embedded store
    keeps artifacts in. Built once by the entry point (command line, tests) and handed to every job,
    so that no job reads the environment for it."""

    uri: str
    artifacts: Path

    @classmethod
    def from_settings(cls, settings: ModelSettings) -> TrackingStore:
        """MLFLOW_TRACKING_URI, or a SQLite file under the data folder (the embedded default)."""
        return cls(settings.tracking_uri, DataLayout(settings.data_dir).mlflow_artifacts)


def configure(store: TrackingStore) -> str:
    """Point MLflow at the tracking store and make sure the experiment exists; returns its id.

    Artifacts go under the data folder, not under whatever the current directory happens to be.
    """
    mlflow.set_tracking_uri(store.uri)
    experiment = mlflow.get_experiment_by_name(EXPERIMENT)
    if experiment is None and store.uri.startswith(("http://", "https://")):
        # A tracking server owns its artifact store (a shared volume or S3): let it choose.
        experiment_id = mlflow.create_experiment(EXPERIMENT)
    elif experiment is None:
        artifacts = store.artifacts.resolve()
        artifacts.mkdir(parents=True, exist_ok=True)
        experiment_id = mlflow.create_experiment(EXPERIMENT, artifact_location=artifacts.as_uri())
    else:
        experiment_id = experiment.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


@dataclass(frozen=True)
class RegisteredModel:
    """A registered version and what the services need from it."""

    version: str
    run_id: str
    threshold: float
    holdout_cost: float
    promoted: bool


#: The distributions loading a logged pipeline imports (credit_model's estimators come with the
#: services' own install). Stated rather than inferred: MLflow's inference starts a Python process
#: that loads the model and lists what it imported (12 s of every training here), and it also listed
#: what that process imported besides (the CLI's and the tests' tools).
MODEL_DISTRIBUTIONS = ("mlflow", "scikit-learn", "lightgbm", "numpy", "pandas", "scipy", "skops")


def pip_requirements() -> list[str]:
    """The logged model's requirements: each of MODEL_DISTRIBUTIONS at its installed version."""
    return [f"{name}=={importlib.metadata.version(name)}" for name in MODEL_DISTRIBUTIONS]


def _trusted_types(pipeline: Pipeline) -> list[str]:
    import skops.io

    return skops.io.get_untrusted_types(data=skops.io.dumps(pipeline))


def serving_artifact(
    pipeline: Pipeline, features: tuple[str, ...], background: pd.DataFrame
) -> TreeArtifact | LinearArtifact | None:
    """What serving needs of a model besides its pipeline, None when it needs nothing (the dummy).

    A LightGBM model: its text, feature order and offset. A logistic regression: the mean of its
    transformed columns over `background` (the training rows) and the feature each column comes from.
    """
    unwrapped = unwrap_lightgbm(pipeline)
    if unwrapped is not None:
        model, offset = unwrapped
        return TreeArtifact(model.booster_.model_to_string(), features, offset)
    linear = LinearModel.of(pipeline)
    if linear is None:
        return None
    artifact = linear.background(background)
    if artifact.features != features:
        raise ValueError("the linear model's input columns are not the signature's, in the same order")
    return artifact


def log_serving_artifact(pipeline: Pipeline, features: tuple[str, ...], background: pd.DataFrame) -> bool:
    """Log the model's serving artifact (see `serving_artifact`) in the active run; True when logged."""
    artifact = serving_artifact(pipeline, features, background)
    if artifact is None:
        return False
    with tempfile.TemporaryDirectory(prefix="serving-") as folder:
        written = artifact.write(Path(folder))
        mlflow.log_artifacts(str(written), artifact_path=written.name)
    return True


def model_size(pipeline: Pipeline) -> tuple[int, int]:
    """(trees, leaves over all trees) of a LightGBM pipeline as the services count them; (0, 0) else."""
    unwrapped = unwrap_lightgbm(pipeline)
    if unwrapped is None:
        return 0, 0
    trees = NativeTrees(unwrapped[0].booster_.model_to_string())
    return trees.trees, trees.leaves


def log_and_register(
    pipeline: Pipeline,
    example: pd.DataFrame,
    *,
    threshold: float,
    weights: CostWeights,
    feature_service: str,
    holdout: Scores,
    background: pd.DataFrame | None = None,
    policy: LendingPolicy | None = None,
    monotone: MonotoneCheck | None = None,
    variant: str | None = None,
    fairness: FairnessReport | None = None,
) -> RegisteredModel:
    """Log the fitted pipeline in the active run, register it, tag it, and apply the champion rule.

    A tree model's serving artifact (LightGBM text, feature order, offset) goes into the same run, so
    the services load it without scikit-learn; a logistic regression's linear background (the mean of
    its transformed columns over `background`, the training rows), so the services explain it. Without
    `background` the example rows stand in, and a linear model's base value is their average client.
    The version is tagged with its threshold, cost weights, feature service, hold-out scores and size;
    its lending policy goes into the run as policy/lending_policy.json, its version as a tag. A version
    whose risk moves against a declared direction (`monotone`), a measurement `variant` (trained
    without the constraints or with protected attributes), or one whose decisions breach a fairness
    bound (`fairness`, its report logged as fairness/report.json) is registered but not promoted: the
    last until an override is recorded (`override_fairness`).
    """
    if fairness is not None:
        mlflow.log_dict(fairness.as_dict(), FAIRNESS_REPORT)
    if policy is not None:
        mlflow.log_text(policy.to_json(), f"{POLICY_FOLDER}/{POLICY_FILE}")
    if background is None and LinearModel.of(pipeline) is not None:
        log.warning("linear SHAP background: the example rows only", extra={"rows": len(example)})
    log_serving_artifact(pipeline, tuple(example.columns), example if background is None else background)
    info = mlflow.sklearn.log_model(
        pipeline,
        name="model",
        signature=infer_signature(example, pipeline.predict_proba(example)[:, 1]),
        input_example=example.head(3),
        registered_model_name=MODEL_NAME,
        skops_trusted_types=_trusted_types(pipeline),
        pip_requirements=pip_requirements(),
    )
    version = str(info.registered_model_version)
    client = MlflowClient()
    metadata = ServingMetadata(
        threshold=threshold,
        cost_fn=float(weights.fn),
        cost_fp=float(weights.fp),
        feature_service=feature_service,
        features=tuple(example.columns),
    )
    trees, leaves = model_size(pipeline)
    tags: dict[str, Any] = {
        **metadata.tags(),
        **{f"holdout_{k}": f"{v:.6f}" for k, v in holdout.as_dict().items()},
        TREES_TAG: trees,
        LEAVES_TAG: leaves,
        **({POLICY_TAG: policy.version} if policy is not None else {}),
        **({MONOTONE_TAG: sum(monotone.violations.values())} if monotone is not None else {}),
        **({VARIANT_TAG: variant} if variant else {}),
        **(fairness.tags() if fairness is not None else {}),
    }
    for key, value in tags.items():
        client.set_model_version_tag(MODEL_NAME, version, key, str(value))
    promoted = promote_if_better(client, version, holdout.business_cost, kept_out=kept_out_by(tags))
    return RegisteredModel(
        version=version,
        run_id=info.run_id,
        threshold=threshold,
        holdout_cost=holdout.business_cost,
        promoted=promoted,
    )


def champion(client: MlflowClient | None = None) -> ModelVersion | None:
    """The version behind alias 'champion', or None when no model was promoted yet."""
    client = client or MlflowClient()
    try:
        return client.get_model_version_by_alias(MODEL_NAME, CHAMPION)
    except MlflowException:
        return None


def champion_run(client: MlflowClient | None = None) -> tuple[ModelVersion, Run]:
    """The champion version and the run that produced it; raises when there is no champion."""
    client = client or MlflowClient()
    version = champion(client)
    if version is None:
        raise LookupError(
            f"no '{CHAMPION}' alias on model '{MODEL_NAME}': train a model first (a version kept out of "
            "promotion says why in the training's log; a fairness breach is lifted only by an override "
            "recorded with `python -m training fairness-override`, docs/compliance.md)"
        )
    return version, client.get_run(version.run_id)


def version_run(version: str, client: MlflowClient | None = None) -> tuple[ModelVersion, Run]:
    """A registered version and the run that produced it (MlflowException when there is none)."""
    client = client or MlflowClient()
    found = client.get_model_version(MODEL_NAME, version)
    return found, client.get_run(found.run_id)


def feature_order(model_uri: str) -> list[str]:
    """The model's input columns in order, from its logged signature (the contract with the services)."""
    signature = mlflow.models.get_model_info(model_uri).signature
    if signature is None:
        raise LookupError(f"model {model_uri} was logged without a signature")
    return signature.inputs.input_names()


def kept_out_by(tags: Mapping[str, Any]) -> list[str]:
    """Why a version with these tags may not serve (empty: it may): its risk moving against a declared
    direction, being a measurement variant, or breaching a fairness bound without a recorded override."""
    reasons = []
    if str(tags.get(MONOTONE_TAG, "0")) != "0":
        reasons.append("its risk moves against a declared direction")
    if tags.get(VARIANT_TAG):
        reasons.append(f"a measurement variant ({tags[VARIANT_TAG]}), never served")
    if tags.get(FAIRNESS_TAG) == "false" and not tags.get(OVERRIDE_BY_TAG):
        reasons.append("its decisions breach a fairness bound and no override is recorded")
    return reasons


def override_fairness(version: str, by: str, why: str, client: MlflowClient | None = None) -> bool:
    """Record who overrides a version's fairness breach, why and when (tags of the version), then apply
    the champion rule to it again. True when it became champion."""
    if not by.strip() or not why.strip():
        raise ValueError("an override names who decides it (--by) and why (--why)")
    client = client or MlflowClient()
    found = client.get_model_version(MODEL_NAME, version)
    if found.tags.get(FAIRNESS_TAG) != "false":
        raise ValueError(f"version {version} breaches no fairness bound: nothing to override")
    stamp = datetime.now(tz=UTC).isoformat(timespec="seconds")
    for key, value in ((OVERRIDE_BY_TAG, by), (OVERRIDE_WHY_TAG, why), (OVERRIDE_AT_TAG, stamp)):
        client.set_model_version_tag(MODEL_NAME, version, key, value)
    tags = {**found.tags, OVERRIDE_BY_TAG: by}
    cost = float(found.tags.get("holdout_business_cost", "inf"))
    return promote_if_better(client, version, cost, kept_out=kept_out_by(tags))


def promote_if_better(
    client: MlflowClient, version: str, holdout_cost: float, *, kept_out: Sequence[str] = ()
) -> bool:
    """New version becomes 'challenger'; it takes 'champion' only if nothing keeps it out (`kept_out`:
    its risk moving against a declared direction, a measurement variant, ...), and then with a lower
    hold-out cost than a checked champion's."""
    client.set_registered_model_alias(MODEL_NAME, CHALLENGER, version)
    if kept_out:
        log.warning("challenger kept out", extra={"version": version, "reasons": list(kept_out)})
        return False
    current = champion(client)
    # A champion registered before the check (no tag) was never shown to be monotone: a checked
    # challenger replaces it whatever the costs, as a checked version is the only kind allowed to serve.
    if current is not None and current.tags.get(MONOTONE_TAG) == "0":
        current_cost = float(current.tags.get("holdout_business_cost", "inf"))
        if holdout_cost >= current_cost:
            log.info(
                "challenger kept out",
                extra={"version": version, "cost": holdout_cost, "champion_cost": current_cost},
            )
            return False
    client.set_registered_model_alias(MODEL_NAME, CHAMPION, version)
    log.info("new champion", extra={"version": version, "cost": holdout_cost})
    return True
