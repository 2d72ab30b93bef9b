"""Tracing's switch, its cost when off, and what it adds when on: trace ids in log lines, redacted
HTTP spans. The whole stack traced end to end is tests/integration/test_tracing.py."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from credit_common.logging import JsonFormatter, add_record_fields
from credit_common.tracing import tracing_requested
from credit_common.tracing_sdk import RedactRequestValues, trace_ids

pytestmark = pytest.mark.unit

ENDPOINT = "http://127.0.0.1:4318"


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ENDPOINT + "/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_SERVICE_NAME": "credit-gateway", "OTEL_TRACES_SAMPLER": "always_on"}, False),
    ],
)
def test_tracing_is_on_only_with_an_otlp_endpoint(environ: dict[str, str], on: bool) -> None:
    assert tracing_requested(environ) is on, f"{environ}: tracing {'on' if on else 'off'} expected"


def _run(code: str, **environ: str) -> str:
    """`code` in a fresh interpreter, with no OTEL_* variable but those given; its stdout."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env={**clean, **environ},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


# Each entry point's start path: tracing's start, the server's and channels' interceptors, the app.
START_PATHS = """
import sys
import gateway.__main__, scoring_service.__main__, explain_service.__main__, serving_base.server
from credit_common.tracing import grpc_client_interceptors, grpc_server_interceptors, start_tracing
from gateway.api.app import create_app
started = start_tracing("credit-gateway")
interceptors = (grpc_server_interceptors(), grpc_client_interceptors())
create_app()
from opentelemetry import trace
loaded = sorted(m for m in sys.modules if m.startswith(
    ("opentelemetry.sdk.trace", "opentelemetry.exporter", "opentelemetry.instrumentation",
     "credit_common.tracing_sdk")))
print(started, interceptors, type(trace.get_tracer_provider()).__name__, loaded)
"""


def test_off_by_default_nothing_of_tracing_is_loaded_or_installed() -> None:
    # FastAPI and redis-py import OpenTelemetry's API themselves (redis-py even the SDK's metrics);
    # tracing off means none of ours: no trace SDK, no exporter, no instrumentation, no provider.
    assert _run(START_PATHS).split(maxsplit=4) == ["False", "(None,", "None)", "ProxyTracerProvider", "[]\n"]


def test_with_an_endpoint_the_same_start_path_installs_the_exporting_provider() -> None:
    out = _run(START_PATHS, OTEL_EXPORTER_OTLP_ENDPOINT=ENDPOINT)
    started, rest = out.split(maxsplit=1)
    assert started == "True"
    assert "ProxyTracerProvider" not in rest, "a provider is set"
    assert " TracerProvider " in rest, "the SDK's provider"
    assert "opentelemetry.exporter.otlp.proto.http.trace_exporter" in rest, "OTLP over HTTP"
    assert "opentelemetry.instrumentation.grpc" in rest, "interceptors for servers and channels"


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({}, "credit-scoring"),
        ({"OTEL_SERVICE_NAME": "scoring-eu"}, "scoring-eu"),
        ({"OTEL_RESOURCE_ATTRIBUTES": "service.name=scoring-b,deployment.environment=prod"}, "scoring-b"),
    ],
)
def test_a_process_is_named_by_default_unless_the_standard_variables_name_it(
    environ: dict[str, str], name: str
) -> None:
    code = "from credit_common.tracing_sdk import install; print(install('credit-scoring'))"
    assert _run(code, OTEL_EXPORTER_OTLP_ENDPOINT=ENDPOINT, **environ).strip() == name


@pytest.fixture
def local_tracer() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    """A provider of the test's own (the global one is left alone), with tracing's redaction."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(RedactRequestValues())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


@pytest.fixture
def stamped_records() -> Iterator[io.StringIO]:
    """JSON lines of a test logger, with trace ids stamped on records (the factory restored after)."""
    factory = logging.getLogRecordFactory()
    add_record_fields(trace_ids)
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.tracing")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logging.setLogRecordFactory(factory)


def test_a_line_logged_in_a_span_carries_its_trace_and_span_ids(
    local_tracer: tuple[TracerProvider, InMemorySpanExporter], stamped_records: io.StringIO
) -> None:
    provider, _ = local_tracer
    logger = logging.getLogger("test.tracing")
    # given a span, and a child of it, active while lines are logged
    with provider.get_tracer("test").start_as_current_span("request") as request:
        logger.info("decision", extra={"refused": False})
        with provider.get_tracer("test").start_as_current_span("call") as call:
            logger.info("inner")
    logger.info("outside")
    # then each line names the span it was written in, and the line outside any span names none
    decision, inner, outside = (json.loads(line) for line in stamped_records.getvalue().splitlines())
    assert decision["trace_id"] == f"{request.get_span_context().trace_id:032x}", "W3C hex trace id"
    assert decision["span_id"] == f"{request.get_span_context().span_id:016x}"
    assert inner["trace_id"] == decision["trace_id"], "a child span shares its parent's trace"
    assert inner["span_id"] == f"{call.get_span_context().span_id:016x}"
    assert decision["refused"] is False, "extra= fields still there"
    assert "trace_id" not in outside, "no span, no ids"
    assert "span_id" not in outside


def test_http_server_spans_keep_the_routes_shape_not_the_callers_values(
    local_tracer: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = local_tracer
    # given FastAPI's own tracing on a route with a client id in the path
    app = FastAPI(telemetry={"tracer_provider": provider, "metrics": False, "logs": False})

    @app.get("/v1/clients/{client_id}/score")
    def score(client_id: int, lang: str = "en", search: str = "") -> dict[str, int]:
        return {"client_id": client_id}

    # when a caller asks with an id and query values
    with TestClient(app) as client:
        reply = client.get("/v1/clients/100234/score", params={"lang": "fr", "search": "1002"})
    assert reply.status_code == 200
    (server,) = [s for s in exporter.get_finished_spans() if s.name.startswith("GET")]
    # then the span says which route answered, and holds neither the id nor the values
    assert server.name == "GET /v1/clients/{client_id}/score"
    assert server.attributes["http.route"] == "/v1/clients/{client_id}/score"
    assert server.attributes["url.path"] == "/v1/clients/{id}/score"
    assert server.attributes["url.query"] == "lang=REDACTED&search=REDACTED"
    assert not [v for v in server.attributes.values() if "100234" in str(v) or "1002" in str(v)]
