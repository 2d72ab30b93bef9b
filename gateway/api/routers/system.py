"""The model behind the answers, the health of every dependency, and Prometheus metrics."""

from __future__ import annotations

import asyncio

import grpc
from fastapi import APIRouter, Response, status
from grpc_health.v1 import health_pb2, health_pb2_grpc

from credit_features.errors import FeatureStoreUnavailableError
from gateway.api.decision_state import DecisionState
from gateway.api.deps import AnyCaller, DecisionPath, ServiceCaller
from gateway.api.openapi import AUTHENTICATED, responses
from gateway.api.schemas import DependencyOut, HealthOut, ModelOut
from gateway.settings import GatewaySettings
from gateway.worker_board import Board

router = APIRouter(tags=["system"])
#: Each dependency's check gives up after this: health answers within a second whatever is down.
CHECK_SECONDS = 0.5


@router.get(
    "/v1/model",
    operation_id="get_model",
    response_model=ModelOut,
    responses={**AUTHENTICATED, **responses(503)},
)
async def get_model(state: DecisionPath, caller: AnyCaller) -> ModelOut:
    """The model version serving now, its threshold, cost weights and size."""
    info = await state.decisions.scoring.model_info()
    return ModelOut(
        name=info.model.name,
        version=info.model.version,
        threshold=info.threshold,
        cost_false_negative=info.cost_false_negative,
        cost_false_positive=info.cost_false_positive,
        feature_service=info.model.feature_service,
        features=len(info.features),
        trees=info.trees,
        leaves=info.leaves,
        loaded_at=info.loaded_at,
    )


async def _grpc_health(channel: grpc.aio.Channel) -> DependencyOut:
    try:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=CHECK_SECONDS
        )
    except grpc.aio.AioRpcError as error:
        return DependencyOut(ok=False, detail=error.code().name)
    serving = reply.status == health_pb2.HealthCheckResponse.SERVING
    return DependencyOut(ok=serving, detail=health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


async def _online_store_health(state: DecisionState) -> DependencyOut:
    if state.online_backend != "redis":
        return DependencyOut(ok=True, detail="sqlite online store (embedded)")
    try:
        await asyncio.wait_for(state.online.ping(), CHECK_SECONDS)
    except (FeatureStoreUnavailableError, TimeoutError) as error:
        return DependencyOut(ok=False, detail=type(error.__cause__ or error).__name__)
    return DependencyOut(ok=True, detail="redis PONG")


def _workers_health(settings: GatewaySettings) -> DependencyOut:
    """Every worker sharing the port beat within the last seconds (any of them may answer the probe)."""
    alive = len(Board.under(settings.run_folder).alive())
    return DependencyOut(
        ok=alive >= settings.workers, detail=f"{alive} of {settings.workers} workers serving"
    )


@router.get(
    "/v1/health", operation_id="health", response_model=HealthOut, responses={503: {"model": HealthOut}}
)
async def health(state: DecisionPath, response: Response) -> HealthOut:
    """Readiness of every dependency (no authentication: for probes). 503 when one is down."""
    scoring, explain, online = await asyncio.gather(
        _grpc_health(state.channels[0]),
        _grpc_health(state.channels[1]),
        _online_store_health(state),
    )
    dependencies = {"scoring": scoring, "explain": explain, "online_store": online}
    if state.settings.workers > 1:
        dependencies["workers"] = _workers_health(state.settings)
    if state.client_file is not None:
        dependencies["client_file"] = await state.client_file.health(CHECK_SECONDS)
    ok = all(d.ok for d in dependencies.values())
    if not ok:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = str(state.settings.retry_after_seconds)
    return HealthOut(status="ok" if ok else "degraded", dependencies=dependencies)


@router.get("/v1/health/live", operation_id="liveness", include_in_schema=True)
def liveness() -> dict[str, str]:
    """The process answers (no dependency checked)."""
    return {"status": "alive"}


@router.get("/metrics", operation_id="metrics", include_in_schema=False)
def metrics(state: DecisionPath, caller: ServiceCaller) -> Response:
    """Prometheus exposition (requires a key with the service role)."""
    return state.metrics.exposition()
