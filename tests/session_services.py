"""The session's registry server and model services, one set per pytest worker for every module that
needs them (integration and e2e alike: tests/conftest.py registers the fixtures, as a fixture defined in
a folder's conftest would be started again for another folder's tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from credit_common.processes import Service, start_service

#: The session's MLflow server while it runs, by the registry it serves: a gateway started on that
#: registry reads it through the server, as `make demo`'s does (without the MLflow client: about a
#: second less CPU per start).
_SERVED_REGISTRIES: dict[str, str] = {}


def served_registry() -> str | None:
    """The URL of the session's MLflow server if it serves the registry MLFLOW_TRACKING_URI names now."""
    return _SERVED_REGISTRIES.get(os.environ.get("MLFLOW_TRACKING_URI", ""))


def start_server(module: str, folder: Path, *args: str, env: dict[str, str] | None = None) -> Service:
    """A gRPC service (`scoring_service` or `explain_service`) with the session's environment."""
    return start_service(module, folder, *args, env=env)


def start_mlflow_server(folder: Path, store_uri: str) -> Service:
    """An MLflow tracking server over the registry at `store_uri`, ready when it returns: the services
    read the registry over HTTP, as in `make demo`."""
    server = start_service(
        "mlflow",
        folder,
        "server",
        env={
            "MLFLOW_BACKEND_STORE_URI": store_uri,
            "MLFLOW_HOST": "127.0.0.1",
            "MLFLOW_WORKERS": "1",
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        },
        port_env="MLFLOW_PORT",
    )
    server.wait_ready("/health")
    return server


@pytest.fixture(scope="session")
def mlflow_server(platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """An MLflow tracking server over the session's registry, as `make demo` runs one."""
    registry = os.environ["MLFLOW_TRACKING_URI"]
    server = start_mlflow_server(tmp_path_factory.mktemp("mlflow"), registry)
    _SERVED_REGISTRIES[registry] = server.url
    yield server
    del _SERVED_REGISTRIES[registry]
    server.stop()


def _serving(module: str, folder: Path, registry: Service) -> Iterator[Service]:
    # The services read the registry over HTTP, as in `make demo` and beyond one machine.
    server = start_server(module, folder, "--poll-seconds", "1", env={"MLFLOW_TRACKING_URI": registry.url})
    server.wait_serving()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def scoring_server(mlflow_server: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from _serving("scoring_service", tmp_path_factory.mktemp("scoring"), mlflow_server)


@pytest.fixture(scope="session")
def explain_server(mlflow_server: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from _serving("explain_service", tmp_path_factory.mktemp("explain"), mlflow_server)
