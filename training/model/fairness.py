"""The fairness report of a model version: its decisions by gender and by age band, beside the oracle's.

What a compliance officer asks of a credit decision (Directive (EU) 2023/2225, Art. 6; the AI Act's
examination of bias), measured with fairlearn's `MetricFrame` on the version's hold-out applications,
each one put through the version's lending policy:
- the grant rate per group, and its ratio to the most granted group (the four-fifths rule);
- among clients who repaid, the share refused (its spread across groups: the equal-opportunity gap);
- the default rate among granted clients, and calibration (mean probability against observed rate);
- refusals split into those the policy's rules took (an age rule refuses by age on purpose) and those
  the score took; referrals counted apart, being neither a grant nor a refusal.

Gender is not a model input (credit_features.protected) but is kept in the data to measure this. The
synthetic data plant gender and age into the true risk, so even the oracle's own decisions differ by
group: with an oracle (the planted probability, synthetic data) the bounds gate the model's *excess*
over the oracle's figures on the same rows; without one (real files) they are absolute.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame

from training.model.fairness_bounds import DEFAULT_BOUNDS, FairnessBounds

#: The groups' columns of the training frame.
GENDER = "APP_GENDER_MALE"
AGE = "APP_AGE_YEARS"
AGE_BANDS = (18.0, 30.0, 45.0, 60.0, math.inf)
#: Groups smaller than this are reported but not judged: their rates are mostly noise.
MIN_GROUP = 50
GRANTED, REFUSED, REFERRED = 0, 1, 2
CODES = {"granted": GRANTED, "refused": REFUSED, "referred": REFERRED}


def groups(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Each attribute's group of every row: gender (women, men, unknown) and age band; an attribute
    the frame does not hold (a training set of other features) is left out."""
    found = {}
    if GENDER in frame:
        gender = frame[GENDER].map({1.0: "men", 0.0: "women"}).fillna("unknown")
        found["gender"] = gender.reset_index(drop=True)
    if AGE in frame:
        found["age_band"] = _age_bands(frame[AGE]).reset_index(drop=True)
    return found


def _age_bands(age: pd.Series) -> pd.Series:
    edges = list(AGE_BANDS)
    labels = [
        f"{lo:.0f}-{hi:.0f}" if hi != math.inf else f"{lo:.0f}+" for lo, hi in itertools.pairwise(edges)
    ]
    return pd.cut(age, bins=edges, labels=labels, right=False).astype(str).replace("nan", "unknown")


def _share(mask: np.ndarray) -> float:
    return float(np.mean(mask)) if len(mask) else math.nan


def _metrics() -> dict[str, Callable[..., float]]:
    """The per-group metrics, each f(y_true, y_pred[, sample params]) with y_pred the outcome code and
    `scored` whether the policy's rules left the application to the score."""
    return {
        "scored_grant_rate": lambda y, pred, scored: _share(pred[scored] == GRANTED),
        "scored_repayers_refused": lambda y, pred, scored: _share(pred[scored & (y == 0)] == REFUSED),
        "applications": lambda y, pred: float(len(y)),
        "grant_rate": lambda y, pred: _share(pred == GRANTED),
        "refusal_rate": lambda y, pred: _share(pred == REFUSED),
        "referral_rate": lambda y, pred: _share(pred == REFERRED),
        "refused_by_rules": lambda y, pred, by_rule: _share((pred == REFUSED) & by_rule),
        "refused_by_score": lambda y, pred, by_rule: _share((pred == REFUSED) & ~by_rule),
        "repayers_refused": lambda y, pred: _share(pred[y == 0] == REFUSED),
        "default_rate_granted": lambda y, pred: _share(y[pred == GRANTED] == 1),
        "mean_probability": lambda y, pred, probability: float(np.mean(probability)),
        "observed_default_rate": lambda y, pred: _share(y == 1),
    }


def decisions_by_group(
    y: np.ndarray, outcomes: np.ndarray, rules: np.ndarray, probability: np.ndarray, group: pd.Series
) -> pd.DataFrame:
    """The metrics per group (a row each) of decisions `outcomes` (their deciding `rules`)."""
    scored = np.array([rule in ("score", "granted") for rule in rules])
    by_rule = ~scored & (outcomes == "refused")
    frame = MetricFrame(
        metrics=_metrics(),
        y_true=np.asarray(y),
        y_pred=np.array([CODES[o] for o in outcomes]),
        sensitive_features=group,
        sample_params={
            "refused_by_rules": {"by_rule": by_rule},
            "refused_by_score": {"by_rule": by_rule},
            "mean_probability": {"probability": np.asarray(probability)},
            "scored_grant_rate": {"scored": scored},
            "scored_repayers_refused": {"scored": scored},
        },
    )
    table = frame.by_group
    table["calibration_gap"] = table["mean_probability"] - table["observed_default_rate"]
    return table


