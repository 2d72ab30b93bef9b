"""Reading a registered version back: which version an alias points at, its pipeline and metadata.

A client bound to one tracking URI (no process-wide MLflow state), and the version's files fetched
once into a local folder, from which the pipeline and the signature's feature order are read.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.models import Model
from sklearn.pipeline import Pipeline

from credit_model.metadata import ServingMetadata
from credit_model.registry import ModelUri
from credit_model.settings import ModelSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisteredVersion:
    """One version of a registered model, loaded: its fitted pipeline and what serving needs."""

    name: str
    version: str
    metadata: ServingMetadata
    pipeline: Pipeline = field(repr=False)


class Registry:
    """The model registry of one tracking store: resolves aliases and loads versions."""

    def __init__(self, settings: ModelSettings | None = None) -> None:
        self.tracking_uri = (settings or ModelSettings()).tracking_uri
        self.client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    def resolve(self, uri: ModelUri) -> str:
        """The version a URI points at now (one registry call, nothing downloaded)."""
        if uri.alias is None:
            return str(uri.version)
        return str(self.client.get_model_version_by_alias(uri.name, uri.alias).version)

    def load(self, uri: ModelUri) -> RegisteredVersion:
        """Download and load the version `uri` points at now, with its serving metadata."""
        version = self.client.get_model_version(uri.name, self.resolve(uri))
        with tempfile.TemporaryDirectory(prefix="model-") as folder:
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=self.client.get_model_version_download_uri(uri.name, version.version),
                dst_path=folder,
                tracking_uri=self.tracking_uri,
            )
            signature = Model.load(local).signature
            if signature is None:
                raise LookupError(f"model {uri.pinned(version.version)} was logged without a signature")
            pipeline = mlflow.sklearn.load_model(local)
        metadata = ServingMetadata.from_tags(version.tags, tuple(signature.inputs.input_names()))
        log.info("model loaded", extra={"model": uri.name, "version": version.version})
        return RegisteredVersion(uri.name, str(version.version), metadata, pipeline)

    def run_json(self, uri: ModelUri, path: str) -> Any:
        """A JSON artifact of the run that produced the version `uri` points at (e.g. global importance)."""
        version = self.client.get_model_version(uri.name, self.resolve(uri))
        with tempfile.TemporaryDirectory(prefix="artifact-") as folder:
            local = mlflow.artifacts.download_artifacts(
                run_id=version.run_id, artifact_path=path, dst_path=folder, tracking_uri=self.tracking_uri
            )
            return json.loads(Path(local).read_text(encoding="utf-8"))
