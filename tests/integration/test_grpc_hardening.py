"""Hardening of the gRPC services: every bad request is refused with its own status code and a message
naming the problem, never INTERNAL or UNKNOWN, whatever bytes arrive; a batch whose answer could not
fit a gRPC message is refused before any work, and the largest one allowed answers; the platform's
channels are back within a second of a restarted service serving again, and keep idle connections
checked."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.protobuf import struct_pb2
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2

from credit_features.online import open_online_features
from protos.credit.v1 import explain_pb2, explain_pb2_grpc, scoring_pb2, scoring_pb2_grpc
from serving_base.channels import open_channel
from serving_base.limits import MAX_BATCH, MAX_REQUEST_ID_BYTES, MESSAGE_BYTES
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
    # A part of the message: {method} stands for the method called, {version} and {service} for the
    # version served and its feature service, {count} for its number of features ({count_less_one},
    # {count_plus_one}) and {names} for their names (in the model's order).
    named: str


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


def packed(
    model: scoring_pb2.ModelInfoResponse,
    changed: dict[int, float] | None = None,
    count: int | None = None,
    version: str | None = None,
) -> scoring_pb2.ScoreRequest:
    """A packed row of `count` values (the model's feature count) at 0 but those `changed` (by
    position), stamped for the served version and feature service or for `version`."""
    values = [0.0] * (len(model.features) if count is None else count)
    for position, value in (changed or {}).items():
        values[position] = value
    stamp = model.model.version if version is None else version
    return score_request(row=feature_row(values, model.model.feature_service, stamp))


def infinite_row(model: scoring_pb2.ModelInfoResponse) -> scoring_pb2.ScoreRequest:
    """A packed row stamped for the served version, its first value infinite."""
    return packed(model, {0: math.inf})


BEYOND = "a feature value must be finite and within ±1e+15 (NaN marks a missing value)"


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
        "request 0: feature {names[1]} is infinite; " + BEYOND,
    ),
    BadRequest(
        "infinite-packed-value",
        (*SINGLE, *BATCH),
        infinite_row,
        grpc.StatusCode.INVALID_ARGUMENT,
        "request 0: feature {names[0]} is infinite; " + BEYOND,
    ),
    BadRequest(
        "1e308-packed-value",
        (*SINGLE, *BATCH),
        lambda model: packed(model, {2: 1e308}),
        grpc.StatusCode.INVALID_ARGUMENT,
        "request 0: feature {names[2]} is 1e+308; " + BEYOND,
    ),
    BadRequest(
        "1e308-feature",
        (*SINGLE, *BATCH),
        lambda model: score_request(features=named_zeros(model, {3: 1e308})),
        grpc.StatusCode.INVALID_ARGUMENT,
        "request 0: feature {names[3]} is 1e+308; " + BEYOND,
    ),
    BadRequest(
        "minus-2e15-packed-value",
        (*SINGLE, *BATCH),
        lambda model: packed(model, {5: -2e15}),
        grpc.StatusCode.INVALID_ARGUMENT,
        "request 0: feature {names[5]} is -2e+15; " + BEYOND,
    ),
    BadRequest(
        "minus-2e15-feature",
        (*SINGLE, *BATCH),
        lambda model: score_request(features=named_zeros(model, {4: -2e15})),
        grpc.StatusCode.INVALID_ARGUMENT,
        "request 0: feature {names[4]} is -2e+15; " + BEYOND,
    ),
    BadRequest(
        "one-value-too-few",
        (*SINGLE, *BATCH),
        lambda model: packed(model, count=len(model.features) - 1),
        grpc.StatusCode.INVALID_ARGUMENT,
        "request 0: {count_less_one} feature values given; model version {version} ({service}) takes {count}",
    ),
    BadRequest(
        "one-value-too-many",
        (*SINGLE, *BATCH),
        lambda model: packed(model, count=len(model.features) + 1),
        grpc.StatusCode.INVALID_ARGUMENT,
        "request 0: {count_plus_one} feature values given; model version {version} ({service}) takes {count}",
    ),
    BadRequest(
        # Read for another version, the row's length says nothing: the caller must re-read the model.
        "another-version-and-length",
        (*SINGLE, *BATCH),
        lambda model: packed(model, count=len(model.features) - 1, version="999"),
        grpc.StatusCode.FAILED_PRECONDITION,
        "features were read for model version '999'",
    ),
    BadRequest(
        "request-id-over-the-limit",
        (*SINGLE, *BATCH),
        lambda model: score_request(
            features=named_zeros(model), request_id="é" * (MAX_REQUEST_ID_BYTES // 2 + 1)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        f"request 0: a request_id of {MAX_REQUEST_ID_BYTES + 2} bytes exceeds the limit of "
        f"{MAX_REQUEST_ID_BYTES} bytes",
    ),
    BadRequest(
        # The batch an outside test sent: 1,000 rows answered with every contribution (some 27 MB).
        "explain-batch-answer-over-a-message",
        (EXPLAIN_BATCH,),
        lambda model: scoring_pb2.ScoreBatchRequest(requests=[packed(model)] * MAX_BATCH),
        grpc.StatusCode.INVALID_ARGUMENT,
        f"over the {MESSAGE_BYTES:,}-byte limit of a gRPC message; a batch holds at most ",
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
    named = case.named.format(
        method=method,
        version=model.model.version,
        service=model.model.feature_service,
        count=len(model.features),
        count_less_one=len(model.features) - 1,
        count_plus_one=len(model.features) + 1,
        names=list(model.features),
    )
    assert code == case.code, f"{method} answered {code} {details!r}, expected {case.code}"
    assert named in details, f"{method}: the message must name the problem ({named!r}): {details!r}"


def probability_of(method: str, answer: bytes) -> float:
    """The probability an answer of `method` (its raw bytes) gives its first row."""
    kind = {
        SCORE[1]: scoring_pb2.ScoreResponse,
        SCORE_BATCH[1]: scoring_pb2.ScoreBatchResponse,
        EXPLAIN[1]: explain_pb2.ExplainResponse,
        EXPLAIN_BATCH[1]: explain_pb2.ExplainBatchResponse,
    }[method]
    message = kind.FromString(answer)
    return (message.responses[0] if method in BATCH_METHODS else message).probability


def with_nan_numbers(model: scoring_pb2.ModelInfoResponse) -> scoring_pb2.ScoreRequest:
    """Features by name: the first null, the second a NaN number, the next two at ±1e15, the rest 0."""
    request = score_request(features=named_zeros(model, {0: None, 2: 1e15, 3: -1e15}))
    request.features.values[model.features[1]].number_value = math.nan
    return request


@pytest.mark.parametrize(
    "request_of",
    [
        pytest.param(lambda model: packed(model, {0: math.nan, 1: 1e15, 2: -1e15}), id="packed"),
        pytest.param(
            lambda model: packed(model, dict.fromkeys(range(len(model.features)), math.nan)), id="all-nan"
        ),
        pytest.param(with_nan_numbers, id="named"),
    ],
)
@pytest.mark.parametrize(("server", "method"), [*SINGLE, *BATCH], ids=lambda v: v.rsplit("/", 1)[-1])
def test_missing_values_and_values_at_the_bound_are_served(
    channels: dict[str, grpc.Channel],
    model: scoring_pb2.ModelInfoResponse,
    request_of: Callable[[scoring_pb2.ModelInfoResponse], scoring_pb2.ScoreRequest],
    server: str,
    method: str,
) -> None:
    # given a request holding NaN (a missing value) and values at ±1e15, the bound on a magnitude
    payload = wire(method, request_of(model))
    # when it is sent
    answer = channels[server].unary_unary(method)(payload, timeout=10)
    # then it is served
    assert 0.0 < probability_of(method, answer) < 1.0


def test_every_known_clients_features_are_within_the_bounds(
    channels: dict[str, grpc.Channel], model: scoring_pb2.ModelInfoResponse
) -> None:
    # given every client of the online store: the rows the gateway reads and sends packed
    clients = run(open_online_features().known_clients())
    assert clients, "the platform's online store lists its clients"
    stub = scoring_pb2_grpc.ScoringStub(channels["scoring"])
    # when they are all scored by id, a batch at a time
    scored = 0
    for start in range(0, len(clients), MAX_BATCH):
        batch = [scoring_pb2.ScoreRequest(client_id=c) for c in clients[start : start + MAX_BATCH]]
        reply = stub.ScoreBatch(scoring_pb2.ScoreBatchRequest(requests=batch), timeout=60)
        scored += len(reply.responses)
    # then none is refused: every stored value is missing or finite within the bound
    assert scored == len(clients)


def largest_rows(model: scoring_pb2.ModelInfoResponse, rows: int) -> scoring_pb2.ScoreBatchRequest:
    """A batch whose answer rows are as large as they come: every value missing (each contribution then
    writes its value, NaN, and `missing`), every contribution asked for, the longest request ids."""
    every_value_missing = [math.nan] * len(model.features)
    row = feature_row(every_value_missing, model.model.feature_service, model.model.version)
    return scoring_pb2.ScoreBatchRequest(
        requests=[
            score_request(row=row, request_id=f"{i:0{MAX_REQUEST_ID_BYTES}d}", top_each_way=0)
            for i in range(rows)
        ]
    )


def test_an_explain_batch_whose_answer_cannot_fit_is_refused_up_front_and_the_largest_allowed_answers(
    channels: dict[str, grpc.Channel], model: scoring_pb2.ModelInfoResponse, explain_server: Service
) -> None:
    stub = explain_pb2_grpc.ExplainerStub(channels["explain"])
    logged_before = explain_server.log.stat().st_size
    # given 1,000 rows asking for every contribution: some 27 MB answered, over gRPC's 4 MiB
    # when they are sent in one ExplainBatch
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as caught:
        stub.ExplainBatch(largest_rows(model, MAX_BATCH), timeout=30)
    refused_after = time.monotonic() - started
    # then the batch is refused as the caller's, naming the limit of rows it may hold
    details = caught.value.details() or ""
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (caught.value.code(), details)
    assert f"the answer to {MAX_BATCH:,} rows could take" in details, details
    found = re.search(
        r"a batch holds at most ([\d,]+) rows with top_each_way 0 \(every contribution", details
    )
    assert found, f"the message names the limit: {details}"
    limit = int(found.group(1).replace(",", ""))
    assert 50 < limit < MAX_BATCH, f"some 27 kB a row fit 4 MiB about 150 times, not {limit}"
    assert refused_after < 5, f"refused before any work, not after {refused_after:.1f} s"
    # when the largest batch allowed is sent, to a channel with gRPC's default receive limit (4 MiB)
    reply = stub.ExplainBatch(largest_rows(model, limit), timeout=120)
    # then every row is answered with every contribution, within the limit
    assert len(reply.responses) == limit
    assert all(len(r.contributions) == len(model.features) for r in reply.responses)
    assert reply.ByteSize() <= MESSAGE_BYTES
    # and one row more is refused
    with pytest.raises(grpc.RpcError) as caught:
        stub.ExplainBatch(largest_rows(model, limit + 1), timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.code()
    # and the service logged no error: nothing failed once computed
    logged = explain_server.log.read_bytes()[logged_before:].decode(errors="replace")
    assert "Traceback" not in logged, logged[-3000:]
    assert "unhandled error" not in logged, logged[-3000:]


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
