"""The model bundle: a registered version with everything needed to score fast and consistently.

Built once per version from the model core's loaded version: its scorer (LightGBM's native library
for a tree model, the pipeline with exact linear SHAP for a logistic regression), its feature order,
the business threshold and cost weights. Rows arrive as NumPy
matrices in that order; requests by name are placed by `vector`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from credit_model.lending_policy import LendingPolicy, PolicyDecision, row_decision
from credit_model.registries import ServingVersion
from credit_model.scorers import Scorer, probabilities
from serving_base.errors import InvalidFeaturesError


@dataclass(frozen=True)
class ModelBundle:
    """One model version, ready to score: immutable, so a swap is a single reference assignment."""

    name: str
    version: str
    threshold: float
    cost_fn: float
    cost_fp: float
    feature_service: str
    features: tuple[str, ...]
    scorer: Scorer = field(repr=False)
    policy: LendingPolicy | None = field(default=None, repr=False)
    loaded_at: str = field(default_factory=lambda: datetime.now(tz=UTC).isoformat(timespec="seconds"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {name: i for i, name in enumerate(self.features)})

    @classmethod
    def of(cls, loaded: ServingVersion) -> ModelBundle:
        """The bundle of a version loaded from the registry."""
        meta = loaded.metadata
        return cls(
            name=loaded.name,
            version=loaded.version,
            threshold=meta.threshold,
            cost_fn=meta.cost_fn,
            cost_fp=meta.cost_fp,
            feature_service=meta.feature_service,
            features=meta.features,
            scorer=loaded.scorer,
            policy=loaded.policy,
        )

    @property
    def size(self) -> tuple[int, int]:
        """(trees, total leaves), (0, 0) for a model without trees."""
        return self.scorer.trees, self.scorer.leaves

    def raw_scores(self, matrix: np.ndarray) -> np.ndarray:
        """Log-odds of default of each row of a (rows × features) matrix in the model's order."""
        return self.scorer.raw_scores(matrix)

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Default probability of each row."""
        return probabilities(self.raw_scores(matrix))

    @property
    def explains(self) -> bool:
        """Whether the model has exact SHAP contributions (trees, or a linear model with its background)."""
        return self.scorer.explains

    def contributions(self, matrix: np.ndarray) -> np.ndarray | None:
        """Per row: each feature's exact SHAP contribution then the base value; None when the model
        has none (see `explains`)."""
        return self.scorer.contributions(matrix)

    def decide(self, probability: float) -> bool:
        """True when refused: the probability reaches the business threshold."""
        return probability >= self.threshold

    def policy_decision(self, row: np.ndarray, probability: float) -> PolicyDecision:
        """The lending policy's outcome for a row in the model's order; the threshold alone for a version
        registered without a policy. A feature the policy reads that the model does not take is missing."""
        index: dict[str, int] = self._index  # type: ignore[attr-defined]
        return row_decision(self.policy, index, row, probability, self.threshold)

    def vector(self, values: Mapping[str, Any]) -> np.ndarray:
        """A row in the model's order from values by name; None/NaN is a missing value.

        Raises InvalidFeaturesError naming every missing or unknown feature, or the first non-numeric one.
        Infinite and outsized numbers are the request's check (`serving_base.limits.check_feature_values`).
        """
        unknown = sorted(set(values) - self._index.keys())  # type: ignore[attr-defined]
        missing = [name for name in self.features if name not in values]
        if unknown or missing:
            parts = []
            if missing:
                parts.append(
                    f"missing feature(s): {', '.join(missing[:10])}" + (" ..." if len(missing) > 10 else "")
                )
            if unknown:
                parts.append(f"unknown feature(s): {', '.join(unknown[:10])}")
            raise InvalidFeaturesError("; ".join(parts))
        row = np.empty(len(self.features))
        for i, name in enumerate(self.features):
            row[i] = _number(name, values[name])
        return row

    def matrix(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Rows in the model's order (see `vector`)."""
        return np.vstack([self.vector(row) for row in rows]) if rows else np.empty((0, len(self.features)))


def _number(name: str, value: Any) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | np.number):
        return float(value)
    raise InvalidFeaturesError(f"feature {name} is not a number: {type(value).__name__} {str(value)[:40]!r}")
