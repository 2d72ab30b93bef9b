"""Admission of HTTP requests before their body is read: lockout, rate limits, API key, body size.

Why a middleware: FastAPI reads and parses a request's body before it solves the dependencies, so an
authenticating dependency comes too late to refuse an unauthenticated 50 MB body unread. This pure ASGI
middleware (not BaseHTTPMiddleware: see gateway.api.metrics) answers 429, 401 and 413 from the headers
alone, then lets the app receive at most the body limit; it hands the authenticated caller to the roles
dependency (gateway.api.deps) in the scope's state, so a request is authenticated once.

Not FastAPI's own `max_body_size`: it wraps the whole app, outside this middleware, and turns the
answer to any request declaring a large body (a 401 included) into a plain-text 413.

Limits are counted in memory and shared through Redis by every gateway process
(gateway.admission.shared_throttle; without Redis, per process: gateway.admission.throttle). The
probes are never limited nor authenticated (an orchestrator must see a live gateway however busy its
clients are), nor is the API's documentation.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, status
from fastapi.responses import JSONResponse
from limits import RateLimitItemPerMinute, parse_many
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.admission.auth import Caller, authenticate
from gateway.admission.shared_throttle import SharedThrottle
from gateway.admission.throttle import Throttle
from gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

#: The readiness and liveness probes.
PROBE_PATHS = frozenset({"/v1/health", "/v1/health/live"})
_CALLER = "caller"  # where the admitted Caller is kept in the scope's state
_ONCE_A_MINUTE = (RateLimitItemPerMinute(1),)  # at most one warning a minute per event and identity


def unauthenticated() -> HTTPException:
    """The 401 of a request without a valid API key."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, "missing or invalid API key", headers={"WWW-Authenticate": "ApiKey"}
    )


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body outgrows the limit. An HTTPException, because FastAPI turns any
    other error while reading a body into a 400; this one its handler answers as a JSON 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, f"request body larger than {limit} bytes")


def admitted_caller(scope: Scope) -> Caller | None:
    """The caller this request was admitted as; None if no admission ran (then nothing is admitted)."""
    return scope.get("state", {}).get(_CALLER)


def _answer(error: HTTPException) -> JSONResponse:
    """The JSON answer FastAPI's handler gives `error`, ready before any request (sent as is)."""
    return JSONResponse({"detail": error.detail}, error.status_code, headers=error.headers)


def _presented_key(headers: Headers) -> str | None:
    bearer = headers.get("authorization", "").removeprefix("Bearer ").strip()
    return headers.get("x-api-key") or bearer or None


def _too_many(detail: str, wait: int) -> JSONResponse:
    return JSONResponse(
        {"detail": f"{detail}; retry in {wait} s"},
        status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(wait)},
    )


class AdmissionMiddleware:
    """Per request, in this order: is the client's address locked out (too many wrong keys in a minute)?
    over its rate? is the key valid? over its rate? is the declared body too large? The lockout comes
    first so that a locked-out address learns nothing more about keys, even from a right one."""

    def __init__(
        self,
        app: ASGIApp,
        settings: GatewaySettings,
        open_paths: frozenset[str],
        throttle: Throttle | SharedThrottle,
    ) -> None:
        self.app = app
        self.open_paths = open_paths
        self.keys = settings.api_keys
        self.max_body = settings.max_body_bytes
        self.too_large = _answer(BodyTooLarge(self.max_body))
        self.unauthenticated = _answer(unauthenticated())
        self.per_key = parse_many(settings.rate_limit_per_key)
        self.per_address = parse_many(settings.rate_limit_per_address)
        self.failures = RateLimitItemPerMinute(settings.auth_failures_per_minute)
        self.throttle = throttle
        self.counting = settings.rate_limits
        self.warnings = Throttle()  # this process's own logs: spaced out here, never shared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        received = 0

        async def receive_at_most_the_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise BodyTooLarge(self.max_body)
            return message

        await self.app(scope, receive_at_most_the_limit, send)

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        """The answer refusing this request, or None once its caller is in the scope's state.

        Synchronous on purpose: with no await between a window's check and its count, two concurrent
        requests cannot both take a window's last slot."""
        address = scope["client"][0] if scope.get("client") else "unknown"
        counting = self.counting
        if counting and (wait := self.throttle.full(self.failures, "auth-failures", address)) is not None:
            return _too_many("too many failed authentications from this address", wait)
        if counting and (wait := self.throttle.hit(self.per_address, "address", address)) is not None:
            self._warn("rate limit per address reached", address, {"client": address})
            return _too_many("too many requests from this address", wait)
        headers = Headers(scope=scope)
        key = _presented_key(headers)
        caller = authenticate(key, self.keys)
        if caller is None:
            if key and counting:  # a wrong key, not a missing one, is a guess
                self._failed(address)
            return self.unauthenticated
        if counting and (wait := self.throttle.hit(self.per_key, "key", caller.name)) is not None:
            self._warn("rate limit per key reached", caller.name, {"caller": caller.name})
            return _too_many("too many requests with this API key", wait)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            return self.too_large
        scope.setdefault("state", {})[_CALLER] = caller
        return None

    def _failed(self, address: str) -> None:
        self.throttle.hit((self.failures,), "auth-failures", address)
        if self.throttle.full(self.failures, "auth-failures", address) is not None:
            extra = {"client": address, "failures": self.failures.amount}
            self._warn("address locked out after failed authentications", address, extra)

    def _warn(self, event: str, identity: str, extra: dict[str, object]) -> None:
        # Once a minute per event and identity: a flood of refusals must not become a flood of logs.
        if self.warnings.hit(_ONCE_A_MINUTE, "logged", event, identity) is None:
            log.warning(event, extra=extra)


#: Where FastAPI serves the API's documentation by default (a decision-path process forwards them).
DOCUMENTATION_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


def install(
    app: FastAPI, settings: GatewaySettings, throttle: Throttle | SharedThrottle | None = None
) -> None:
    """Admit every request but the probes' and the API documentation's (open to all), counting in
    `throttle` (by default this process's own windows)."""
    documentation = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    if settings.client_file_url:  # served by the whole gateway, through this one
        documentation |= DOCUMENTATION_PATHS
    open_paths = PROBE_PATHS | {path for path in documentation if path}
    app.add_middleware(
        AdmissionMiddleware, settings=settings, open_paths=open_paths, throttle=throttle or Throttle()
    )
