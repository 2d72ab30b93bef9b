"""Hardening of the gRPC services: every bad request is refused with its own status code and a message
naming the problem, never INTERNAL or UNKNOWN, whatever bytes arrive; the platform's channels are back
within a second of a restarted service serving again, and keep idle connections checked."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.protobuf import struct_pb2
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2

from protos.credit.v1 import scoring_pb2, scoring_pb2_grpc
from serving_base.channels import KEEPALIVE_TIME_MS, open_channel
from serving_base.messages import feature_row, score_request

from .conftest import Service, free_port, start_server
from .test_services import run

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCORE = ("scoring", "/credit.v1.Scoring/Score")
SCORE_BATCH = ("scoring", "/credit.v1.Scoring/ScoreBatch")
MODEL_INFO = ("scoring", "/credit.v1.Scoring/ModelInfo")
EXPLAIN = ("explain", "/credit.v1.Explainer/Explain")
EXPLAIN_BATCH = ("explain", "/credit.v1.Explainer/ExplainBatch")
HEALTH = "/grpc.health.v1.Health/Check"
SINGLE = (SCORE, EXPLAIN)
BATCH = (SCORE_BATCH, EXPLAIN_BATCH)
EVERY_METHOD = (*SINGLE, *BATCH, MODEL_INFO, ("scoring", HEALTH), ("explain", HEALTH))
BATCH_METHODS = {method for _, method in BATCH}

Payload = bytes | Message


@dataclass(frozen=True)
class BadRequest:
    """A request a service must refuse: what is sent to which methods, and what must come back."""

    name: str
    methods: tuple[tuple[str, str], ...]
    payload: Callable[[scoring_pb2.ModelInfoResponse], Payload]
    code: grpc.StatusCode
    named: str  # a part of the message; {method} stands for the method called


def named_zeros(
    model: scoring_pb2.ModelInfoResponse, changed: dict[int, object] | None = None
) -> dict[str, object]:
    """Every feature of the served model by name at 0, but those `changed` (by position)."""
    values: dict[str, object] = dict.fromkeys(model.features, 0.0)
    for position, value in (changed or {}).items():
        values[model.features[position]] = value
    return values


def with_list_value(model: scoring_pb2.ModelInfoResponse) -> scoring_pb2.ScoreRequest:
    """Every feature at 0 but the first one, a list: a protobuf Value that is not a number."""
    request = score_request(features=named_zeros(model))
    request.features.values[model.features[0]].list_value.CopyFrom(struct_pb2.ListValue())
    return request


def infinite_row(model: scoring_pb2.ModelInfoResponse) -> scoring_pb2.ScoreRequest:
    """A packed row stamped for the served version, its first value infinite."""
    values = [math.inf] + [0.0] * (len(model.features) - 1)
    return score_request(row=feature_row(values, model.model.feature_service, model.model.version))


CASES = [
    BadRequest(
        "corrupt-bytes",
        EVERY_METHOD,
        lambda _: b"\xff\xff\xff\xff",
        grpc.StatusCode.INVALID_ARGUMENT,
        "not a valid protobuf message for {method}",
    ),
    BadRequest(
        "truncated-message",
        SINGLE,
        lambda _: scoring_pb2.ScoreRequest(request_id="abcdef").SerializeToString()[:-1],
        grpc.StatusCode.INVALID_ARGUMENT,
        "not a valid protobuf message for {method}",
    ),
    BadRequest(
        "bad-utf8-request-id",
        SINGLE,
        lambda _: b"\x0a\x02\xff\xfe",  # field 1 (request_id, a string): two bytes that are not UTF-8
        grpc.StatusCode.INVALID_ARGUMENT,
        "not a valid protobuf message for {method}",
    ),
    BadRequest(
        "empty-batch",
        BATCH,
        lambda _: scoring_pb2.ScoreBatchRequest(),
        grpc.StatusCode.INVALID_ARGUMENT,
        "the batch holds no request",
    ),
    BadRequest(
        "batch-over-the-limit",
        BATCH,
        lambda _: scoring_pb2.ScoreBatchRequest(requests=[scoring_pb2.ScoreRequest(client_id=1)] * 1001),
        grpc.StatusCode.INVALID_ARGUMENT,
        "batch of 1001 rows exceeds the limit of 1000",
    ),
    BadRequest(
        "no-subject",
        (*SINGLE, *BATCH),
        lambda _: scoring_pb2.ScoreRequest(request_id="r-1"),
        grpc.StatusCode.INVALID_ARGUMENT,
        "give a client_id, a row or features",
    ),
    BadRequest(
        "empty-bytes",
        SINGLE,
        lambda _: b"",  # a valid encoding of the empty message: a request with no subject
        grpc.StatusCode.INVALID_ARGUMENT,
        "give a client_id, a row or features",
    ),
    BadRequest(
        "unknown-client",
        (*SINGLE, *BATCH),
        lambda _: scoring_pb2.ScoreRequest(client_id=1),
        grpc.StatusCode.NOT_FOUND,
        "unknown client 1",
    ),
    BadRequest(
        "no-feature-given",
        (*SINGLE, *BATCH),
        lambda _: score_request(features={}),
        grpc.StatusCode.INVALID_ARGUMENT,
        "missing feature(s)",
    ),
    BadRequest(
        "unknown-feature",
        (*SINGLE, *BATCH),
        lambda model: score_request(features={**named_zeros(model), "NOPE": 1.0}),
        grpc.StatusCode.INVALID_ARGUMENT,
        "unknown feature(s): NOPE",
    ),
    BadRequest(
        "text-feature",
        (*SINGLE, *BATCH),
        lambda model: score_request(features=named_zeros(model, {2: "abc"})),
        grpc.StatusCode.INVALID_ARGUMENT,
        "is not a number",
    ),
    BadRequest(
        "list-feature",
        (*SINGLE, *BATCH),
        with_list_value,
        grpc.StatusCode.INVALID_ARGUMENT,
        "is not a number",
    ),
    BadRequest(
        "infinite-feature",
        (*SINGLE, *BATCH),
        lambda model: score_request(features=named_zeros(model, {1: -math.inf})),
        grpc.StatusCode.INVALID_ARGUMENT,
        "is infinite",
    ),
    BadRequest(
        "infinite-packed-value",
        (*SINGLE, *BATCH),
        infinite_row,
        grpc.StatusCode.INVALID_ARGUMENT,
        "is infinite",
    ),
    BadRequest(
        "negative-top-each-way",
        (EXPLAIN, EXPLAIN_BATCH),
        # top_each_way is a uint32: a client's -1 arrives as 2**32 - 1.
        lambda model: score_request(features=named_zeros(model), top_each_way=2**32 - 1),
        grpc.StatusCode.INVALID_ARGUMENT,
        "top_each_way 4294967295",
    ),
]


def wire(method: str, payload: Payload) -> bytes:
    """The bytes sent: raw bytes as they are, a single request wrapped in a batch for batch methods."""
    if isinstance(payload, bytes):
        return payload
    if method in BATCH_METHODS and isinstance(payload, scoring_pb2.ScoreRequest):
        payload = scoring_pb2.ScoreBatchRequest(requests=[payload])
    return payload.SerializeToString()


@pytest.fixture(scope="module")
def channels(scoring_server: Service, explain_server: Service) -> Iterator[dict[str, grpc.Channel]]:
    opened = {
        "scoring": grpc.insecure_channel(scoring_server.target),
        "explain": grpc.insecure_channel(explain_server.target),
    }
    yield opened
    for channel in opened.values():
        channel.close()


@pytest.fixture(scope="module")
def model(channels: dict[str, grpc.Channel]) -> scoring_pb2.ModelInfoResponse:
    """What the scoring service serves: its features and the version packed rows are stamped with."""
    return scoring_pb2_grpc.ScoringStub(channels["scoring"]).ModelInfo(
        scoring_pb2.ModelInfoRequest(), timeout=10
    )


@pytest.mark.parametrize(
    ("case", "server", "method"),
    [
        pytest.param(case, server, method, id=f"{case.name}-{server}-{method.rsplit('/', 1)[1]}")
        for case in CASES
        for server, method in case.methods
    ],
)
def test_a_bad_request_gets_its_status_and_a_message_naming_the_problem(
    channels: dict[str, grpc.Channel],
    model: scoring_pb2.ModelInfoResponse,
    case: BadRequest,
    server: str,
    method: str,
) -> None:
    # given a bad request as bytes on the wire
    payload = wire(method, case.payload(model))
    # when it is sent raw (no serializer on either side: the bytes go as they are)
    with pytest.raises(grpc.RpcError) as caught:
        channels[server].unary_unary(method)(payload, timeout=10)
    # then it is refused with its status code and a message that names the problem
    code, details = caught.value.code(), caught.value.details() or ""
    named = case.named.format(method=method)
    assert code == case.code, f"{method} answered {code} {details!r}, expected {case.code}"
    assert named in details, f"{method}: the message must name the problem ({named!r}): {details!r}"


def start_scoring(port: int, folder: Path, registry: Service) -> Service:
    """A scoring service on `port`: start_server picks a free port, and a later --port flag wins."""
    service = start_server(
        "scoring_service", folder, "--port", str(port), env={"MLFLOW_TRACKING_URI": registry.url}
    )
    return dataclasses.replace(service, port=port)


def wait_serving(service: Service, timeout: float = 120.0) -> float:
    """When `service` first reports SERVING, polled every 50 ms, each time on a fresh channel."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert service.process.poll() is None, f"the service died:\n{service.log.read_text()[-2000:]}"
        try:
            if service.health(timeout=1) == health_pb2.HealthCheckResponse.SERVING:
                return time.monotonic()
        except grpc.RpcError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{service.target} not SERVING after {timeout} s")


