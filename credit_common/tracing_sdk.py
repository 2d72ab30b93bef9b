"""What tracing installs when it is on: the provider and its exporter, redaction, log ids, gRPC hooks.

Imported only by credit_common.tracing once an OTLP endpoint is configured, so a process that traces
nothing never loads the SDK, the exporter or the instrumentation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

import grpc
from opentelemetry import context, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor, filters
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from credit_common.logging import add_record_fields

#: A path segment made of digits is an identifier (a client id): spans keep the route's shape only.
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")
_NO_IDS: Mapping[str, str] = {}


class RedactRequestValues(SpanProcessor):
    """HTTP server spans keep where a request went, not what it carried.

    FastAPI records the raw path and query string, which hold client ids and search terms; the route
    template (http.route, the span's name) already says which endpoint answered. Done at span start,
    the last moment the SDK lets attributes change, before any exporter sees them.
    """

    def on_start(self, span: Span, parent_context: context.Context | None = None) -> None:
        attributes = span.attributes or {}
        path = attributes.get("url.path")
        if isinstance(path, str):
            span.set_attribute("url.path", _ID_SEGMENT.sub("/{id}", path))
        query = attributes.get("url.query")
        if isinstance(query, str):
            names = (name for name, _ in parse_qsl(query, keep_blank_values=True))
            span.set_attribute("url.query", "&".join(f"{name}=REDACTED" for name in names))


def trace_ids() -> Mapping[str, str]:
    """The active span's trace and span ids, in W3C hex form (none outside a span)."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return _NO_IDS
    return {
        "trace_id": trace.format_trace_id(span_context.trace_id),
        "span_id": trace.format_span_id(span_context.span_id),
    }


def install(default_service_name: str) -> str:
    """Set the global tracer provider (batched OTLP/HTTP export) and stamp log records with trace ids.

    The exporter, sampler and batching read their standard OTEL_* variables; the provider flushes
    its last batch when the process exits. Returns the service name the spans carry.
    """
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: default_service_name}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(RedactRequestValues())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    add_record_fields(trace_ids)
    return str(resource.attributes[SERVICE_NAME])


def grpc_server_interceptors() -> list[grpc.aio.ServerInterceptor]:
    """A server span per call, child of the caller's span read from the metadata.

    Health checks are left out: probes (Kubernetes, the gateway's /v1/health) call them every few
    seconds and would bury the requests' traces.
    """
    return [aio_server_interceptor(filter_=filters.negate(filters.health_check()))]


def grpc_client_interceptors() -> list[grpc.aio.ClientInterceptor]:
    """A client span per call, its context sent as W3C traceparent metadata (health checks left out)."""
    return aio_client_interceptors(filter_=filters.negate(filters.health_check()))
