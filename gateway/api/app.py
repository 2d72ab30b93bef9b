"""The whole gateway: every route (decision path, client's file, intake, reviews, system)."""

from __future__ import annotations

from fastapi import FastAPI

from gateway.api.app_base import build_app
from gateway.api.routers import applications, clients, decisions, reviews, scores, system
from gateway.api.state import open_state
from gateway.settings import GatewaySettings, get_settings


def create_app(settings: GatewaySettings | None = None, worker: int = 0) -> FastAPI:
    """The whole gateway's app (channels, store and population open in its lifespan)."""
    routers = (scores, clients, reviews, decisions, applications, system)
    return build_app(settings or get_settings(), worker, open_state, [module.router for module in routers])
