"""The data folder's layout, stated once: where each offline step writes and each part reads.

Every step, service, benchmark and command-line default takes its paths from here, under one root
(CREDIT_DATA_DIR, by default <repo>/data). A step run alone then writes where serving reads: before,
the command line defaulted to folders relative to the working directory while the services followed
CREDIT_DATA_DIR.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from credit_common.paths import default_data_dir

#: The variable that moves the whole data folder.
DATA_DIR_VARIABLE = "CREDIT_DATA_DIR"


@dataclass(frozen=True)
class DataLayout:
    """The folders and files under one data root."""

    root: Path

    @classmethod
    def from_environment(cls) -> DataLayout:
        """The layout under CREDIT_DATA_DIR, or under the embedded default when it is unset."""
        configured = os.environ.get(DATA_DIR_VARIABLE)
        return cls(Path(configured) if configured else default_data_dir())

    @property
    def raw(self) -> Path:
        """The 8 raw CSV files (and, for synthetic data, the truth file)."""
        return self.root / "raw"

    @property
    def raw_zip(self) -> Path:
        """Where a Kaggle zip given to the pipeline is unpacked."""
        return self.root / "raw_zip"

    @property
    def parquet(self) -> Path:
        """The ingested, validated tables."""
        return self.root / "parquet"

    @property
    def features(self) -> Path:
        """The feature tables, one per view."""
        return self.root / "features"

    @property
    def dataset(self) -> Path:
        """The point-in-time training and production sets."""
        return self.root / "dataset"

    @property
    def train_set(self) -> Path:
        """The training set every training, evaluation and drift step reads."""
        return self.dataset / "train.parquet"

    @property
    def evaluation(self) -> Path:
        """The champion's hold-out figures."""
        return self.root / "evaluation.json"

    @property
    def predictions(self) -> Path:
        """The gateways' shared prediction log."""
        return self.root / "predictions"

    @property
    def drift(self) -> Path:
        """The drift report and its figures."""
        return self.root / "drift"

    @property
    def reviews_database(self) -> Path:
        """The advisors' reviews, when no database URL is configured (embedded SQLite)."""
        return self.root / "reviews" / "reviews.sqlite"

    @property
    def feast(self) -> Path:
        """Feast's registry."""
        return self.root / "feast"

    @property
    def mlflow_artifacts(self) -> Path:
        """The embedded MLflow store's artifacts."""
        return self.root / "mlartifacts"

    @property
    def ray_results(self) -> Path:
        """Ray Tune's trial folders."""
        return self.root / "ray_results"

    @property
    def done_markers(self) -> Path:
        """The pipeline's markers of steps built, with what they were built from."""
        return self.root / ".done"

    @property
    def applications_cache(self) -> Path:
        """The memory-mapped Arrow copy of the application tables the client's file reads."""
        return self.root / "cache" / "applications.arrow"
