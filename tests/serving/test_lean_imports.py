"""The gRPC services stand on the cores: no training, search, drift, UI, DuckDB, Feast or shap at all."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

HEAVY = ("training", "ray", "evidently", "gradio", "duckdb", "feast", "shap", "numba")


@pytest.mark.parametrize("service", ["scoring_service", "explain_service"])
def test_a_model_service_imports_none_of_the_offline_stack(service: str) -> None:
    code = (
        f"import sys, {service}.__main__, {service}.servicer; "
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert not loaded & set(HEAVY), f"{service} imports {sorted(loaded & set(HEAVY))}"
    assert {"grpc", "lightgbm", "redis"} <= loaded, "the service still loads what it serves with"
