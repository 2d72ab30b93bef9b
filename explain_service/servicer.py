"""Explainer servicer: converts protobuf ↔ domain; SHAP lives in explainer.py."""

from __future__ import annotations

import math

import grpc

from credit_features.online import OnlineFeatures
from explain_service.explainer import Explanation, TreeExplainer
from protos.credit.v1 import explain_pb2, explain_pb2_grpc, scoring_pb2
from serving_base.grpc_support import decision, guarded, model_ref, request_id
from serving_base.holder import ModelHolder
from serving_base.requests import request_matrix


def _response(
    explainer: TreeExplainer, request: scoring_pb2.ScoreRequest, explanation: Explanation
) -> explain_pb2.ExplainResponse:
    bundle = explainer.bundle
    listed = explanation.by_impact(request.top_each_way)
    omitted = float(explanation.contributions.sum() - explanation.contributions[listed].sum())
    return explain_pb2.ExplainResponse(
        request_id=request_id(request),
        client_id=request.client_id,
        base_value=explanation.base_value,
        raw_score=explanation.raw_score,
        probability=explanation.probability,
        decision=decision(bundle, explanation.probability),
        threshold=bundle.threshold,
        model=model_ref(bundle),
        contributions=[
            explain_pb2.Contribution(
                feature=explanation.features[i],
                value=float(explanation.values[i]),
                missing=math.isnan(explanation.values[i]),
                shap=float(explanation.contributions[i]),
            )
            for i in listed
        ],
        omitted_shap=omitted if len(listed) < len(explanation.features) else 0.0,
        omitted=len(explanation.features) - len(listed),
    )


class ExplainerServicer(explain_pb2_grpc.ExplainerServicer):
    """Explain and ExplainBatch over the holder's current explainer."""

    def __init__(self, holder: ModelHolder[TreeExplainer], online: OnlineFeatures) -> None:
        self._holder = holder
        self._online = online

    async def _explain(self, requests: list[scoring_pb2.ScoreRequest]) -> list[explain_pb2.ExplainResponse]:
        explainer = self._holder.current
        matrix = await request_matrix(explainer.bundle, self._online, requests)
        return [
            _response(explainer, request, explanation)
            for request, explanation in zip(requests, explainer.explain(matrix), strict=True)
        ]

    async def Explain(  # noqa: N802 (gRPC method name)
        self, request: scoring_pb2.ScoreRequest, context: grpc.aio.ServicerContext
    ) -> explain_pb2.ExplainResponse:
        async def body() -> explain_pb2.ExplainResponse:
            return (await self._explain([request]))[0]

        return await guarded(context, body)

    async def ExplainBatch(  # noqa: N802
        self, request: scoring_pb2.ScoreBatchRequest, context: grpc.aio.ServicerContext
    ) -> explain_pb2.ExplainBatchResponse:
        async def body() -> explain_pb2.ExplainBatchResponse:
            return explain_pb2.ExplainBatchResponse(responses=await self._explain(list(request.requests)))

        return await guarded(context, body)
