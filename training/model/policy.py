"""The lending policy a model version is registered with: fitted on its training rows, priced on its hold-out.

The bounds are configuration (credit_model.lending_policy.PolicyBounds, documented in docs/policy.md);
the novelty model is fitted here on the training applications. The evaluation puts every hold-out
application through the policy, with the model's probability, and reports what each rule decides and
at what default rate, and the business cost of the policy's decisions (a referral counts as a refusal:
the file is not granted until a person has looked at it, and the person's decision is not known here).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException

from credit_model.lending_policy import FILE, FOLDER, REQUIRED, LendingPolicy, PolicyBounds
from credit_model.novelty import NOVELTY_FEATURES, fit_novelty
from training.model.cost import CostWeights, business_cost

#: Share of training applications the novelty rule refers.
NOVELTY_QUANTILE = 0.99


def fit_policy(x_train: pd.DataFrame, bounds: PolicyBounds | None = None) -> LendingPolicy:
    """The policy for a model trained on `x_train`: the bounds and a novelty model fitted on those rows."""
    columns = {name: x_train[name].to_numpy(dtype=float) for name in NOVELTY_FEATURES if name in x_train}
    # The model's rows carry only its own inputs: a field whose feature it does not take cannot be
    # required of them (it would refer every file), nor can novelty be measured without any.
    required = tuple(field for field in REQUIRED if field.feature in x_train)
    novelty = fit_novelty(columns, NOVELTY_QUANTILE) if columns else None
    draft = LendingPolicy("draft", bounds or PolicyBounds(), required, novelty)
    # Its version is its content's digest: the same bounds and novelty model, the same version.
    digest = hashlib.sha256(draft.to_json().encode()).hexdigest()[:12]
    return LendingPolicy(digest, draft.bounds, draft.required, draft.novelty)


@dataclass(frozen=True)
class PolicyEvaluation:
    """The policy's decisions on labelled applications: outcomes, per-rule figures and costs."""

    outcomes: np.ndarray  # "granted" / "refused" / "referred" per application
    rules: dict[str, dict[str, float]]  # first rule that decided -> share of applications, default rate
    cost: float  # business cost of the policy's decisions (referred counted as refused)
    cost_without_policy: float  # the same probabilities with the threshold alone

    def metrics(self, prefix: str) -> dict[str, float]:
        shares = Counter(self.outcomes.tolist())
        total = len(self.outcomes)
        return {
            f"{prefix}policy_cost": self.cost,
            f"{prefix}threshold_only_cost": self.cost_without_policy,
            **{
                f"{prefix}policy_{outcome}_share": shares[outcome] / total
                for outcome in ("granted", "refused", "referred")
            },
        }


def policy_outcomes(
    policy: LendingPolicy, x: pd.DataFrame, proba: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each application's outcome through `policy`, and the rule that decided it ("granted": none);
    the policy reads the features by name among `x`'s columns, as the served bundle does."""
    names = [name for name in policy.features if name in x]
    # (a frame of no column gives no record at all: one empty record per row instead)
    records = x[names].to_dict(orient="records") if names else [{} for _ in range(len(x))]
    distances = (
        policy.novelty.distances(x.reindex(columns=list(policy.novelty.features)).to_numpy(dtype=float))
        if policy.novelty is not None
        else np.full(len(x), np.nan)
    )
    outcomes, deciding = [], []
    for record, probability, distance in zip(records, proba, distances, strict=True):
        decision = policy.decide(record, float(probability), threshold, novelty_distance=float(distance))
        outcomes.append(decision.outcome)
        deciding.append(decision.reasons[0].rule if decision.reasons else "granted")
    return np.array(outcomes), np.array(deciding)


def registered_policy(run_id: str) -> LendingPolicy | None:
    """The lending policy a run registered (None for a version registered before policies)."""
    try:
        return LendingPolicy.from_json(mlflow.artifacts.load_text(f"runs:/{run_id}/{FOLDER}/{FILE}"))
    except (MlflowException, OSError):
        return None


def evaluate_policy(
    policy: LendingPolicy,
    x: pd.DataFrame,
    y: np.ndarray,
    proba: np.ndarray,
    *,
    threshold: float,
    weights: CostWeights,
) -> PolicyEvaluation:
    """Put every application of `x` (with its probability) through `policy`; figures against `y`."""
    outcome_array, rule_array = policy_outcomes(policy, x, proba, threshold)
    rules = {
        rule: {
            "share": float(np.mean(rule_array == rule)),
            "default_rate": float(np.mean(y[rule_array == rule])),
        }
        for rule in sorted(set(rule_array))
    }
    # The policy's decisions as the cost function reads them: 1 where not granted, refused from 0.5 up.
    not_granted = (outcome_array != "granted").astype(float)
    cost = business_cost(y, not_granted, 0.5, weights)
    return PolicyEvaluation(outcome_array, rules, cost, business_cost(y, proba, threshold, weights))
