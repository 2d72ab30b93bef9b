"""What turns a matrix in the model's feature order into log-odds and, when the model has them, SHAP
contributions.

A registered tree model is scored from its LightGBM text through the native library (small, fast);
a logistic regression registered with its linear background through its pipeline, with exact linear
SHAP; any other model (the dummy baseline, a version registered before those artifacts existed)
through its scikit-learn pipeline, without contributions. scikit-learn and pandas are imported only
by the pipeline scorers' loaders and calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from credit_model.native_trees import NativeTrees

if TYPE_CHECKING:
    import pandas as pd

    from credit_model.linear_shap import LinearShap


def probabilities(raw: np.ndarray) -> np.ndarray:
    """Default probabilities of log-odds: the one logistic every service and a replay apply."""
    return 1.0 / (1.0 + np.exp(-raw))


class Scorer(Protocol):
    """Log-odds of default of rows in the model's feature order."""

    trees: int
    leaves: int
    #: Whether `contributions` answers (exact SHAP) rather than None.
    explains: bool

    def raw_scores(self, matrix: np.ndarray) -> np.ndarray: ...

    def contributions(self, matrix: np.ndarray) -> np.ndarray | None: ...


class TreeScorer:
    """A LightGBM model plus the log-odds offset of its imbalance strategy (undersampling shifts the
    log-odds by log(keep): the population's score is the booster's plus that offset)."""

    explains = True

    def __init__(self, trees: NativeTrees, logit_offset: float) -> None:
        self._trees = trees
        self.logit_offset = logit_offset
        self.trees, self.leaves = trees.trees, trees.leaves

    def raw_scores(self, matrix: np.ndarray) -> np.ndarray:
        return self._trees.raw_scores(matrix) + self.logit_offset

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Exact TreeSHAP per feature, then the base value (the offset belongs to the base)."""
        output = self._trees.contributions(matrix)
        output[:, -1] += self.logit_offset
        return output


def _frame(matrix: np.ndarray, features: tuple[str, ...]) -> pd.DataFrame:
    """Rows as the named frame a scikit-learn pipeline was fitted on."""
    import pandas as pd

    return pd.DataFrame(matrix, columns=list(features))


class PipelineScorer:
    """A fitted scikit-learn pipeline (no contributions: neither trees nor a linear background)."""

    trees = leaves = 0
    explains = False

    def __init__(self, pipeline: Any, features: tuple[str, ...]) -> None:
        self.pipeline = pipeline
        self.features = features

    def raw_scores(self, matrix: np.ndarray) -> np.ndarray:
        proba = self.pipeline.predict_proba(_frame(matrix, self.features))[:, 1]
        return np.log(proba / (1.0 - proba))

    def contributions(self, matrix: np.ndarray) -> None:
        return None


class LinearScorer:
    """A logistic-regression pipeline with exact linear SHAP against its training rows' mean.

    The log-odds are the linear model's own (intercept + w·z + offset), not the logit of a
    probability, so base value plus contributions equals them to the last bits.
    """

    trees = leaves = 0
    explains = True

    def __init__(self, shap: LinearShap, features: tuple[str, ...]) -> None:
        if shap.features != features:
            raise ValueError("the linear background's feature order is not the model signature's")
        self.shap = shap
        self.features = features

    def raw_scores(self, matrix: np.ndarray) -> np.ndarray:
        return self.shap.raw_scores(_frame(matrix, self.features))

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Exact linear SHAP per feature, then the base value (the offset belongs to the base)."""
        return self.shap.contributions(_frame(matrix, self.features))
