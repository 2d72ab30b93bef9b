"""Prometheus metrics of the gateway: requests, latencies and errors by route, and the model version."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)


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
        )
        self._version: str | None = None

    def model_answered(self, version: str) -> None:
        """Record which model version answers (the previous one's series is removed)."""
        if version != self._version:
            if self._version is not None:
                self.model.remove(self._version)
            self.model.labels(version).set(1)
            self._version = version

    def exposition(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    def install(self, app: FastAPI) -> None:
        """Time every request under its route template (not its raw path: ids would explode cardinality)."""

        @app.middleware("http")
        async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            started = time.perf_counter()
            response = await call_next(request)
            route = getattr(request.scope.get("route"), "path", "unmatched")
            self.latency.labels(route).observe(time.perf_counter() - started)
            self.requests.labels(route, request.method, str(response.status_code)).inc()
            if response.status_code >= 500:
                self.errors.labels(route).inc()
            return response
