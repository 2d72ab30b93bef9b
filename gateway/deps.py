"""Dependencies shared by the routers, declared once as Annotated aliases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from gateway.auth import Caller, authenticate
from gateway.state import GatewayState

ADVISOR, SERVICE = "advisor", "service"


# Dependencies are async on purpose: FastAPI runs plain `def` ones in its thread pool, a thread hop
# per request for code that does no I/O.
async def get_state(request: Request) -> GatewayState:
    return request.app.state.gateway


State = Annotated[GatewayState, Depends(get_state)]


def require(*roles: str) -> Callable[..., Awaitable[Caller]]:
    """Admit callers whose API key has one of `roles`: 401 without a valid key, 403 without the role."""

    async def check(
        state: State,
        x_api_key: Annotated[str | None, Header(description="API key.")] = None,
        authorization: Annotated[str | None, Header(description="Or: Bearer <API key>.")] = None,
    ) -> Caller:
        key = x_api_key or (authorization.removeprefix("Bearer ").strip() if authorization else None)
        caller = authenticate(key, state.settings.api_keys)
        if caller is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing or invalid API key",
                headers={"WWW-Authenticate": "ApiKey"},
            )
        if not caller.roles & set(roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this key lacks the role {' or '.join(roles)}")
        return caller

    return check


Advisor = Annotated[Caller, Depends(require(ADVISOR))]
AnyCaller = Annotated[Caller, Depends(require(ADVISOR, SERVICE))]
ServiceCaller = Annotated[Caller, Depends(require(SERVICE))]
