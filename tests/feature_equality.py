"""Online application features against the batch build's: bit for bit, or named with their largest gap."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: Where the two paths cannot run the same arithmetic, the most they may differ, relative.
RELATIVE_TOLERANCE = 1e-12


def _bits(value: float) -> bytes:
    """A double's bytes, every NaN the same (DuckDB's NULL and NaN both arrive as NaN)."""
    return b"nan" if math.isnan(value) else struct.pack("<d", value)


@dataclass
class Comparison:
    """Values compared, and per feature that differed: how many values and the largest relative gap."""

    values: int = 0
    differing: dict[str, tuple[int, float]] = field(default_factory=dict)

    def add(self, online: Mapping[str, float], batch: Mapping[str, float]) -> None:
        for name, expected in batch.items():
            got = online[name]
            self.values += 1
            if _bits(got) == _bits(expected):
                continue
            gap = math.inf if math.isnan(got) or math.isnan(expected) else abs(got - expected)
            relative = gap / max(abs(expected), abs(got)) if gap else 0.0
            count, worst = self.differing.get(name, (0, 0.0))
            self.differing[name] = (count + 1, max(worst, relative))

    def beyond_tolerance(self) -> dict[str, tuple[int, float]]:
        return {name: d for name, d in self.differing.items() if d[1] > RELATIVE_TOLERANCE}


def compare(pairs: Iterable[tuple[Mapping[str, float], Mapping[str, float]]]) -> Comparison:
    """Every (online, batch) pair of one application's features, compared feature by feature."""
    comparison = Comparison()
    for online, batch in pairs:
        comparison.add(online, batch)
    return comparison
