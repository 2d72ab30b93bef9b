"""The champion a benchmark involved: its version and size, for the result's configuration.

Why: a latency or a job time means little without the model behind it (TreeSHAP's cost grows with
trees × leaves), so every benchmark that uses the model records these, read from the registry the
services load from (MLFLOW_TRACKING_URI, else the data folder's SQLite store).
"""

from __future__ import annotations

from credit_model.loading import MlflowRegistry
from credit_model.registry import CHAMPION_URI, ModelUri


def champion_size() -> dict[str, str | int]:
    """Version, trees and total leaves of the model behind the champion alias."""
    version = MlflowRegistry().load(ModelUri.parse(CHAMPION_URI))
    return {"model_version": version.version, "trees": version.scorer.trees, "leaves": version.scorer.leaves}
