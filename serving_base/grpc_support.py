"""What both gRPC servicers share: proto ↔ Python conversion and domain error → status code mapping."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc

from credit_features.errors import FeatureStoreUnavailableError, UnknownClientError
from protos.credit.v1 import scoring_pb2
from serving_base.bundle import ModelBundle
from serving_base.errors import FeatureRowMismatchError, InvalidFeaturesError, ModelNotReadyError

log = logging.getLogger(__name__)
Reply = TypeVar("Reply")

_STATUS = {
    InvalidFeaturesError: grpc.StatusCode.INVALID_ARGUMENT,
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


def decision(bundle: ModelBundle, probability: float) -> int:
    return scoring_pb2.DECISION_REFUSED if bundle.decide(probability) else scoring_pb2.DECISION_GRANTED


async def guarded(context: grpc.aio.ServicerContext, call: Callable[[], Awaitable[Reply]]) -> Reply:
    """Run a handler body; domain errors become their status code, anything else INTERNAL (logged)."""
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline expired before the call started")
    try:
        return await call()
    except tuple(_STATUS) as error:
        await context.abort(_STATUS[type(error)], str(error))
    except Exception:
        log.exception("unhandled error in handler")
        await context.abort(grpc.StatusCode.INTERNAL, "internal error; see the service logs")
    raise AssertionError("unreachable: context.abort raises")
