"""The stratified draw the comparison and the search work on when the training set is large."""

from __future__ import annotations

import numpy as np

from training.model.sampling import stratified_draw


def test_a_draw_keeps_the_default_rate_and_is_the_same_on_a_rerun() -> None:
    target = np.r_[np.ones(8_070, dtype=int), np.zeros(91_930, dtype=int)]
    np.random.default_rng(0).shuffle(target)

    drawn = stratified_draw(target, 10_000, seed=5)

    assert drawn is not None
    assert len(drawn) == 10_000
    assert np.all(np.diff(drawn) > 0), "distinct rows, in order"
    assert target[drawn].sum() == 807, "the defaulters' share is kept to the row"
    assert np.array_equal(drawn, stratified_draw(target, 10_000, seed=5)), "a seed gives the same rows"
    assert not np.array_equal(drawn, stratified_draw(target, 10_000, seed=6)), "another seed, other rows"


def test_a_small_set_or_no_cap_keeps_every_row() -> None:
    target = np.array([0, 1, 0, 0, 1])

    assert stratified_draw(target, 5, seed=1) is None
    assert stratified_draw(target, 50, seed=1) is None
    assert stratified_draw(target, None, seed=1) is None
