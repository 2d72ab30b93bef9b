"""The registry as the services and the gateway use it: resolve an alias, load a version to serve,
read a run's JSON artifact. Over HTTP (an MLflow tracking server) it is a small REST client; for the
embedded SQLite store it is MLflow's own client, imported only then."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from credit_model.lending_policy import LendingPolicy
from credit_model.metadata import ServingMetadata
from credit_model.native_trees import NativeTrees
from credit_model.registry import ModelUri
from credit_model.scorers import Scorer, TreeScorer
from credit_model.serving_artifact import TreeArtifact
from credit_model.settings import ModelSettings


@dataclass(frozen=True)
class ServingVersion:
    """One registered version, ready to score: its metadata, its scorer and its lending policy (None
    for a version registered before policies existed: the threshold alone decides)."""

    name: str
    version: str
    metadata: ServingMetadata
    scorer: Scorer
    policy: LendingPolicy | None = None


class Registry(Protocol):
    """What serving needs of the model registry."""

    def resolve(self, uri: ModelUri) -> str: ...

    def load(self, uri: ModelUri) -> ServingVersion: ...

    def run_json(self, uri: ModelUri, path: str) -> Any: ...


def tree_version(uri: ModelUri, version: str, tags: dict[str, str], artifact: TreeArtifact) -> ServingVersion:
    """A tree model's serving version from its artifact and version tags."""
    scorer = TreeScorer(NativeTrees(artifact.model_text), artifact.logit_offset)
    return ServingVersion(uri.name, version, ServingMetadata.from_tags(tags, artifact.features), scorer)


def open_registry(settings: ModelSettings | None = None) -> Registry:
    """The REST client for a tracking server, MLflow's client for a local store."""
    settings = settings or ModelSettings()
    if settings.tracking_uri.startswith(("http://", "https://")):
        from credit_model.rest_registry import RestRegistry

        return RestRegistry(settings.tracking_uri, settings)
    from credit_model.loading import MlflowRegistry

    return MlflowRegistry(settings)
