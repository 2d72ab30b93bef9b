"""A gRPC server around a model holder: health, reflection, registry polling, graceful SIGTERM.

Shared by scoring_service and explain_service: each brings its settings class, its servicer and what
it serves. Every server refuses undecodable requests with INVALID_ARGUMENT and accepts the keepalive
pings of the platform's channels (`serving_base.channels`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from credit_common.logging import configure_logging
from credit_common.tracing import grpc_server_interceptors, start_tracing
from credit_features.online import OnlineFeatures, open_online_features
from credit_model.registries import open_registry
from serving_base.bundle import ModelBundle
from serving_base.channels import SERVER_OPTIONS
from serving_base.grpc_support import RequestDecoding
from serving_base.holder import ModelHolder
from serving_base.settings import ServiceSettings, parse_settings

log = logging.getLogger(__name__)


async def serve(
    settings: ServiceSettings,
    service_name: str,
    holder: ModelHolder,
    add_servicer: Callable[[grpc.aio.Server], None],
    started: Callable[[int], None] | None = None,
) -> None:
    """Listen until SIGTERM/SIGINT; NOT_SERVING until the holder's first model is loaded."""
    # Decoding last, next to the handlers: a tracing span then records the INVALID_ARGUMENT it answers.
    interceptors = [*(grpc_server_interceptors() or []), RequestDecoding()]
    server = grpc.aio.server(interceptors=interceptors, options=SERVER_OPTIONS)
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    add_servicer(server)
    reflection.enable_server_reflection(
        (service_name, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
        server,
    )
    for name in ("", service_name):
        await health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    port = server.add_insecure_port(f"{settings.host}:{settings.port}")
    await server.start()
    log.info("listening", extra={"service": service_name, "port": port})
    if started is not None:
        started(port)

    async def ready() -> None:
        for name in ("", service_name):
            await health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("serving", extra={"service": service_name, "version": holder.version})

    watcher = asyncio.create_task(holder.watch(settings.poll_seconds, ready))
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    log.info("draining", extra={"service": service_name, "grace_seconds": settings.grace_seconds})
    await health.enter_graceful_shutdown()
    watcher.cancel()
    await server.stop(settings.grace_seconds)
    log.info("stopped", extra={"service": service_name})


def run_service(
    *,
    settings_class: type[ServiceSettings],
    service_name: str,
    prepare: Callable[[ModelBundle], Any],
    servicer: Callable[[Any, ModelHolder, OnlineFeatures], Any],
    add_servicer: Callable[[Any, grpc.aio.Server], None],
) -> None:
    """Entry point of a model-serving process: settings, logging, registry, store, then `serve`."""
    settings = parse_settings(settings_class)
    # Named after the part its variables are prefixed with: scoring, explain.
    part = settings_class.model_config["env_prefix"].strip("_").lower()
    configure_logging(settings.log_level, service=part)
    start_tracing("credit-" + part)
    holder = ModelHolder(settings.model_uri, prepare=prepare, registry=open_registry())
    online = open_online_features()
    instance = servicer(settings, holder, online)
    asyncio.run(serve(settings, service_name, holder, lambda server: add_servicer(instance, server)))
