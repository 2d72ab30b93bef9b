"""Map every failure to an explicit HTTP answer: 404, 422, 503 with Retry-After; never a stack trace.

Two rules hold for every answer built here: a 422 body is always the documented list of
{loc, msg, type} (never a bare string), and no submitted value is echoed into a log line. Pydantic's
own errors carry the input (an application's income, say) and FastAPI's default handler returns it,
which also fails outright on a non-finite number (`Infinity` in a body gave a 500): both are dropped.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from typing import Any

import grpc
from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from credit_features.errors import FeatureStoreUnavailableError, UnknownClientError
from gateway.client_file.errors import GroupError, HistoryUnavailableError
from gateway.intake.application_store import ClientIdsExhaustedError
from gateway.intake.limit import IntakeBusyError

log = logging.getLogger(__name__)
#: FastAPI's detail when its JSON parsing of a body fails outside the JSON decoder (RecursionError,
#: Python's limit on digits of an integer).
_UNPARSABLE_BODY = "There was an error parsing the body"

_GRPC_TO_HTTP = {
    grpc.StatusCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    grpc.StatusCode.INVALID_ARGUMENT: status.HTTP_422_UNPROCESSABLE_CONTENT,
    grpc.StatusCode.UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: status.HTTP_503_SERVICE_UNAVAILABLE,
    grpc.StatusCode.FAILED_PRECONDITION: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def invalid(errors: Sequence[dict[str, Any]]) -> JSONResponse:
    """A 422 listing where each input is wrong and why, without the values given."""
    detail = [
        {
            "loc": list(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]
    return JSONResponse({"detail": detail}, status.HTTP_422_UNPROCESSABLE_CONTENT)


def _route(request: Request) -> str:
    """The route's template (/v1/clients/{client_id}/score): logs name no client."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched"))


def _unavailable(request: Request, detail: str) -> JSONResponse:
    retry = str(request.app.state.gateway.settings.retry_after_seconds)
    return JSONResponse(
        {"detail": detail}, status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": retry}
    )


def install(app: FastAPI) -> None:
    """Register the exception handlers on the app."""

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, error: RequestValidationError) -> JSONResponse:
        return invalid(error.errors())

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        # FastAPI answers a body its JSON parser gives up on (a 5,000-digit number, 5,000 levels of
        # nesting) with a bare-string 400; it is a 422 like any other unreadable body.
        if error.status_code == status.HTTP_400_BAD_REQUEST and error.detail == _UNPARSABLE_BODY:
            return invalid(
                [{"loc": ("body",), "msg": "the body is not JSON this API can read", "type": "json_invalid"}]
            )
        return await http_exception_handler(request, error)

    @app.exception_handler(UnknownClientError)
    async def unknown_client(request: Request, error: UnknownClientError) -> JSONResponse:
        return JSONResponse({"detail": f"unknown client {error.client_id}"}, status.HTTP_404_NOT_FOUND)

    @app.exception_handler(GroupError)
    async def bad_group(request: Request, error: GroupError) -> JSONResponse:
        return invalid([{"loc": ("query", error.parameter), "msg": str(error), "type": "value_error"}])

    @app.exception_handler(FeatureStoreUnavailableError)
    async def store_down(request: Request, error: FeatureStoreUnavailableError) -> JSONResponse:
        return _unavailable(request, "the online feature store is unavailable; retry later")

    @app.exception_handler(HistoryUnavailableError)
    async def history_down(request: Request, error: HistoryUnavailableError) -> JSONResponse:
        log.warning("history database failed", extra={"route": _route(request), "why": str(error)})
        return _unavailable(request, "the history database is unavailable; retry later")

    @app.exception_handler(ClientIdsExhaustedError)
    async def ids_exhausted(request: Request, error: ClientIdsExhaustedError) -> JSONResponse:
        # Retrying does not help: the application must come with its own id. Said, not retried.
        log.error("client ids exhausted", extra={"route": _route(request)})
        return JSONResponse({"detail": str(error)}, status.HTTP_503_SERVICE_UNAVAILABLE)

    @app.exception_handler(IntakeBusyError)
    async def busy(request: Request, error: IntakeBusyError) -> JSONResponse:
        retry = str(request.app.state.gateway.settings.busy_retry_after_seconds)
        log.warning("intake busy", extra={"route": _route(request), "why": str(error)})
        return JSONResponse(
            {"detail": f"the gateway is busy with other applications ({error}); retry in {retry} s"},
            status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": retry},
        )

    @app.exception_handler(grpc.aio.AioRpcError)
    async def grpc_failed(request: Request, error: grpc.aio.AioRpcError) -> JSONResponse:
        code = _GRPC_TO_HTTP.get(error.code(), status.HTTP_502_BAD_GATEWAY)
        log.warning("grpc call failed", extra={"code": error.code().name, "route": _route(request)})
        if code == status.HTTP_503_SERVICE_UNAVAILABLE:
            return _unavailable(
                request, f"a scoring dependency is unavailable ({error.code().name}); retry later"
            )
        if code == status.HTTP_422_UNPROCESSABLE_CONTENT:
            return invalid([{"loc": ("body",), "msg": error.details() or "", "type": "value_error"}])
        return JSONResponse({"detail": error.details() or error.code().name}, code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # Where it failed, not its message: a message may quote the values that made it fail.
        log.error(
            "unhandled error",
            extra={
                "route": _route(request),
                "error": type(error).__name__,
                "where": traceback.format_tb(error.__traceback__)[-3:],
            },
        )
        return JSONResponse(
            {"detail": "internal error; the incident is logged"}, status.HTTP_500_INTERNAL_SERVER_ERROR
        )
