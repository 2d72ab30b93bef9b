"""One training set binned once for every `min_child_samples` a search tries, as each fit would bin it.

LightGBM bins a training set at every fit, and its feature pre-filter then drops each feature that no
split could use at that fit's leaf size (`min_child_samples` rows on either side: rare flags, mostly).
Which features survive changes the trees even though a dropped feature would never be split on: column
sampling (`colsample_bytree`) draws among the survivors. So that a trial trains exactly the pipeline's
model, a training set is binned once per distinct set of surviving features over the search's range of
leaf sizes (one to a handful of copies), each copy serving the leaf sizes that keep its features.

Bins themselves never depend on the leaf size: only which features the pre-filter keeps does, and that
shrinks as the leaf size grows. The leaf size from which a feature drops out is found by bisection on
that feature alone (LightGBM bins each feature on its own), so only the features whose fate changes
within the range are probed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np


@dataclass(frozen=True)
class BinnedVariant:
    """A training set binned with the features LightGBM keeps at the leaf sizes `leaf_sizes`."""

    leaf_sizes: tuple[int, int]  # min_child_samples served, both ends included
    fit: bytes  # LightGBM binary data of the rows fitted
    stop: bytes  # the early-stopping slice, binned with the bins of `fit`


def _construct(
    x: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray | None,
    params: dict[str, Any],
    *,
    leaf: int,
    names: list[str] | None = None,
) -> lightgbm.Dataset:
    """The data as a fit with `min_child_samples=leaf` bins them (pre-filter on, as LightGBM's default)."""
    filtered = params | {"min_child_samples": leaf, "feature_pre_filter": True}
    return lightgbm.Dataset(
        x, label=y, weight=weight, feature_name=names or "auto", params=filtered
    ).construct()


def _kept(dataset: lightgbm.Dataset) -> frozenset[int]:
    """Features the pre-filter kept (a dropped or constant feature has at most one bin)."""
    return frozenset(j for j in range(dataset.num_feature()) if dataset.feature_num_bin(j) > 1)


def _last_leaf_kept(column: np.ndarray, y: np.ndarray, params: dict[str, Any], low: int, high: int) -> int:
    """Largest leaf size at which `column` survives, knowing it survives `low` and not `high`."""
    while high - low > 1:
        middle = (low + high) // 2
        if _kept(_construct(column.reshape(-1, 1), y, None, params, leaf=middle)):
            low = middle
        else:
            high = middle
    return low


def _binary(dataset: lightgbm.Dataset, folder: Path, name: str) -> bytes:
    path = folder / f"{name}.bin"
    dataset.save_binary(str(path))
    return path.read_bytes()


def bin_for_leaf_sizes(
    x: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray | None,
    stop: tuple[np.ndarray, np.ndarray],
    *,
    params: dict[str, Any],
    names: list[str],
    leaf_sizes: tuple[int, int],
) -> tuple[BinnedVariant, ...]:
    """Rows `x` (labels `y`, weights `weight`) and their stopping slice, binned once per distinct set
    of features the pre-filter keeps for a `min_child_samples` in `leaf_sizes` (both ends included)."""
    low, high = leaf_sizes
    at_low = _construct(x, y, weight, params, leaf=low, names=names)
    at_high = _construct(x, y, weight, params, leaf=high, names=names)
    fading = _kept(at_low) - _kept(at_high)
    # A feature kept up to leaf size t is gone from t + 1: each such step starts another copy.
    starts = [low, *sorted({_last_leaf_kept(x[:, j], y, params, low, high) + 1 for j in fading})]
    ends = [start - 1 for start in starts[1:]] + [high]
    variants = []
    with tempfile.TemporaryDirectory(prefix="binning-") as folder:
        for number, (start, end) in enumerate(zip(starts, ends, strict=True)):
            # Same kept features over [start, end]: the copy built at either end serves the range.
            if start == low or end == high:
                fit = at_low if start == low else at_high
            else:
                fit = _construct(x, y, weight, params, leaf=start, names=names)
            valid = fit.create_valid(stop[0], label=stop[1], params=fit.params)
            variants.append(
                BinnedVariant(
                    leaf_sizes=(start, end),
                    fit=_binary(fit, Path(folder), f"fit-{number}"),
                    stop=_binary(valid.construct(), Path(folder), f"stop-{number}"),
                )
            )
    return tuple(variants)


def load_variant(
    variant: BinnedVariant, folder: Path, params: dict[str, Any]
) -> tuple[lightgbm.Dataset, lightgbm.Dataset]:
    """(rows fitted, stopping slice) as LightGBM Datasets, read from files in `folder` (keep it until
    training ends: LightGBM reads the stopping slice when training starts)."""
    fit_path, stop_path = folder / "fit.bin", folder / "stop.bin"
    fit_path.write_bytes(variant.fit)
    stop_path.write_bytes(variant.stop)
    fit = lightgbm.Dataset(str(fit_path), params=params)
    return fit, lightgbm.Dataset(str(stop_path), reference=fit, params=params)