async def first_success(call: grpc.aio.UnaryUnaryMultiCallable, timeout: float = 60.0) -> float:
    """When `call` first succeeds, tried every 50 ms (each try fails at once while disconnected)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            await call(b"", timeout=1)
            return time.monotonic()
        except grpc.aio.AioRpcError:
            await asyncio.sleep(0.05)
    raise TimeoutError(f"no successful call within {timeout} s")


def test_a_channel_is_back_within_2_s_of_its_restarted_service_serving(
    mlflow_server: Service, tmp_path: Path
) -> None:
    # given a scoring service of its own on a fixed port, and a channel that has made a call
    port = free_port()
    services = [start_scoring(port, tmp_path / "first", mlflow_server)]

    async def recovery() -> float:
        async with open_channel(f"127.0.0.1:{port}") as channel:
            model_info = channel.unary_unary(MODEL_INFO[1])
            await asyncio.to_thread(wait_serving, services[0])
            await model_info(b"", timeout=5)
            # when the service is killed, calls fail (the channel starts reconnecting, backing off)
            services[0].process.kill()
            services[0].process.wait()
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await model_info(b"", timeout=5)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE, "a dead service is UNAVAILABLE"
            # and it is restarted on the same port until it reports SERVING
            services.append(start_scoring(port, tmp_path / "second", mlflow_server))
            serving = await asyncio.to_thread(wait_serving, services[1])
            return await first_success(model_info) - serving

    try:
        delay = run(recovery())
    finally:
        for service in services:
            service.stop()
    # then a call on the original channel succeeds within 2 s of SERVING
    assert delay <= 2.0, f"the original channel came back {delay:.2f} s after the service was SERVING"


def test_an_idle_channel_keeps_its_connection_through_keepalive_pings(scoring_server: Service) -> None:
    # given a channel that has made a call
    async def state_when_idle() -> grpc.ChannelConnectivity:
        async with open_channel(scoring_server.target) as channel:
            await channel.unary_unary(MODEL_INFO[1])(b"", timeout=5)
            # when it sits idle through three keepalive pings and a half
            await asyncio.sleep(3.5 * KEEPALIVE_TIME_MS / 1000)
            return channel.get_state()

    # then the service accepted the pings: a refusal is a GOAWAY (too_many_pings) and leaves it IDLE
    state = run(state_when_idle())
    assert state == grpc.ChannelConnectivity.READY, f"the idle connection was dropped: {state}"
