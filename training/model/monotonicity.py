"""The property a version must hold before it may become champion: risk moves the declared way.

For a sample of clients and every feature with a declared risk direction (credit_features.catalog),
the feature is set in turn to each of a grid of its training quantiles, the rest of the client's row
unchanged, and the probabilities must never move against the direction by more than a tolerance. The
monotone constraints of LightGBM make this hold by construction; the check is what proves it for the
version actually registered, whatever model family the comparison chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: A fall of the probability by more than this (0.1 percentage point) counts as a violation.
TOLERANCE = 1e-3


@dataclass(frozen=True)
class MonotoneCheck:
    """Clients checked, grid points per feature, and per feature the clients whose risk moved the
    wrong way (absent: none)."""

    clients: int
    points: int
    violations: dict[str, int]

    @property
    def holds(self) -> bool:
        return not self.violations


def check_monotone(
    predict: object,
    x: pd.DataFrame,
    directions: Mapping[str, int],
    *,
    clients: int = 200,
    points: int = 8,
    seed: int = 0,
) -> MonotoneCheck:
    """`predict` (a fitted pipeline: predict_proba) over `clients` rows of `x` x `points` values of each
    declared feature in `x`."""
    sample = x.sample(n=min(clients, len(x)), random_state=seed)
    violations: dict[str, int] = {}
    for name, direction in directions.items():
        if not direction or name not in x:
            continue
        known = x[name].to_numpy(dtype=float)
        known = known[~np.isnan(known)]
        if known.size == 0:
            continue
        grid = np.unique(np.quantile(known, np.linspace(0.02, 0.98, points)))
        if grid.size < 2:
            continue
        frame = sample.loc[sample.index.repeat(grid.size)].copy()
        frame[name] = np.tile(grid, len(sample))
        probability = predict.predict_proba(frame)[:, 1].reshape(len(sample), grid.size)  # type: ignore[attr-defined]
        steps = np.diff(probability, axis=1) * direction
        wrong = int(np.count_nonzero((steps < -TOLERANCE).any(axis=1)))
        if wrong:
            violations[name] = wrong
    return MonotoneCheck(len(sample), points, violations)
