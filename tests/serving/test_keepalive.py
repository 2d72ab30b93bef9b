"""Idle channels keep their connection: a server built with `server_options(p)` accepts the pings of
channels opened with the same period p, while gRPC's default server refuses them.

Run at a one-second period over real sockets; the platform's services and channels derive both sides
from the one production period the same way (serving_base.channels), so waiting through that period
(10 s, three and a half times) would test nothing more."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2

from serving_base.channels import KEEPALIVE_TIME_MS, SERVER_OPTIONS, open_channel, server_options

from .health_server import health_server
from .test_explanation_store import run

pytestmark = pytest.mark.integration

PERIOD_MS = 1_000
CHECK = "/grpc.health.v1.Health/Check"


async def idle_state(options: list[tuple[str, int]] | None) -> grpc.ChannelConnectivity:
    """The state of a channel that made one call, then sat idle through three pings and a half."""
    async with health_server(options) as target, open_channel(target, keepalive_ms=PERIOD_MS) as channel:
        request = health_pb2.HealthCheckRequest(service="").SerializeToString()
        await channel.unary_unary(CHECK)(request, timeout=5)
        await asyncio.sleep(3.5 * PERIOD_MS / 1000)
        return channel.get_state()


def test_an_idle_channel_keeps_its_connection_through_keepalive_pings() -> None:
    async def both() -> list[grpc.ChannelConnectivity]:
        return list(await asyncio.gather(idle_state(server_options(PERIOD_MS)), idle_state(None)))

    matching, default = run(both())
    assert matching == grpc.ChannelConnectivity.READY, (
        f"the matching server dropped the connection: {matching}"
    )
    # the control: gRPC's own server counts such pings as strikes and sends GOAWAY (too_many_pings)
    assert default != grpc.ChannelConnectivity.READY, "a default server should refuse pings this frequent"


def test_the_services_accept_pings_at_half_the_clients_period() -> None:
    assert server_options(KEEPALIVE_TIME_MS) == SERVER_OPTIONS
    assert ("grpc.http2.min_ping_interval_without_data_ms", KEEPALIVE_TIME_MS // 2) in SERVER_OPTIONS
    assert ("grpc.keepalive_permit_without_calls", 1) in SERVER_OPTIONS
