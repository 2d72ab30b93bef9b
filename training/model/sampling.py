"""The rows model comparison and the search work on: a stratified draw when the training set is large.

Why a cap: the comparison's and the search's cost grows with the rows (at scale 0.1, 24,600 training
rows, a 30 x 5 search took 153-471 s: bench/results/train.json), and the Kaggle size has ten times as
many, which would not fit the full-size pipeline's 30 minutes. One fit on all rows is cheap (11.9 s at
full size), so the chosen model is still refit on every row (training.model.train).
"""

from __future__ import annotations

import numpy as np

#: Rows the comparison and the search draw by default (the `--search-rows` of train and pipeline).
SEARCH_ROWS = 50_000


def stratified_draw(target: np.ndarray, rows: int | None, seed: int) -> np.ndarray | None:
    """Sorted positions of `rows` rows keeping each class's share of `target` (to the row), or None
    when there are no more rows than that (use them all). Seeded: a rerun compares the same models."""
    if rows is None or len(target) <= rows:
        return None
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(target, return_counts=True)
    quotas = np.floor(counts * rows / len(target)).astype(int)
    quotas[np.argmax(counts)] += rows - quotas.sum()  # rounding's remainder goes to the largest class
    picked = [
        rng.choice(np.flatnonzero(target == c), q, replace=False)
        for c, q in zip(classes, quotas, strict=True)
    ]
    return np.sort(np.concatenate(picked))
