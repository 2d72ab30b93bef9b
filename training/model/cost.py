"""The business cost of credit decisions and the threshold that minimises it.

A missed defaulter (false negative) costs the bank about ten times a wrongly refused good client
(false positive), so the decision threshold is chosen on this cost, not on accuracy or 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class CostWeights:
    """Cost of one false negative (granted defaulter) and one false positive (refused good client)."""

    fn: float = 10.0
    fp: float = 1.0

    def __post_init__(self) -> None:
        if self.fn < 0 or self.fp < 0:
            raise ValueError(f"cost weights must be non-negative, got fn={self.fn}, fp={self.fp}")


DEFAULT_WEIGHTS = CostWeights()


@dataclass(frozen=True)
class ThresholdChoice:
    """The threshold with the lowest cost on some predictions, and that cost."""

    threshold: float
    cost: float


def _validated(y_true: ArrayLike, proba: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    p = np.asarray(proba, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(f"y_true and proba must be 1-D of equal length, got {y.shape} and {p.shape}")
    if y.size == 0:
        raise ValueError("cannot compute a cost on zero rows")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold only 0 and 1")
    if np.isnan(p).any():
        raise ValueError("proba holds NaN")
    return y.astype(np.int8), p


def business_cost(
    y_true: ArrayLike, proba: ArrayLike, threshold: float, weights: CostWeights = DEFAULT_WEIGHTS
) -> float:
    """Mean cost per application when refusing every application with proba >= threshold."""
    y, p = _validated(y_true, proba)
    refused = p >= threshold
    false_negatives = np.count_nonzero(~refused & (y == 1))
    false_positives = np.count_nonzero(refused & (y == 0))
    return float((weights.fn * false_negatives + weights.fp * false_positives) / y.size)


def best_threshold(
    y_true: ArrayLike, proba: ArrayLike, weights: CostWeights = DEFAULT_WEIGHTS
) -> ThresholdChoice:
    """Exact minimiser of `business_cost` over all thresholds, in O(n log n).

    Candidate thresholds are the distinct predicted values (refuse from that value up) plus +inf
    (grant everyone); the returned threshold is a distinct predicted value, or 1.0 + eps for "grant all".
    """
    y, p = _validated(y_true, proba)
    order = np.argsort(-p, kind="stable")
    p_sorted, y_sorted = p[order], y[order]
    # Refusing the top k rows: FP = non-defaulters among them, FN = defaulters below them.
    refused_defaulters = np.concatenate(([0], np.cumsum(y_sorted)))
    refused_good = np.arange(y.size + 1) - refused_defaulters
    total_defaulters = refused_defaulters[-1]
    costs = weights.fn * (total_defaulters - refused_defaulters) + weights.fp * refused_good
    # Only cut between distinct values: k rows refused must end where the next value differs.
    valid = np.ones(y.size + 1, dtype=bool)
    valid[1:-1] = p_sorted[:-1] != p_sorted[1:]
    k = int(np.flatnonzero(valid)[np.argmin(costs[valid])])
    threshold = float(np.nextafter(1.0, 2.0)) if k == 0 else float(p_sorted[k - 1])
    return ThresholdChoice(threshold=threshold, cost=float(costs[k] / y.size))
