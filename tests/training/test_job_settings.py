"""Jobs read no environment: the command line reads the settings and hands them over as options."""

from __future__ import annotations

import inspect

import pydantic
import pytest

from training import cli
from training.model import train
from training.model.fairness_bounds import DEFAULT_BOUNDS, FairnessBounds
from training.monitoring import drift

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


@pytest.mark.parametrize("module", [train, drift])
def test_the_train_and_drift_jobs_read_no_settings(module: object) -> None:
    source = inspect.getsource(module)  # type: ignore[arg-type]
    for reader in ("Settings()", "os.environ", "from_environment("):
        assert reader not in source, f"{module.__name__} reads {reader}: the command line's job"  # type: ignore[attr-defined]
