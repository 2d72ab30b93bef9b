"""Latency percentiles of a list of timings, as every service benchmark reports them."""

from __future__ import annotations

import numpy as np


def summarise(seconds: list[float]) -> dict[str, float]:
    """p50/p90/p99/max in milliseconds and the count of a list of latencies (seconds)."""
    ms = np.asarray(seconds) * 1000
    return {
        "count": int(ms.size),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p90_ms": round(float(np.percentile(ms, 90)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "max_ms": round(float(ms.max()), 3),
    }
