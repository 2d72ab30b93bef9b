"""Global explanation of a fitted model: SHAP values on a sample of rows and mean |SHAP| per feature.

The same exact SHAP the explain service answers with: TreeSHAP for LightGBM, linear SHAP for a
logistic regression (credit_model.linear_shap), so every champion has its global importance (the
gateway compares clients on its most important features, the drift report ranks by it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from credit_model.estimators import unwrap_lightgbm
from credit_model.linear_shap import LinearShap


@dataclass(frozen=True)
class GlobalExplanation:
    """SHAP values (log-odds) of sample rows, and features ranked by mean absolute contribution."""

    values: np.ndarray
    rows: pd.DataFrame
    importance: pd.Series


def _contributions(pipeline: Pipeline, rows: pd.DataFrame, picked: pd.DataFrame) -> np.ndarray | None:
    """SHAP of the picked rows, one column per feature (no base value); None without an explainer."""
    unwrapped = unwrap_lightgbm(pipeline)
    if unwrapped is not None:
        model, _ = unwrapped
        # LightGBM computes exact TreeSHAP itself (pred_contrib); the last column is the base value.
        return model.booster_.predict(picked.to_numpy(dtype=float), pred_contrib=True)[:, :-1]
    linear = LinearShap.of(pipeline, rows)  # the background: every row given, not only the sample
    return None if linear is None else linear.contributions(picked)[:, :-1]


def explain_globally(
    pipeline: Pipeline, rows: pd.DataFrame, sample: int = 2000, seed: int = 0
) -> GlobalExplanation | None:
    """SHAP of a LightGBM or logistic-regression pipeline on up to `sample` of `rows` (a logistic
    regression's against the mean of all `rows`); None for a model without an exact explainer (the
    dummy baseline)."""
    picked = rows.sample(n=min(sample, len(rows)), random_state=seed)
    contributions = _contributions(pipeline, rows, picked)
    if contributions is None:
        return None
    importance = pd.Series(np.abs(contributions).mean(axis=0), index=picked.columns).sort_values(
        ascending=False
    )
    return GlobalExplanation(values=contributions, rows=picked, importance=importance)
