"""The FastAPI application: routers, error handlers, admission, metrics, and the lifespan opening clients."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from gateway import admission, errors
from gateway.metrics import GatewayMetrics
from gateway.routers import applications, clients, decisions, reviews, system
from gateway.settings import GatewaySettings, get_settings
from gateway.state import open_state

#: Polled by probes and Prometheus every few seconds: traced, they would bury the requests' traces.
UNTRACED_PATHS = admission.PROBE_PATHS | {"/metrics"}


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    return scope["path"] in UNTRACED_PATHS


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """Build the app; channels, store and population open in the lifespan, not at import time."""
    settings = settings or get_settings()
    metrics = GatewayMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await open_state(settings, metrics)
        app.state.gateway = state
        # What start-up built (client directory, population, labels: hundreds of thousands of
        # objects) lives as long as the process: out of the collector's sight, a full collection
        # under load scans only what requests allocate, not all of it again (a pause each time).
        gc.freeze()
        yield
        await state.close()

    app = FastAPI(
        title="Prêt à dépenser credit scoring API",
        version="1.0.0",
        description="Default probability, decision at the business-cost threshold and its reasons.",
        lifespan=lifespan,
        # FastAPI traces requests itself once a tracer provider is set (credit_common.tracing does,
        # when an OTLP endpoint is configured); until then it is dormant. Tracing only: metrics are
        # Prometheus's and logs are JSON lines, and no exporter of FastAPI's own is added.
        telemetry={"metrics": False, "logs": False, "auto_configure": False, "exclude": _untraced},
    )
    admission.install(app, settings)
    metrics.install(app)  # added last, so outermost: it counts the admission's refusals too
    errors.install(app)
    for router in (clients.router, reviews.router, decisions.router, applications.router, system.router):
        app.include_router(router)
    return app
