"""A decision-path process: scores, explanations, the model, health and metrics served here; every other
request forwarded to the whole gateway (GATEWAY_CLIENT_FILE_URL, gateway.api.forwarding).

Why: the decision path is what runs hundreds of times a second, and the client's file is what needs
DuckDB, pandas, scikit-learn, pyarrow and fpdf. Apart, the decision path's processes stay small
(tests/gateway/test_lean_decision_path.py) and scale by themselves, while one whole gateway serves the
advisors' other requests.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, Response
from starlette.routing import Route

from gateway.api.app_base import build_app
from gateway.api.decision_state import DecisionState, open_decision_state
from gateway.api.forwarding import METHODS, ClientFileForwarder
from gateway.api.metrics import GatewayMetrics
from gateway.api.routers import scores, system
from gateway.settings import GatewaySettings, get_settings

log = logging.getLogger(__name__)
#: How long a forwarded request may take (a letter is rendered in about a second on a busy machine).
FORWARD_TIMEOUT_SECONDS = 30.0


async def open_forwarding_state(settings: GatewaySettings, metrics: GatewayMetrics) -> DecisionState:
    """The decision path's state, and the way to the whole gateway."""
    assert settings.client_file_url, "a decision-path process forwards to a whole gateway"
    state = open_decision_state(settings, metrics)
    state.client_file = ClientFileForwarder(
        settings.client_file_url, FORWARD_TIMEOUT_SECONDS, settings.retry_after_seconds
    )
    log.info("decision path ready", extra={"client_file": settings.client_file_url})
    return state


def create_decision_app(settings: GatewaySettings | None = None, worker: int = 0) -> FastAPI:
    """The decision path's routes, then one route forwarding everything else."""
    settings = settings or get_settings()
    app = build_app(settings, worker, open_forwarding_state, [scores.router, system.router], documented=False)

    async def forward(request: Request) -> Response:
        return await request.app.state.gateway.client_file.forward(request)

    app.router.routes.append(Route("/{path:path}", forward, methods=METHODS, include_in_schema=False))
    return app
