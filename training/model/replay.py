"""Replay a logged decision: derive it again from the registry and its recorded row, and compare.

The version is loaded by number, whatever the champion is now, through the same loader the services use
(credit_model.loading), and the decision goes through the same code as theirs: the scorer's
contributions and the reasons' ranking (credit_model.contributions), the lending policy
(credit_model.lending_policy.row_decision). So a replay that matches shows that the record is what that
version says of that row: the probability to the bit, the outcome, the threshold, the policy's version
and reasons, and the reasons' order and values. A record changed after the fact (a value, a
probability, a reason) no longer matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credit_features.families import family_key
from credit_model.contributions import FeatureFamilies, explain_rows
from credit_model.decision_records import DecisionRecord
from credit_model.lending_policy import row_decision
from credit_model.loading import MlflowRegistry
from credit_model.registry import MODEL_NAME, ModelUri
from credit_model.scorers import probabilities
from credit_model.served_reasons import ServedReasons


class ReplayError(ValueError):
    """A record that cannot be replayed at all (logged before reasons were recorded, or for a model
    whose inputs are not the record's)."""


@dataclass(frozen=True)
class Replay:
    """A recorded decision beside what its version derives again, and every difference between them."""

    record: DecisionRecord
    probability: float
    outcome: str
    threshold: float
    policy_version: str
    reasons: ServedReasons
    differences: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return not self.differences


def replay(record: DecisionRecord, registry: MlflowRegistry) -> Replay:
    """Derive `record` again with its model version (loaded from `registry`) and compare."""
    if record.reasons is None:
        raise ReplayError(
            f"decision {record.request_id} was logged before reasons were recorded: nothing to compare"
        )
    loaded = registry.load(ModelUri(record.model_name or MODEL_NAME, version=record.model_version))
    features = loaded.metadata.features
    if features != record.features:
        raise ReplayError(
            f"decision {record.request_id}: its row follows {len(record.features)} features, model version "
            f"{record.model_version} takes {len(features)} in another order"
        )
    row = np.ascontiguousarray(record.values, dtype=np.float64)
    matrix = row[np.newaxis, :]
    recorded = record.reasons
    threshold = loaded.metadata.threshold
    positions = {name: i for i, name in enumerate(features)}
    if recorded.explained:
        contributions = loaded.scorer.contributions(matrix)
        if contributions is None:
            raise ReplayError(f"model version {record.model_version} has no contributions to explain with")
        families = FeatureFamilies.of([family_key(name) for name in features])
        explanation = explain_rows(contributions, matrix, features, families)[0]
        probability = explanation.probability
        decided = row_decision(loaded.policy, positions, row, probability, threshold)
        reasons = ServedReasons.of_explanation(explanation, recorded.each_way, decided)
    else:
        probability = float(probabilities(loaded.scorer.raw_scores(matrix))[0])
        decided = row_decision(loaded.policy, positions, row, probability, threshold)
        reasons = ServedReasons(
            explained=False,
            each_way=recorded.each_way,
            policy_reasons=decided.reasons,
            missing_reason=recorded.missing_reason,
        )
    policy_version = loaded.policy.version if loaded.policy is not None else ""
    differences = [
        f"{name}: recorded {mine!r}, replayed {theirs!r}"
        for name, mine, theirs in (
            ("probability", record.probability.hex(), probability.hex()),
            ("outcome", record.outcome, decided.outcome),
            ("threshold", record.threshold.hex(), threshold.hex()),
            ("policy version", record.policy_version, policy_version),
        )
        if mine != theirs
    ]
    differences += [f"reasons, {difference}" for difference in recorded.differences(reasons)]
    return Replay(
        record, probability, decided.outcome, threshold, policy_version, reasons, tuple(differences)
    )
