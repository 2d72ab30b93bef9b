"""One client's candidate loans, judged for the offer: by the policy here, and by Scoring.

Each candidate is the client's stored feature row with the application features that the amount and
the annuity reach recomputed by application.sql compiled (`ApplicationVariants`). The policy reads a
candidate's features exactly as Scoring's bundle does: by name among the model's features, a feature
the model does not take being missing; so the rules run here decide as the served ones do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from credit_features.application import ApplicationVariants
from credit_model.lending_policy import LendingPolicy, PolicyDecision
from gateway.decisions.service import ServedModel
from gateway.intake.offers import Loan, Served
from scoring_service.client import ScoringClient
from serving_base.messages import feature_row, score_request

#: The application fields a candidate loan changes.
MOVED = ("AMT_CREDIT", "AMT_ANNUITY")


class CandidateLoans:
    """The judges of one client's candidate loans (gateway.intake.offers.CandidateJudges)."""

    def __init__(
        self, model: ServedModel, stored: np.ndarray, record: dict[str, Any], scoring: ScoringClient
    ) -> None:
        self._model = model
        self._stored_list: list[float] = stored.tolist()
        self._scoring = scoring
        self._variants = ApplicationVariants(record, MOVED)
        position = {name: i for i, name in enumerate(model.features)}
        #: (position in the model's row, feature) of each recomputed feature the model takes
        self._placed = [(position[name], name) for name in self._variants.features if name in position]
        self._policy = model.policy
        read = self._policy.features if self._policy is not None else ()
        self._base_values = {name: float(stored[position[name]]) for name in read if name in position}
        self._moving_read = [name for _, name in self._placed if name in self._base_values]

    def _features(self, loan: Loan) -> dict[str, float]:
        amount, annuity = loan
        return self._variants({"AMT_CREDIT": amount, "AMT_ANNUITY": annuity})

    def _policy_values(self, loan: Loan) -> dict[str, float]:
        changed = self._features(loan)
        values = dict(self._base_values)
        values.update((name, changed[name]) for name in self._moving_read)
        return values

    def screened(self, loans: Sequence[Loan]) -> list[PolicyDecision | None]:
        policy: LendingPolicy | None = self._policy
        if policy is None:
            return [None] * len(loans)
        return policy.before_score_many([self._policy_values(loan) for loan in loans])

    def novel_throughout(self, low: Loan, high: Loan) -> bool:
        novelty = self._policy.novelty if self._policy is not None else None
        if novelty is None:
            return False
        return novelty.novel_throughout(self._policy_values(low), self._policy_values(high))

    async def served(self, loans: Sequence[Loan]) -> list[Served]:
        if not loans:
            return []
        model = self._model
        requests = []
        for loan in loans:
            row = self._stored_list.copy()  # a list: protobuf copies it far faster than a NumPy row
            changed = self._features(loan)
            for index, name in self._placed:
                row[index] = changed[name]
            requests.append(score_request(row=feature_row(row, model.feature_service, model.version)))
        scores = await self._scoring.score_batch(requests)
        return [
            Served(s.outcome, not math.isnan(s.probability) and s.probability >= s.threshold) for s in scores
        ]
