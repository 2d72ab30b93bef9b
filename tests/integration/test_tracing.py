"""Distributed tracing over the real stack: gateway (uvicorn) → Scoring and Explain (gRPC), every
process exporting to a real OTLP/HTTP endpoint that this test runs and decodes."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pandas as pd
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanProto

from .conftest import ADVISOR_KEY, Service, start_gateway, start_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@dataclass(frozen=True)
class ReceivedSpan:
    """One exported span, as a collector sees it."""

    service: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, object]


class OtlpReceiver:
    """A minimal OTLP/HTTP trace endpoint: POST /v1/traces with an ExportTraceServiceRequest body."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_error(404)
                    return
                receiver.take(ExportTraceServiceRequest.FromString(body))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: object) -> None:  # quiet: pytest shows failures, not traffic
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def take(self, request: ExportTraceServiceRequest) -> None:
        received = []
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {a.key: _value(a.value) for a in span.attributes}
                    received.append(
                        ReceivedSpan(
                            resource["service.name"],
                            span.name,
                            span.kind,
                            span.trace_id.hex(),
                            span.span_id.hex(),
                            span.parent_span_id.hex(),
                            attributes,
                        )
                    )
        with self.lock:
            self.spans.extend(received)

    def wait_for(
        self, found: Callable[[list[ReceivedSpan]], bool], timeout: float = 30
    ) -> list[ReceivedSpan]:
        """The spans received, once `found` holds for them (they arrive in batches, a bit later)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                spans = list(self.spans)
            if found(spans):
                return spans
            time.sleep(0.1)
        raise TimeoutError(f"spans received: {[(s.service, s.name) for s in spans]}")


def _value(value: object) -> object:
    kind = value.WhichOneof("value")  # type: ignore[attr-defined]
    return getattr(value, kind) if kind else None


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    otlp = OtlpReceiver()
    otlp.thread.start()
    yield otlp
    otlp.server.shutdown()


def _traced_env(receiver: OtlpReceiver) -> dict[str, str]:
    # The base address (the exporter appends /v1/traces); batches leave every 100 ms.
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "100"}


@pytest.fixture(scope="module")
def traced_stack(
    mlflow_server: Service, receiver: OtlpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """Scoring, Explain and a gateway of their own, all exporting to the receiver: the gateway's."""
    folder = tmp_path_factory.mktemp("traced")
    # Every decision goes through Explain's gRPC call here, none answered from the explanation store
    # by the gateway; no background warm-up of the store either.
    env = {
        **_traced_env(receiver),
        "MLFLOW_TRACKING_URI": mlflow_server.url,
        "EXPLAIN_WARM_POPULATION": "false",
    }
    services: list[Service] = []
    try:
        for module in ("scoring_service", "explain_service"):
            services.append(start_server(module, folder / module, "--poll-seconds", "1", env=env))
        for service in services:
            service.wait_serving()
        scoring, explain = services
        gateway = start_gateway(
            folder / "gateway",
            scoring.target,
            explain.target,
            GATEWAY_REUSE_EXPLANATIONS="false",
            **_traced_env(receiver),
        )
        services.append(gateway)
        gateway.wait_ready()
        yield gateway
    finally:
        for service in services:
            service.stop()


@pytest.fixture(scope="module")
def client_id(platform) -> int:
    return int(pd.read_parquet(platform.parquet / "application_train.parquet")["SK_ID_CURR"].iloc[5])


def _log_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_one_trace_runs_from_the_gateway_through_scoring_and_explain(
    traced_stack: Service, receiver: OtlpReceiver, client_id: int
) -> None:
    # given probes that would trace the services' health checks if they were not left out
    assert httpx.get(traced_stack.url + "/v1/health", timeout=30).status_code == 200
    # when the gateway's first decision is asked for (it then reads the served model from Scoring)
    reply = httpx.get(
        f"{traced_stack.url}/v1/clients/{client_id}/score", headers={"X-API-Key": ADVISOR_KEY}, timeout=60
    )
    assert reply.status_code == 200, reply.text
    route = "GET /v1/clients/{client_id}/score"

    def complete(spans: list[ReceivedSpan]) -> bool:
        services = {s.service for s in spans}
        names = {(s.service, s.name) for s in spans}
        return {"credit-gateway", "credit-scoring", "credit-explain"} <= services and (
            "credit-gateway",
            route,
        ) in names

    spans = receiver.wait_for(complete)
    # then the gateway's server span roots one trace that the services' spans belong to
    request = next(s for s in spans if s.service == "credit-gateway" and s.name == route)
    assert request.kind == SpanProto.SPAN_KIND_SERVER, "the gateway's request is a server span"
    assert request.parent_span_id == "", "nothing called the gateway with a trace: it starts one"
    trace = [s for s in spans if s.trace_id == request.trace_id]
    assert {s.service for s in trace} == {"credit-gateway", "credit-scoring", "credit-explain"}, (
        "one trace id across the three processes"
    )
    # and each gRPC server span is the child of the gateway's client span of the same call
    gateway = [s for s in trace if s.service == "credit-gateway"]
    clients = {s.name: s for s in gateway if s.kind == SpanProto.SPAN_KIND_CLIENT}
    servers = [s for s in trace if s.service != "credit-gateway" and s.kind == SpanProto.SPAN_KIND_SERVER]
    assert {s.name for s in servers} >= {"/credit.v1.Scoring/ModelInfo", "/credit.v1.Explainer/Explain"}, (
        f"server spans: {sorted(s.name for s in servers)}"
    )
    for server in servers:
        assert server.parent_span_id == clients[server.name].span_id, f"{server.name}: parent is its call"
        assert clients[server.name].trace_id == request.trace_id
    # and no health check was traced, on either side
    assert not [s for s in spans if "Health" in s.name or "/v1/health" in s.name], "probes are not traced"
    # and no span carries the client's id (paths are kept as their route's shape)
    assert request.attributes["url.path"] == "/v1/clients/{id}/score"
    assert request.attributes["http.route"] == "/v1/clients/{client_id}/score"
    assert not [s for s in spans if any(str(client_id) in str(v) for v in s.attributes.values())], (
        "a client id in a span attribute"
    )

    # then the decision's log line names the trace, and a span of it that the gateway exported
    gateway_spans = {s.span_id for s in gateway}
    decisions = [line for line in _log_lines(traced_stack.log) if line["event"] == "decision"]
    assert len(decisions) == 1, "one decision made"
    assert decisions[0]["trace_id"] == request.trace_id, "the log line carries the request's trace id"
    assert decisions[0]["span_id"] in gateway_spans, "and the id of the span it was written in"
