"""Dependencies shared by the routers, declared once as Annotated aliases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from gateway.admission.auth import Caller
from gateway.admission.middleware import admitted_caller, unauthenticated
from gateway.api.decision_state import DecisionState

ADVISOR, SERVICE = "advisor", "service"


# Dependencies are async on purpose: FastAPI runs plain `def` ones in its thread pool, a thread hop
# per request for code that does no I/O.
async def get_state(request: Request) -> DecisionState:
    """The app's state: the decision path's alone (gateway.api.decision_app) or the whole gateway's
    (gateway.api.state.State, for the routes only the whole gateway serves)."""
    return request.app.state.gateway


DecisionPath = Annotated[DecisionState, Depends(get_state)]


def require(*roles: str) -> Callable[..., Awaitable[Caller]]:
    """Admit callers whose API key has one of `roles`: 401 without a valid key, 403 without the role.

    The key was authenticated once, before the body was read, by gateway.admission.middleware; its two headers
    are declared here only so that OpenAPI documents them on every protected route."""

    async def check(
        request: Request,
        x_api_key: Annotated[str | None, Header(description="API key.")] = None,
        authorization: Annotated[str | None, Header(description="Or: Bearer <API key>.")] = None,
    ) -> Caller:
        caller = admitted_caller(request.scope)
        if caller is None:
            raise unauthenticated()
        if not caller.roles & set(roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this key lacks the role {' or '.join(roles)}")
        return caller

    return check


Advisor = Annotated[Caller, Depends(require(ADVISOR))]
AnyCaller = Annotated[Caller, Depends(require(ADVISOR, SERVICE))]
ServiceCaller = Annotated[Caller, Depends(require(SERVICE))]
