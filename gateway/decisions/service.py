"""One decision: the client's features read once in the model's order, sent packed to Explain, the
decision logged.

Explain answers the decision itself (probability, decision, threshold, version: the same bundle as
Scoring's) with its reasons, so one call and one model evaluation make a decision. Scoring is the
fallback: if Explain fails or exceeds its budget, Score answers and the decision says its explanation
is missing. (Calling both in parallel, as before, cost a second gRPC round trip and model evaluation
per request for an answer the gateway discarded whenever Explain answered: a third of the CPU.)

The gateway learns the served model's feature order and version from Scoring's ModelInfo. When a
service answers FAILED_PRECONDITION (a new champion was swapped in since), the model is looked up
again and the features re-read for it, once.

Before calling Explain, the gateway looks in the explanation store for this very (model version,
feature row): the explain service keeps every answer there and prepares the whole known population
after each swap. A stored answer is reused only while the store says its version is the one served,
so a decision is never taken by a replaced model; anything else goes through Explain as above.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

import grpc
import numpy as np

from credit_features.online import OnlineFeatures
from credit_model.decision_ids import new_decision_id
from credit_model.journal_records import Decision
from credit_model.lending_policy import LendingPolicy
from credit_model.served_reasons import ServedReasons
from explain_service.client import ExplainClient, Explanation
from gateway.decisions.prediction_log import PredictionLog, now
from gateway.decisions.recent_explanations import RecentExplanation, RecentExplanations
from scoring_service.client import Score, ScoringClient
from serving_base.explanation_store import ExplanationStore
from serving_base.messages import REASONS_EACH_WAY, feature_row, score_request

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class ServedModel:
    """What Scoring serves now: the model URI it follows, the version, the feature order requests
    must follow, and the version's lending policy (None: registered without one)."""

    uri: str
    version: str
    feature_service: str
    features: tuple[str, ...]
    policy: LendingPolicy | None = None

    def row(self, values: Mapping[str, float | None]) -> np.ndarray:
        """Named values in this model's order; absent or None is missing (NaN)."""
        return np.array(
            [np.nan if values.get(name) is None else values[name] for name in self.features], dtype=np.float64
        )


@dataclass(frozen=True)
class ScoredDecision:
    """A score and its explanation when available."""

    request_id: str
    client_id: int
    score: Score
    explanation: Explanation | None
    explanation_missing_reason: str | None
    features: tuple[str, ...]
    row: np.ndarray  # the values it was taken on, in `features` order (for the prediction log)
    each_way: int  # the reasons asked of Explain each way (0: every contribution)
    recent: RecentExplanation | None = None  # the stored explanation reused, as this process keeps it

    def derived(self, what: Hashable, make: Callable[[], T]) -> T:
        """What `make` derives from this decision's explanation (reasons in a language, say): made once
        per stored explanation when the decision reused one, since it is the same for every decision
        on it; made now otherwise. `what` names everything but the explanation that `make` reads."""
        return make() if self.recent is None else self.recent.derived(what, make)

    def served_reasons(self) -> ServedReasons:
        """The reasons this answer carries, as the prediction log keeps them (and a replay derives)."""
        score, explanation = self.score, self.explanation
        if explanation is None:
            return ServedReasons(
                explained=False,
                each_way=self.each_way,
                policy_reasons=score.policy_reasons,
                missing_reason=self.explanation_missing_reason,
            )
        return ServedReasons(
            explained=True,
            each_way=self.each_way,
            policy_reasons=explanation.policy_reasons,
            base_value=explanation.base_value,
            raw_score=explanation.raw_score,
            contributions=tuple((c.feature, c.shap) for c in explanation.contributions),
            omitted_shap=explanation.omitted_shap,
            families=tuple((f.family, f.impact) for f in explanation.families),
        )


#: How to read a row for a given model (from the online store, or from values given by the caller).
RowReader = Callable[[ServedModel], Awaitable[np.ndarray]]


