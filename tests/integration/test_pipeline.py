"""The demo's pipeline: the session platform was built by it; a second run reuses every step."""

from __future__ import annotations

import time

import pytest

from training.cli import pipeline_targets
from training.pipeline import PipelineOptions, run_pipeline, step_output

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_second_run_reuses_what_is_built(platform) -> None:
    started = time.perf_counter()
    targets = pipeline_targets()
    assert targets.layout.root == platform.root, "the variables name the session's platform"
    result = run_pipeline(PipelineOptions(scale=0.01, seed=7, trials=3, folds=2), targets)
    assert set(result.reused) == set(result.seconds), (
        f"every step reused, rebuilt: {set(result.seconds) - set(result.reused)}"
    )
    assert time.perf_counter() - started < 30, "reusing takes seconds, not a rebuild"
    assert step_output("train", targets.layout)["model_version"] == platform.train_result.model_version, (
        "same model"
    )
