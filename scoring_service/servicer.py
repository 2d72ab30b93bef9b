"""Scoring servicer: converts protobuf ↔ domain; the logic is the model bundle's.

Limits (`serving_base.limits`), checked before any work and refused with INVALID_ARGUMENT naming the
limit: a batch holds 1 to 1,000 requests, and no more than fit one gRPC message (4 MiB) answered,
bounded by `largest_answer` (some 550 bytes a row: 7,600 would fit, so the 1,000 cap is the limit); a
request id holds at most 128 bytes; every feature value is NaN (missing) or finite within ±1e15. A
packed row read for another model version or feature service is FAILED_PRECONDITION; one of the
served version with another number of values is INVALID_ARGUMENT, naming both counts.
"""

from __future__ import annotations

import grpc

from credit_features.online import OnlineFeatures
from protos.credit.v1 import scoring_pb2, scoring_pb2_grpc
from serving_base.bundle import ModelBundle
from serving_base.grpc_support import (
    WRITTEN,
    decision_fields,
    guarded,
    largest_decision_fields,
    model_ref,
    request_id,
)
from serving_base.holder import ModelHolder
from serving_base.limits import MAX_REQUEST_ID_BYTES, answer_rows, check_answer_size, element_bytes
from serving_base.requests import check_requests, request_matrix


def largest_answer(bundle: ModelBundle) -> scoring_pb2.ScoreResponse:
    """The largest answer a row scored by `bundle` can have (the longest request id a request may
    carry, a negative client id at its 10 bytes, every double written, every policy rule): its size
    bounds any real answer's."""
    return scoring_pb2.ScoreResponse(
        request_id="x" * MAX_REQUEST_ID_BYTES,
        client_id=-1,
        probability=WRITTEN,
        threshold=WRITTEN,
        model=model_ref(bundle),
        **largest_decision_fields(bundle),
    )


class ScoringServicer(scoring_pb2_grpc.ScoringServicer):
    """Score, ScoreBatch and ModelInfo over the holder's current bundle."""

    def __init__(self, holder: ModelHolder[ModelBundle], online: OnlineFeatures) -> None:
        self._holder = holder
        self._online = online
        self._row_bytes: tuple[ModelBundle, int] | None = None  # of the last bundle served

    def row_bytes(self, bundle: ModelBundle) -> int:
        """The bound of an answer row's bytes in ScoreBatch for `bundle`, computed once per bundle."""
        if self._row_bytes is None or self._row_bytes[0] is not bundle:
            self._row_bytes = (bundle, element_bytes(largest_answer(bundle)))
        return self._row_bytes[1]

    async def _score(self, requests: list[scoring_pb2.ScoreRequest]) -> list[scoring_pb2.ScoreResponse]:
        check_requests(requests)
        bundle = self._holder.current
        row_bytes = self.row_bytes(bundle)
        check_answer_size(
            row_bytes * len(requests), len(requests), lambda: f"{answer_rows(row_bytes):,} rows"
        )
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
