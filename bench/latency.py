"""Latency statistics shared by every benchmark: nearest-rank percentiles in milliseconds."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest observed value with at least q% of values at or below it.

    An observed value, never an interpolation: a p99 reported is a latency a request really had.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < q <= 100:
        raise ValueError(f"q must be in (0, 100], got {q}")
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)), 1) - 1]


def summarise(seconds: Sequence[float]) -> dict[str, float]:
    """Count, p50/p90/p99 and max of latencies given in seconds, in milliseconds (empty: all zero)."""
    if not seconds:
        return {"count": 0, "p50_ms": 0.0, "p90_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    stats = {f"p{q}_ms": percentile(seconds, q) for q in (50, 90, 99)} | {"max_ms": max(seconds)}
    return {"count": len(seconds)} | {key: round(value * 1000, 2) for key, value in stats.items()}
