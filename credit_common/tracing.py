"""Distributed tracing's switch: on when an OTLP endpoint is configured, off (and free) otherwise.

The standard OpenTelemetry variables drive it, as every collector and platform expects:
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT turn it on (OTLP over HTTP with
protobuf), OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none keep it off, OTEL_SERVICE_NAME
overrides the process's default name, OTEL_TRACES_SAMPLER picks the sampling, OTEL_BSP_* the batching.

Off is the default and costs nothing: this module imports no OpenTelemetry code, the gRPC servers
and channels get no interceptors (None, exactly what they had before), and FastAPI's built-in
telemetry stays dormant because no tracer provider is ever set. The SDK, the exporter and the gRPC
instrumentation are imported only by `start_tracing` when it is asked for.

The switch is process-wide because OpenTelemetry's tracer provider is: each entry point calls
`start_tracing` once, before it builds its servers and channels, which then ask for interceptors.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import grpc

log = logging.getLogger(__name__)

#: Either turns tracing on; the per-signal one wins for the address (OpenTelemetry's rule).
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")

_started = False


def tracing_requested(environ: Mapping[str, str] = os.environ) -> bool:
    """True when an OTLP endpoint is set and neither the SDK nor the trace exporter is switched off."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return any(environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def start_tracing(default_service_name: str) -> bool:
    """At process start: install the exporting tracer provider if tracing is requested.

    `default_service_name` (credit-gateway, credit-scoring, ...) names the process in traces unless
    OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES says otherwise. Returns whether tracing is on.
    """
    global _started  # noqa: PLW0603 - mirrors OpenTelemetry's process-wide provider
    if not _started and tracing_requested():
        from credit_common import tracing_sdk

        service = tracing_sdk.install(default_service_name)
        log.info("tracing on", extra={"service_name": service})
        _started = True
    return _started


def grpc_server_interceptors() -> list[grpc.aio.ServerInterceptor] | None:
    """A gRPC server's interceptors: a span per call, parented by the caller's trace (None when off)."""
    if not _started:
        return None
    from credit_common import tracing_sdk

    return tracing_sdk.grpc_server_interceptors()


def grpc_client_interceptors() -> list[grpc.aio.ClientInterceptor] | None:
    """A channel's interceptors: a span per call, its context sent in the metadata (None when off)."""
    if not _started:
        return None
    from credit_common import tracing_sdk

    return tracing_sdk.grpc_client_interceptors()
