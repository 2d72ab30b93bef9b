"""Exact SHAP contributions of the bundle's model, whatever its kind: the scorer computes them.

A tree model: LightGBM's `pred_contrib` prediction, the TreeSHAP algorithm that shap's TreeExplainer
calls for LightGBM (same numbers, checked by a test against shap); calling it directly keeps shap,
numba and llvmlite out of the service. A logistic regression: exact linear SHAP against the training
rows' mean (credit_model.linear_shap, checked against shap's LinearExplainer). Either way base value
plus contributions is the model's log-odds, and offsets (undersampling) belong to the base value.
"""

from __future__ import annotations

import numpy as np

from credit_features.families import family_key
from credit_model.contributions import Explanation, FeatureFamilies, explain_rows
from serving_base.bundle import ModelBundle


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
        self.families = FeatureFamilies.of([family_key(name) for name in bundle.features])

    def explain(self, matrix: np.ndarray) -> list[Explanation]:
        """Explanations of each row of a matrix in the model's feature order."""
        output = self.bundle.contributions(matrix)
        assert output is not None, "a bundle that explains always has contributions"
        return explain_rows(output, matrix, self.bundle.features, self.families)


#: The name this explainer had while it explained tree models only; tests/integration/test_services.py
#: and tests/serving/test_explainer.py still import it.
TreeExplainer = ShapExplainer
