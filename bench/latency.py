"""Latency statistics and result files shared by the service benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results"


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


def report(name: str, title: str, rows: dict[str, dict[str, Any]], context: dict[str, Any]) -> Path:
    """Print `rows` as a table and write them with `context` to bench/results/<name>.json."""
    columns = sorted({key for row in rows.values() for key in row})
    table = Table(title=title)
    table.add_column("case")
    for column in columns:
        table.add_column(column, justify="right")
    for case, row in rows.items():
        table.add_row(case, *(str(row.get(column, "")) for column in columns))
    Console().print(table)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"context": context, "results": rows}, indent=2))
    return path
