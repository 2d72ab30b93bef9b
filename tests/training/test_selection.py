"""The one-standard-error rule by serving cost: the cheapest model the folds cannot tell from the best."""

from __future__ import annotations

import math

from training.model.selection import Standing, cheapest, near_best


def test_a_cheaper_model_within_one_standard_error_of_the_best_is_chosen() -> None:
    # given a big tuned model, two smaller ones and a linear one, costs within the best one's error
    standings = [
        Standing("tuned", cv_cost=0.500, cost_standard_error=0.010, leaves=12_000),
        Standing("small", cv_cost=0.505, cost_standard_error=0.012, leaves=3_000),
        Standing("linear", cv_cost=0.501, cost_standard_error=0.011, leaves=math.inf),
        Standing("smaller", cv_cost=0.520, cost_standard_error=0.010, leaves=900),
    ]
    near = near_best(standings)
    # then only those within 0.010 of 0.500 compete, and the one with fewest leaves wins
    assert [s.name for s in near] == ["tuned", "small", "linear"], "0.520 is beyond one error"
    assert cheapest(near).name == "small", "fewest leaves among the indistinguishable"


def test_beyond_one_standard_error_the_best_stays_whatever_its_size() -> None:
    standings = [
        Standing("tuned", cv_cost=0.500, cost_standard_error=0.004, leaves=12_000),
        Standing("small", cv_cost=0.530, cost_standard_error=0.004, leaves=100),
    ]
    assert cheapest(near_best(standings)).name == "tuned", "a clearly better model is kept"


def test_among_equal_sizes_the_lower_cost_wins() -> None:
    standings = [
        Standing("a", cv_cost=0.502, cost_standard_error=0.01, leaves=500),
        Standing("b", cv_cost=0.500, cost_standard_error=0.01, leaves=500),
    ]
    assert cheapest(near_best(standings)).name == "b"
