"""Ports for the services the tests and benchmarks start: free, out of the kernel's ephemeral range
(where client connections take theirs), never the same twice."""

from __future__ import annotations

import socket

import pytest

from credit_common.processes import _ephemeral_low, free_port

pytestmark = pytest.mark.unit


def test_ports_are_distinct_free_and_below_the_ephemeral_range() -> None:
    # given many ports asked in a row, none of them bound yet (as services still starting)
    ports = [free_port() for _ in range(300)]
    # then no port is handed out twice, none comes from the range outgoing connections use
    assert len(set(ports)) == len(ports), "a port handed out twice"
    assert max(ports) < _ephemeral_low() <= 65535
    # and each can be bound
    for port in ports[:20]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
