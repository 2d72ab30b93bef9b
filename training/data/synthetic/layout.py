"""Random streams, child-row counts and parent -> child expansion shared by every table module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: One independent random stream per purpose; the index (not the call order) fixes the stream, so
#: generating tables in another order, or skipping one, changes nothing in the others.
STREAMS: tuple[str, ...] = (
    "clients",
    "bureau",
    "bureau_balance",
    "previous_application",
    "POS_CASH_balance",
    "installments_payments",
    "credit_card_balance",
    "target",
    "ids",
)


def stream(seed: int, name: str, chunk: int = 0) -> np.random.Generator:
    """The generator of stream `name` (and of one chunk of it) for `seed`."""
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(STREAMS.index(name), chunk))
    return np.random.Generator(np.random.PCG64(sequence))


def unique_ids(rng: np.random.Generator, n: int, start: int, span: int) -> np.ndarray:
    """`n` sorted distinct ids in [start, start + max(span, n)): realistic ranges at every scale."""
    chosen = rng.choice(max(span, n), size=n, replace=False)
    chosen.sort()
    return start + chosen.astype(np.int64)


def child_counts(
    rng: np.random.Generator, n_parents: int, total: int, coverage: float, tilt: np.ndarray
) -> np.ndarray:
    """Children per parent summing to `total`: a share `1 - coverage` has none, the others an
    over-dispersed (gamma-Poisson) count, scaled up by exp(`tilt`)."""
    weight = (rng.random(n_parents) < coverage) * rng.gamma(4.0, 1.0, n_parents) * np.exp(tilt)
    return rng.multinomial(total, weight / weight.sum())


def allocate(
    natural: np.ndarray,
    total: int,
    rng: np.random.Generator,
    cap: int | None = None,
    preference: np.ndarray | None = None,
) -> np.ndarray:
    """Per-parent child counts summing exactly to `total`, as close as possible to `natural`.

    With more natural rows than wanted, a random subset of parents keeps its full history (the last
    one is cut short), so kept histories stay coherent with their dates. With fewer, the deficit is
    spread in proportion to the natural counts, never above `cap`. `preference` weights both draws
    (long histories would otherwise dominate the rows).
    """
    natural = natural.astype(np.int64)
    available = int(natural.sum())
    counts = np.zeros_like(natural)
    if total <= 0 or available == 0:
        return counts
    if available >= total:
        draw = rng.exponential(size=natural.size)
        order = np.argsort(draw if preference is None else draw / preference, kind="stable")
        cumulative = np.cumsum(natural[order])
        last = int(np.searchsorted(cumulative, total))
        counts[order[:last]] = natural[order[:last]]
        counts[order[last]] = total - (int(cumulative[last - 1]) if last else 0)
        return counts
    counts = natural.copy()
    limit = np.full_like(natural, total if cap is None else cap)
    for _ in range(8):
        deficit = total - int(counts.sum())
        room = np.where(natural > 0, limit - counts, 0)
        if deficit <= 0 or room.sum() <= 0:
            break
        weights = natural * (room > 0) * (1.0 if preference is None else preference)
        counts += np.minimum(rng.multinomial(deficit, weights / weights.sum()), room)
    return counts


@dataclass(frozen=True)
class Expansion:
    """Child rows of some parents: the parent of each row and the row's rank within its parent."""

    parent: np.ndarray
    offset: np.ndarray
    count: np.ndarray


def expand(parents: np.ndarray, counts: np.ndarray) -> Expansion:
    """One row per child: which parent (index into `parents`' positions) and its 0-based offset."""
    total = int(counts.sum())
    parent = np.repeat(np.arange(parents.size), counts)
    starts = np.cumsum(counts) - counts
    offset = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    return Expansion(parent=parents[parent], offset=offset, count=counts[parent])


def chunks(counts: np.ndarray, rows_per_chunk: int) -> Iterator[np.ndarray]:
    """Consecutive parent index ranges whose children add up to about `rows_per_chunk` rows."""
    cumulative = np.cumsum(counts)
    start = 0
    while start < counts.size:
        base = int(cumulative[start - 1]) if start else 0
        stop = int(np.searchsorted(cumulative, base + rows_per_chunk, side="right"))
        stop = max(stop, start + 1)
        yield np.arange(start, min(stop, counts.size))
        start = stop
