"""SHAP explanations of the scoring bundle's model, with the explainer built once per model version."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shap

from scoring_service.bundle import ModelBundle
from training.models import unwrap_lightgbm


@dataclass(frozen=True)
class Explanation:
    """One row: log-odds of the average client (base), the row's log-odds, and per-feature shares."""

    base_value: float
    raw_score: float
    probability: float
    features: tuple[str, ...]
    values: np.ndarray
    contributions: np.ndarray

    def by_impact(self) -> list[int]:
        """Feature positions sorted by |contribution|, largest first."""
        return list(np.argsort(-np.abs(self.contributions), kind="stable"))


class ShapExplainer:
    """Exact TreeSHAP of the bundle's LightGBM model; offsets (undersampling) go into the base value."""

    def __init__(self, bundle: ModelBundle) -> None:
        unwrapped = unwrap_lightgbm(bundle.pipeline)
        if unwrapped is None:
            raise TypeError(f"model version {bundle.version} is not a tree model: no TreeSHAP explanation")
        model, offset = unwrapped
        self.bundle = bundle
        self._tree = shap.TreeExplainer(model)
        expected = np.atleast_1d(self._tree.expected_value)
        self._base = float(expected[-1]) + offset

    def explain(self, matrix: np.ndarray) -> list[Explanation]:
        """Explanations of each row of a matrix in the model's feature order."""
        values = self._tree.shap_values(matrix)
        contributions = values[1] if isinstance(values, list) else values
        if contributions.ndim == 3:  # (rows, features, classes) in some shap versions
            contributions = contributions[:, :, -1]
        raw = self._base + contributions.sum(axis=1)
        probability = self.bundle.predict(matrix)
        return [
            Explanation(
                base_value=self._base,
                raw_score=float(raw[i]),
                probability=float(probability[i]),
                features=self.bundle.features,
                values=matrix[i],
                contributions=contributions[i],
            )
            for i in range(matrix.shape[0])
        ]
