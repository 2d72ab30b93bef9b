"""Request bytes that are not the method's message are an INVALID_ARGUMENT naming the method, on a real
gRPC server over a socket with the services' interceptor and options (its health service: one method
answers once, one streams)."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2

from serving_base.channels import SERVER_OPTIONS, open_channel
from serving_base.grpc_support import RequestDecoding

from .health_server import health_server
from .test_explanation_store import run

pytestmark = pytest.mark.unit

CHECK, WATCH = "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"


async def call_health(method: str, payload: bytes) -> bytes:
    """The first answer of a raw call (bytes as they are) to a SERVING health service."""
    async with (
        health_server(SERVER_OPTIONS, [RequestDecoding()]) as target,
        open_channel(target) as channel,
    ):
        if method == WATCH:
            async for answer in channel.unary_stream(method)(payload, timeout=5):
                return answer
        return await channel.unary_unary(method)(payload, timeout=5)


@pytest.mark.parametrize("method", [CHECK, WATCH])
def test_corrupt_bytes_are_an_invalid_argument_naming_the_method(method: str) -> None:
    # given bytes that are no protobuf message (a varint that never ends)
    corrupt = b"\xff\xff\xff\xff"
    # when they are sent to the method
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        run(call_health(method, corrupt))
    # then the call is refused as the caller's fault, and the message says where and why
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.code()
    details = caught.value.details() or ""
    assert f"not a valid protobuf message for {method}" in details, details
    assert "Wire format was corrupt" in details, f"the parser's reason is given: {details}"


@pytest.mark.parametrize("method", [CHECK, WATCH])
def test_a_valid_request_is_answered_as_before(method: str) -> None:
    # given a valid health request
    request = health_pb2.HealthCheckRequest(service="").SerializeToString()
    # when it is sent through the same interceptor
    answer = health_pb2.HealthCheckResponse.FromString(run(call_health(method, request)))
    # then the handler answers it
    assert answer.status == health_pb2.HealthCheckResponse.SERVING, answer
