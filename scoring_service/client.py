"""Typed async client of the Scoring service, used by the gateway and the tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc

from credit_model.lending_policy import PolicyReason
from protos.credit.v1 import scoring_pb2, scoring_pb2_grpc
from serving_base.messages import outcome_of, policy_reasons_of, score_request


@dataclass(frozen=True)
class Score:
    """A scored application."""

    request_id: str
    client_id: int
    probability: float
    outcome: str  # granted, refused or referred, through the version's lending policy
    threshold: float
    model_name: str
    model_version: str
    policy_reasons: tuple[PolicyReason, ...] = ()
    policy_version: str = ""

    @property
    def refused(self) -> bool:
        return self.outcome == "refused"


def _score(response: scoring_pb2.ScoreResponse) -> Score:
    return Score(
        request_id=response.request_id,
        client_id=response.client_id,
        probability=response.probability,
        outcome=outcome_of(response.decision),
        policy_reasons=policy_reasons_of(response.policy_reasons),
        policy_version=response.policy_version,
        threshold=response.threshold,
        model_name=response.model.name,
        model_version=response.model.version,
    )


class ScoringClient:
    """Calls Score/ScoreBatch/ModelInfo with a deadline on every call."""

    def __init__(self, channel: grpc.aio.Channel, timeout: float = 1.0) -> None:
        self._stub = scoring_pb2_grpc.ScoringStub(channel)
        self.timeout = timeout

    async def score(
        self, client_id: int | None = None, features: Mapping[str, Any] | None = None, request_id: str = ""
    ) -> Score:
        return await self.score_request(
            score_request(client_id=client_id, features=features, request_id=request_id)
        )

    async def score_request(self, request: scoring_pb2.ScoreRequest) -> Score:
        """Score a request built once (e.g. shared with an Explain call)."""
        return _score(await self._stub.Score(request, timeout=self.timeout))

    async def score_batch(self, requests: list[scoring_pb2.ScoreRequest]) -> list[Score]:
        reply = await self._stub.ScoreBatch(
            scoring_pb2.ScoreBatchRequest(requests=requests), timeout=self.timeout
        )
        return [_score(response) for response in reply.responses]

    async def model_info(self) -> scoring_pb2.ModelInfoResponse:
        return await self._stub.ModelInfo(scoring_pb2.ModelInfoRequest(), timeout=self.timeout)
