"""A real Ray Tune search on local cores: each trial says how it ran, the search sums it up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.training.conftest import noisy_threshold_data
from training.model.tune import METRIC, search

FOLDS = 3


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """Two local CPUs for the module's searches (a Ray the session already runs is left running)."""
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    if started_here:
        ray.shutdown()


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    return noisy_threshold_data(600, 5, noise=1.0, cut=1.3, seed=2)


@pytest.mark.parametrize(("cpus_per_trial", "concurrent"), [(1, 2), (2, 1)])
def test_a_search_records_each_trials_time_folds_stop_and_node(
    local_ray, data, tmp_path: Path, cpus_per_trial: int, concurrent: int
) -> None:
    import ray

    x, y = data
    # Given two local CPUs, and trials of `cpus_per_trial` CPUs each
    # When a small search runs
    outcome = search(
        x, y, trials=5, folds=FOLDS, seed=4, storage=tmp_path / "ray", cpus=2, cpus_per_trial=cpus_per_trial
    )
    # Then as many trials run at once as the CPUs allow, each LightGBM with its trial's CPUs as threads
    assert outcome.concurrent_trials == concurrent, "trials at once = cpus // cpus_per_trial"
    assert len(outcome.trials) == 5, "every trial is recorded"
    for trial in outcome.trials:
        assert trial.metrics["trial_threads"] == cpus_per_trial, f"{trial.trial_id}: threads != its CPUs"
        # And each trial says how long it ran, how far it got and whether ASHA stopped it
        assert trial.seconds > 0, f"{trial.trial_id}: no wall time"
        assert 1 <= trial.folds_done <= FOLDS, f"{trial.trial_id}: folds done {trial.folds_done}"
        assert trial.completed == (trial.folds_done == FOLDS), f"{trial.trial_id}: completed mislabelled"
        assert trial.stopped_early == (not trial.completed), f"{trial.trial_id}: stop mislabelled"
        assert trial.node_id == ray.get_runtime_context().get_node_id(), "a local search runs here"
        assert trial.node_ip, f"{trial.trial_id}: no node address"
    # And the search sums it up: mean trial time, trials stopped early, the best complete trial
    assert outcome.seconds_per_trial == pytest.approx(np.mean([t.seconds for t in outcome.trials]))
    assert outcome.stopped_early == sum(not t.completed for t in outcome.trials), "stopped count"
    assert outcome.best.completed, "the best is a complete trial"
    assert outcome.best.metrics[METRIC] == min(t.metrics[METRIC] for t in outcome.trials if t.completed)
    assert 1 <= outcome.best.metrics["best_iteration"] < 2000, "the best trial stopped early on trees"
    assert 0 < outcome.fold_data_seconds < outcome.seconds, "fold data built once, before the trials"
