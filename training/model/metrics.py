"""Every figure reported for a model: ranking, calibration, and decisions at the business threshold."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import ks_2samp
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    fbeta_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from training.model.cost import DEFAULT_WEIGHTS, CostWeights, business_cost

# F-beta with beta = sqrt(10) weighs recall as the 10:1 cost ratio weighs missed defaulters.
DEFAULT_BETA = float(np.sqrt(10.0))


@dataclass(frozen=True)
class Scores:
    """Figures of one set of predictions at one decision threshold."""

    auc: float
    business_cost: float
    threshold: float
    accuracy: float
    precision: float
    recall: float
    f_beta: float
    brier: float
    ks: float

    def as_dict(self, prefix: str = "") -> dict[str, float]:
        """Flat dict, e.g. for mlflow.log_metrics(scores.as_dict('holdout_'))."""
        return {f"{prefix}{key}": value for key, value in asdict(self).items()}


def score_predictions(
    y_true: ArrayLike,
    proba: ArrayLike,
    threshold: float,
    weights: CostWeights = DEFAULT_WEIGHTS,
    beta: float = DEFAULT_BETA,
) -> Scores:
    """All figures of `proba` against `y_true`, refusing from `threshold` up."""
    y = np.asarray(y_true).astype(int)
    p = np.asarray(proba, dtype=float)
    refused = (p >= threshold).astype(int)
    return Scores(
        auc=float(roc_auc_score(y, p)),
        business_cost=business_cost(y, p, threshold, weights),
        threshold=float(threshold),
        accuracy=float(accuracy_score(y, refused)),
        precision=float(precision_score(y, refused, zero_division=0)),
        recall=float(recall_score(y, refused, zero_division=0)),
        f_beta=float(fbeta_score(y, refused, beta=beta, zero_division=0)),
        brier=float(brier_score_loss(y, p)),
        ks=float(ks_2samp(p[y == 1], p[y == 0]).statistic),
    )
