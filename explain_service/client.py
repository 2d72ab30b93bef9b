"""Typed async client of the Explainer service, used by the gateway and the tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc

from credit_model.lending_policy import PolicyReason
from protos.credit.v1 import explain_pb2, explain_pb2_grpc, scoring_pb2
from serving_base.messages import outcome_of, policy_reasons_of, score_request


@dataclass(frozen=True)
class Contribution:
    """One feature's value and its SHAP contribution to the log-odds of default."""

    feature: str
    value: float | None
    shap: float
    family: str = ""


@dataclass(frozen=True)
class FamilyImpact:
    """The summed contribution of one family of features (every feature of it, listed or not)."""

    family: str
    impact: float
    features: int


@dataclass(frozen=True)
class Explanation:
    """A score's explanation: base value + sum of contributions = raw score (log-odds)."""

    request_id: str
    client_id: int
    probability: float
    outcome: str  # granted, refused or referred, through the version's lending policy
    threshold: float
    base_value: float
    raw_score: float
    model_name: str
    model_version: str
    contributions: tuple[Contribution, ...]
    omitted_shap: float = 0.0  # sum of the contributions not listed (top_each_way requests)
    omitted: int = 0
    families: tuple[FamilyImpact, ...] = ()  # largest |impact| first; Σ impacts = raw_score - base_value
    policy_reasons: tuple[PolicyReason, ...] = ()
    policy_version: str = ""


def explanation_from(response: explain_pb2.ExplainResponse) -> Explanation:
    """The typed explanation of a service answer (or of a stored one)."""
    return Explanation(
        request_id=response.request_id,
        client_id=response.client_id,
        probability=response.probability,
        outcome=outcome_of(response.decision),
        policy_reasons=policy_reasons_of(response.policy_reasons),
        policy_version=response.policy_version,
        threshold=response.threshold,
        base_value=response.base_value,
        raw_score=response.raw_score,
        model_name=response.model.name,
        model_version=response.model.version,
        contributions=tuple(
            Contribution(c.feature, None if c.missing else c.value, c.shap, c.family)
            for c in response.contributions
        ),
        omitted_shap=response.omitted_shap,
        omitted=response.omitted,
        families=tuple(FamilyImpact(f.family, f.impact, f.features) for f in response.families),
    )


class ExplainClient:
    """Calls Explain/ExplainBatch with a deadline on every call."""

    def __init__(self, channel: grpc.aio.Channel, timeout: float = 2.0) -> None:
        self._stub = explain_pb2_grpc.ExplainerStub(channel)
        self.timeout = timeout

    async def explain(
        self, client_id: int | None = None, features: Mapping[str, Any] | None = None, request_id: str = ""
    ) -> Explanation:
        return await self.explain_request(
            score_request(client_id=client_id, features=features, request_id=request_id)
        )

    async def explain_request(self, request: scoring_pb2.ScoreRequest) -> Explanation:
        """Explain a request built once (e.g. shared with a Score call)."""
        return explanation_from(await self._stub.Explain(request, timeout=self.timeout))

    async def explain_batch(self, requests: list[scoring_pb2.ScoreRequest]) -> list[Explanation]:
        reply = await self._stub.ExplainBatch(
            scoring_pb2.ScoreBatchRequest(requests=requests), timeout=self.timeout
        )
        return [explanation_from(response) for response in reply.responses]
