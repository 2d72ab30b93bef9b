"""A structured log line per finished Ray Tune trial: a long search says where it is as it goes.

A module of its own because Tune pickles its callbacks with the experiment's state, so the class must
be importable by name (and it imports Ray, which training.model.tune imports only when searching).
"""

from __future__ import annotations

import logging
from typing import Any

from ray.tune import Callback
from ray.tune.experiment import Trial

log = logging.getLogger(__name__)


class TrialLog(Callback):
    """Logs each trial as it ends: folds done, wall time, pooled cost, node."""

    def on_trial_complete(self, iteration: int, trials: list[Trial], trial: Trial, **info: Any) -> None:
        result = trial.last_result or {}
        log.info(
            "trial finished",
            extra={
                "trial": trial.trial_id,
                "folds_done": result.get("folds_done"),
                "seconds": round(float(result.get("trial_seconds", 0.0)), 1),
                "cv_business_cost": result.get("cv_business_cost"),
                "node_ip": result.get("node_ip"),
                "trials_finished": sum(t.is_finished() for t in trials),
            },
        )

    def on_trial_error(self, iteration: int, trials: list[Trial], trial: Trial, **info: Any) -> None:
        log.warning("trial failed", extra={"trial": trial.trial_id})
