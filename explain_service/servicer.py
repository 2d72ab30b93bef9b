"""Explainer servicer: converts protobuf ↔ domain; SHAP lives in explainer.py.

Each row's explanation is looked up in the explanation store first (same version, same row, same
number of reasons: the stored answer is exact), computed only when absent, then stored.

Limits (`serving_base.limits`), checked before any work (no store read, no SHAP) and refused with
INVALID_ARGUMENT naming the limit: a batch holds 1 to 1,000 requests, and no more than fit one gRPC
message (4 MiB) answered. An answer row's size depends on the reasons asked, so ExplainBatch's limit
does too: the service bounds each row by the largest answer its model can give
(`responses.largest_body`). For the 421 features of the platform's model that is some 27 kB a row
listing every contribution (`top_each_way` 0): 152 rows a batch; 3 each way (the gateway's): about
4 kB, 1,000 rows. A request id holds at most 128 bytes; `top_each_way` at most the model's feature
count; every feature value is NaN (missing) or finite within ±1e15. A packed row read for another
model version or feature service is FAILED_PRECONDITION; one of the served version with another
number of values is INVALID_ARGUMENT, naming both counts.
"""

from __future__ import annotations

import asyncio

import grpc
import numpy as np

from credit_features.online import OnlineFeatures
from explain_service.explainer import ShapExplainer
from explain_service.responses import AnswerSizes, explanation_body
from explain_service.warm_up import explain_population
from protos.credit.v1 import explain_pb2, explain_pb2_grpc, scoring_pb2
from serving_base.explanation_store import ExplanationStore, explanation_keys
from serving_base.grpc_support import guarded, request_id
from serving_base.holder import ModelHolder
from serving_base.requests import check_requests, reasons_each_way, request_matrix


class ExplainerServicer(explain_pb2_grpc.ExplainerServicer):
    """Explain and ExplainBatch over the holder's current explainer and the explanation store.

    After every swap, the store records the version now served for the holder's model URI (the
    gateway reuses stored answers of that version only), the known population is explained in the
    background for it (`warm_each_way` reasons each way, the gateway's), and the entries of versions
    no longer served are dropped.
    """

    def __init__(
        self,
        holder: ModelHolder[ShapExplainer],
        online: OnlineFeatures,
        store: ExplanationStore | None = None,
        warm_each_way: int | None = None,
    ) -> None:
        self._holder = holder
        self._online = online
        self._store = store
        self._warming: asyncio.Task[None] | None = None
        self._sizes: AnswerSizes | None = None  # of the last explainer served
        if store is not None:

            async def swapped(explainer: ShapExplainer) -> None:
                await store.mark_served(str(holder.model_uri), explainer.bundle)
                if warm_each_way is None:
                    return
                if self._warming is not None:
                    self._warming.cancel()  # a newer version replaces the one being prepared
                self._warming = asyncio.create_task(
                    explain_population(explainer, online, store, warm_each_way)
                )

            holder.add_listener(swapped)

    def answer_sizes(self, explainer: ShapExplainer) -> AnswerSizes:
        """The bounds of `explainer`'s answer rows, kept while it is served."""
        if self._sizes is None or self._sizes.explainer is not explainer:
            self._sizes = AnswerSizes(explainer)
        return self._sizes

    async def _explain(self, requests: list[scoring_pb2.ScoreRequest]) -> list[explain_pb2.ExplainResponse]:
        check_requests(requests)
        explainer = self._holder.current
        each_way = reasons_each_way(explainer.bundle, requests)
        self.answer_sizes(explainer).check(each_way)
        matrix = await request_matrix(explainer.bundle, self._online, requests)
        bodies = await self._bodies(explainer, each_way, matrix)
        for request, body in zip(requests, bodies, strict=True):
            body.request_id = request_id(request)
            body.client_id = request.client_id
        return bodies

    async def _bodies(
        self, explainer: ShapExplainer, each_way: list[int], matrix: np.ndarray
    ) -> list[explain_pb2.ExplainResponse]:
        """Each row's answer: from the store when there, computed (then stored) when not."""
        if self._store is None:
            return [
                explanation_body(explainer, ways, explanation)
                for ways, explanation in zip(each_way, explainer.explain(matrix), strict=True)
            ]
        keys = explanation_keys(explainer.bundle.name, explainer.bundle.version, each_way, matrix)
        bodies = await self._store.get(keys)
        absent = [i for i, body in enumerate(bodies) if body is None]
        if absent:
            computed = {
                i: explanation_body(explainer, each_way[i], explanation)
                for i, explanation in zip(absent, explainer.explain(matrix[absent]), strict=True)
            }
            await self._store.put({keys[i]: body for i, body in computed.items()})
            bodies = [computed.get(i, body) for i, body in enumerate(bodies)]
        return bodies  # type: ignore[return-value]  (every None was replaced)

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
