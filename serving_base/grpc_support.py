"""What both gRPC servicers share: proto ↔ Python conversion and bad request → status code mapping.

Two guards: `RequestDecoding` refuses request bytes that are not the method's message, before any
handler runs; `guarded` maps the domain errors a handler raises to their status codes.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, get_args

import grpc
import numpy as np

from credit_features.errors import FeatureStoreUnavailableError, UnknownClientError
from credit_model.lending_policy import Rule
from protos.credit.v1 import scoring_pb2
from serving_base.bundle import ModelBundle
from serving_base.errors import FeatureRowMismatchError, InvalidRequestError, ModelNotReadyError

log = logging.getLogger(__name__)
Reply = TypeVar("Reply")

#: Each domain error, its subclasses included, and its status code.
_STATUS: dict[type[Exception], grpc.StatusCode] = {
    InvalidRequestError: grpc.StatusCode.INVALID_ARGUMENT,
    FeatureRowMismatchError: grpc.StatusCode.FAILED_PRECONDITION,
    UnknownClientError: grpc.StatusCode.NOT_FOUND,
    ModelNotReadyError: grpc.StatusCode.UNAVAILABLE,
    FeatureStoreUnavailableError: grpc.StatusCode.UNAVAILABLE,
}


def request_id(request: scoring_pb2.ScoreRequest) -> str:
    """The caller's request id, or a fresh one."""
    return request.request_id or uuid.uuid4().hex


def model_ref(bundle: ModelBundle) -> scoring_pb2.ModelRef:
    return scoring_pb2.ModelRef(
        name=bundle.name, version=bundle.version, feature_service=bundle.feature_service
    )


OUTCOMES = {
    "granted": scoring_pb2.DECISION_GRANTED,
    "refused": scoring_pb2.DECISION_REFUSED,
    "referred": scoring_pb2.DECISION_REFERRED,
}


def decision_fields(bundle: ModelBundle, row: np.ndarray, probability: float) -> dict[str, Any]:
    """The decision of a row through the version's lending policy, as fields of Score's and Explain's
    answers: `decision`, `policy_reasons` and `policy_version`."""
    decided = bundle.policy_decision(row, probability)
    return {
        "decision": OUTCOMES[decided.outcome],
        "policy_reasons": [
            scoring_pb2.PolicyReason(
                rule=reason.rule,
                outcome=OUTCOMES[reason.outcome],
                value=reason.value,
                bound=reason.bound,
                fields=list(reason.fields),
            )
            for reason in decided.reasons
        ],
        "policy_version": bundle.policy.version if bundle.policy is not None else "",
    }


#: A double that is written: any but 0 takes its 8 bytes (proto3 leaves 0 out).
WRITTEN = 1.0


def largest_decision_fields(bundle: ModelBundle) -> dict[str, Any]:
    """`decision_fields` at their largest for the version, to bound the size of an answer: a reason for
    every rule there is (a decision gives each at most once; the knock-outs, the missing information
    and the score never all at once), each with its value and bound, and every field the policy requires
    listed as missing."""
    required = [r.field for r in bundle.policy.required] if bundle.policy is not None else []
    outcome = max(OUTCOMES.values())
    return {
        "decision": outcome,
        "policy_reasons": [
            scoring_pb2.PolicyReason(
                rule=rule, outcome=outcome, value=WRITTEN, bound=WRITTEN, fields=required if i == 0 else []
            )
            for i, rule in enumerate(get_args(Rule))
        ],
        "policy_version": bundle.policy.version if bundle.policy is not None else "",
    }


async def guarded(context: grpc.aio.ServicerContext, call: Callable[[], Awaitable[Reply]]) -> Reply:
    """Run a handler body; domain errors become their status code, anything else INTERNAL (logged)."""
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline expired before the call started")
    try:
        return await call()
    except tuple(_STATUS) as error:
        code = next(code for kind, code in _STATUS.items() if isinstance(error, kind))
        await context.abort(code, str(error))
    except Exception:
        log.exception("unhandled error in handler")
        await context.abort(grpc.StatusCode.INTERNAL, "internal error; see the service logs")
    raise AssertionError("unreachable: context.abort raises")


@dataclass(frozen=True)
class _Undecodable:
    """Handed over instead of a request whose bytes are not the method's message: why they are not."""

    reason: str


def _tolerant(deserializer: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """The method's deserializer, returning `_Undecodable` where it raises."""

    def deserialize(raw: bytes) -> Any:
        try:
            return deserializer(raw)
        except Exception as error:  # whatever the deserializer rejects, the fault is in the bytes sent
            return _Undecodable(str(error))

    return deserialize


def _refusing(method: str, behaviour: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """The method's handler, answering INVALID_ARGUMENT for undecodable bytes without running."""

    async def handle(request: Any, context: grpc.aio.ServicerContext) -> Any:
        if isinstance(request, _Undecodable):
            log.info("undecodable request refused", extra={"method": method})
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"the request is not a valid protobuf message for {method}: {request.reason}",
            )
        return await behaviour(request, context)

    return handle


class RequestDecoding(grpc.aio.ServerInterceptor):
    """Request bytes that are not the method's message are refused with INVALID_ARGUMENT, for every
    method of the server (its services, health), naming the method and what is wrong.

    Left alone, gRPC answers UNKNOWN ("Unexpected DecodeError") when a request deserializer raises:
    the caller cannot tell its own bad bytes from a fault of the server. Methods whose requests
    stream (reflection's) keep gRPC's own handling, as would handlers that are not coroutines (the
    platform registers none).
    """

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None or handler.request_streaming or handler.request_deserializer is None:
            return handler
        kind = "unary_stream" if handler.response_streaming else "unary_unary"
        behaviour = getattr(handler, kind)
        if not inspect.iscoroutinefunction(behaviour):
            return handler
        return handler._replace(  # gRPC's method handlers are named tuples
            request_deserializer=_tolerant(handler.request_deserializer),
            **{kind: _refusing(handler_call_details.method, behaviour)},
        )
