"""The model registry over MLflow's REST API: a few GETs with the standard library.

Why: MLflow's Python client imports pandas and much more; a service that only polls an alias and
reads two small files does not need it. Artifacts are read where the run keeps them: a local or
shared path (file:) or through the tracking server's artifact proxy (mlflow-artifacts:). A version
without a tree serving artifact is loaded by MLflow's client against the same server: its
scikit-learn pipeline is needed anyway, and that loader also reads a logistic regression's linear
background, so such a model is explained the same whichever way the registry is reached.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from credit_model.lending_policy import FILE as POLICY_FILE
from credit_model.lending_policy import FOLDER as POLICY_FOLDER
from credit_model.lending_policy import LendingPolicy
from credit_model.registries import ServingVersion, tree_version
from credit_model.registry import ModelUri
from credit_model.serving_artifact import FOLDER, META_FILE, MODEL_FILE, TreeArtifact
from credit_model.settings import ModelSettings


class RegistryError(RuntimeError):
    """The tracking server refused or failed a call; the message says which and why."""


class RestRegistry:
    """Resolves and loads versions from an MLflow tracking server."""

    def __init__(self, base_url: str, settings: ModelSettings, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.timeout = timeout

    def _fetch(self, url: str) -> bytes:
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as reply:
                return reply.read()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                raise FileNotFoundError(url) from error
            raise RegistryError(f"GET {url}: HTTP {error.code} {error.read()[:300]!r}") from error

    def _api(self, path: str, **params: str) -> dict[str, Any]:
        query = urllib.parse.urlencode(params)
        return json.loads(self._fetch(f"{self.base_url}/api/2.0/mlflow/{path}?{query}"))

    def _version(self, uri: ModelUri) -> dict[str, Any]:
        reply = self._api("model-versions/get", name=uri.name, version=self.resolve(uri))
        return reply["model_version"]

    def _artifact(self, run_id: str, path: str) -> bytes:
        root = self._api("runs/get", run_id=run_id)["run"]["info"]["artifact_uri"]
        parsed = urllib.parse.urlparse(f"{root.rstrip('/')}/{path}")
        if parsed.scheme == "file":
            try:
                return Path(urllib.parse.unquote(parsed.path)).read_bytes()
            except OSError as error:
                raise FileNotFoundError(parsed.path) from error
        if parsed.scheme == "mlflow-artifacts":
            return self._fetch(f"{self.base_url}/api/2.0/mlflow-artifacts/artifacts{parsed.path}")
        raise RegistryError(f"artifact store {parsed.scheme}: is not readable without MLflow's client")

    def resolve(self, uri: ModelUri) -> str:
        if uri.alias is None:
            return str(uri.version)
        reply = self._api("registered-models/alias", name=uri.name, alias=uri.alias)
        return str(reply["model_version"]["version"])

    def load(self, uri: ModelUri) -> ServingVersion:
        version = self._version(uri)
        tags = {tag["key"]: tag["value"] for tag in version.get("tags", [])}
        try:
            artifact = TreeArtifact.parse(
                self._artifact(version["run_id"], f"{FOLDER}/{MODEL_FILE}").decode(),
                self._artifact(version["run_id"], f"{FOLDER}/{META_FILE}").decode(),
            )
        except FileNotFoundError:
            from credit_model.loading import MlflowRegistry  # not a tree model: its pipeline (+ linear SHAP)

            return MlflowRegistry(self.settings).load(uri.pinned(version["version"]))
        served = tree_version(uri, str(version["version"]), tags, artifact)
        return dataclasses.replace(served, policy=self._policy(version["run_id"]))

    def _policy(self, run_id: str) -> LendingPolicy | None:
        try:
            return LendingPolicy.from_json(self._artifact(run_id, f"{POLICY_FOLDER}/{POLICY_FILE}").decode())
        except FileNotFoundError:
            return None

    def run_json(self, uri: ModelUri, path: str) -> Any:
        return json.loads(self._artifact(self._version(uri)["run_id"], path))
