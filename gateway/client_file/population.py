"""Comparison of a client with all clients, a filtered group, or the most similar clients.

Loaded once at start-up from the client's file's population table (gateway.client_file.tables: the
data folder's feature tables or the shared database): the features offered for comparison and the
fields groups are filtered on. Similar clients are nearest neighbours on standardised key features.

Past clients' outcomes (TARGET of the ingested training applications; never a feature) split a group
into those who repaid and those who defaulted, in aggregate only: counts per histogram bin, and a
scatter plot's dots coloured by side. The client's own row never counts (its file never shows its
outcome), and a group with fewer than MIN_OUTCOME_SIDE past clients on either side is shown undivided,
with the reason, so that a small group (similar clients, a narrow filter) never lets one person's
default be read off a chart.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.neighbors import NearestNeighbors

from credit_features.client_file_data import OUTCOME
from gateway.client_file.errors import GroupError

log = logging.getLogger(__name__)

#: Group filters: query parameter -> (feature holding it, how a value maps to a condition).
AGE_BANDS = {"<30": (0, 30), "30-40": (30, 40), "40-50": (40, 50), "50-60": (50, 60), "60+": (60, 200)}
FILTER_FEATURES = {
    "income_type": "APP_NAME_INCOME_TYPE_CODE",
    "contract_type": "APP_REVOLVING_LOAN",
    "education": "APP_NAME_EDUCATION_TYPE_CODE",
    "age_band": "APP_AGE_YEARS",
}
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Fewest past clients on each side (repaid, defaulted) for a group's outcomes to be shown. Below it the
#: chart shows the group undivided and says why: one person's default is never to be read off a chart.
MIN_OUTCOME_SIDE = 20
#: Why a group's outcomes are not shown (the side, or both sides, below MIN_OUTCOME_SIDE).
TOO_FEW_REPAID, TOO_FEW_DEFAULTED = "too_few_repaid", "too_few_defaulted"
TOO_FEW_BOTH = "too_few_past_clients"


@dataclass(frozen=True)
class OutcomeSplit:
    """How the group's past clients (outcome known, never the client) repaid or defaulted, in aggregate.

    `shown` only with at least `minimum` past clients on each side; otherwise `reason` says which side
    is short, and neither the sides' sizes nor any per-bin count are given.
    """

    shown: bool
    reason: str | None
    minimum: int
    repaid: int | None = None
    defaulted: int | None = None
    repaid_counts: list[int] | None = None
    defaulted_counts: list[int] | None = None


def outcome_split(outcomes: np.ndarray) -> OutcomeSplit:
    """The sides of past clients' outcomes (0 repaid, 1 defaulted), shown only when both are large enough."""
    repaid, defaulted = int(np.sum(outcomes == 0)), int(np.sum(outcomes == 1))
    short_repaid, short_defaulted = repaid < MIN_OUTCOME_SIDE, defaulted < MIN_OUTCOME_SIDE
    if short_repaid and short_defaulted:
        return OutcomeSplit(shown=False, reason=TOO_FEW_BOTH, minimum=MIN_OUTCOME_SIDE)
    if short_repaid or short_defaulted:
        reason = TOO_FEW_REPAID if short_repaid else TOO_FEW_DEFAULTED
        return OutcomeSplit(shown=False, reason=reason, minimum=MIN_OUTCOME_SIDE)
    return OutcomeSplit(shown=True, reason=None, minimum=MIN_OUTCOME_SIDE, repaid=repaid, defaulted=defaulted)


@dataclass(frozen=True)
class FeatureDistribution:
    """A feature in a group: quantiles, histogram, and where the client stands."""

    feature: str
    client_value: float | None
    quantiles: dict[str, float | None]
    bin_edges: list[float]
    counts: list[int]
    client_percentile: float | None
    missing_share: float
    outcome: OutcomeSplit | None = None


@dataclass(frozen=True)
class GroupPoints:
    """A sample of a group's (x, y) pairs and, when the split is shown, each dot's side (None unknown)."""

    points: list[tuple[float, float]]
    outcomes: list[str | None] | None
    outcome: OutcomeSplit


