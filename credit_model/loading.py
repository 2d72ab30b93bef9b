"""The registry through MLflow's own client (the embedded SQLite store, or any store MLflow reads).

A client bound to one tracking URI (no process-wide MLflow state). A tree model is served from its
serving artifact, or for a version registered before those existed from the booster inside its
pipeline; any other version from its scikit-learn pipeline and the signature's feature order, a
logistic regression with exact linear SHAP when training kept its background (serving_linear/).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.models import Model

from credit_model.estimators import unwrap_lightgbm
from credit_model.lending_policy import FILE as POLICY_FILE
from credit_model.lending_policy import FOLDER as POLICY_FOLDER
from credit_model.lending_policy import LendingPolicy
from credit_model.linear_shap import LinearModel, LinearShap
from credit_model.metadata import ServingMetadata
from credit_model.registries import ServingVersion, tree_version
from credit_model.registry import ModelUri
from credit_model.scorers import LinearScorer, PipelineScorer, Scorer
from credit_model.serving_artifact import (
    FOLDER,
    LINEAR_FILE,
    LINEAR_FOLDER,
    META_FILE,
    MODEL_FILE,
    LinearArtifact,
    TreeArtifact,
)
from credit_model.settings import ModelSettings

log = logging.getLogger(__name__)


class MlflowRegistry:
    """The model registry of one tracking store: resolves aliases and loads versions."""

    def __init__(self, settings: ModelSettings | None = None) -> None:
        self.tracking_uri = (settings or ModelSettings()).tracking_uri
        self.client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    def resolve(self, uri: ModelUri) -> str:
        """The version a URI points at now (one registry call, nothing downloaded)."""
        if uri.alias is None:
            return str(uri.version)
        return str(self.client.get_model_version_by_alias(uri.name, uri.alias).version)

    def _download(self, folder: str, **where: str) -> Path:
        return Path(
            mlflow.artifacts.download_artifacts(dst_path=folder, tracking_uri=self.tracking_uri, **where)
        )

    def load(self, uri: ModelUri) -> ServingVersion:
        """Load the version `uri` points at now, with its serving metadata and lending policy."""
        version = self.client.get_model_version(uri.name, self.resolve(uri))
        return dataclasses.replace(self._load(uri, version), policy=self._policy(version.run_id))

    def _policy(self, run_id: str) -> LendingPolicy | None:
        if not self.client.list_artifacts(run_id, POLICY_FOLDER):
            return None
        with tempfile.TemporaryDirectory(prefix="policy-") as folder:
            local = self._download(folder, run_id=run_id, artifact_path=f"{POLICY_FOLDER}/{POLICY_FILE}")
            return LendingPolicy.from_json(local.read_text(encoding="utf-8"))

    def _load(self, uri: ModelUri, version: Any) -> ServingVersion:
        tags = dict(version.tags)
        with tempfile.TemporaryDirectory(prefix="model-") as folder:
            if self.client.list_artifacts(version.run_id, FOLDER):
                local = self._download(folder, run_id=version.run_id, artifact_path=FOLDER)
                artifact = TreeArtifact.parse(
                    (local / MODEL_FILE).read_text(encoding="utf-8"),
                    (local / META_FILE).read_text(encoding="utf-8"),
                )
                log.info("tree model loaded", extra={"model": uri.name, "version": version.version})
                return tree_version(uri, str(version.version), tags, artifact)
            local = self._download(
                folder, artifact_uri=self.client.get_model_version_download_uri(uri.name, version.version)
            )
            signature = Model.load(str(local)).signature
            if signature is None:
                raise LookupError(f"model {uri.pinned(version.version)} was logged without a signature")
            pipeline = mlflow.sklearn.load_model(str(local))
        features = tuple(signature.inputs.input_names())
        unwrapped = unwrap_lightgbm(pipeline)
        if unwrapped is not None:  # a tree model registered without its serving artifact (older versions)
            model, offset = unwrapped
            artifact = TreeArtifact(model.booster_.model_to_string(), features, offset)
            log.info(
                "tree model loaded from its pipeline", extra={"model": uri.name, "version": version.version}
            )
            return tree_version(uri, str(version.version), tags, artifact)
        scorer = self._pipeline_scorer(pipeline, features, version.run_id)
        log.info(
            "pipeline model loaded",
            extra={"model": uri.name, "version": version.version, "contributions": scorer.explains},
        )
        return ServingVersion(
            uri.name, str(version.version), ServingMetadata.from_tags(tags, features), scorer
        )

    def _pipeline_scorer(self, pipeline: Any, features: tuple[str, ...], run_id: str) -> Scorer:
        """A logistic regression with its linear background (from its run) explains itself; any other
        pipeline, or one registered before the background was kept, only scores."""
        linear = LinearModel.of(pipeline)
        if linear is None or not self.client.list_artifacts(run_id, LINEAR_FOLDER):
            return PipelineScorer(pipeline, features)
        with tempfile.TemporaryDirectory(prefix="linear-") as folder:
            local = self._download(folder, run_id=run_id, artifact_path=f"{LINEAR_FOLDER}/{LINEAR_FILE}")
            artifact = LinearArtifact.parse(local.read_text(encoding="utf-8"))
        return LinearScorer(LinearShap(linear, artifact), features)

    def run_json(self, uri: ModelUri, path: str) -> Any:
        """A JSON artifact of the run that produced the version `uri` points at (e.g. global importance)."""
        version = self.client.get_model_version(uri.name, self.resolve(uri))
        with tempfile.TemporaryDirectory(prefix="artifact-") as folder:
            local = self._download(folder, run_id=version.run_id, artifact_path=path)
            return json.loads(local.read_text(encoding="utf-8"))
