"""Exact TreeSHAP contributions of the bundle's tree model, from LightGBM's own library.

LightGBM's `pred_contrib` prediction is the TreeSHAP algorithm that shap's TreeExplainer calls for
LightGBM (same numbers, checked by a test against shap); calling it directly keeps shap, numba and
llvmlite out of the service.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from serving_base.bundle import ModelBundle


@dataclass(frozen=True)
class Explanation:
    """One row: log-odds of the average client (base), the row's log-odds, and per-feature shares."""

    base_value: float
    raw_score: float
    probability: float
    features: tuple[str, ...]
    values: np.ndarray
    contributions: np.ndarray

    def by_impact(self, each_way: int = 0) -> list[int]:
        """Feature positions sorted by |contribution|, largest first; with `each_way` > 0 only the
        `each_way` largest raising the risk and the `each_way` largest lowering it."""
        order = np.argsort(-np.abs(self.contributions), kind="stable")
        if each_way <= 0:
            return order.tolist()
        signs = self.contributions[order]
        keep = (np.cumsum(signs > 0) <= each_way) & (signs > 0) | (np.cumsum(signs < 0) <= each_way) & (
            signs < 0
        )
        return order[keep].tolist()


class TreeExplainer:
    """Explains the bundle's tree model; offsets (undersampling) are part of the base value."""

    def __init__(self, bundle: ModelBundle) -> None:
        if bundle.size[0] == 0:
            raise TypeError(f"model version {bundle.version} is not a tree model: no TreeSHAP explanation")
        self.bundle = bundle

    def explain(self, matrix: np.ndarray) -> list[Explanation]:
        """Explanations of each row of a matrix in the model's feature order."""
        output = self.bundle.contributions(matrix)
        assert output is not None, "a tree model always has contributions"
        contributions, base = output[:, :-1], output[:, -1]
        raw = base + contributions.sum(axis=1)
        probability = 1.0 / (1.0 + np.exp(-raw))
        return [
            Explanation(
                base_value=float(base[i]),
                raw_score=float(raw[i]),
                probability=float(probability[i]),
                features=self.bundle.features,
                values=matrix[i],
                contributions=contributions[i],
            )
            for i in range(matrix.shape[0])
        ]
