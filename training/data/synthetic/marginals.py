"""Sample columns from the real-data profile: quantile inverse CDF, level frequencies and null rates.

Special columns are built by the table modules (coherence, planted risk); every other column is drawn
here from its profiled marginal, so the synthetic files look like the real ones column by column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from credit_features.tables import Column, columns

#: The value of DAYS_* sentinels in the real files ("not applicable", e.g. pensioners' employment).
SENTINEL_DAYS = 365243


@dataclass(frozen=True)
class Categorical:
    """A string column held as codes into `categories`; code -1 is a null (empty CSV field)."""

    codes: np.ndarray
    categories: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.codes)

    def equals(self, level: str) -> np.ndarray:
        """Boolean mask of rows holding `level` (all False when the level does not exist)."""
        if level not in self.categories:
            return np.zeros(len(self.codes), dtype=bool)
        return self.codes == self.categories.index(level)

    def take(self, index: np.ndarray) -> Categorical:
        """Rows at `index`, same categories."""
        return Categorical(self.codes[index], self.categories)


ColumnData = np.ndarray | Categorical
Table = dict[str, ColumnData]


def spec(table: str, name: str) -> Column:
    """The profiled column `name` of `table`."""
    for col in columns(table):
        if col.name == name:
            return col
    raise KeyError(f"{table} has no column {name!r}")


def level_table(col: Column, exclude: Sequence[str] = ()) -> tuple[tuple[str, ...], np.ndarray]:
    """Levels and their normalised probabilities (the profile keeps a few rare levels out)."""
    assert col.levels, f"{col.name} has no levels in the profile"
    names = tuple(k for k in col.levels if k not in exclude)
    probs = np.array([col.levels[k] for k in names], dtype=float)
    return names, probs / probs.sum()


def categorical(
    col: Column, u: np.ndarray, order: Sequence[str] | None = None, exclude: Sequence[str] = ()
) -> Categorical:
    """Inverse CDF over the levels; `order` lets a copula uniform push rows towards chosen levels."""
    names, probs = level_table(col, exclude)
    if order is not None:
        index = [names.index(name) for name in order if name in names]
        names, probs = tuple(names[i] for i in index), probs[index] / probs[index].sum()
    codes = np.searchsorted(np.cumsum(probs)[:-1], u, side="right").astype(np.int16)
    return Categorical(codes, names)


def quantile_values(col: Column, u: np.ndarray) -> np.ndarray:
    """Piecewise-linear inverse CDF through the profiled quantiles."""
    assert col.quantiles, f"{col.name} has no quantiles in the profile"
    probs = np.fromiter(col.quantiles.keys(), dtype=float)
    values = np.fromiter(col.quantiles.values(), dtype=float)
    return np.interp(u, probs, values)


def discrete_values(col: Column, u: np.ndarray) -> np.ndarray:
    """Inverse CDF over numeric levels (counts, flags), as floats."""
    names, probs = level_table(col)
    values = np.array([float(name) for name in names])
    return values[np.searchsorted(np.cumsum(probs)[:-1], u, side="right")]


def numeric(col: Column, u: np.ndarray) -> np.ndarray:
    """Values of a numeric column for uniforms `u`: discrete levels for counts/flags, else quantiles."""
    if col.levels and (col.dtype == "int64" or col.integral):
        values = discrete_values(col, u)
    else:
        values = quantile_values(col, u)
    if col.dtype == "int64":
        return np.rint(values).astype(np.int64)
    return np.rint(values) if col.integral else values


def with_nulls(values: ColumnData, null: np.ndarray) -> ColumnData:
    """Blank the rows where `null` is True (ints cannot hold nulls in the real schema)."""
    if isinstance(values, Categorical):
        codes = values.codes.copy()
        codes[null] = -1
        return Categorical(codes, values.categories)
    if values.dtype.kind == "f":
        values = values.copy()
        values[null] = np.nan
    return values


def sample(col: Column, u: np.ndarray, null_u: np.ndarray | None = None) -> ColumnData:
    """One column from its profile: values from `u`, nulls where `null_u` < the profiled null rate."""
    values: ColumnData = categorical(col, u) if col.dtype == "string" else numeric(col, u)
    if null_u is not None and col.null_rate > 0:
        values = with_nulls(values, null_u < col.null_rate)
    return values


def fill(
    table: str,
    n: int,
    rng: np.random.Generator,
    given: Mapping[str, ColumnData],
    *,
    value_groups: Mapping[str, str] | None = None,
    null_groups: Mapping[str, str] | None = None,
    strata: np.ndarray | None = None,
) -> Table:
    """All columns of `table` in the real order: `given` ones as built, the others from the profile.

    Columns in one value group share their uniform (X_AVG / X_MODE / X_MEDI move together); columns
    in one null group share their null uniform, so their missingness is nested as in the real files.
    Uniforms are stratified (within each of `strata`), so small samples still match the profile.
    """
    value_groups, null_groups = value_groups or {}, null_groups or {}
    shared: dict[str, np.ndarray] = {}

    def uniform(key: str | None) -> np.ndarray:
        if key is None:
            return stratified(rng, n, strata)
        if key not in shared:
            shared[key] = stratified(rng, n, strata)
        return shared[key]

    out: Table = {}
    for col in columns(table):
        if col.name in given:
            out[col.name] = given[col.name]
            continue
        value_key, null_key = value_groups.get(col.name), null_groups.get(col.name)
        out[col.name] = sample(
            col,
            uniform(value_key and f"value:{value_key}"),
            uniform(null_key and f"null:{null_key}"),
        )
    return out


def stratified(rng: np.random.Generator, n: int, strata: np.ndarray | None = None) -> np.ndarray:
    """Uniforms with one draw in each of n equal bins (per stratum), in random order.

    Frequencies, null rates and quantiles then match the profile even in a few hundred rows, which
    keeps small-scale data (tests, demo) faithful without changing the large-scale behaviour.
    """
    if strata is None:
        return (rng.permutation(n) + rng.random(n)) / max(n, 1)
    out = np.empty(n)
    for label in np.unique(strata):
        index = np.flatnonzero(strata == label)
        out[index] = stratified(rng, index.size)
    return out


def copula_uniform(latent: np.ndarray, rho: float, rng: np.random.Generator) -> np.ndarray:
    """Uniforms whose normal scores correlate by `rho` with a standard-normal latent factor."""
    noise = rng.standard_normal(latent.shape)
    return ndtr(rho * latent + np.sqrt(1.0 - rho * rho) * noise)


def rank_uniform(score: np.ndarray, strata: np.ndarray | None = None) -> np.ndarray:
    """Exactly uniform marginals (within each of `strata`) that keep the order of `score`."""
    if strata is not None:
        out = np.empty(score.size)
        for label in np.unique(strata):
            index = np.flatnonzero(strata == label)
            out[index] = rank_uniform(score[index])
        return out
    ranks = np.empty(score.size, dtype=float)
    ranks[np.argsort(score, kind="stable")] = np.arange(score.size)
    return (ranks + 0.5) / max(score.size, 1)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def solve_intercept(score: np.ndarray, target: float, weights: np.ndarray | None = None) -> float:
    """The intercept `a` for which the (weighted) mean of sigmoid(a + score) equals `target`."""
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.average(sigmoid(mid + score), weights=weights) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def calibrated_probability(score: np.ndarray, target: float, weights: np.ndarray | None = None) -> np.ndarray:
    """sigmoid(a + score) with `a` solved so that the (weighted) mean probability equals `target`."""
    return sigmoid(solve_intercept(score, target, weights) + score)
