"""A decision-path process (gateway.api.decision_app: the decision path, admission, the API's decision
routes) stands on the cores and the services' clients: none of the libraries of the client's file
(DuckDB, pandas, scikit-learn, fpdf), of the log's readers (pyarrow) or of the reviews' database
(SQLAlchemy) is loaded with it, and it fits in 150 MB resident once loaded. The serving process
itself is measured under load in tests/integration/test_decision_path_process.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

HEAVY = (
    "duckdb",
    "pyarrow",
    "sqlalchemy",
    "pandas",
    "sklearn",
    "fpdf",
    "matplotlib",
    "feast",
    "lightgbm",
    "shap",
    "mlflow",
    "training",
    "gradio",
    "ray",
    "evidently",
)

#: Every module of the decision path and of admission, but the log's compaction (a child process of
#: its own that writes Parquet).
_IMPORT_ALL = """
import importlib, pkgutil, sys
import gateway.admission, gateway.decisions
import gateway.__main__, gateway.api.decision_app  # the process serving the decision path
for package in (gateway.decisions, gateway.admission):
    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "log_compaction":
            importlib.import_module(f"{package.__name__}.{module.name}")
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
print(int(peak.split()[1]) // 1024)  # this image's peak (ru_maxrss would keep pytest's across exec)
"""


def test_the_decision_path_process_loads_none_of_the_client_files_libraries() -> None:
    done = subprocess.run([sys.executable, "-c", _IMPORT_ALL], capture_output=True, text=True, check=True)
    modules, peak_mb = done.stdout.splitlines()
    loaded = set(modules.split())
    assert not loaded & set(HEAVY), f"the decision path imports {sorted(loaded & set(HEAVY))}"
    assert {"grpc", "numpy", "redis", "limits", "gateway"} <= loaded, "it loads what it decides with"
    assert int(peak_mb) <= 150, f"{peak_mb} MB resident once loaded"
