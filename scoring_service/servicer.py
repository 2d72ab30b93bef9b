"""Scoring servicer: converts protobuf ↔ domain; the logic is the model bundle's."""

from __future__ import annotations

import grpc

from credit_features.online import OnlineFeatures
from protos.credit.v1 import scoring_pb2, scoring_pb2_grpc
from serving_base.bundle import ModelBundle
from serving_base.grpc_support import decision_fields, guarded, model_ref, request_id
from serving_base.holder import ModelHolder
from serving_base.requests import request_matrix


class ScoringServicer(scoring_pb2_grpc.ScoringServicer):
    """Score, ScoreBatch and ModelInfo over the holder's current bundle."""

    def __init__(self, holder: ModelHolder[ModelBundle], online: OnlineFeatures) -> None:
        self._holder = holder
        self._online = online

    async def _score(self, requests: list[scoring_pb2.ScoreRequest]) -> list[scoring_pb2.ScoreResponse]:
        bundle = self._holder.current
        matrix = await request_matrix(bundle, self._online, requests)
        probabilities = bundle.predict(matrix)
        return [
            scoring_pb2.ScoreResponse(
                request_id=request_id(request),
                client_id=request.client_id,
                probability=float(probability),
                threshold=bundle.threshold,
                model=model_ref(bundle),
                **decision_fields(bundle, row, float(probability)),
            )
            for request, row, probability in zip(requests, matrix, probabilities, strict=True)
        ]

    async def Score(  # noqa: N802 (gRPC method name)
        self, request: scoring_pb2.ScoreRequest, context: grpc.aio.ServicerContext
    ) -> scoring_pb2.ScoreResponse:
        async def body() -> scoring_pb2.ScoreResponse:
            return (await self._score([request]))[0]

        return await guarded(context, body)

    async def ScoreBatch(  # noqa: N802
        self, request: scoring_pb2.ScoreBatchRequest, context: grpc.aio.ServicerContext
    ) -> scoring_pb2.ScoreBatchResponse:
        async def body() -> scoring_pb2.ScoreBatchResponse:
            return scoring_pb2.ScoreBatchResponse(responses=await self._score(list(request.requests)))

        return await guarded(context, body)

    async def ModelInfo(  # noqa: N802
        self, request: scoring_pb2.ModelInfoRequest, context: grpc.aio.ServicerContext
    ) -> scoring_pb2.ModelInfoResponse:
        async def body() -> scoring_pb2.ModelInfoResponse:
            bundle = self._holder.current
            trees, leaves = bundle.size
            return scoring_pb2.ModelInfoResponse(
                model=model_ref(bundle),
                model_uri=str(self._holder.model_uri),
                threshold=bundle.threshold,
                cost_false_negative=bundle.cost_fn,
                cost_false_positive=bundle.cost_fp,
                features=list(bundle.features),
                trees=trees,
                leaves=leaves,
                loaded_at=bundle.loaded_at,
                lending_policy=bundle.policy.to_json() if bundle.policy is not None else "",
            )

        return await guarded(context, body)
