"""Candidate models, simple to complex, each a scikit-learn pipeline with a class-imbalance strategy.

The pipeline carries its whole preprocessing, so the exact transformation travels with the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lightgbm import LGBMClassifier
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from credit_features.catalog import risk_directions
from credit_model.estimators import UndersampledClassifier

#: LightGBM settings the search does not touch (one thread per trial: trials run side by side).
LGBM_FIXED: dict[str, Any] = {"n_jobs": 1, "verbose": -1, "subsample_freq": 1}


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


def with_trees(pipeline: Pipeline, trees: int) -> Pipeline:
    """The pipeline with its LightGBM (plain or undersampled) set to grow exactly `trees` trees."""
    model = pipeline.steps[-1][1]
    key = (
        "model__estimator__n_estimators"
        if isinstance(model, UndersampledClassifier)
        else "model__n_estimators"
    )
    return pipeline.set_params(**{key: trees})


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


def monotone_settings(columns: Sequence[str], monotone: bool = True) -> dict[str, Any]:
    """LightGBM's monotone constraints for these input columns, in their order: the risk directions
    declared beside the features' definitions (credit_features.catalog). "intermediate" splits more
    freely than the basic method at little cost (LightGBM's documentation). None when not `monotone`
    (a model trained so measures what the constraints cost; it is never served)."""
    directions = risk_directions(columns) if monotone else []
    if not any(directions):
        return {}
    return {"monotone_constraints": directions, "monotone_constraints_method": "intermediate"}


def free_features(columns: Sequence[str]) -> list[str]:
    """The columns without a declared risk direction: a logistic regression leaves the others out,
    since nothing makes its fitted signs follow the declared directions."""
    return [
        column for column, direction in zip(columns, risk_directions(columns), strict=True) if not direction
    ]


def candidates(columns: Sequence[str] = (), monotone: bool = True) -> list[Candidate]:
    """The comparison, from the trivial baseline to gradient boosting, two imbalance strategies each,
    every one respecting the risk directions declared for `columns` (the training frame's, in order),
    unless not `monotone`."""
    lightgbm = LGBM_DEFAULTS | monotone_settings(columns, monotone)
    free = set(free_features(columns)) if columns and monotone else None

    def numeric_free(numeric: Sequence[str]) -> list[str]:
        return list(numeric) if free is None else [n for n in numeric if n in free]

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
            lambda cat, num, seed: _logistic(cat, numeric_free(num), "balanced"),
        ),
        Candidate(
            "logreg_undersample",
            "logistic_regression",
            "undersample",
            lambda cat, num, seed: Pipeline(
                [
                    (
                        "model",
                        UndersampledClassifier(_logistic(cat, numeric_free(num), None), random_state=seed),
                    )
                ]
            ),
        ),
        Candidate(
            "lightgbm_class_weight",
            "lightgbm",
            "class_weight",
            lambda cat, num, seed: lightgbm_pipeline(lightgbm, "class_weight", seed),
        ),
        Candidate(
            "lightgbm_undersample",
            "lightgbm",
            "undersample",
            lambda cat, num, seed: lightgbm_pipeline(lightgbm, "undersample", seed),
        ),
    ]
