"""Candidate models, simple to complex, each a scikit-learn pipeline with a class-imbalance strategy.

The pipeline carries its whole preprocessing, so the exact transformation travels with the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

#: LightGBM settings the search does not touch (one thread per trial: trials run side by side).
LGBM_FIXED: dict[str, Any] = {"n_jobs": 1, "verbose": -1, "subsample_freq": 1}


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


def _logistic_preprocessing(categorical: Sequence[str], numeric: Sequence[str]) -> ColumnTransformer:
    numeric_steps = Pipeline(
        [("impute", SimpleImputer(strategy="median", add_indicator=True)), ("scale", StandardScaler())]
    )
    categorical_steps = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value=-1)),
            ("encode", OneHotEncoder(handle_unknown="ignore", min_frequency=20)),
        ]
    )
    return ColumnTransformer(
        [("numeric", numeric_steps, list(numeric)), ("categorical", categorical_steps, list(categorical))],
        verbose_feature_names_out=False,
    )


def _logistic(categorical: Sequence[str], numeric: Sequence[str], class_weight: str | None) -> Pipeline:
    return Pipeline(
        [
            ("prepare", _logistic_preprocessing(categorical, numeric)),
            ("model", LogisticRegression(C=0.05, class_weight=class_weight, max_iter=300)),
        ]
    )


def lightgbm_pipeline(params: dict[str, Any], imbalance: str = "class_weight", seed: int = 0) -> Pipeline:
    """LightGBM in a pipeline (it handles missing values natively, so nothing precedes it)."""
    model = LGBMClassifier(**LGBM_FIXED, random_state=seed, **params)
    if imbalance == "class_weight":
        model.set_params(class_weight="balanced")
        return Pipeline([("model", model)])
    if imbalance == "undersample":
        return Pipeline([("model", UndersampledClassifier(model, ratio=1.0, random_state=seed))])
    if imbalance == "none":
        return Pipeline([("model", model)])
    raise ValueError(f"unknown imbalance strategy {imbalance!r} (class_weight, undersample or none)")


#: A sensible LightGBM before any search, after the public 'LightGBM with simple features' settings.
LGBM_DEFAULTS: dict[str, Any] = {
    "n_estimators": 400,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "max_depth": -1,
    "min_child_samples": 40,
    "reg_lambda": 1.0,
    "subsample": 0.85,
    "colsample_bytree": 0.5,
}


def categorical_features(columns: Sequence[str]) -> list[str]:
    """Integer-coded categoricals (the feature SQL names them *_CODE): one-hot encoded for linear models."""
    return [column for column in columns if column.endswith("_CODE")]


@dataclass(frozen=True)
class Candidate:
    """A named model to compare: family, class-imbalance strategy, and how to build its pipeline."""

    name: str
    family: str
    imbalance: str
    build: Callable[[Sequence[str], Sequence[str], int], Pipeline]


def candidates() -> list[Candidate]:
    """The comparison, from the trivial baseline to gradient boosting, two imbalance strategies each."""
    return [
        Candidate(
            "dummy_prior",
            "dummy",
            "none",
            lambda cat, num, seed: Pipeline([("model", DummyClassifier(strategy="prior"))]),
        ),
        Candidate(
            "logreg_class_weight",
            "logistic_regression",
            "class_weight",
            lambda cat, num, seed: _logistic(cat, num, "balanced"),
        ),
        Candidate(
            "logreg_undersample",
            "logistic_regression",
            "undersample",
            lambda cat, num, seed: Pipeline(
                [("model", UndersampledClassifier(_logistic(cat, num, None), random_state=seed))]
            ),
        ),
        Candidate(
            "lightgbm_class_weight",
            "lightgbm",
            "class_weight",
            lambda cat, num, seed: lightgbm_pipeline(LGBM_DEFAULTS, "class_weight", seed),
        ),
        Candidate(
            "lightgbm_undersample",
            "lightgbm",
            "undersample",
            lambda cat, num, seed: lightgbm_pipeline(LGBM_DEFAULTS, "undersample", seed),
        ),
    ]


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
