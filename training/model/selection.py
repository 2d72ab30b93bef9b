"""Which model to register: the cheapest to serve among those the cross-validation cannot tell apart.

Two models whose CV business costs differ by less than the best one's standard error across folds
are equally good as far as the data can say; then the one with fewer leaves over all its trees is
preferred, because an explanation (TreeSHAP walks every leaf of every tree) and a score cost less
with it. The caller gives each model's size (training.model.train.serving_size: a model without
trees counts as infinite, its serving cost not being proportional to any size).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Standing:
    """A contender's cross-validated business cost, its standard error, and its serving size."""

    name: str
    cv_cost: float
    cost_standard_error: float
    leaves: float


def near_best(standings: list[Standing]) -> list[Standing]:
    """The contenders whose cost is within one standard error of the best one's."""
    best = min(standings, key=lambda s: s.cv_cost)
    return [s for s in standings if s.cv_cost <= best.cv_cost + best.cost_standard_error]


def cheapest(standings: list[Standing]) -> Standing:
    """The fewest leaves; among equals, the lower cost."""
    return min(standings, key=lambda s: (s.leaves, s.cv_cost))
