"""Business cost and threshold search: hand-checked cases and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.model.cost import CostWeights, best_threshold, business_cost

pytestmark = pytest.mark.unit


def test_cost_counts_false_negatives_ten_times_false_positives() -> None:
    # given one missed defaulter and one refused good client among four applications
    y = np.array([1, 0, 1, 0])
    proba = np.array([0.2, 0.9, 0.8, 0.1])
    # when refusing from 0.5 up
    cost = business_cost(y, proba, 0.5)
    # then cost = (10·1 + 1·1) / 4
    assert cost == pytest.approx(11 / 4), "one FN and one FP must cost (10 + 1) / 4"


def test_custom_weights_are_used() -> None:
    y, proba = np.array([1, 0]), np.array([0.1, 0.9])
    assert business_cost(y, proba, 0.5, CostWeights(fn=3, fp=2)) == pytest.approx(2.5), "(3 + 2) / 2"


def test_best_threshold_on_a_hand_checked_case() -> None:
    # given defaulters scored 0.3 and 0.6, good clients 0.1, 0.2 and 0.7
    y = np.array([0, 0, 1, 1, 0])
    proba = np.array([0.1, 0.2, 0.3, 0.6, 0.7])
    # when searching the threshold
    choice = best_threshold(y, proba)
    # then refusing from 0.3 up (1 FP, 0 FN) is cheapest: cost 1/5
    assert choice.threshold == pytest.approx(0.3), "refusing from 0.3 catches both defaulters"
    assert choice.cost == pytest.approx(0.2), "only the good client at 0.7 is wrongly refused"


def test_grant_everyone_when_defaults_are_cheap() -> None:
    y, proba = np.array([0, 1, 0]), np.array([0.9, 0.1, 0.8])
    choice = best_threshold(y, proba, CostWeights(fn=1, fp=1))
    assert choice.threshold > 1.0, "granting everyone (threshold above 1) costs 1/3, the least"
    assert choice.cost == pytest.approx(1 / 3), "one missed defaulter out of three"


@pytest.mark.parametrize(
    ("y", "proba", "message"),
    [
        ([0, 1], [0.1], "equal length"),
        ([0, 2], [0.1, 0.2], "only 0 and 1"),
        ([0, 1], [0.1, float("nan")], "NaN"),
        ([], [], "zero rows"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(y: list, proba: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        business_cost(np.array(y), np.array(proba), 0.5)


def test_negative_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        CostWeights(fn=-1)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=1, max_size=60),
    st.floats(0.1, 20),
)
def test_best_threshold_is_the_exact_minimum(rows: list[tuple[int, float]], fn_weight: float) -> None:
    # given any labels, scores and cost ratio
    y = np.array([r[0] for r in rows])
    proba = np.array([r[1] for r in rows])
    weights = CostWeights(fn=fn_weight, fp=1)
    # when choosing the threshold
    choice = best_threshold(y, proba, weights)
    # then its cost is what business_cost says, and no candidate threshold does better
    brute = min(business_cost(y, proba, t, weights) for t in [*proba, 1.1])
    assert choice.cost == pytest.approx(business_cost(y, proba, choice.threshold, weights)), "cost consistent"
    assert choice.cost == pytest.approx(brute), "no threshold is cheaper than the chosen one"
