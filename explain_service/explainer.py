"""Exact SHAP contributions of the bundle's model, whatever its kind: the scorer computes them.

A tree model: LightGBM's `pred_contrib` prediction, the TreeSHAP algorithm that shap's TreeExplainer
calls for LightGBM (same numbers, checked by a test against shap); calling it directly keeps shap,
numba and llvmlite out of the service. A logistic regression: exact linear SHAP against the training
rows' mean (credit_model.linear_shap, checked against shap's LinearExplainer). Either way base value
plus contributions is the model's log-odds, and offsets (undersampling) belong to the base value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credit_features.families import family_key
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
    families: FeatureFamilies

    def by_impact(self, each_way: int = 0) -> list[int]:
        """Feature positions sorted by |contribution|, largest first; with `each_way` > 0 only the
        `each_way` largest raising the risk, the `each_way` largest lowering it, and the `each_way`
        strongest of each family (its drill-down); a zero contribution is listed only in full."""
        order = np.argsort(-np.abs(self.contributions), kind="stable")
        if each_way <= 0:
            return order.tolist()
        signs = self.contributions[order]
        keep = (np.cumsum(signs > 0) <= each_way) & (signs > 0) | (np.cumsum(signs < 0) <= each_way) & (
            signs < 0
        )
        seen = np.zeros(len(self.families.keys), dtype=np.int64)
        for position, code in enumerate(self.families.codes[order].tolist()):  # rank within its family
            seen[code] += 1
            keep[position] |= seen[code] <= each_way and signs[position] != 0
        return order[keep].tolist()

    def family_impacts(self) -> list[tuple[str, float, int]]:
        """(family, Σ contributions, feature count) of every family, largest |Σ| first (exact: every
        feature counts, listed or not)."""
        sums = np.bincount(self.families.codes, weights=self.contributions, minlength=len(self.families.keys))
        order = np.argsort(-np.abs(sums), kind="stable")
        return [(self.families.keys[i], float(sums[i]), int(self.families.sizes[i])) for i in order]


@dataclass(frozen=True)
class FeatureFamilies:
    """The family of each of a model's features, as integer codes for summing (computed once per model)."""

    keys: tuple[str, ...]
    codes: np.ndarray
    sizes: np.ndarray

    @classmethod
    def of(cls, features: tuple[str, ...]) -> FeatureFamilies:
        names = [family_key(feature) for feature in features]
        keys = tuple(dict.fromkeys(names))
        codes = np.array([keys.index(name) for name in names], dtype=np.int64)
        return cls(keys, codes, np.bincount(codes, minlength=len(keys)))

    def key_of(self, position: int) -> str:
        """The family of the feature at `position`."""
        return self.keys[int(self.codes[position])]


class ShapExplainer:
    """Explains the bundle's model; refuses, at load, a model without contributions (the dummy
    baseline, a logistic regression registered before its background was kept)."""

    def __init__(self, bundle: ModelBundle) -> None:
        if not bundle.explains:
            raise TypeError(
                f"model version {bundle.version} is not a tree model nor a logistic regression registered"
                " with its linear background: it has no SHAP contributions to explain with"
            )
        self.bundle = bundle
        self.families = FeatureFamilies.of(bundle.features)

    def explain(self, matrix: np.ndarray) -> list[Explanation]:
        """Explanations of each row of a matrix in the model's feature order."""
        output = self.bundle.contributions(matrix)
        assert output is not None, "a bundle that explains always has contributions"
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
                families=self.families,
            )
            for i in range(matrix.shape[0])
        ]


#: The name this explainer had while it explained tree models only; tests/integration/test_services.py
#: and tests/serving/test_explainer.py still import it.
TreeExplainer = ShapExplainer
