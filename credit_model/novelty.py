"""How far an application lies from the applications the model learned from (a whitened distance).

Why this measure: a model's probability is only as good as the data around the point it is asked
about. A Mahalanobis distance over the application's own amounts, ratios, age, employment and external
scores says "unlike anything in training" in one number, is fitted in one pass, and is served with
NumPy alone (a centre and a whitening matrix in JSON: no scikit-learn in the lean services). Its
threshold is the training distances' quantile (99 % by default), so about 1 % of training applications
are referred.

Only the application's own features are used: a client without credit history is this lender's
ordinary customer, and history features (missing for such a client) never make a file novel. A missing
value sits at the centre (it adds no distance): missing information is the required-information rule's
business, not novelty's.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: The application features the distance is measured on; amounts and ratios on a log scale.
NOVELTY_FEATURES: dict[str, bool] = {  # name -> log scale
    "APP_AMT_INCOME_TOTAL": True,
    "APP_AMT_CREDIT": True,
    "APP_AMT_ANNUITY": True,
    "APP_AMT_GOODS_PRICE": True,
    "APP_CREDIT_INCOME_RATIO": True,
    "APP_ANNUITY_INCOME_RATIO": True,
    "APP_PAYMENT_RATE": True,
    "APP_AGE_YEARS": False,
    "APP_YEARS_EMPLOYED": False,
    "APP_EXT_SOURCE_MEAN": False,
    "APP_CNT_FAM_MEMBERS": False,
}
#: Relative margin of `novel_throughout` over the threshold: covers the last bits of rounding in the
#: features (a ratio of two scaled amounts is not exactly constant) and in the bound itself.
MARGIN = 1e-9
#: `novel_throughout` enumerates the corners of the moving features' box: at most 2**MAX_MOVING.
MAX_MOVING = 12
#: Added to the covariance's diagonal, relative to its mean variance: keeps it invertible when two
#: features move together exactly (credit and goods price often do).
RIDGE = 1e-6


@dataclass(frozen=True)
class NoveltyModel:
    """Centre and whitening of the training applications, and the distance from which a file is novel."""

    features: tuple[str, ...]
    log_scale: tuple[bool, ...]
    center: tuple[float, ...]
    whitening: tuple[tuple[float, ...], ...]  # lower-triangular L⁻¹ with L Lᵀ the covariance
    threshold: float
    quantile: float

    def transformed(self, values: np.ndarray) -> np.ndarray:
        """Rows of raw feature values (columns in `features` order) on the distance's scales; NaN kept."""
        logged = np.asarray(self.log_scale)
        out = np.array(values, dtype=np.float64, copy=True)
        with np.errstate(invalid="ignore"):
            out[:, logged] = np.log1p(np.maximum(out[:, logged], 0.0))
        return out

    def distances(self, values: np.ndarray) -> np.ndarray:
        """The distance of each row (raw values, columns in `features` order); NaN counts as the centre."""
        centered = self.transformed(values) - np.asarray(self.center)
        centered[np.isnan(centered)] = 0.0
        # einsum's own loop, not BLAS: a row's distance is the same bits alone or among many rows, so the
        # offer's screening of many candidates agrees with Scoring's decision of one
        whitened = np.einsum("ij,kj->ik", centered, np.asarray(self.whitening), optimize=False)
        return np.sqrt(np.einsum("ij,ij->i", whitened, whitened, optimize=False))

    def distance(self, values: Mapping[str, float]) -> float:
        """One application's distance, from its features by name (absent or NaN is missing)."""
        return float(self.distances_of([values])[0])

    def distances_of(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Many applications' distances, each from its features by name (absent or NaN is missing)."""
        matrix = np.array(
            [[values.get(name, math.nan) for name in self.features] for values in rows], dtype=np.float64
        ).reshape(len(rows), len(self.features))
        return self.distances(matrix)

    def novel_throughout(self, low: Mapping[str, float], high: Mapping[str, float]) -> bool:
        """Whether every application whose features lie, each one, between those of `low` and `high` is
        novel: proven, not sampled.

        Why it holds: an application between the ends differs from `high` by a vector in the box
        between 0 and (low - high), feature by feature, on the transformed scales; whitening is linear,
        so its distance is at least `high`'s minus the longest whitened vector of that box, which is at
        one of the box's corners (a norm is convex). The same holds from `low`. So if either end lies
        beyond the threshold by more than that, everything between does too. Used on candidate loans of
        one client at one term, whose amounts and ratios all grow with the amount.
        """
        ends = self.transformed(
            np.array([[row.get(name, math.nan) for name in self.features] for row in (low, high)])
        )
        if not np.array_equal(np.isnan(ends[0]), np.isnan(ends[1])):
            return False  # a feature known at one end only: nothing lies "between"
        gap = np.nan_to_num(ends[0] - ends[1])
        moving = np.flatnonzero(gap)
        if len(moving) > MAX_MOVING:
            return False
        corners = np.array(list(itertools.product((0.0, 1.0), repeat=len(moving)))) * gap[moving]
        whitened = np.einsum("ij,kj->ik", corners, np.asarray(self.whitening)[:, moving], optimize=False)
        reach = float(np.sqrt(np.einsum("ij,ij->i", whitened, whitened, optimize=False)).max())
        farthest = float(self.distances_of([low, high]).max())
        return farthest - reach > self.threshold * (1 + MARGIN)

    def as_dict(self) -> dict:
        return {
            "features": list(self.features),
            "log_scale": list(self.log_scale),
            "center": list(self.center),
            "whitening": [list(row) for row in self.whitening],
            "threshold": self.threshold,
            "quantile": self.quantile,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> NoveltyModel:
        return cls(
            features=tuple(data["features"]),
            log_scale=tuple(bool(v) for v in data["log_scale"]),
            center=tuple(float(v) for v in data["center"]),
            whitening=tuple(tuple(float(v) for v in row) for row in data["whitening"]),
            threshold=float(data["threshold"]),
            quantile=float(data["quantile"]),
        )


def fit_novelty(columns: Mapping[str, np.ndarray], quantile: float = 0.99) -> NoveltyModel:
    """Fit on the training applications' features (`columns`: name -> values; the names missing from
    it are left out), with the threshold at `quantile` of their own distances."""
    names = tuple(name for name in NOVELTY_FEATURES if name in columns)
    if not names:
        raise ValueError(f"none of the novelty features is in the training set: {list(NOVELTY_FEATURES)}")
    log_scale = tuple(NOVELTY_FEATURES[name] for name in names)
    raw = np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in names])
    provisional = NoveltyModel(names, log_scale, (0.0,) * len(names), (), 0.0, quantile)
    scaled = provisional.transformed(raw)
    center = np.nanmedian(scaled, axis=0)
    center = np.where(np.isnan(center), 0.0, center)  # a feature never known: every row at 0
    centered = scaled - center
    centered[np.isnan(centered)] = 0.0
    covariance = np.atleast_2d(np.cov(centered, rowvar=False))
    covariance += np.eye(len(names)) * RIDGE * max(float(np.mean(np.diag(covariance))), 1e-12)
    whitening = np.linalg.inv(np.linalg.cholesky(covariance))
    model = NoveltyModel(
        names,
        log_scale,
        tuple(float(v) for v in center),
        tuple(tuple(float(v) for v in row) for row in whitening),
        0.0,
        quantile,
    )
    threshold = float(np.quantile(model.distances(raw), quantile))
    return NoveltyModel(names, log_scale, model.center, model.whitening, threshold, quantile)
