"""Typed async client of the Scoring service, used by the gateway and the tests."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import struct_pb2

from protos.credit.v1 import scoring_pb2, scoring_pb2_grpc


@dataclass(frozen=True)
class Score:
    """A scored application."""

    request_id: str
    client_id: int
    probability: float
    refused: bool
    threshold: float
    model_name: str
    model_version: str


def score_request(
    client_id: int | None = None, features: Mapping[str, Any] | None = None, request_id: str = ""
) -> scoring_pb2.ScoreRequest:
    """A request for a known client or for explicit features (None = missing value)."""
    if (client_id is None) == (features is None):
        raise ValueError("give exactly one of client_id and features")
    if client_id is not None:
        return scoring_pb2.ScoreRequest(request_id=request_id, client_id=client_id)
    vector = scoring_pb2.FeatureVector()
    values = vector.values
    for name, value in features.items():  # type: ignore[union-attr]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            values[name].null_value = struct_pb2.NULL_VALUE
        elif isinstance(value, bool):
            values[name].bool_value = value
        elif isinstance(value, int | float):
            values[name].number_value = float(value)
        else:
            values[name].string_value = str(value)
    return scoring_pb2.ScoreRequest(request_id=request_id, features=vector)


def _score(response: scoring_pb2.ScoreResponse) -> Score:
    return Score(
        request_id=response.request_id,
        client_id=response.client_id,
        probability=response.probability,
        refused=response.decision == scoring_pb2.DECISION_REFUSED,
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
        return await self.score_request(score_request(client_id, features, request_id))

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
