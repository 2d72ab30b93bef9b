"""Real gRPC servers in subprocesses on free ports, for the service and gateway tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A service process and where it listens."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def health(self, timeout: float = 1.0) -> int:
        with grpc.insecure_channel(self.target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            return stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout).status

    def wait_serving(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                if self.health() == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.3)
        raise TimeoutError(
            f"server on {self.port} not SERVING after {timeout}s:\n{self.log.read_text()[-3000:]}"
        )

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_server(module: str, folder: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """Start `python -m module --port <free>` with the session's environment; logs to a file."""
    port = free_port()
    log = folder / f"{module}-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), *args],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    return Server(process, port, log)


@pytest.fixture(scope="session")
def scoring_server(platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server("scoring_service", tmp_path_factory.mktemp("scoring"), "--poll-seconds", "1")
    server.wait_serving()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def explain_server(platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server("explain_service", tmp_path_factory.mktemp("explain"), "--poll-seconds", "1")
    server.wait_serving()
    yield server
    server.stop()


ADVISOR_KEY, SERVICE_KEY = "test-advisor-key", "test-service-key"


@dataclass
class HttpServer:
    """An HTTP service process (uvicorn) and its base URL."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str = "/v1/health/live", timeout: float = 120.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                if httpx.get(self.url + path, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{self.url} not ready after {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        return self.process.returncode


def api_keys_json() -> str:
    """GATEWAY_API_KEYS holding the hashes of the test keys (an advisor key and a service key)."""
    import json

    from gateway.auth import hash_key

    return json.dumps(
        {
            hash_key(ADVISOR_KEY): {"name": "advisor-app", "roles": ["advisor"]},
            hash_key(SERVICE_KEY): {"name": "other-system", "roles": ["service"]},
        }
    )


def start_gateway(folder: Path, scoring: str, explain: str, **env: str) -> HttpServer:
    """`python -m gateway` on a free port against the given gRPC services."""
    port = free_port()
    log = folder / f"gateway-{port}.log"
    variables = {
        **os.environ,
        "GATEWAY_PORT": str(port),
        "GATEWAY_SCORING_TARGET": scoring,
        "GATEWAY_EXPLAIN_TARGET": explain,
        "GATEWAY_API_KEYS": api_keys_json(),
        "GATEWAY_PREDICTION_LOG_DIR": str(folder / "predictions"),
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway"], stdout=log.open("w"), stderr=subprocess.STDOUT, env=variables
    )
    return HttpServer(process, port, log)


@pytest.fixture(scope="session")
def gateway_server(
    scoring_server: Server, explain_server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HttpServer]:
    server = start_gateway(tmp_path_factory.mktemp("gateway"), scoring_server.target, explain_server.target)
    server.wait_ready()
    yield server
    server.stop()
