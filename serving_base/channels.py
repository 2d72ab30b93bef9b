"""How the platform's clients connect to its gRPC services, and what the services accept from them.

Every client channel (the gateway's, the tools') is opened by `open_channel`, so that all of them:

* come back quickly after a service restart. gRPC's default reconnect backoff starts at 1 s and grows
  ×1.6 per failed attempt (±20 %) up to 120 s: it tries again about 1, 2.6, 5.2, 9.3, 15.9, 26.5,
  43 s after losing the service, so one back after 11 s is reached at the 16th second, one back
  after 17 s at the 27th (measured on a 12 s restart: up to 6.3 s after SERVING). Capped at 1 s,
  a channel is back within a second (measured: at most 0.72 s).
* notice a dead connection while idle. A peer that vanished without closing its connection (a node
  lost, a connection dropped by the network) is found by keepalive pings within seconds, instead of
  by the next call, which would wait for its whole deadline.

A server must accept those pings, or it answers them with GOAWAY (too_many_pings) and drops the
connection: `server_options` are the matching settings, which `serving_base.server.serve` uses.

Both ends receive messages of up to `serving_base.limits.MESSAGE_BYTES` (gRPC's default, stated here so
that the services' batch limits, derived from it, and the channels cannot drift apart).
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from serving_base.limits import MESSAGE_BYTES

#: A keepalive ping after this long without activity on a connection. gRPC advises no lower than 10 s
#: (proposal A8): a dead peer is then found within 10 + 5 s, and a ping every 10 s costs nothing.
KEEPALIVE_TIME_MS = 10_000

Options = list[tuple[str, int]]


def client_options(keepalive_ms: int = KEEPALIVE_TIME_MS) -> Options:
    """A client channel's options, pinging after `keepalive_ms` without activity."""
    return [
        ("grpc.keepalive_time_ms", keepalive_ms),
        # An acknowledgement takes well under a millisecond on a LAN; 5 s tolerates a saturated host
        # without declaring a live service dead.
        ("grpc.keepalive_timeout_ms", 5_000),
        # The gateway may sit idle between requests: keep checking the connection then, so that the
        # first request after a quiet period does not meet a dead one.
        ("grpc.keepalive_permit_without_calls", 1),
        # Without this, gRPC stops pinging after 2 pings with no data, which ends keepalive while idle.
        ("grpc.http2.max_pings_without_data", 0),
        # First retry 100 ms after a failed connection: a reset connection or a quick restart is back soon.
        ("grpc.initial_reconnect_backoff_ms", 100),
        # The cap: once the service listens again, the channel is back within 1 s (+20 % jitter). While it
        # is down, that costs one refused TCP connection per second per channel: nothing.
        ("grpc.max_reconnect_backoff_ms", 1_000),
        # The least time a connection attempt is given (default 20 s): an attempt towards an address
        # that no longer answers would otherwise hold the next retry for 20 s. A connection on a LAN
        # takes milliseconds.
        ("grpc.min_reconnect_backoff_ms", 1_000),
        # The largest answer accepted: the services keep every answer within it (serving_base.limits).
        ("grpc.max_receive_message_length", MESSAGE_BYTES),
    ]


def server_options(keepalive_ms: int = KEEPALIVE_TIME_MS) -> Options:
    """A server's options matching clients that ping every `keepalive_ms`: keepalive, largest message.

    One period makes both sides, so they cannot drift apart; tests/serving/test_keepalive.py runs the
    pair at a second's period instead of waiting through the production one."""
    return [
        # Accept pings on a connection without calls in flight (an idle gateway's).
        ("grpc.keepalive_permit_without_calls", 1),
        # The least time between pings without data that the server accepts (default 5 min: pings every
        # 10 s would be strikes, and after 2 strikes the server drops the connection). Half the clients'
        # period, so that timer slack never makes a strike.
        ("grpc.http2.min_ping_interval_without_data_ms", keepalive_ms // 2),
        # The largest request accepted: gRPC refuses a larger one with RESOURCE_EXHAUSTED before any
        # handler.
        ("grpc.max_receive_message_length", MESSAGE_BYTES),
    ]


#: What the platform's services run with (serving_base.server.serve).
SERVER_OPTIONS = server_options()


def open_channel(
    target: str,
    interceptors: Sequence[grpc.aio.ClientInterceptor] | None = None,
    *,
    keepalive_ms: int = KEEPALIVE_TIME_MS,
) -> grpc.aio.Channel:
    """An insecure asyncio channel to a platform service (`host:port`), with the platform's keepalive
    and reconnect backoff; `interceptors` as `grpc.aio.insecure_channel` takes them (tracing's)."""
    return grpc.aio.insecure_channel(target, options=client_options(keepalive_ms), interceptors=interceptors)
