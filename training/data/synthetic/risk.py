"""The planted default probability: a logistic function of observable per-client aggregates.

Affordability weighs as it does in lending: the credit and the yearly repayment against the income,
and the credit above the goods' price (fees and insurance financed), raise the risk, so that a model
learns to react to the amount lent (a weak planted effect left the demo's model flat in the amount).

Everything entering the logit is computed from values written in the 8 files (application columns and
counts / means / shares of the history tables), so a model on well-aggregated features can approach
the oracle; the latent factors that made those values correlate are not used here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.data.synthetic.applications import EDUCATION_BEST_FIRST, Clients
from training.data.synthetic.history import History
from training.data.synthetic.marginals import (
    SENTINEL_DAYS,
    Categorical,
    calibrated_probability,
    sigmoid,
    solve_intercept,
)

TARGET_RATE = 0.08
TARGET_AUC = 0.83

#: Weight of each standardised feature in the logit (before the common scale is tuned).
WEIGHTS: dict[str, float] = {
    "ext_source_1": -0.35,
    "ext_source_2": -0.5,
    "ext_source_3": -0.5,
    "ext_source_1_missing": 0.05,
    "ext_source_3_missing": 0.1,
    "age_years": -0.2,
    "employed_years": -0.15,
    "credit_to_income": 0.3,
    "annuity_to_income": 0.3,
    "credit_to_goods": 0.15,
    "annuity_to_credit": 0.1,
    "low_education": 0.15,
    "male": 0.1,
    "late_instalment_share": 0.35,
    "mean_days_late": 0.25,
    "refused_count": 0.25,
    "refused_share": 0.1,
    "bureau_overdue_active": 0.25,
    "bureau_late_month_share": 0.3,
    "bureau_debt_ratio": 0.15,
    "no_bureau": 0.05,
    "card_utilisation": 0.3,
    "pos_dpd_share": 0.2,
}


def _imputed(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), 0.5, values)


def _imputed_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 1 where the denominator is unknown (a revolving loan without goods)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isnan(denominator), 1.0, numerator / denominator)


def features(clients: Clients, history: History) -> dict[str, np.ndarray]:
    """The per-client features of the planted logit, from observed values only."""
    t = clients.table
    education = t["NAME_EDUCATION_TYPE"]
    gender = t["CODE_GENDER"]
    assert isinstance(education, Categorical)
    assert isinstance(gender, Categorical)
    employed = t["DAYS_EMPLOYED"]
    low_education = np.isin(np.array(education.categories)[education.codes], EDUCATION_BEST_FIRST[3:])
    return {
        "ext_source_1": _imputed(t["EXT_SOURCE_1"]),
        "ext_source_2": _imputed(t["EXT_SOURCE_2"]),
        "ext_source_3": _imputed(t["EXT_SOURCE_3"]),
        "ext_source_1_missing": np.isnan(t["EXT_SOURCE_1"]).astype(float),
        "ext_source_3_missing": np.isnan(t["EXT_SOURCE_3"]).astype(float),
        "age_years": -t["DAYS_BIRTH"] / 365.25,
        "employed_years": np.where(employed == SENTINEL_DAYS, 0, -employed / 365.25),
        "credit_to_income": np.log(t["AMT_CREDIT"] / t["AMT_INCOME_TOTAL"]),
        "annuity_to_income": np.log(t["AMT_ANNUITY"] / t["AMT_INCOME_TOTAL"]),
        "credit_to_goods": _imputed_ratio(t["AMT_CREDIT"], t["AMT_GOODS_PRICE"]),
        "annuity_to_credit": t["AMT_ANNUITY"] / t["AMT_CREDIT"],
        "low_education": low_education.astype(float),
        "male": gender.equals("M").astype(float),
        "late_instalment_share": history.share("inst_late", "inst_count"),
        "mean_days_late": np.log1p(history.share("inst_days_late", "inst_count")),
        "refused_count": np.log1p(history["prev_refused"]),
        "refused_share": history.share("prev_refused", "prev_count"),
        "bureau_overdue_active": np.minimum(history["bureau_overdue_active"], 3),
        "bureau_late_month_share": history.share("bb_late_months", "bb_months"),
        "bureau_debt_ratio": np.clip(history.share("bureau_active_debt", "bureau_active_sum"), 0, 1),
        "no_bureau": (history["bureau_credits"] == 0).astype(float),
        "card_utilisation": history.share("card_utilisation", "card_months"),
        "pos_dpd_share": history.share("pos_dpd_months", "pos_months"),
    }


def expected_auc(score: np.ndarray, p: np.ndarray) -> float:
    """AUC of `score` expected when outcomes are Bernoulli(p): what the oracle reaches on average."""
    order = np.argsort(score, kind="stable")
    p_sorted = p[order]
    negatives_below = np.cumsum(1 - p_sorted) - (1 - p_sorted)
    return float((p_sorted * negatives_below).sum() / (p.sum() * (1 - p).sum()))


@dataclass(frozen=True)
class PlantedRisk:
    """The planted probability of every client and the common scale that set its AUC."""

    probability: np.ndarray
    scale: float


def planted_risk(clients: Clients, history: History) -> PlantedRisk:
    """Probability = sigmoid(a + k * sum(w * standardised feature)), k tuned for TARGET_AUC on train
    and a for TARGET_RATE on train; standardisation uses train statistics (test is 'production')."""
    train = ~clients.is_test
    raw = np.zeros(clients.size)
    for name, values in features(clients, history).items():
        mean, std = values[train].mean(), values[train].std()
        raw += WEIGHTS[name] * (values - mean) / (std if std > 0 else 1.0)
    raw /= raw[train].std()
    lo, hi = 0.1, 5.0
    for _ in range(25):
        k = (lo + hi) / 2
        p = calibrated_probability(k * raw[train], TARGET_RATE)
        if expected_auc(raw[train], p) < TARGET_AUC:
            lo = k
        else:
            hi = k
    k = (lo + hi) / 2
    probability = sigmoid(solve_intercept(k * raw[train], TARGET_RATE) + k * raw)
    return PlantedRisk(probability=probability, scale=k)
