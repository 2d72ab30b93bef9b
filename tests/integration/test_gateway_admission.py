"""Admission of a real gateway (uvicorn over sockets) with small limits: lockout after wrong keys, rate
limits per key and per address with Retry-After, bodies refused before they are read and never held in
memory, probes always answered.

Each test speaks from an address of its own (127.0.0.x): the gateway counts per client address, so the
tests cannot lock one another out.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.admission.auth import hash_key
from gateway.admission.shared_throttle import SLICES

from .conftest import ADVISOR_KEY, SERVICE_KEY, Service, memory_kb, start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FAILURES_PER_MINUTE, PER_KEY, PER_ADDRESS, MAX_BODY = 20, 30, 50, 32768
#: Keys of their own for the rate-limit tests: a key's window is shared by every address.
THROTTLED_KEYS = ("throttled-a", "throttled-b", "address-a", "address-b")


def _keys() -> str:
    roles = {ADVISOR_KEY: "advisor", SERVICE_KEY: "service"} | dict.fromkeys(THROTTLED_KEYS, "advisor")
    return json.dumps({hash_key(key): {"name": key, "roles": [role]} for key, role in roles.items()})


@pytest.fixture(scope="module")
def gateway(
    scoring_server: Service, explain_server: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    server = start_gateway(
        tmp_path_factory.mktemp("admission"),
        scoring_server.target,
        explain_server.target,
        GATEWAY_API_KEYS=_keys(),
        GATEWAY_AUTH_FAILURES_PER_MINUTE=str(FAILURES_PER_MINUTE),
        GATEWAY_RATE_LIMIT_PER_KEY=f"{PER_KEY}/minute",
        GATEWAY_RATE_LIMIT_PER_ADDRESS=f"{PER_ADDRESS}/minute",
        GATEWAY_MAX_BODY_BYTES=str(MAX_BODY),
    )
    server.wait_ready()
    yield server
    server.stop()


def client_from(gateway: Service, address: str) -> httpx.Client:
    """An HTTP client whose connections come from `address` (any 127.0.0.x reaches the gateway)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=gateway.url, transport=transport, timeout=60)


