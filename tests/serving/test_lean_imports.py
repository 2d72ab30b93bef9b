"""The gRPC services stand on the cores: none of the offline stack, and not even the model libraries
(pandas, scikit-learn, MLflow's client, the lightgbm package) until a model needs them."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

HEAVY = (
    "training",
    "ray",
    "evidently",
    "gradio",
    "duckdb",
    "feast",
    "shap",
    "numba",
    "pandas",
    "sklearn",
    "mlflow",
    "lightgbm",
)


@pytest.mark.parametrize("service", ["scoring_service", "explain_service"])
def test_a_model_service_imports_none_of_the_offline_stack(service: str) -> None:
    code = (
        f"import sys, {service}.__main__, {service}.servicer; "
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert not loaded & set(HEAVY), f"{service} imports {sorted(loaded & set(HEAVY))}"
    assert {"grpc", "numpy", "redis", "credit_model"} <= loaded, "the service loads what it serves with"
