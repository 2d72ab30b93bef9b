"""Jobs read no environment: the command line reads the settings and hands them over as options."""

from __future__ import annotations

import inspect
from pathlib import Path

import pydantic
import pytest

from training import cli, pipeline
from training.features import load_options, materialize, reload, whole_hashes
from training.features.load_options import DEFAULT_LOAD, OnlineLoadOptions
from training.model import evaluate, tracking, train
from training.model.fairness_bounds import DEFAULT_BOUNDS, FairnessBounds
from training.model.tracking import TrackingStore
from training.monitoring import drift
from training.reporting import report

pytestmark = pytest.mark.unit


def test_the_fairness_variables_become_the_jobs_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FAIRNESS_EXCESS_GAP", "FAIRNESS_EXCESS_RATIO", "FAIRNESS_MAX_GAP", "FAIRNESS_MIN_RATIO"):
        monkeypatch.delenv(name, raising=False)
    assert cli.fairness_bounds() == DEFAULT_BOUNDS, "unset, the bounds are the code's defaults"
    monkeypatch.setenv("FAIRNESS_MAX_GAP", "1")
    monkeypatch.setenv("FAIRNESS_MIN_RATIO", "0")
    assert cli.fairness_bounds() == FairnessBounds(max_gap=1, min_ratio=0)


def test_a_bad_fairness_variable_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRNESS_MIN_RATIO", "1.5")
    with pytest.raises(pydantic.ValidationError, match="FAIRNESS_MIN_RATIO"):
        cli.fairness_bounds()


def test_the_materialize_variables_become_the_jobs_load_options(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FEAST_FAST_MATERIALIZE", "MATERIALIZE_DUCKDB_MEMORY"):
        monkeypatch.delenv(name, raising=False)
    assert cli.online_load_options() == DEFAULT_LOAD == OnlineLoadOptions(fast=True, duckdb_memory="3GB")
    monkeypatch.setenv("FEAST_FAST_MATERIALIZE", "0")
    monkeypatch.setenv("MATERIALIZE_DUCKDB_MEMORY", "512MB")
    assert cli.online_load_options() == OnlineLoadOptions(fast=False, duckdb_memory="512MB")


JOBS = [load_options, materialize, reload, whole_hashes, train, drift, evaluate, report, tracking, pipeline]


@pytest.mark.parametrize("module", JOBS)
def test_the_jobs_and_the_pipeline_read_no_settings(module: object) -> None:
    source = inspect.getsource(module)  # type: ignore[arg-type]
    for reader in ("Settings()", "os.environ", "from_environment("):
        assert reader not in source, f"{module.__name__} reads {reader}: the command line's job"  # type: ignore[attr-defined]


def test_the_data_and_tracking_variables_become_the_pipelines_targets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CREDIT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    embedded = cli.tracking_store()
    assert embedded == TrackingStore(
        f"sqlite:///{tmp_path.resolve() / 'mlflow.db'}", tmp_path / "mlartifacts"
    )
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://registry:5000")
    targets = cli.pipeline_targets()
    assert targets.layout.root == tmp_path
    assert targets.features.data_dir == tmp_path
    assert targets.tracking == TrackingStore("http://registry:5000", tmp_path / "mlartifacts")
