"""The bounds a version's fairness must hold to be promoted: plain numbers, apart from the report's
computation (fairlearn, pandas), so that the jobs' options can carry them without importing either."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FairnessBounds:
    """What a version must hold to be promoted (docs/compliance.md; the command line reads them from the
    FAIRNESS_* variables of training.settings).

    With an oracle: the model's equal-opportunity gap at most `excess_gap` wider than the oracle's, its
    lowest grant-rate ratio at most `excess_ratio` below the oracle's. Without: the gap at most
    `max_gap`, the ratio at least `min_ratio` (the four-fifths rule).
    """

    excess_gap: float = 0.02
    excess_ratio: float = 0.05
    max_gap: float = 0.05
    min_ratio: float = 0.8


#: The bounds in force unless FAIRNESS_* says otherwise (docs/compliance.md).
DEFAULT_BOUNDS = FairnessBounds()
