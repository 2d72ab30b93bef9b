"""Start the platform's services as real processes on free ports (tests, benchmarks, the demo check)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    """A service process, its port and its log file."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def target(self) -> str:
        """host:port, as gRPC clients want it."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Base URL, for HTTP services."""
        return f"http://{self.target}"

    def _check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"service exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}"
            )

    def health(self, timeout: float = 1.0) -> int:
        """The gRPC health status of the whole server (raises grpc.RpcError when it does not answer)."""
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        with grpc.insecure_channel(self.target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            return stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout).status

    def wait_serving(self, timeout: float = 120.0) -> None:
        """Wait until a gRPC service reports SERVING (its model is loaded)."""
        import grpc
        from grpc_health.v1 import health_pb2

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                if self.health() == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{self.target} not SERVING after {timeout}s:\n{self.log.read_text()[-3000:]}")

    def wait_ready(self, path: str = "/v1/health/live", timeout: float = 120.0) -> None:
        """Wait until an HTTP service answers 200 on `path`."""
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                if httpx.get(self.url + path, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{self.url} not ready after {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the process (SIGTERM drains) and wait for it; returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_service(
    module: str, folder: Path, *args: str, env: dict[str, str] | None = None, port_env: str | None = None
) -> Service:
    """`python -m module args...` on a free port given as `--port N`, or in the variable `port_env`."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"{module}-{port}.log"
    variables = {**os.environ, **(env or {})}
    port_args: list[str] = []
    if port_env:
        variables[port_env] = str(port)
    else:
        port_args = ["--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-m", module, *port_args, *args],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=variables,
    )
    return Service(process, port, log)
