"""SHAP contributions (log-odds) as percentage points of default probability, adding up exactly.

Why a rule is needed: SHAP values add up in log-odds, from the model's base value to this client's
score, but an advisor reads chances of default. The sigmoid is not linear, so each contribution's
"own" probability change is not defined; the rule used here is proportional rescaling (DeepLIFT's
"rescale" rule): every contribution keeps its share of the total log-odds change, applied to the total
probability change. With p0 = sigmoid(base value) (the model's base probability) and p = sigmoid(raw
score), a contribution s is worth 100 * s * (p - p0) / (raw - base) points, and the points of every
feature, or of every family, sum to 100 * (p - p0): the bars of a waterfall go exactly from the base
probability to the client's. Signs and ranking are those of the log-odds (the factor is positive).
"""

from __future__ import annotations

import math


def sigmoid(log_odds: float) -> float:
    return 1.0 / (1.0 + math.exp(-log_odds))


def points_per_log_odds(base_value: float, raw_score: float) -> float:
    """Percentage points of probability per unit of log-odds for this explanation (its slope at the
    base probability when the client's score is the base value itself)."""
    change = raw_score - base_value
    if abs(change) < 1e-12:
        p0 = sigmoid(base_value)
        return 100.0 * p0 * (1.0 - p0)
    return 100.0 * (sigmoid(raw_score) - sigmoid(base_value)) / change
