"""The FastAPI application: routers, error handlers, metrics, and the lifespan that opens clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import errors
from gateway.metrics import GatewayMetrics
from gateway.routers import applications, clients, system
from gateway.settings import GatewaySettings, get_settings
from gateway.state import open_state


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """Build the app; channels, store and population open in the lifespan, not at import time."""
    metrics = GatewayMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await open_state(settings or get_settings(), metrics)
        app.state.gateway = state
        yield
        await state.close()

    app = FastAPI(
        title="Prêt à dépenser credit scoring API",
        version="1.0.0",
        description="Default probability, decision at the business-cost threshold and its reasons.",
        lifespan=lifespan,
    )
    metrics.install(app)
    errors.install(app)
    for router in (clients.router, applications.router, system.router):
        app.include_router(router)
    return app
