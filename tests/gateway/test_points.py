"""Contributions in percentage points: they add up exactly from the base probability to the client's."""

from __future__ import annotations

import math

import pytest

from gateway.decisions.points import points_per_log_odds, sigmoid

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("base", "shaps"),
    [(-2.4, [1.05, -0.3, 0.2, 0.0]), (-2.4, [-1.0, -0.5]), (0.5, [3.0, -2.9, 0.1]), (-3.0, [0.7, -0.7])],
)
def test_points_add_up_from_the_base_probability_to_the_clients(base: float, shaps: list[float]) -> None:
    raw = base + sum(shaps)
    scale = points_per_log_odds(base, raw)
    points = [scale * s for s in shaps]
    assert sum(points) == pytest.approx(100 * (sigmoid(raw) - sigmoid(base)), abs=1e-9)
    assert all(math.copysign(1, p) == math.copysign(1, s) for p, s in zip(points, shaps, strict=True) if s)
    assert scale > 0, "the ranking and the directions are the log-odds'"


def test_a_single_factor_of_plus_1_05_in_log_odds_from_8_1_percent_is_plus_12_points() -> None:
    base = math.log(0.081 / 0.919)  # the average client's 8.1 %
    assert points_per_log_odds(base, base + 1.05) * 1.05 == pytest.approx(12.0, abs=0.05)
