"""Which app a gateway process serves: the decision path alone when it forwards the rest to a whole
gateway (GATEWAY_CLIENT_FILE_URL), else the whole gateway. Each is imported only when chosen, so that
a decision-path process never loads the client file's modules."""

from __future__ import annotations

from fastapi import FastAPI

from gateway.settings import GatewaySettings


def app_for(settings: GatewaySettings, worker: int = 0) -> FastAPI:
    if settings.client_file_url:
        from gateway.api.decision_app import create_decision_app

        return create_decision_app(settings, worker)
    from gateway.api.app import create_app

    return create_app(settings, worker)
