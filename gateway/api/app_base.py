"""What every gateway app shares, whole (gateway.api.app) or decision path only
(gateway.api.decision_app): admission, metrics, error handlers, the workers' heartbeat and a lifespan
that opens the app's state and closes it."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from credit_features.backend import online_backend
from credit_features.redis_client import bounded_async_redis
from credit_features.settings import FeatureSettings
from gateway.admission import middleware as admission
from gateway.admission.shared_throttle import SharedThrottle
from gateway.admission.throttle import Throttle
from gateway.api import errors
from gateway.api.decision_state import DecisionState
from gateway.api.metrics import GatewayMetrics
from gateway.api.score_lane import ScoreLane
from gateway.settings import GatewaySettings
from gateway.worker_board import Board

#: Polled by probes and Prometheus every few seconds: traced, they would bury the requests' traces.
UNTRACED_PATHS = admission.PROBE_PATHS | {"/metrics"}
StateOpener = Callable[[GatewaySettings, GatewayMetrics], Awaitable[DecisionState]]


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    return scope["path"] in UNTRACED_PATHS


def admission_counts(feature_settings: FeatureSettings) -> Throttle | SharedThrottle:
    """Where rate limits and lockouts are counted: Redis, shared by every process and replica, when it
    is the online store; else this process alone (the embedded store serves one process)."""
    if online_backend(feature_settings) == "redis":
        return SharedThrottle(bounded_async_redis(feature_settings))
    return Throttle()


def build_app(
    settings: GatewaySettings,
    worker: int,
    open_state: StateOpener,
    routers: Iterable[APIRouter],
    *,
    documented: bool = True,
) -> FastAPI:
    """An app serving `routers` over the state `open_state` opens in the lifespan (not at import
    time). A worker among several (gateway.workers) beats on their board once it serves."""
    board = Board.under(settings.run_folder) if settings.workers > 1 else None
    metrics = GatewayMetrics()
    throttle = admission_counts(FeatureSettings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await open_state(settings, metrics)
        app.state.gateway = state
        throttle.start()
        beating = asyncio.get_running_loop().create_task(board.beat_forever(worker)) if board else None
        # What start-up built (client directory, population, labels: hundreds of thousands of
        # objects) lives as long as the process: out of the collector's sight, a full collection
        # under load scans only what requests allocate, not all of it again (a pause each time).
        gc.freeze()
        yield
        if beating is not None:
            beating.cancel()
            board.forget(os.getpid())  # type: ignore[union-attr]
        await throttle.close()
        await state.close()

    documentation: dict[str, Any] = {} if documented else {"openapi_url": None, "docs_url": None}
    app = FastAPI(
        title="Prêt à dépenser credit scoring API",
        version="1.0.0",
        description="Default probability, decision at the business-cost threshold and its reasons.",
        lifespan=lifespan,
        # FastAPI traces requests itself once a tracer provider is set (credit_common.tracing does,
        # when an OTLP endpoint is configured); until then it is dormant. Tracing only: metrics are
        # Prometheus's and logs are JSON lines, and no exporter of FastAPI's own is added.
        telemetry={"metrics": False, "logs": False, "auto_configure": False, "exclude": _untraced},
        **documentation,
    )
    admission.install(app, settings, throttle)
    metrics.install(app)  # added last, so outermost: it counts the admission's refusals too
    errors.install(app)
    app.router.routes.append(ScoreLane())  # ahead of the routers: the score's common case (see there)
    for router in routers:
        app.include_router(router)
    return app
