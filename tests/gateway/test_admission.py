"""The admission middleware over a small app: one authentication from the headers, before any body is
read; bodies cut at the limit; lockout and rate limits with Retry-After; probes always open."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from limits import RateLimitItemPerSecond, parse_many
from limits.strategies import MovingWindowRateLimiter
from pydantic import ValidationError
from starlette.types import Message

from gateway.admission import middleware as admission
from gateway.admission.auth import KeyEntry, hash_key
from gateway.admission.throttle import LoopStorage
from gateway.api.app import create_app
from gateway.api.deps import Advisor, AnyCaller
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit

ADVISOR_KEY, SERVICE_KEY, OTHER_ADVISOR_KEY = "advisor-key", "service-key", "other-advisor-key"
KEYS = {
    hash_key(ADVISOR_KEY): KeyEntry(name="ui", roles=["advisor"]),
    hash_key(SERVICE_KEY): KeyEntry(name="batch", roles=["service"]),
    hash_key(OTHER_ADVISOR_KEY): KeyEntry(name="other-ui", roles=["advisor"]),
}
ADVISOR = {"X-API-Key": ADVISOR_KEY}
CAPACITY_BENCH_RATE = 1000  # req/s, its ramp's top step, one key, one address (bench.capacity)


def settings(**admission_settings: Any) -> GatewaySettings:
    """Settings with the test keys; admission settings not given take their defaults."""
    return GatewaySettings(api_keys=KEYS, **admission_settings)


def small_app(with_admission: bool = True, **admission_settings: Any) -> FastAPI:
    """A route per role dependency, a route that reads a JSON body, and the liveness probe."""
    app = FastAPI()
    if with_admission:
        admission.install(app, settings(**admission_settings))

    @app.get("/v1/whoami")
    async def whoami(caller: Advisor) -> dict[str, str]:
        return {"name": caller.name}

    @app.post("/v1/echo")
    async def echo(body: dict[str, Any], caller: AnyCaller) -> dict[str, int]:
        return {"fields": len(body)}

    @app.get("/v1/health/live")
    async def live() -> dict[str, str]:
        return {"status": "alive"}

    return app


def client(app: FastAPI, address: str = "10.0.0.1") -> TestClient:
    return TestClient(app, client=(address, 40000))


def http_scope(path: str, method: str = "GET", headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An ASGI HTTP scope as a server builds it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
        "client": ("10.0.0.9", 40000),
        "server": ("testserver", 80),
        "state": {},
    }


def call(app: FastAPI, scope: dict[str, Any], chunks: Iterator[bytes]) -> tuple[int, bytes, int]:
    """Run one request at the ASGI level: (status, body, how many body chunks the app pulled)."""
    pulled = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        chunk = next(chunks, None)
        return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

    async def send(message: Message) -> None:
        sent.append(message)

    # A loop of its own in a thread of its own: the browser tests leave a running loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body, pulled


def endless(chunk: bytes) -> Iterator[bytes]:
    while True:
        yield chunk


def test_a_valid_key_reaches_the_route_as_its_caller_and_roles_still_apply() -> None:
    # given the small app behind admission
    with client(small_app()) as http:
        # when callers present keys in either header
        by_header = http.get("/v1/whoami", headers=ADVISOR)
        by_bearer = http.get("/v1/whoami", headers={"Authorization": f"Bearer {ADVISOR_KEY}"})
        wrong_role = http.get("/v1/whoami", headers={"X-API-Key": SERVICE_KEY})
    # then the route sees the key's holder, and a key without the role is refused
    assert by_header.json() == {"name": "ui"}, f"X-API-Key admits: {by_header.text}"
    assert by_bearer.json() == {"name": "ui"}, f"Authorization: Bearer admits: {by_bearer.text}"
    assert wrong_role.status_code == 403, f"a service key on an advisor route: {wrong_role.text}"


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}])
def test_a_missing_or_wrong_key_is_401_with_a_challenge(headers: dict[str, str]) -> None:
    # given the small app behind admission
    with client(small_app()) as http:
        # when a request comes without a valid key
        reply = http.get("/v1/whoami", headers=headers)
    # then it is refused as unauthenticated, saying how to authenticate
    assert reply.status_code == 401, f"{headers}: {reply.status_code} {reply.text}"
    assert reply.json() == {"detail": "missing or invalid API key"}, "the documented detail"
    assert reply.headers["WWW-Authenticate"] == "ApiKey", "the challenge names the scheme"


def test_without_admission_the_role_dependency_admits_no_one() -> None:
    # given the same routes without the middleware (nothing authenticated the request)
    with client(small_app(with_admission=False)) as http:
        # when a valid key is presented
        reply = http.get("/v1/whoami", headers=ADVISOR)
    # then the dependency does not authenticate a second time: it fails closed
    assert reply.status_code == 401, f"no admission, no caller: {reply.status_code} {reply.text}"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Content-Length": str(5 * 2**20)}, 401),
        ({"Content-Length": str(5 * 2**20), "X-API-Key": "wrong"}, 401),
        ({"Content-Length": str(50 * 2**20), **ADVISOR}, 413),
    ],
)
def test_refusals_are_answered_before_the_body_is_read(headers: dict[str, str], code: int) -> None:
    # given the small app behind admission, and a body announced but never sent
    app = small_app()
    scope = http_scope("/v1/echo", "POST", {"Content-Type": "application/json", **headers})
    # when the request comes
    status, body, pulled = call(app, scope, endless(b"x" * 65536))
    # then it is refused from its headers alone: not a byte of the body was asked for
    assert status == code, f"{headers}: {status} {body[:200]!r}"
    assert pulled == 0, f"the body was read ({pulled} chunks) before refusing it"
    assert body.startswith(b'{"detail":'), f"a JSON detail: {body[:200]!r}"


def test_a_chunked_body_is_cut_once_it_outgrows_the_limit() -> None:
    # given a 16 KiB limit and a body of unknown length (chunked) that never ends
    app = small_app(max_body_bytes=16384)
    scope = http_scope("/v1/echo", "POST", {"Content-Type": "application/json", **ADVISOR})
    # when the app reads it
    status, body, pulled = call(app, scope, endless(b" " * 4096))
    # then it is answered 413 as soon as the limit is passed: never more than one chunk beyond it
    assert status == 413, f"an endless body: {status} {body[:200]!r}"
    assert body == b'{"detail":"request body larger than 16384 bytes"}', "a JSON detail naming the limit"
    assert pulled == 16384 // 4096 + 1, f"{pulled} chunks pulled for a 16 KiB limit in 4 KiB chunks"


def test_a_body_within_the_limit_reaches_the_route() -> None:
    # given a 16 KiB limit
    with client(small_app(max_body_bytes=16384)) as http:
        # when an application-sized body comes, announced or chunked
        announced = http.post("/v1/echo", headers=ADVISOR, json={"a": 1, "b": "x" * 5000})
        body = iter([b'{"a": 1,', b' "b": 2}'])
        chunked = http.post("/v1/echo", headers={**ADVISOR, "Content-Type": "application/json"}, content=body)
    # then the route reads it
    assert announced.json() == {"fields": 2}, f"a 5 KB body: {announced.status_code} {announced.text}"
    assert chunked.json() == {"fields": 2}, f"a chunked body: {chunked.status_code} {chunked.text}"


def test_wrong_keys_lock_the_address_out_even_for_a_right_key_but_not_the_probes() -> None:
    # given an app locking an address out after 3 wrong keys in a minute
    app = small_app(auth_failures_per_minute=3)
    with client(app, "10.0.0.1") as attacker, client(app, "10.0.0.2") as neighbour:
        # when an address presents 3 wrong keys, then a right one
        guesses = [attacker.get("/v1/whoami", headers={"X-API-Key": f"guess-{i}"}) for i in range(3)]
        right = attacker.get("/v1/whoami", headers=ADVISOR)
        probe = attacker.get("/v1/health/live")
        elsewhere = neighbour.get("/v1/whoami", headers=ADVISOR)
    # then the guesses are 401 and the address is locked out until the minute frees
    assert [g.status_code for g in guesses] == [401] * 3, "the threshold's guesses are answered 401"
    assert right.status_code == 429, f"locked out, whatever the key: {right.status_code} {right.text}"
    assert 1 <= int(right.headers["Retry-After"]) <= 60, f"Retry-After {right.headers.get('Retry-After')}"
    assert "failed authentications" in right.json()["detail"], f"says why: {right.text}"
    assert probe.status_code == 200, "the probes answer a locked-out address"
    assert elsewhere.status_code == 200, "another address is not locked out"


def test_a_missing_key_is_no_guess_and_never_locks_out() -> None:
    # given an app locking an address out after 3 wrong keys in a minute
    with client(small_app(auth_failures_per_minute=3)) as http:
        # when an address sends requests without a key, then with its key
        anonymous = [http.get("/v1/whoami").status_code for _ in range(10)]
        right = http.get("/v1/whoami", headers=ADVISOR)
    # then they are 401, and the key still works
    assert set(anonymous) == {401}, f"no key, no lockout: {anonymous}"
    assert right.status_code == 200, f"not locked out: {right.status_code} {right.text}"


def test_a_key_over_its_rate_is_429_with_retry_after_while_another_key_passes() -> None:
    # given 3 requests a minute per key
    with client(small_app(rate_limit_per_key="3/minute")) as http:
        # when one key sends 4, then another key 1
        replies = [http.get("/v1/whoami", headers=ADVISOR) for _ in range(4)]
        other = http.get("/v1/whoami", headers={"X-API-Key": OTHER_ADVISOR_KEY})
    # then the 4th is refused until the window frees, and the other key is not affected
    assert [r.status_code for r in replies] == [200, 200, 200, 429], "the 4th request is over the rate"
    assert 1 <= int(replies[-1].headers["Retry-After"]) <= 60, "seconds until the minute frees a slot"
    assert "API key" in replies[-1].json()["detail"], f"says which limit: {replies[-1].text}"
    assert other.status_code == 200, f"another key keeps its own window: {other.text}"


def test_an_address_over_its_rate_is_429_while_another_address_passes() -> None:
    # given 3 requests a second per address (and many per key)
    app = small_app(rate_limit_per_address="3/second")
    with client(app, "10.0.0.1") as busy, client(app, "10.0.0.2") as quiet:
        # when one address sends 4 with two keys, and another address 1
        keys = [ADVISOR_KEY, OTHER_ADVISOR_KEY] * 2
        replies = [busy.get("/v1/whoami", headers={"X-API-Key": key}) for key in keys]
        other = quiet.get("/v1/whoami", headers=ADVISOR)
    # then the 4th is refused whatever its key, for about a second; the other address passes
    assert [r.status_code for r in replies] == [200, 200, 200, 429], "the 4th request is over the rate"
    assert replies[-1].headers["Retry-After"] == "1", "a one-second window frees within a second"
    assert "address" in replies[-1].json()["detail"], f"says which limit: {replies[-1].text}"
    assert other.status_code == 200, f"another address keeps its own window: {other.text}"


def test_the_probes_are_never_limited() -> None:
    # given one request a minute per address
    with client(small_app(rate_limit_per_address="1/minute")) as http:
        # when a probe polls many times
        probes = {http.get("/v1/health/live").status_code for _ in range(20)}
    # then every poll is answered
    assert probes == {200}, f"probes are never limited: {probes}"


@pytest.mark.parametrize("rates", ["", "100/sec", "100 a minute", "1000/second;oops"])
def test_a_rate_typo_fails_at_start_up(rates: str) -> None:
    # given a mistyped rate / when the settings are read / then they are refused
    with pytest.raises(ValidationError, match="rate_limit_per_key"):
        settings(rate_limit_per_key=rates)


@pytest.mark.parametrize("field", ["rate_limit_per_key", "rate_limit_per_address"])
def test_the_default_rates_admit_the_capacity_bench_with_headroom(field: str) -> None:
    # given a default rate (every window of it applies)
    windows = parse_many(GatewaySettings.model_fields[field].default)
    # then each window admits the capacity bench's one key and one address at 1,000 req/s for 60 s,
    # with room for bursts (an open-loop generator catching up after a pause)
    for window in windows:
        seconds = window.get_expiry()
        needed = CAPACITY_BENCH_RATE * min(seconds, 60)
        assert window.amount >= 1.5 * needed, f"{window}: {needed} requests in {seconds} s at 1,000 req/s"


def test_the_admission_defaults_are_the_readmes() -> None:
    # given the README's configuration row for admission
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `GATEWAY_MAX_BODY_BYTES`"))
    documented = row.split(" | ")[1]
    # then it states the settings' defaults
    fields = GatewaySettings.model_fields
    per_key, per_address = fields["rate_limit_per_key"].default, fields["rate_limit_per_address"].default
    assert per_address == per_key, "the README says 'the same'"
    body, failures = fields["max_body_bytes"].default, fields["auth_failures_per_minute"].default
    assert documented == f"{body}, `{per_key}`, the same, {failures}"


def test_the_default_body_limit_is_64_kib() -> None:
    # given the default settings
    with client(small_app()) as http:
        # when a body of exactly 64 KiB comes, then one byte more
        padding, headers = 65536 - len(b'{"a": ""}'), {**ADVISOR, "Content-Type": "application/json"}
        at_limit = http.post("/v1/echo", headers=headers, content=b'{"a": "' + b"x" * padding + b'"}')
        over = http.post("/v1/echo", headers=headers, content=b'{"a": "' + b"x" * (padding + 1) + b'"}')
    # then the first reaches the route and the second is 413 naming the limit
    assert at_limit.json() == {"fields": 1}, f"{at_limit.status_code} {at_limit.text[:200]}"
    assert over.status_code == 413, over.text[:200]
    assert over.json() == {"detail": "request body larger than 65536 bytes"}


def test_every_gateway_route_is_open_or_requires_a_role_and_documents_the_key_headers() -> None:
    # given the gateway's app
    app = create_app(settings())
    open_paths = admission.PROBE_PATHS | {app.openapi_url, app.docs_url, app.redoc_url}
    schema = app.openapi()
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        checks = {d.call.__qualname__ for d in route.dependant.dependencies if d.call}
        protected = any(name.startswith("require.") for name in checks)
        # then admission lets through unauthenticated exactly the routes that require no role
        assert protected != (route.path in open_paths), f"{route.path}: open to admission ⇔ no role"
        # and a protected operation still documents both ways to present the key
        for method in route.methods if protected and route.include_in_schema else ():
            parameters = schema["paths"][route.path][method.lower()].get("parameters", [])
            headers = {p["name"].lower() for p in parameters if p["in"] == "header"}
            assert {"x-api-key", "authorization"} <= headers, f"{method} {route.path}: {headers}"


def test_addresses_seen_once_are_forgotten_once_their_window_has_passed() -> None:
    # given 100 addresses that each sent one request in a one-second window
    storage = LoopStorage(sweep_seconds=0.0)
    limiter = MovingWindowRateLimiter(storage)
    window = RateLimitItemPerSecond(5)
    for address in range(100):
        limiter.hit(window, "address", f"10.1.0.{address}")
    # when the window has passed and another address comes
    time.sleep(1.1)
    limiter.hit(window, "address", "10.2.0.1")
    # then only the active address is still held: memory follows the active clients, not all ever seen
    assert storage.reset() == 1, "idle addresses are swept"
