"""Start the platform's services as real processes on free ports (tests, benchmarks, the demo check)."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

#: Ports this process has handed out: a service binds its port only once started, seconds later.
_HANDED_OUT: set[int] = set()
#: How far below the kernel's ephemeral range ports are drawn.
_SPAN = 10_000


def _ephemeral_low() -> int:
    """The first port of the range the kernel takes outgoing connections' ports from."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A TCP port free on the loopback interface now, that nothing else is likely to take before the
    service binds it, seconds later (a gateway binds once its start-up is done).

    Drawn below the ephemeral range, where no outgoing connection takes its port (a port asked of the
    kernel with bind(0) comes from that range, and a test's client connections once took one before
    its gateway was up), and never the same twice in a process.
    """
    low = _ephemeral_low()
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(max(1024, low - _SPAN), low)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"no free port found below {low}")


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

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Signal the process (SIGTERM drains), wait for it (SIGKILL after `timeout` s); its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
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