class DecisionService:
    """Combines the online store and both gRPC services into one answer."""

    def __init__(
        self,
        scoring: ScoringClient,
        explain: ExplainClient,
        online: OnlineFeatures,
        prediction_log: PredictionLog,
        *,
        explain_budget: float,
        explanations: ExplanationStore | None = None,
        recent_explanations: int = 0,
    ) -> None:
        self.scoring = scoring
        self.explain = explain
        self.online = online
        self.prediction_log = prediction_log
        self.explain_budget = explain_budget
        self.explanations = explanations
        self.recent = RecentExplanations(recent_explanations)
        self._model: ServedModel | None = None

    async def served_model(self, refresh: bool = False) -> ServedModel:
        """The model Scoring serves (asked once, then again only after a version change)."""
        if self._model is None or refresh:
            info = await self.scoring.model_info()
            self._model = ServedModel(
                info.model_uri,
                info.model.version,
                info.model.feature_service,
                tuple(info.features),
                LendingPolicy.from_json(info.lending_policy) if info.lending_policy else None,
            )
        return self._model

    async def client_row(self, client_id: int, model: ServedModel) -> np.ndarray:
        """A known client's features in the model's order (unknown client, store down: domain errors)."""
        return (await self.online.matrix_async([client_id], model.features))[0]

    async def client_features(self, client_id: int) -> dict[str, float | None]:
        """A known client's features by name."""
        model = await self.served_model()
        row = await self.client_row(client_id, model)
        return {name: None if np.isnan(v) else float(v) for name, v in zip(model.features, row, strict=True)}

    async def decide_client(
        self, client_id: int, *, full_explanation: bool = False, record: bool = True
    ) -> ScoredDecision:
        """Decision on a known client's stored features."""

        async def read(model: ServedModel) -> np.ndarray:
            return await self.client_row(client_id, model)

        return await self._decide(client_id, read, full_explanation=full_explanation, record=record)

    async def decide_values(
        self,
        client_id: int,
        values: Mapping[str, float | None],
        *,
        full_explanation: bool = False,
        record: bool = True,
    ) -> ScoredDecision:
        """Decision on features given by name (a new application, a what-if)."""

        async def read(model: ServedModel) -> np.ndarray:
            return model.row(values)

        return await self._decide(client_id, read, full_explanation=full_explanation, record=record)

    async def _decide(
        self, client_id: int, read: RowReader, *, full_explanation: bool, record: bool
    ) -> ScoredDecision:
        model = await self.served_model()
        try:
            return await self._decide_once(client_id, model, await read(model), full_explanation, record)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise
            log.info("served model changed; features re-read", extra={"was": model.version})
            model = await self.served_model(refresh=True)
            return await self._decide_once(client_id, model, await read(model), full_explanation, record)

    async def _decide_once(
        self, client_id: int, model: ServedModel, row: np.ndarray, full_explanation: bool, record: bool
    ) -> ScoredDecision:
        request_id = new_decision_id()
        # Reasons need only the strongest factors each way, not all 400-odd.
        each_way = 0 if full_explanation else REASONS_EACH_WAY
        stored = recent = None
        if self.explanations is not None and model.uri:  # a Scoring older than model_uri: no reuse
            stored = await self.explanations.reusable(model.uri, model.version, each_way, row)
        if stored is not None:
            recent = self.recent.of(stored)
            explanation = replace(recent.explanation, request_id=request_id, client_id=client_id)
            score, missing = score_of(explanation), None
        else:
            score, explanation, missing = await self._ask_services(model, row, request_id, each_way)
        decided = ScoredDecision(
            request_id, client_id, score, explanation, missing, model.features, row, each_way, recent
        )
        if record:
            self.record(decided)
        log.info(
            "decision",
            extra={
                "request_id": request_id,
                "model_version": score.model_version,
                "outcome": score.outcome,
                "explained": explanation is not None,
                "reused": stored is not None,
            },
        )
        return decided

    def record(self, decided: ScoredDecision) -> None:
        """Append a decision to the prediction log (before it is answered: nothing answered is lost)."""
        score = decided.score
        self.prediction_log.append(
            Decision(
                request_id=decided.request_id,
                time=now(),
                client_id=decided.client_id,
                model_version=score.model_version,
                probability=score.probability,
                outcome=score.outcome,
                threshold=score.threshold,
                features=decided.features,
                values=decided.row,
                model_name=score.model_name,
                policy_version=score.policy_version,
                reasons=decided.derived("served reasons", lambda: decided.served_reasons().to_json()),
            )
        )

    async def _ask_services(
        self, model: ServedModel, row: np.ndarray, request_id: str, each_way: int
    ) -> tuple[Score, Explanation | None, str | None]:
        """Explain's answer, or Score's when Explain fails or exceeds its budget (with the reason)."""
        packed = feature_row(row, model.feature_service, model.version)
        request = score_request(row=packed, request_id=request_id, top_each_way=each_way)
        try:
            explanation = await asyncio.wait_for(self.explain.explain_request(request), self.explain_budget)
        except (TimeoutError, grpc.aio.AioRpcError) as error:
            missing = _missing_reason(request_id, error)
            return await self.scoring.score_request(request), None, missing
        return score_of(explanation), explanation, None


def score_of(explanation: Explanation) -> Score:
    """The decision an explanation carries (the same bundle scored it)."""
    return Score(
        request_id=explanation.request_id,
        client_id=explanation.client_id,
        probability=explanation.probability,
        outcome=explanation.outcome,
        policy_reasons=explanation.policy_reasons,
        policy_version=explanation.policy_version,
        threshold=explanation.threshold,
        model_name=explanation.model_name,
        model_version=explanation.model_version,
    )


def _missing_reason(request_id: str, error: BaseException) -> str:
    """Why a decision has no explanation (Score then answers it)."""
    if isinstance(error, TimeoutError):
        reason = "explanation took too long"
    elif isinstance(error, grpc.aio.AioRpcError) and error.code() == grpc.StatusCode.FAILED_PRECONDITION:
        reason = "the explanation service is switching to another model version"
    else:
        reason = "explanation service unavailable"
    log.warning("explanation unavailable", extra={"request_id": request_id, "error": type(error).__name__})
    return reason