def _finite(values: np.ndarray) -> np.ndarray:
    return values[~np.isnan(values)]


class Population:
    """All clients' comparison features in memory (a few columns × all clients)."""

    def __init__(self, frame: pd.DataFrame, features: Sequence[str], similar_k: int) -> None:
        self.ids = frame["SK_ID_CURR"].to_numpy()
        self._row = {int(i): n for n, i in enumerate(self.ids)}
        self.features = [f for f in features if f in frame.columns]
        self.values = {
            name: frame[name].to_numpy(dtype=float)
            for name in {*self.features, *FILTER_FEATURES.values()}
            if name in frame
        }
        key = frame[self.features[:10]].to_numpy(dtype=float)
        self._median = np.nanmedian(key, axis=0)
        self._median = np.where(np.isnan(self._median), 0.0, self._median)
        self._scale = np.nanstd(key, axis=0)
        self._scale = np.where((self._scale > 0) & ~np.isnan(self._scale), self._scale, 1.0)
        self._neighbours = NearestNeighbors(n_neighbors=min(similar_k + 1, len(frame))).fit(
            self._standardise(key)
        )
        self.similar_k = similar_k
        # Past clients' outcomes, apart from the features: never offered, never filtered on.
        self.outcomes = (
            frame[OUTCOME].to_numpy(dtype=float) if OUTCOME in frame else np.full(len(frame), np.nan)
        )

    @staticmethod
    def columns(features: Sequence[str]) -> list[str]:
        """The population's columns a comparison on `features` needs: those, and the filters' fields."""
        return sorted({*features, *FILTER_FEATURES.values()})

    @classmethod
    def from_table(cls, table: pa.Table, features: Sequence[str], similar_k: int) -> Population:
        """The population of the client's file's table (gateway.client_file.tables): its comparison
        features, and past outcomes when it holds them (without, no group's outcomes are shown)."""
        if OUTCOME not in table.column_names:
            log.warning("no past outcomes: comparisons are not split")
        log.info("population loaded", extra={"clients": table.num_rows, "features": len(features)})
        return cls(table.to_pandas(), features, similar_k)

    def _standardise(self, key: np.ndarray) -> np.ndarray:
        filled = np.where(np.isnan(key), self._median, key)
        return (filled - self._median) / self._scale

    def client_values(self, client_id: int) -> dict[str, float] | None:
        """The client's comparison features, if the client is in the population."""
        row = self._row.get(int(client_id))
        return None if row is None else {name: float(v[row]) for name, v in self.values.items()}

    def _past(self, rows: np.ndarray, client_id: int | None) -> np.ndarray:
        """The group's rows of past clients (outcome known), never the client's own row."""
        rows = rows[~np.isnan(self.outcomes[rows])]
        own = None if client_id is None else self._row.get(int(client_id))
        return rows if own is None else rows[rows != own]

    def group(self, kind: str, client: dict[str, float | None], filters: dict[str, str]) -> np.ndarray:
        """Row indices of the group: all clients, filtered clients, or the client's nearest neighbours."""
        if kind == "all":
            return np.arange(len(self.ids))
        if kind == "similar":
            key = np.array(
                [[np.nan if client.get(f) is None else client[f] for f in self.features[:10]]], dtype=float
            )
            _, rows = self._neighbours.kneighbors(self._standardise(key))
            return rows[0]
        if kind == "filtered":
            mask = np.ones(len(self.ids), dtype=bool)
            for parameter, value in filters.items():
                mask &= self._condition(parameter, value)
            rows = np.flatnonzero(mask)
            if len(rows) < 5:
                raise GroupError(
                    "group", f"the filters {filters} leave {len(rows)} clients: too few to compare"
                )
            return rows
        raise GroupError("group", f"group must be all, similar or filtered, got {kind!r}")

    def _condition(self, parameter: str, value: str) -> np.ndarray:
        if parameter not in FILTER_FEATURES:
            raise GroupError(parameter, f"unknown filter {parameter!r}; use {', '.join(FILTER_FEATURES)}")
        column = self.values[FILTER_FEATURES[parameter]]
        if parameter == "age_band":
            if value not in AGE_BANDS:
                raise GroupError("age_band", f"age_band must be one of {', '.join(AGE_BANDS)}, got {value!r}")
            low, high = AGE_BANDS[value]
            return (column >= low) & (column < high)
        try:
            return column == float(value)
        except ValueError as error:
            raise GroupError(parameter, f"filter {parameter} takes a numeric code, got {value!r}") from error

    def describe(
        self,
        feature: str,
        rows: np.ndarray,
        client_value: float | None,
        bins: int = 20,
        *,
        client_id: int | None = None,
    ) -> FeatureDistribution:
        """Distribution of a feature over the group's rows, and the client's place in it; with the same
        bins, how the group's past clients other than `client_id` repaid (when both sides are large
        enough)."""
        if feature not in self.values:
            raise GroupError("features", f"feature {feature!r} is not offered for comparison")
        group = self.values[feature][rows]
        known = _finite(group)
        if known.size == 0:
            return FeatureDistribution(
                feature, client_value, dict.fromkeys(map(str, QUANTILES)), [], [], None, 1.0
            )
        low, high = np.quantile(known, [0.01, 0.99])
        if client_value is not None and not np.isnan(client_value):
            low, high = min(low, client_value), max(high, client_value)
        edges = np.histogram_bin_edges(
            np.clip(known, low, high), bins=bins, range=(low, high) if high > low else None
        )
        counts, _ = np.histogram(np.clip(known, low, high), bins=edges)
        past = self._past(rows, client_id)
        past = past[~np.isnan(self.values[feature][past])]
        outcome = outcome_split(self.outcomes[past])
        if outcome.shown:
            side = self.outcomes[past]
            clipped = np.clip(self.values[feature][past], low, high)
            outcome = replace(
                outcome,
                repaid_counts=[int(c) for c in np.histogram(clipped[side == 0], bins=edges)[0]],
                defaulted_counts=[int(c) for c in np.histogram(clipped[side == 1], bins=edges)[0]],
            )
        percentile = None
        if client_value is not None and not np.isnan(client_value):
            percentile = float(np.mean(known <= client_value))
        return FeatureDistribution(
            feature=feature,
            client_value=client_value,
            quantiles={
                str(q): float(v) for q, v in zip(QUANTILES, np.quantile(known, QUANTILES), strict=True)
            },
            bin_edges=[float(e) for e in edges],
            counts=[int(c) for c in counts],
            client_percentile=percentile,
            missing_share=float(1 - known.size / group.size),
            outcome=outcome,
        )

    def points(
        self, x: str, y: str, rows: np.ndarray, limit: int, seed: int = 0, *, client_id: int | None = None
    ) -> GroupPoints:
        """A random sample of (x, y) pairs of the group, both known, for a scatter plot; the client is
        not among them (it is drawn apart). Each dot's outcome only when the sample holds at least
        MIN_OUTCOME_SIDE past clients on each side."""
        for parameter, name in (("x", x), ("y", y)):
            if name not in self.values:
                raise GroupError(parameter, f"feature {name!r} is not offered for comparison")
        own = None if client_id is None else self._row.get(int(client_id))
        rows = rows if own is None else rows[rows != own]
        xs, ys = self.values[x][rows], self.values[y][rows]
        known = np.flatnonzero(~np.isnan(xs) & ~np.isnan(ys))
        picked = np.random.default_rng(seed).choice(known, size=min(limit, known.size), replace=False)
        sides = self.outcomes[rows[picked]]
        outcome = outcome_split(sides)
        outcomes = None
        if outcome.shown:
            names = {0.0: "repaid", 1.0: "defaulted"}
            outcomes = [None if np.isnan(s) else names[float(s)] for s in sides]
        return GroupPoints([(float(xs[i]), float(ys[i])) for i in picked], outcomes, outcome)
