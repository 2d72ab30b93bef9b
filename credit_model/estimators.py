"""Estimator classes that registered models reference by import path, and how serving reads them.

Saved pipelines name these classes by module; they live in the model core so that a service loads a
model without importing training. (Versions registered before this move named
`training.models.UndersampledClassifier`: see the README's "Model registry" section to migrate them.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted


class UndersampledClassifier(ClassifierMixin, BaseEstimator):
    """Fit `estimator` on all defaulters and a random share of good clients, then undo the bias.

    Keeping a fraction `keep` of the negatives multiplies the odds by 1/keep; the prior correction
    p = keep·q / (1 − q + keep·q) maps the subsample's probability q back to the population's, so
    probabilities stay comparable with the other strategies and thresholds mean the same thing.
    """

    def __init__(self, estimator: BaseEstimator, ratio: float = 1.0, random_state: int = 0) -> None:
        self.estimator = estimator
        self.ratio = ratio
        self.random_state = random_state

    def fit(self, X: Any, y: Any, **fit_params: Any) -> UndersampledClassifier:  # noqa: N803
        y = np.asarray(y)
        positives = np.flatnonzero(y == 1)
        negatives = np.flatnonzero(y == 0)
        wanted = min(len(negatives), max(1, round(self.ratio * len(positives))))
        rng = np.random.default_rng(self.random_state)
        kept = np.sort(np.concatenate([positives, rng.choice(negatives, size=wanted, replace=False)]))
        self.keep_ = wanted / len(negatives)
        self.estimator_ = clone(self.estimator)
        rows = X.iloc[kept] if hasattr(X, "iloc") else X[kept]
        self.estimator_.fit(rows, y[kept], **fit_params)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:  # noqa: N803
        check_is_fitted(self, "estimator_")
        q = self.estimator_.predict_proba(X)[:, 1]
        p = self.keep_ * q / (1.0 - q + self.keep_ * q)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def unwrap_lightgbm(pipeline: Pipeline) -> tuple[LGBMClassifier, float] | None:
    """The fitted LightGBM inside a pipeline and the log-odds offset its imbalance strategy adds.

    Undersampling shifts the log-odds by log(keep) (see UndersampledClassifier), so the population's
    raw score is the booster's raw score plus that offset. None when the model is not LightGBM.
    """
    model = pipeline.steps[-1][1]
    if isinstance(model, UndersampledClassifier):
        inner = model.estimator_
        return (inner, float(np.log(model.keep_))) if isinstance(inner, LGBMClassifier) else None
    return (model, 0.0) if isinstance(model, LGBMClassifier) else None
