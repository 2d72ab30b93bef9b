"""Real gRPC servers and gateways in subprocesses on free ports, for the service and gateway tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.tracking._tracking_service.utils import _use_tracking_uri

from credit_common.processes import Service, free_port, start_service
from gateway.admission.auth import hash_key
from tests.async_run import run_coroutine  # noqa: F401 (the integration tests import it from here)
from tests.session_services import served_registry, start_mlflow_server, start_server
from training.model import tracking

__all__ = [
    "ADVISOR_KEY",
    "FIVE_FIELD_APPLICATION",
    "SERVICE_KEY",
    "Service",
    "free_port",
    "memory_kb",
    "mlflow_on",
    "register_copy_of_champion",
    "start_gateway",
    "start_mlflow_server",
    "start_server",
]

ADVISOR_KEY, SERVICE_KEY = "test-advisor-key", "test-service-key"
#: A new application with the five fields an application needs and nothing else.
FIVE_FIELD_APPLICATION = {
    "AMT_INCOME_TOTAL": 90000.0,
    "AMT_CREDIT": 300000.0,
    "AMT_ANNUITY": 15000.0,
    "DAYS_BIRTH": -12000,
    "NAME_CONTRACT_TYPE": "Cash loans",
}


def memory_kb(server: Service, field: str) -> int:
    """VmRSS (now) or VmHWM (peak since the last reset) of a server's process, kB."""
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


@contextmanager
def mlflow_on(uri: str) -> Iterator[None]:
    """MLflow's process-wide tracking URI on `uri` for a while, then exactly as it was, and the variable
    MLflow writes with it too: the other tests of the session keep the session's registry."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        with _use_tracking_uri(uri):
            yield


def register_copy_of_champion(alias: str) -> str:
    """A second version of the champion's pipeline under `alias` (as a retraining would register)."""
    champion = tracking.champion()
    pipeline = mlflow.sklearn.load_model(f"models:/{tracking.MODEL_NAME}/{champion.version}")
    with mlflow.start_run(run_name="copy-for-swap-test"):
        info = mlflow.sklearn.log_model(
            pipeline,
            name="model",
            registered_model_name=tracking.MODEL_NAME,
            signature=mlflow.models.get_model_info(
                f"models:/{tracking.MODEL_NAME}/{champion.version}"
            ).signature,
            skops_trusted_types=tracking._trusted_types(pipeline),
            # stated as training states them: inferring them starts a Python that loads the model, seconds
            # of CPU in the middle of a swap test whose service needs both cores (CI once saw a Redis read
            # there pass its 0.25 s timeout: UNAVAILABLE)
            pip_requirements=tracking.pip_requirements(),
        )
    client = MlflowClient()
    version = str(info.registered_model_version)
    for key, value in champion.tags.items():
        client.set_model_version_tag(tracking.MODEL_NAME, version, key, value)
    client.set_registered_model_alias(tracking.MODEL_NAME, alias, version)
    return version


def api_keys_json() -> str:
    """GATEWAY_API_KEYS holding the hashes of the test keys (an advisor key and a service key)."""
    return json.dumps(
        {
            hash_key(ADVISOR_KEY): {"name": "advisor-app", "roles": ["advisor"]},
            hash_key(SERVICE_KEY): {"name": "other-system", "roles": ["service"]},
        }
    )


def start_gateway(folder: Path, scoring: str, explain: str, **env: str) -> Service:
    """`python -m gateway` on a free port against the given gRPC services."""
    served = served_registry()
    variables = {
        "GATEWAY_SCORING_TARGET": scoring,
        "GATEWAY_EXPLAIN_TARGET": explain,
        "GATEWAY_API_KEYS": api_keys_json(),
        "GATEWAY_PREDICTION_LOG_DIR": str(folder / "predictions"),
        **({"MLFLOW_TRACKING_URI": served} if served else {}),
        **env,
    }
    return start_service("gateway", folder, env=variables, port_env="GATEWAY_PORT")


@pytest.fixture(scope="session")
def gateway_server(
    scoring_server: Service, explain_server: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    server = start_gateway(tmp_path_factory.mktemp("gateway"), scoring_server.target, explain_server.target)
    server.wait_ready()
    yield server
    server.stop()
