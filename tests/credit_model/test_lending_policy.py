"""The lending policy's rules one by one, in their order, and its JSON round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest

from credit_model.lending_policy import LendingPolicy, PolicyBounds, age_at_end, term_years
from credit_model.novelty import NOVELTY_FEATURES, fit_novelty

pytestmark = pytest.mark.unit

THRESHOLD = 0.3
#: A complete, affordable file: income 150,000, credit 600,000 over 20 years (annuity 30,000), age 38.
FILE = {
    "APP_AMT_INCOME_TOTAL": 150_000.0,
    "APP_AMT_CREDIT": 600_000.0,
    "APP_AMT_ANNUITY": 30_000.0,
    "APP_ANNUITY_INCOME_RATIO": 0.2,
    "APP_CREDIT_INCOME_RATIO": 4.0,
    "APP_DAYS_BIRTH": -13_880.0,
    "APP_AGE_YEARS": 38.0,
    "APP_NAME_INCOME_TYPE_CODE": 0.0,
    "APP_EXT_SOURCE_MAX": 0.6,
}
POLICY = LendingPolicy("test", PolicyBounds(max_annuity_income=0.35, max_credit_income=10, max_age_at_end=85))


def test_a_complete_affordable_file_under_the_threshold_is_granted_without_reasons() -> None:
    assert POLICY.decide(FILE, 0.1, THRESHOLD).outcome == "granted"
    assert POLICY.decide(FILE, 0.1, THRESHOLD).reasons == ()


def test_from_the_threshold_up_the_score_refuses() -> None:
    decision = POLICY.decide(FILE, THRESHOLD, THRESHOLD)
    assert decision.outcome == "refused"
    assert [(r.rule, r.value, r.bound) for r in decision.reasons] == [("score", THRESHOLD, THRESHOLD)]


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"APP_ANNUITY_INCOME_RATIO": 0.36}, "annuity_income"),
        ({"APP_CREDIT_INCOME_RATIO": 400.0}, "credit_income"),
        ({"APP_AGE_YEARS": 66.0}, "age_at_end"),  # 66 + a 20-year term = 86 > 85
    ],
)
def test_each_knock_out_refuses_whatever_the_score(changes: dict[str, float], rule: str) -> None:
    decision = POLICY.decide({**FILE, **changes}, 0.01, THRESHOLD)
    assert decision.outcome == "refused"
    assert [r.rule for r in decision.reasons] == [rule], "only that rule fires"
    assert decision.reasons[0].value > decision.reasons[0].bound


def test_every_knock_out_that_fires_is_a_reason_and_they_come_before_missing_information() -> None:
    file = {
        **FILE,
        "APP_ANNUITY_INCOME_RATIO": 2.0,
        "APP_CREDIT_INCOME_RATIO": 400.0,
        "APP_EXT_SOURCE_MAX": None,
    }
    decision = POLICY.decide(file, 0.01, THRESHOLD)
    assert decision.outcome == "refused"
    assert [r.rule for r in decision.reasons] == ["annuity_income", "credit_income"]


def test_a_knock_out_never_fires_on_an_unknown_value() -> None:
    file = {**FILE, "APP_ANNUITY_INCOME_RATIO": math.nan, "APP_AMT_INCOME_TOTAL": math.nan}
    decision = POLICY.decide(file, 0.01, THRESHOLD)
    assert decision.outcome == "referred", "missing income refers, it does not refuse"
    assert decision.reasons[0].fields == ("AMT_INCOME_TOTAL",)


def test_missing_required_information_refers_and_names_every_field() -> None:
    five_fields = {k: FILE[k] for k in ("APP_AMT_INCOME_TOTAL", "APP_AMT_CREDIT", "APP_AMT_ANNUITY")} | {
        "APP_DAYS_BIRTH": -13_880.0,
        "APP_AGE_YEARS": 38.0,
        "APP_ANNUITY_INCOME_RATIO": 0.2,
        "APP_CREDIT_INCOME_RATIO": 4.0,
    }
    decision = POLICY.decide(five_fields, 0.01, THRESHOLD)
    assert decision.outcome == "referred"
    (reason,) = decision.reasons
    assert reason.rule == "missing_information"
    assert reason.fields == ("NAME_INCOME_TYPE", "EXT_SOURCE_1, EXT_SOURCE_2 or EXT_SOURCE_3")


def _training_columns(rows: int, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(11.9, 0.5, rows)
    credit = income * rng.lognormal(1.2, 0.6, rows)
    annuity = credit / rng.uniform(8, 30, rows)
    return {
        "APP_AMT_INCOME_TOTAL": income,
        "APP_AMT_CREDIT": credit,
        "APP_AMT_ANNUITY": annuity,
        "APP_AMT_GOODS_PRICE": credit * 0.9,
        "APP_CREDIT_INCOME_RATIO": credit / income,
        "APP_ANNUITY_INCOME_RATIO": annuity / income,
        "APP_PAYMENT_RATE": annuity / credit,
        "APP_AGE_YEARS": rng.uniform(21, 69, rows),
        "APP_YEARS_EMPLOYED": np.where(rng.random(rows) < 0.2, np.nan, rng.exponential(6, rows)),
        "APP_EXT_SOURCE_MEAN": rng.beta(5, 4, rows),
        "APP_CNT_FAM_MEMBERS": rng.integers(1, 6, rows).astype(float),
    }


def test_novelty_refers_about_one_percent_of_training_and_what_lies_far_outside() -> None:
    columns = _training_columns(20_000)
    novelty = fit_novelty(columns, quantile=0.99)
    assert novelty.features == tuple(NOVELTY_FEATURES)
    share = float(
        np.mean(
            novelty.distances(np.column_stack([columns[f] for f in novelty.features])) > novelty.threshold
        )
    )
    assert share == pytest.approx(0.01, abs=0.002), "about 1 % of training applications are novel"
    ordinary = {name: float(np.nanmedian(values)) for name, values in columns.items()}
    policy = LendingPolicy("test", PolicyBounds(max_credit_income=1e9), novelty=novelty)
    assert policy.decide({**FILE, **ordinary}, 0.01, THRESHOLD).outcome == "granted", "the median file"
    strange = {
        **FILE,
        **ordinary,
        "APP_AGE_YEARS": 20.0,
        "APP_AMT_INCOME_TOTAL": 3e7,
        "APP_EXT_SOURCE_MEAN": 0.001,
    }
    decision = policy.decide(strange, 0.01, THRESHOLD)
    assert decision.outcome == "referred"
    assert decision.reasons[0].rule == "novelty"
    assert decision.reasons[0].value > decision.reasons[0].bound


def test_a_client_without_credit_history_is_not_novel() -> None:
    columns = _training_columns(5_000)
    policy = LendingPolicy("test", novelty=fit_novelty(columns))
    ordinary = {name: float(np.nanmedian(values)) for name, values in columns.items()}
    history = {"BURO_CREDIT_COUNT": math.nan, "PREV_APPLICATION_COUNT": math.nan, "INST_DPD_MAX": math.nan}
    decision = policy.decide({**FILE, **ordinary, **history}, 0.01, THRESHOLD)
    assert decision.outcome == "granted", "an empty history is no reason to refer"


def test_the_policy_reads_back_from_its_json_with_the_same_decisions() -> None:
    policy = LendingPolicy("7", PolicyBounds(0.3, 8.0, 80.0), novelty=fit_novelty(_training_columns(2_000)))
    again = LendingPolicy.from_json(policy.to_json())
    assert again == policy
    with pytest.raises(ValueError, match="format"):
        LendingPolicy.from_json('{"format": 99}')


def test_term_and_age_at_end_read_the_yearly_annuity() -> None:
    assert term_years(FILE) == 20.0
    assert age_at_end(FILE) == 58.0
    assert math.isnan(term_years({**FILE, "APP_AMT_ANNUITY": 0.0})), "no term without a repayment"


def test_the_rules_before_the_score_decide_many_files_as_each_decision_does() -> None:
    columns = _training_columns(3_000)
    policy = LendingPolicy("test", novelty=fit_novelty(columns))
    rng = np.random.default_rng(3)
    rows = [
        {**FILE, **{name: float(values[i]) for name, values in columns.items()}}
        for i in rng.integers(0, 3_000, 400)
    ]
    rows += [{**FILE, "APP_ANNUITY_INCOME_RATIO": 0.9}, {**FILE, "APP_EXT_SOURCE_MAX": math.nan}]
    screened = policy.before_score_many(rows)
    # a file the rules leave to the score (None) is decided by the score alone; any other as screened
    for values, screen in zip(rows, screened, strict=True):
        for probability in (0.01, 0.9):
            decided = policy.decide(values, probability, THRESHOLD)
            assert decided == (screen or decided), values
            if screen is None:
                assert decided.outcome == ("granted" if probability < THRESHOLD else "refused")
    outcomes = {screen.reasons[0].rule for screen in screened if screen is not None}
    assert {"annuity_income", "missing_information", "novelty"} <= outcomes


def test_novel_throughout_is_only_said_of_stretches_where_every_amount_is_novel() -> None:
    columns = _training_columns(5_000)
    novelty = fit_novelty(columns)
    ordinary = {name: float(np.nanmedian(values)) for name, values in columns.items()}
    income, term = ordinary["APP_AMT_INCOME_TOTAL"], 20.0

    def loan(amount: float) -> dict[str, float]:
        annuity = amount / term
        return {
            **ordinary,
            "APP_AMT_CREDIT": amount,
            "APP_AMT_ANNUITY": annuity,
            "APP_CREDIT_INCOME_RATIO": amount / income,
            "APP_ANNUITY_INCOME_RATIO": annuity / income,
            "APP_PAYMENT_RATE": annuity / amount,
        }

    amounts = np.geomspace(1e3, 1e9, 2_000)
    novel = novelty.distances_of([loan(a) for a in amounts]) > novelty.threshold
    said = 0
    for low, high in [(i, j) for i in range(0, 2_000, 97) for j in range(i + 1, 2_000, 89)]:
        if novelty.novel_throughout(loan(amounts[low]), loan(amounts[high])):
            said += 1
            assert novel[low : high + 1].all(), (amounts[low], amounts[high])
    assert said > 10, "far-out stretches are proven novel"
    assert not novelty.novel_throughout(loan(1e3), loan(1e9)), "the stretch holds ordinary amounts"
