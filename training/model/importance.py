"""Global explanation of a fitted model: SHAP values on a sample of rows and mean |SHAP| per feature."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from credit_model.estimators import unwrap_lightgbm


@dataclass(frozen=True)
class GlobalExplanation:
    """SHAP values (log-odds) of sample rows, and features ranked by mean absolute contribution."""

    values: np.ndarray
    rows: pd.DataFrame
    importance: pd.Series


def explain_globally(
    pipeline: Pipeline, rows: pd.DataFrame, sample: int = 2000, seed: int = 0
) -> GlobalExplanation | None:
    """SHAP of a LightGBM pipeline on up to `sample` rows; None for models without a tree explainer."""
    unwrapped = unwrap_lightgbm(pipeline)
    if unwrapped is None:
        return None
    model, _ = unwrapped
    picked = rows.sample(n=min(sample, len(rows)), random_state=seed)
    # LightGBM computes exact TreeSHAP itself (pred_contrib); the last column is the base value.
    contributions = model.booster_.predict(picked.to_numpy(dtype=float), pred_contrib=True)[:, :-1]
    importance = pd.Series(np.abs(contributions).mean(axis=0), index=picked.columns).sort_values(
        ascending=False
    )
    return GlobalExplanation(values=contributions, rows=picked, importance=importance)