def summary(table: pd.DataFrame) -> dict[str, float]:
    """The figures over the groups large enough to judge. Judged, on the applications the policy's rules
    left to the score (a rule such as the age at the end of the loan decides by its criterion on purpose,
    and is reported apart): the lowest grant-rate ratio to the most granted group, and the
    equal-opportunity gap (the widest spread of repayers refused). Reported beside them, over every
    decision: the same two figures, rules included."""
    judged = table[(table["applications"] >= MIN_GROUP) & (table.index != "unknown")]
    if len(judged) < 2:
        return dict.fromkeys(
            ("grant_ratio", "opportunity_gap", "overall_grant_ratio", "overall_gap"), math.nan
        )
    return {
        "grant_ratio": _ratio(judged["scored_grant_rate"]),
        "opportunity_gap": _spread(judged["scored_repayers_refused"]),
        "overall_grant_ratio": _ratio(judged["grant_rate"]),
        "overall_gap": _spread(judged["repayers_refused"]),
    }


def _ratio(rates: pd.Series) -> float:
    return float(rates.min() / rates.max()) if rates.max() > 0 else math.nan


def _spread(rates: pd.Series) -> float:
    return float(rates.max() - rates.min())


@dataclass(frozen=True)
class Breach:
    """One bound a version breaks: which attribute, which figure, its value and the bound."""

    attribute: str
    figure: str
    value: float
    bound: float


def breaches(
    model: dict[str, dict[str, float]],
    oracle: dict[str, dict[str, float]] | None,
    bounds: FairnessBounds = DEFAULT_BOUNDS,
) -> list[Breach]:
    """The bounds the model's summaries (per attribute) break, against the oracle's when there is one."""
    found = []
    for attribute, figures in model.items():
        ratio, gap = figures["grant_ratio"], figures["opportunity_gap"]
        if oracle is not None:
            ratio_bound = oracle[attribute]["grant_ratio"] - bounds.excess_ratio
            gap_bound = oracle[attribute]["opportunity_gap"] + bounds.excess_gap
        else:
            ratio_bound, gap_bound = bounds.min_ratio, bounds.max_gap
        if not math.isnan(ratio) and not math.isnan(ratio_bound) and ratio < ratio_bound:
            found.append(Breach(attribute, "grant_ratio", ratio, ratio_bound))
        if not math.isnan(gap) and not math.isnan(gap_bound) and gap > gap_bound:
            found.append(Breach(attribute, "opportunity_gap", gap, gap_bound))
    return found


@dataclass(frozen=True)
class FairnessReport:
    """A version's report: per attribute and group the model's (and the oracle's) metrics, the
    summaries, the bounds and what breaks them."""

    groups: dict[str, dict[str, Any]]
    model: dict[str, dict[str, float]]
    oracle: dict[str, dict[str, float]] | None
    bounds: FairnessBounds
    breaches: list[Breach]

    @property
    def within_bounds(self) -> bool:
        return not self.breaches

    def as_dict(self) -> dict[str, Any]:
        return {
            "groups": self.groups,
            "model": self.model,
            "oracle": self.oracle,
            "bounds": asdict(self.bounds),
            "relative_to_oracle": self.oracle is not None,
            "breaches": [asdict(b) for b in self.breaches],
            "within_bounds": self.within_bounds,
        }

    def tags(self) -> dict[str, str]:
        """The version's tags: within bounds or not, and each judged figure of the model."""
        out = {"fairness_within_bounds": str(self.within_bounds).lower()}
        for attribute, figures in self.model.items():
            for figure, value in figures.items():
                out[f"fairness_{attribute}_{figure}"] = f"{value:.4f}"
        return out


@dataclass(frozen=True)
class Decided:
    """Decisions of one scorer on the hold-out: outcomes, deciding rules and probabilities."""

    outcomes: np.ndarray
    rules: np.ndarray
    probability: np.ndarray


def fairness_report(
    frame: pd.DataFrame,
    y: np.ndarray,
    model: Decided,
    oracle: Decided | None = None,
    bounds: FairnessBounds = DEFAULT_BOUNDS,
) -> FairnessReport:
    """The report of `model`'s decisions on the rows of `frame` (holding the group columns), beside the
    `oracle`'s on the same rows when given."""
    by_group: dict[str, dict[str, Any]] = {}
    model_summary: dict[str, dict[str, float]] = {}
    oracle_summary: dict[str, dict[str, float]] | None = {} if oracle is not None else None
    for attribute, group in groups(frame).items():
        table = decisions_by_group(y, model.outcomes, model.rules, model.probability, group)
        model_summary[attribute] = summary(table)
        entry: dict[str, Any] = {"model": _records(table)}
        if oracle is not None and oracle_summary is not None:
            oracle_table = decisions_by_group(y, oracle.outcomes, oracle.rules, oracle.probability, group)
            oracle_summary[attribute] = summary(oracle_table)
            entry["oracle"] = _records(oracle_table)
        by_group[attribute] = entry
    return FairnessReport(
        by_group, model_summary, oracle_summary, bounds, breaches(model_summary, oracle_summary, bounds)
    )


def _records(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    return {str(group): {k: float(v) for k, v in row.items()} for group, row in table.iterrows()}
