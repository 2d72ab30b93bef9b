"""Each cross-validation fold's LightGBM data, binned once for a whole search and shared by its trials.

Why: every trial of a search used to rebuild each fold from pandas frames (split, copy, bin every
column) although the folds, their inner early-stopping slices and the rows undersampling keeps depend
on the seed only, never on the hyper-parameters. Here each fold is split exactly as
`training.model.validation.cross_validate` splits it, the training part of each class-imbalance
strategy is binned once, and the result is plain bytes and arrays that Ray's object store holds once
for every trial (LightGBM's binary data format: a trial loads it without binning again).

Per fold and strategy:
- class_weight: the inner training rows with LightGBM's "balanced" class weights (as
  `LGBMClassifier(class_weight="balanced")` weighs them), the stopping slice unweighted;
- undersample: all defaulters of the inner rows and as many good clients drawn as
  `credit_model.estimators.UndersampledClassifier` draws them, and `keep`, the share of good clients
  kept, which corrects the probabilities back to the population's.

Each is binned as LightGBM would bin it at the trial's `min_child_samples` (training.model.binning:
one copy per distinct set of features its pre-filter keeps over the search's leaf sizes), so a trial
trains exactly the model the pipeline would (unit test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.utils.class_weight import compute_sample_weight

from credit_model.estimators import UndersampledClassifier
from training.model.binning import BinnedVariant, bin_for_leaf_sizes
from training.model.booster import booster_params
from training.model.candidates import lightgbm_pipeline
from training.model.validation import INNER_SHARE

#: The class-imbalance strategies of the search, each with its own binned training data per fold.
STRATEGIES = ("class_weight", "undersample")


@dataclass(frozen=True)
class BinnedTraining:
    """A fold's training data for one strategy: the rows fitted and the stopping slice, binned alike."""

    variants: tuple[BinnedVariant, ...]  # one per set of features kept, by leaf size
    keep: float | None  # share of good clients kept by undersampling (None: all kept)

    def for_leaf_size(self, leaf: int) -> BinnedVariant:
        """The copy binned as a fit with `min_child_samples=leaf` bins it."""
        for variant in self.variants:
            low, high = variant.leaf_sizes
            if low <= leaf <= high:
                return variant
        ranges = [variant.leaf_sizes for variant in self.variants]
        raise ValueError(f"min_child_samples={leaf} is outside the leaf sizes binned for: {ranges}")


@dataclass(frozen=True)
class FoldData:
    """Everything a trial needs of one fold: its binned training data and the rows it is scored on."""

    number: int  # 1-based, as cross_validate counts folds
    scored_rows: np.ndarray  # positions in the training set
    x_scored: np.ndarray  # float64 features of those rows
    training: dict[str, BinnedTraining]


def fold_splits(target: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training rows, scored rows) of each fold, as cross_validate draws them."""
    y = np.asarray(target).astype(int)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((len(y), 1)), y))


def _inner_split(y_fit: np.ndarray, number: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in the training fold) of the inner training rows and of the stopping slice, in the
    order validation's train_test_split gives them (row order matters to LightGBM's bagging)."""
    inner, stop = train_test_split(
        np.arange(len(y_fit)), test_size=INNER_SHARE, stratify=y_fit, random_state=seed + number
    )
    return inner, stop


def _undersampled(y: np.ndarray, seed: int) -> tuple[np.ndarray, float]:
    """Rows UndersampledClassifier fits its estimator on (same draw), and the share of good clients kept."""
    sampler = lightgbm_pipeline({}, "undersample", seed).steps[-1][1]
    if not isinstance(sampler, UndersampledClassifier):
        raise TypeError(f"the undersampling pipeline ends with {type(sampler).__name__}")
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    wanted = min(len(negatives), max(1, round(sampler.ratio * len(positives))))
    rng = np.random.default_rng(sampler.random_state)
    kept = np.sort(np.concatenate([positives, rng.choice(negatives, size=wanted, replace=False)]))
    return kept, wanted / len(negatives)


def build_fold(
    x: np.ndarray,
    target: np.ndarray,
    number: int,
    *,
    folds: int,
    seed: int,
    names: list[str],
    leaf_sizes: tuple[int, int],
) -> FoldData:
    """Fold `number` (1-based) of `folds`: split as cross_validate splits, binned once per strategy
    for the `min_child_samples` of `leaf_sizes` (both ends included)."""
    y = np.asarray(target).astype(int)
    fit_rows, scored_rows = fold_splits(y, folds, seed)[number - 1]
    inner, stop = _inner_split(y[fit_rows], number, seed)
    x_inner, y_inner = x[fit_rows[inner]], y[fit_rows[inner]]
    stopping = (x[fit_rows[stop]], y[fit_rows[stop]])
    # Binning depends on data-set parameters only, the same for every trial (the pipeline's defaults).
    params = booster_params({}, seed, threads=1)[0]
    kept, keep = _undersampled(y_inner, seed)
    binning = {"params": params, "names": names, "leaf_sizes": leaf_sizes}
    weight = compute_sample_weight("balanced", y_inner)
    training = {
        "class_weight": BinnedTraining(
            bin_for_leaf_sizes(x_inner, y_inner, weight, stopping, **binning), keep=None
        ),
        "undersample": BinnedTraining(
            bin_for_leaf_sizes(x_inner[kept], y_inner[kept], None, stopping, **binning), keep=keep
        ),
    }
    return FoldData(
        number=number,
        scored_rows=scored_rows,
        x_scored=np.ascontiguousarray(x[scored_rows]),
        training=training,
    )
