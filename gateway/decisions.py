"""One decision: features read once, Score and Explain called concurrently, the decision logged.

If Explain fails or exceeds its budget the score still answers, and says the explanation is missing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from explain_service.client import ExplainClient, Explanation
from gateway.prediction_log import Decision, PredictionLog, now
from scoring_service.client import Score, ScoringClient, score_request
from scoring_service.online import OnlineFeatures

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoredDecision:
    """A score, its explanation when available, and the features it was computed from."""

    request_id: str
    client_id: int
    score: Score
    explanation: Explanation | None
    explanation_missing_reason: str | None
    features: dict[str, Any]


class DecisionService:
    """Combines the online store and both gRPC services into one answer."""

    def __init__(
        self,
        scoring: ScoringClient,
        explain: ExplainClient,
        online: OnlineFeatures,
        prediction_log: PredictionLog,
        explain_budget: float,
    ) -> None:
        self.scoring = scoring
        self.explain = explain
        self.online = online
        self.prediction_log = prediction_log
        self.explain_budget = explain_budget

    async def client_features(self, client_id: int) -> dict[str, Any]:
        """The client's online features (raises UnknownClientError / FeatureStoreUnavailableError)."""
        return await asyncio.to_thread(self.online.row, client_id)

    async def decide(
        self, client_id: int, features: dict[str, Any], *, explain: bool = True, record: bool = True
    ) -> ScoredDecision:
        """Score (and explain) a feature vector; record it in the prediction log when it is a decision."""
        request_id = uuid.uuid4().hex
        request = score_request(features=features, request_id=request_id)  # built once, sent to both
        calls: list[Any] = [self.scoring.score_request(request)]
        if explain:
            calls.append(asyncio.wait_for(self.explain.explain_request(request), self.explain_budget))
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        score = outcomes[0]
        if isinstance(score, BaseException):
            raise score
        explanation, missing = None, None
        if explain:
            if isinstance(outcomes[1], BaseException):
                missing = (
                    "explanation took too long"
                    if isinstance(outcomes[1], TimeoutError)
                    else "explanation service unavailable"
                )
                log.warning(
                    "explanation unavailable",
                    extra={"request_id": request_id, "error": type(outcomes[1]).__name__},
                )
            else:
                explanation = outcomes[1]
        if record:
            self.prediction_log.append(
                Decision(
                    request_id=request_id,
                    time=now(),
                    client_id=client_id,
                    model_version=score.model_version,
                    probability=score.probability,
                    refused=score.refused,
                    threshold=score.threshold,
                    features=features,
                )
            )
        log.info(
            "decision",
            extra={
                "request_id": request_id,
                "model_version": score.model_version,
                "refused": score.refused,
                "explained": explanation is not None,
            },
        )
        return ScoredDecision(request_id, client_id, score, explanation, missing, features)
