"""Map every failure to an explicit HTTP answer: 404, 422, 503 with Retry-After; never a stack trace."""

from __future__ import annotations

import logging

import grpc
from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from credit_features.errors import FeatureStoreUnavailableError, UnknownClientError
from gateway.population import GroupError

log = logging.getLogger(__name__)

_GRPC_TO_HTTP = {
    grpc.StatusCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    grpc.StatusCode.INVALID_ARGUMENT: status.HTTP_422_UNPROCESSABLE_CONTENT,
    grpc.StatusCode.UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: status.HTTP_503_SERVICE_UNAVAILABLE,
    grpc.StatusCode.FAILED_PRECONDITION: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def _unavailable(request: Request, detail: str) -> JSONResponse:
    retry = str(request.app.state.gateway.settings.retry_after_seconds)
    return JSONResponse(
        {"detail": detail}, status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": retry}
    )


def install(app: FastAPI) -> None:
    """Register the exception handlers on the app."""

    @app.exception_handler(UnknownClientError)
    async def unknown_client(request: Request, error: UnknownClientError) -> JSONResponse:
        return JSONResponse({"detail": f"unknown client {error.client_id}"}, status.HTTP_404_NOT_FOUND)

    @app.exception_handler(GroupError)
    async def bad_group(request: Request, error: GroupError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(FeatureStoreUnavailableError)
    async def store_down(request: Request, error: FeatureStoreUnavailableError) -> JSONResponse:
        return _unavailable(request, "the online feature store is unavailable; retry later")

    @app.exception_handler(grpc.aio.AioRpcError)
    async def grpc_failed(request: Request, error: grpc.aio.AioRpcError) -> JSONResponse:
        code = _GRPC_TO_HTTP.get(error.code(), status.HTTP_502_BAD_GATEWAY)
        log.warning("grpc call failed", extra={"code": error.code().name, "path": request.url.path})
        if code == status.HTTP_503_SERVICE_UNAVAILABLE:
            return _unavailable(
                request, f"a scoring dependency is unavailable ({error.code().name}); retry later"
            )
        return JSONResponse({"detail": error.details() or error.code().name}, code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse(
            {"detail": "internal error; the incident is logged"}, status.HTTP_500_INTERNAL_SERVER_ERROR
        )
