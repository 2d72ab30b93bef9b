"""Monotone risk: directions declared beside the features, every candidate respecting them, the check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_features.catalog import risk_directions
from training.model.candidates import LGBM_DEFAULTS, candidates, free_features, lightgbm_pipeline
from training.model.monotonicity import check_monotone

pytestmark = pytest.mark.unit

RAISE = [
    "APP_AMT_CREDIT",
    "APP_AMT_ANNUITY",
    "APP_CREDIT_INCOME_RATIO",
    "APP_ANNUITY_INCOME_RATIO",
    "APP_CREDIT_GOODS_RATIO",
    "BURO_AMT_CREDIT_SUM_DEBT_SUM",
    "INST_DPD_MAX",
    "POS_SK_DPD_MAX",
    "INST_LATE_SHARE",
    "INST_UNDERPAID_SHARE",
]
LOWER = ["APP_EXT_SOURCE_1", "APP_EXT_SOURCE_2", "APP_EXT_SOURCE_3", "APP_EXT_SOURCE_MEAN"]
FREE = ["APP_PAYMENT_RATE", "APP_AGE_YEARS", "APP_DAYS_BIRTH"]


def test_the_directions_lending_sense_requires_are_declared_and_the_term_is_left_free() -> None:
    assert risk_directions(RAISE) == [1] * len(RAISE)
    assert risk_directions(LOWER) == [-1] * len(LOWER)
    assert risk_directions(FREE) == [0] * len(FREE), "the term and the age are not settled by lending sense"
    assert risk_directions(["NOT_A_FEATURE"]) == [0]


def _planted(rows: int = 4_000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Data where a bigger credit *lowers* the default rate in part of its range, against lending sense."""
    rng = np.random.default_rng(seed)
    credit = rng.uniform(1e4, 1e6, rows)
    score = rng.uniform(0, 1, rows)
    term = rng.uniform(5, 30, rows)
    bump = np.where((credit > 4e5) & (credit < 7e5), -2.0, 0.0)  # a dip in risk in the middle
    logit = -2.5 + 2.5 * (credit / 1e6) + bump - 3 * (score - 0.5) + 0.05 * term
    y = (rng.uniform(0, 1, rows) < 1 / (1 + np.exp(-logit))).astype(int)
    x = pd.DataFrame({"APP_AMT_CREDIT": credit, "APP_EXT_SOURCE_2": score, "APP_PAYMENT_RATE": 1 / term})
    return x, y


def test_every_lightgbm_candidate_respects_the_declared_directions_where_an_unconstrained_one_does_not() -> (
    None
):
    x, y = _planted()
    directions = dict(zip(x.columns, risk_directions(list(x.columns)), strict=True))
    free = lightgbm_pipeline(LGBM_DEFAULTS, "class_weight", 0).fit(x, y)
    unconstrained = check_monotone(free, x, directions, clients=100, points=12)
    assert not unconstrained.holds, "the planted dip is learnt without constraints: the check can fail"
    for candidate in candidates(list(x.columns)):
        if candidate.family != "lightgbm":
            continue
        fitted = candidate.build([], list(x.columns), 0).fit(x, y)
        check = check_monotone(fitted, x, directions, clients=100, points=12)
        assert check.holds, f"{candidate.name}: {check.violations}"


def test_a_logistic_regression_leaves_out_the_features_with_a_declared_direction() -> None:
    columns = ["APP_AMT_CREDIT", "APP_EXT_SOURCE_2", "APP_PAYMENT_RATE"]
    assert free_features(columns) == ["APP_PAYMENT_RATE"]
    x, y = _planted()
    for candidate in candidates(columns):
        if candidate.family != "logistic_regression":
            continue
        fitted = candidate.build([], columns, 0).fit(x, y)
        directions = dict(zip(columns, risk_directions(columns), strict=True))
        assert check_monotone(fitted, x, directions, clients=50).holds, candidate.name
