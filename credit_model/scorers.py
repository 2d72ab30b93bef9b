"""What turns a matrix in the model's feature order into log-odds (and, for trees, contributions).

A registered tree model is scored from its LightGBM text through the native library (small, fast);
any other model (a logistic regression, a version registered before the text was kept) through its
scikit-learn pipeline, whose libraries are imported only then.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from credit_model.native_trees import NativeTrees


class Scorer(Protocol):
    """Log-odds of default of rows in the model's feature order."""

    trees: int
    leaves: int

    def raw_scores(self, matrix: np.ndarray) -> np.ndarray: ...

    def contributions(self, matrix: np.ndarray) -> np.ndarray | None: ...


class TreeScorer:
    """A LightGBM model plus the log-odds offset of its imbalance strategy (undersampling shifts the
    log-odds by log(keep): the population's score is the booster's plus that offset)."""

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


class PipelineScorer:
    """A fitted scikit-learn pipeline (no contributions: not a tree model)."""

    trees = leaves = 0

    def __init__(self, pipeline: Any, features: tuple[str, ...]) -> None:
        self.pipeline = pipeline
        self.features = features

    def raw_scores(self, matrix: np.ndarray) -> np.ndarray:
        import pandas as pd

        proba = self.pipeline.predict_proba(pd.DataFrame(matrix, columns=list(self.features)))[:, 1]
        return np.log(proba / (1.0 - proba))

    def contributions(self, matrix: np.ndarray) -> None:
        return None