def announce(gateway: Service, address: str, path: str, headers: dict[str, str]) -> socket.socket:
    """Send a POST's headers only: its body is announced, never sent."""
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=30, source_address=(address, 0))
    lines = [f"POST {path} HTTP/1.1", "Host: gateway", *(f"{k}: {v}" for k, v in headers.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def answer(sock: socket.socket) -> tuple[int, dict]:
    """The status and JSON body of the answer waiting on `sock`."""
    reply = http.client.HTTPResponse(sock)
    reply.begin()
    return reply.status, json.loads(reply.read())


def test_300_wrong_keys_lock_the_address_out_but_not_the_probes_nor_other_addresses(
    gateway: Service,
) -> None:
    # given an address guessing keys as fast as it can
    with client_from(gateway, "127.0.0.2") as attacker:
        # when it sends 300 wrong keys, then the right one, then polls the probes
        guesses = [attacker.get("/v1/model", headers={"X-API-Key": f"guess-{i}"}) for i in range(300)]
        right = attacker.get("/v1/model", headers={"X-API-Key": ADVISOR_KEY})
        live = attacker.get("/v1/health/live")
        ready = attacker.get("/v1/health")
    with client_from(gateway, "127.0.0.3") as neighbour:
        elsewhere = neighbour.get("/v1/model", headers={"X-API-Key": SERVICE_KEY})
    # then the first guesses are 401, and every one past the threshold is 429 with Retry-After
    codes = [g.status_code for g in guesses]
    assert codes[:FAILURES_PER_MINUTE] == [401] * FAILURES_PER_MINUTE, f"up to the threshold: {codes[:25]}"
    assert set(codes[FAILURES_PER_MINUTE:]) == {429}, f"past it, locked out: {sorted(set(codes))}"
    waits = {int(g.headers["Retry-After"]) for g in guesses[FAILURES_PER_MINUTE:]}
    # A minute is counted in ten slices, and a request counts for its window and at most one slice
    # more (README, "Windows are shared"): the wait is at most 66 s, not 60.
    longest = 60 + 60 // SLICES
    assert waits <= set(range(1, longest + 1)), f"Retry-After: seconds until the window frees: {waits}"
    # and the right key does not unlock the address; the probes and other addresses are not affected
    assert right.status_code == 429, f"locked out whatever the key: {right.status_code} {right.text}"
    assert live.status_code == 200, f"liveness answers a locked-out address: {live.status_code}"
    assert ready.status_code == 200, (
        f"readiness answers a locked-out address: {ready.status_code} {ready.text}"
    )
    assert elsewhere.status_code == 200, f"another address: {elsewhere.status_code} {elsewhere.text}"


def test_a_key_over_its_rate_is_429_with_retry_after_while_another_key_passes(gateway: Service) -> None:
    # given one address and two keys of their own
    with client_from(gateway, "127.0.0.4") as http:
        # when one key sends one request more than its rate, then the other key one request
        replies = [http.get("/v1/model", headers={"X-API-Key": "throttled-a"}) for _ in range(PER_KEY + 1)]
        other = http.get("/v1/model", headers={"X-API-Key": "throttled-b"})
    # then only the request over the rate is refused, saying when to retry
    codes = [r.status_code for r in replies]
    assert codes == [200] * PER_KEY + [429], f"the request over the key's rate is refused: {codes}"
    # (a minute counted in 6-s slices, the oldest sliding out over its own 6 s: 66 s at most)
    retry = int(replies[-1].headers["Retry-After"])
    assert 1 <= retry <= 66, f"seconds until the key's window has room: {retry}"
    assert "API key" in replies[-1].json()["detail"], f"a JSON detail naming the limit: {replies[-1].text}"
    assert other.status_code == 200, f"another key keeps its own window: {other.status_code} {other.text}"


def test_an_address_over_its_rate_is_429_whatever_its_key_while_another_address_passes(
    gateway: Service,
) -> None:
    # given one address with two keys (each under the key's rate), and another address
    keys = ["address-a", "address-b"] * (PER_ADDRESS // 2) + ["address-a"]
    with client_from(gateway, "127.0.0.5") as busy, client_from(gateway, "127.0.0.6") as quiet:
        # when the first address sends one request more than its rate, then the other one request
        replies = [busy.get("/v1/model", headers={"X-API-Key": key}) for key in keys]
        other = quiet.get("/v1/model", headers={"X-API-Key": "address-a"})
    # then only the request over the address's rate is refused
    codes = [r.status_code for r in replies]
    assert codes == [200] * PER_ADDRESS + [429], f"the request over the address's rate is refused: {codes}"
    assert 1 <= int(replies[-1].headers["Retry-After"]) <= 60, "seconds until the address's minute frees"
    assert "address" in replies[-1].json()["detail"], f"a JSON detail naming the limit: {replies[-1].text}"
    assert other.status_code == 200, f"another address keeps its own window: {other.text}"


@pytest.mark.parametrize(
    ("key", "size", "code"),
    [(None, 5 * 2**20, 401), ("wrong", 5 * 2**20, 401), (SERVICE_KEY, 50 * 2**20, 413)],
)
def test_a_large_application_is_refused_before_its_body_is_sent(
    gateway: Service, key: str | None, size: int, code: int
) -> None:
    # given a POST announcing a large body, whose body is never sent
    headers = {"Content-Type": "application/json", "Content-Length": str(size)}
    sock = announce(gateway, "127.0.0.7", "/v1/applications", headers | ({"X-API-Key": key} if key else {}))
    with sock:
        # when the gateway answers (the socket's 30 s timeout: a gateway waiting for the body never does)
        status, body = answer(sock)
    # then it refused the request from its headers alone
    assert status == code, f"key {key!r}, {size} bytes announced: {status} {body}"
    assert isinstance(body["detail"], str), f"a JSON detail: {body}"


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_50_mb_application_is_413_quickly_and_never_held_in_memory(gateway: Service, framing: str) -> None:
    # given the gateway's memory now, its peak reset (Linux: 5 > clear_refs)
    body = b" " * (50 * 2**20)
    chunks = (body[i : i + 2**16] for i in range(0, len(body), 2**16))
    Path(f"/proc/{gateway.process.pid}/clear_refs").write_text("5")
    before = memory_kb(gateway, "VmRSS")
    with client_from(gateway, "127.0.0.8") as http:
        # when a valid key posts 50 MB, announced or chunked
        started = time.monotonic()
        reply = http.post(
            "/v1/applications",
            headers={"X-API-Key": SERVICE_KEY, "Content-Type": "application/json"},
            content=body if framing == "content-length" else chunks,
        )
        seconds = time.monotonic() - started
    peak = memory_kb(gateway, "VmHWM")
    # then it is refused at the limit, and the gateway never held more than a sliver of it
    assert reply.status_code == 413, f"{framing}: {reply.status_code} {reply.text[:200]}"
    assert reply.json() == {"detail": f"request body larger than {MAX_BODY} bytes"}, "a JSON detail"
    assert seconds < 10, f"{framing}: answered in {seconds:.1f} s"
    grown_mb = (peak - before) / 1024
    assert grown_mb < 10, f"{framing}: the gateway's peak memory grew by {grown_mb:.0f} MB for a 50 MB body"
