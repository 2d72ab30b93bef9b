"""Prometheus metrics of the gateway: requests, latencies and errors by route, and the model version."""

from __future__ import annotations

import os
import time

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Prometheus's multi-process mode reads this variable when prometheus_client is first imported: set,
#: each worker writes its metrics to files there (gateway.workers), and /metrics sums them.
METRICS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


class GatewayMetrics:
    """One registry per app, so several apps (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "gateway_requests_total",
            "Requests by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gateway_request_seconds",
            "Request latency by route.",
            ["route"],
            registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.errors = Counter(
            "gateway_errors_total", "Answers with status >= 500 by route.", ["route"], registry=self.registry
        )
        self.model = Gauge(
            "gateway_model_info",
            "Model version that answered last (value 1).",
            ["version"],
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        self._version: str | None = None

    def model_answered(self, version: str) -> None:
        """Record which model version answers (the previous one's series reads 0, then is removed:
        across workers a removed series would keep the last value its files hold)."""
        if version != self._version:
            if self._version is not None:
                self.model.labels(self._version).set(0)
                self.model.remove(self._version)
            self.model.labels(version).set(1)
            self._version = version

    def exposition(self) -> Response:
        """This process's metrics or, with several workers, every live worker's, summed (their files
        in PROMETHEUS_MULTIPROC_DIR, see gateway.workers)."""
        registry = self.registry
        if os.environ.get(METRICS_VARIABLE):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count and time one answered request."""
        self.latency.labels(route).observe(seconds)
        self.requests.labels(route, method, str(status)).inc()
        if status >= 500:
            self.errors.labels(route).inc()

    def install(self, app: FastAPI) -> None:
        """Time every request under its route template (not its raw path: ids would explode cardinality)."""
        app.add_middleware(_MetricsMiddleware, metrics=self)


class _MetricsMiddleware:
    """A plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task and a stream per request
    (a tenth of the gateway's CPU under load, by profile)."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes every handler answers 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.observe(route, scope["method"], status, time.perf_counter() - started)
