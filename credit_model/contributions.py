"""A row's explanation: base value, contributions, their order as reasons, and their sums by family.

The explain service answers with it, and a replay of a logged decision (training.replay) recomputes it:
both go through this one module, so that the reasons listed, their order and their values are the same
bits on either side. Base value plus contributions is the model's log-odds (credit_model.scorers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from credit_model.scorers import probabilities


@dataclass(frozen=True)
class Explanation:
    """One row: log-odds of the average client (base), the row's log-odds, and per-feature shares."""

    base_value: float
    raw_score: float
    probability: float
    features: tuple[str, ...]
    values: np.ndarray
    contributions: np.ndarray
    families: FeatureFamilies

    def by_impact(self, each_way: int = 0) -> list[int]:
        """Feature positions sorted by |contribution|, largest first; with `each_way` > 0 only the
        `each_way` largest raising the risk, the `each_way` largest lowering it, and the `each_way`
        strongest of each family (its drill-down); a zero contribution is listed only in full."""
        order = np.argsort(-np.abs(self.contributions), kind="stable")
        if each_way <= 0:
            return order.tolist()
        signs = self.contributions[order]
        keep = (np.cumsum(signs > 0) <= each_way) & (signs > 0) | (np.cumsum(signs < 0) <= each_way) & (
            signs < 0
        )
        seen = np.zeros(len(self.families.keys), dtype=np.int64)
        for position, code in enumerate(self.families.codes[order].tolist()):  # rank within its family
            seen[code] += 1
            keep[position] |= seen[code] <= each_way and signs[position] != 0
        return order[keep].tolist()

    def omitted_shap(self, listed: list[int]) -> float:
        """The sum of the contributions not `listed` (0 when every feature is)."""
        if len(listed) == len(self.features):
            return 0.0
        return float(self.contributions.sum() - self.contributions[listed].sum())

    def family_impacts(self) -> list[tuple[str, float, int]]:
        """(family, Σ contributions, feature count) of every family, largest |Σ| first (exact: every
        feature counts, listed or not)."""
        sums = np.bincount(self.families.codes, weights=self.contributions, minlength=len(self.families.keys))
        order = np.argsort(-np.abs(sums), kind="stable")
        return [(self.families.keys[i], float(sums[i]), int(self.families.sizes[i])) for i in order]


@dataclass(frozen=True)
class FeatureFamilies:
    """The family of each of a model's features, as integer codes for summing (computed once per model)."""

    keys: tuple[str, ...]
    codes: np.ndarray
    sizes: np.ndarray

    @classmethod
    def of(cls, family_of: Sequence[str]) -> FeatureFamilies:
        """The families of a model's features, given the family of each feature in the model's order
        (credit_features.families.family_key names it: the cores do not import each other)."""
        keys = tuple(dict.fromkeys(family_of))
        codes = np.array([keys.index(name) for name in family_of], dtype=np.int64)
        return cls(keys, codes, np.bincount(codes, minlength=len(keys)))

    def key_of(self, position: int) -> str:
        """The family of the feature at `position`."""
        return self.keys[int(self.codes[position])]


def explain_rows(
    output: np.ndarray, matrix: np.ndarray, features: tuple[str, ...], families: FeatureFamilies
) -> list[Explanation]:
    """The explanations of a matrix's rows from a scorer's contributions (one column per feature, then
    the base value); the probability is the logistic of base + Σ contributions."""
    contributions, base = output[:, :-1], output[:, -1]
    raw = base + contributions.sum(axis=1)
    probability = probabilities(raw)
    return [
        Explanation(
            base_value=float(base[i]),
            raw_score=float(raw[i]),
            probability=float(probability[i]),
            features=features,
            values=matrix[i],
            contributions=contributions[i],
            families=families,
        )
        for i in range(matrix.shape[0])
    ]
