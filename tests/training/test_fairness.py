"""The fairness report: per-group figures with fairlearn, its summaries and the bounds that gate promotion."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from training.model.fairness import Decided, breaches, fairness_report
from training.model.fairness_bounds import FairnessBounds

pytestmark = pytest.mark.unit


def _population() -> tuple[pd.DataFrame, np.ndarray]:
    """400 women and 400 men, aged 25 and 50 in turn; every tenth application (all aged 25) defaults."""
    n = 800
    frame = pd.DataFrame(
        {
            "APP_GENDER_MALE": np.repeat([0.0, 1.0], n // 2),
            "APP_AGE_YEARS": np.tile([25.0, 50.0], n // 2),
        }
    )
    y = (np.arange(n) % 10 == 0).astype(int)
    return frame, y


def test_grant_rates_ratios_and_the_opportunity_gap_are_those_of_the_decisions() -> None:
    frame, y = _population()
    # women: every repayer granted; men: a quarter of repayers refused by the score, 20 referred
    outcomes = np.array(["granted"] * len(y), dtype=object)
    rules = np.array(["granted"] * len(y), dtype=object)
    men_repayers = np.flatnonzero((frame["APP_GENDER_MALE"] == 1) & (y == 0))
    outcomes[men_repayers[:90]], rules[men_repayers[:90]] = "refused", "score"
    outcomes[men_repayers[90:110]], rules[men_repayers[90:110]] = "referred", "novelty"
    defaulters = np.flatnonzero(y == 1)
    outcomes[defaulters], rules[defaulters] = "refused", "annuity_income"
    proba = np.where(y == 1, 0.3, 0.05)
    report = fairness_report(frame, y, Decided(outcomes, rules, proba))
    men = report.groups["gender"]["model"]["men"]
    women = report.groups["gender"]["model"]["women"]
    assert men["applications"] == 400
    assert women["repayers_refused"] == 0.0
    assert men["repayers_refused"] == pytest.approx(90 / 360)
    assert men["referral_rate"] == pytest.approx(20 / 400), "referred counted apart"
    assert men["refused_by_rules"] == pytest.approx(40 / 400), "the defaulters, refused by a knock-out"
    assert men["refused_by_score"] == pytest.approx(90 / 400)
    assert women["default_rate_granted"] == 0.0
    assert women["calibration_gap"] == pytest.approx(0.1 * 0.3 + 0.9 * 0.05 - 0.1)
    # judged on what the rules left to the score: the 40 defaulters (a knock-out) and 20 referred aside
    assert report.model["gender"]["grant_ratio"] == pytest.approx((250 / 340) / (360 / 360))
    assert report.model["gender"]["opportunity_gap"] == pytest.approx(90 / 340)
    assert report.model["gender"]["overall_grant_ratio"] == pytest.approx((250 / 400) / (360 / 400))
    assert report.model["gender"]["overall_gap"] == pytest.approx(0.25)
    # without an oracle, the absolute bounds: ratio 0.69 < 0.8 and gap 0.25 > 0.05
    assert {b.figure for b in report.breaches if b.attribute == "gender"} == {
        "grant_ratio",
        "opportunity_gap",
    }
    assert not report.within_bounds
    assert report.tags()["fairness_within_bounds"] == "false"
    assert report.tags()["fairness_gender_opportunity_gap"] == "0.2647"


def test_a_rule_that_refuses_by_age_on_purpose_is_reported_but_not_judged() -> None:
    frame, y = _population()
    # the age rule refuses half of the 50-year-olds; the score treats every age alike
    old = np.flatnonzero(frame["APP_AGE_YEARS"] == 50)[::2]
    outcomes = np.array(["granted"] * len(y), dtype=object)
    rules = np.array(["granted"] * len(y), dtype=object)
    outcomes[old], rules[old] = "refused", "age_at_end"
    report = fairness_report(frame, y, Decided(outcomes, rules, np.full(len(y), 0.1)))
    assert report.model["age_band"]["overall_grant_ratio"] == pytest.approx(0.5)
    assert report.model["age_band"]["grant_ratio"] == 1.0
    assert report.model["age_band"]["opportunity_gap"] == 0.0
    assert report.groups["age_band"]["model"]["45-60"]["refused_by_rules"] == pytest.approx(0.5)
    assert report.within_bounds


def test_with_an_oracle_only_the_excess_over_its_figures_breaches() -> None:
    model = {"gender": {"grant_ratio": 0.72, "opportunity_gap": 0.12}}
    oracle = {"gender": {"grant_ratio": 0.76, "opportunity_gap": 0.106}}
    assert breaches(model, oracle) == [], "0.04 below the oracle's ratio, 1.4 points wider: within"
    wider = {"gender": {"grant_ratio": 0.76, "opportunity_gap": 0.13}}
    (found,) = breaches(wider, oracle)
    assert (found.figure, found.bound) == ("opportunity_gap", pytest.approx(0.126))
    lower = {"gender": {"grant_ratio": 0.70, "opportunity_gap": 0.1}}
    (found,) = breaches(lower, oracle, FairnessBounds(excess_ratio=0.05))
    assert (found.figure, found.bound) == ("grant_ratio", pytest.approx(0.71))


def test_small_and_unknown_groups_are_reported_but_not_judged() -> None:
    frame, y = _population()
    frame.loc[:29, "APP_GENDER_MALE"] = np.nan  # 30 of unknown gender, all refused
    outcomes = np.array(["granted"] * len(y), dtype=object)
    outcomes[:30] = "refused"
    report = fairness_report(frame, y, Decided(outcomes, np.array(["score"] * len(y)), np.full(len(y), 0.1)))
    assert report.groups["gender"]["model"]["unknown"]["applications"] == 30
    assert report.model["gender"]["grant_ratio"] == 1.0, "women and men alike; the unknown not judged"
    assert report.within_bounds


def test_a_single_judged_group_gives_no_figure_and_no_breach() -> None:
    frame, y = _population()
    frame["APP_GENDER_MALE"] = 0.0
    report = fairness_report(
        frame,
        y,
        Decided(np.array(["granted"] * len(y)), np.array(["granted"] * len(y)), np.full(len(y), 0.1)),
    )
    assert math.isnan(report.model["gender"]["grant_ratio"])
    assert not [b for b in report.breaches if b.attribute == "gender"]
