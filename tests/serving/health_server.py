"""A real gRPC server answering the standard health service (SERVING), on a loopback port of its own:
what the serving tests need when the platform's own services would add nothing to what they check."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer


@asynccontextmanager
async def health_server(
    options: Sequence[tuple[str, int]] | None = None,
    interceptors: Sequence[grpc.aio.ServerInterceptor] | None = None,
) -> AsyncIterator[str]:
    """The server's target (`127.0.0.1:port`) while it runs; stopped at once afterwards."""
    server = grpc.aio.server(interceptors=interceptors, options=options)
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    await health.set("", health_pb2.HealthCheckResponse.SERVING)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(0)
