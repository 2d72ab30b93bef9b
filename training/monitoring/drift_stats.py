"""Per-column drift verdicts with Evidently 0.7, and the job's default test "material_shift".

material_shift: the normed Wasserstein distance (shift in units of the reference's std) must reach
the threshold (0.1) AND a Kolmogorov-Smirnov test must reject "same distribution" at 5 %. The
distance alone raises false alarms on small windows (its noise is ~1/sqrt(n): 0.08-0.15 at 500
rows); the p-value alone flags every trivial difference on 50k rows. Together: a drift is both real
and big enough to matter, and each feature's false-alarm rate under no drift stays <= 5 %.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.legacy.calculations.stattests.registry import (
    StatTest,
    get_registered_stattest,
    register_stattest,
)
from evidently.legacy.core import ColumnType
from evidently.metrics import ValueDrift
from evidently.presets import DataDriftPreset
from scipy import stats

from training.monitoring.drift_sources import SCORE, DriftInputError

log = logging.getLogger(__name__)

MATERIAL_SHIFT = "material_shift"
#: Level of the KS test inside material_shift: the per-feature false-alarm rate under no drift.
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class ColumnDrift:
    """Evidently's verdict on one column; `drift_score` is a p-value or a distance (see `score_kind`)."""

    column: str
    drifted: bool
    method: str
    score_kind: str
    drift_score: float
    threshold: float
    importance: float | None = None


@dataclass(frozen=True)
class Comparison:
    """Per-column verdicts of one report, split into the monitored features and the score."""

    features: list[ColumnDrift]
    score: ColumnDrift | None
    skipped: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> int:
        return sum(c.drifted for c in self.features)

    @property
    def share(self) -> float:
        return self.drifted / len(self.features) if self.features else 0.0


def _material_shift(
    reference: pd.Series, current: pd.Series, feature_type: ColumnType, threshold: float
) -> tuple[float, bool]:
    """Normed Wasserstein distance; drifted when it reaches `threshold` and KS rejects at SIGNIFICANCE."""
    reference, current = reference.dropna(), current.dropna()
    distance = float(stats.wasserstein_distance(reference, current) / max(float(np.std(reference)), 0.001))
    significant = bool(stats.ks_2samp(reference, current).pvalue < SIGNIFICANCE)
    return distance, distance >= threshold and significant


@cache
def material_shift_test() -> StatTest:
    """Register (once per process) and return the default test of the drift job."""
    test = StatTest(
        name=MATERIAL_SHIFT,
        display_name=f"Wasserstein distance (normed), KS p < {SIGNIFICANCE}",
        allowed_feature_types=[ColumnType.Numerical],
        default_threshold=0.1,
    )
    register_stattest(test, default_impl=_material_shift)
    return test


def _evidently_method(method: str) -> str | None:
    """The Evidently method name to pass (None lets Evidently choose per column)."""
    if method == MATERIAL_SHIFT:
        material_shift_test()
    return None if method == "auto" else method


def _describe(method: str) -> tuple[str, str]:
    """Display name of a test and whether its score is a p-value (drift below the threshold) or a
    distance (drift above it). Evidently keeps a given name ("ks") but a resolved display name."""
    with suppress(ValueError):  # already a display name
        method = get_registered_stattest(method, ColumnType.Numerical).display_name
    return method, "p_value" if "p_value" in method else "distance"


def check_method(method: str) -> None:
    """Refuse an unknown test name before any data is read (the message lists the known ones)."""
    if method not in ("auto", MATERIAL_SHIFT):
        try:
            get_registered_stattest(method, ColumnType.Numerical)
        except ValueError as error:
            raise DriftInputError(f"--method: {error}") from error


def compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    features: list[str],
    *,
    method: str = MATERIAL_SHIFT,
    threshold: float | None = None,
    drift_share: float = 0.3,
    importance: dict[str, float] | None = None,
) -> tuple[Any, Comparison]:
    """Run Evidently's DataDriftPreset on `features` (+ a ValueDrift on `score` when both sides have it).

    Columns empty on either side cannot be compared (Evidently refuses them): they are skipped and
    listed, not counted as checked.
    """
    usable = [c for c in features if reference[c].notna().any() and current[c].notna().any()]
    skipped = [c for c in features if c not in usable]
    if skipped:
        log.warning("columns without values skipped", extra={"columns": skipped})
    if not usable:
        raise DriftInputError("--current: none of the monitored features has a value on both sides")
    with_score = SCORE in reference and SCORE in current
    evidently_method = _evidently_method(method)
    columns = usable + ([SCORE] if with_score else [])
    metrics: list[Any] = [
        DataDriftPreset(
            columns=usable,
            drift_share=drift_share,
            method=evidently_method,
            threshold=threshold,
        )
    ]
    if with_score:
        metrics.append(ValueDrift(column=SCORE, method=evidently_method, threshold=threshold))
    definition = DataDefinition(numerical_columns=columns)
    snapshot = Report(metrics, include_tests=True).run(
        current_data=Dataset.from_pandas(current[columns], data_definition=definition),
        reference_data=Dataset.from_pandas(reference[columns], data_definition=definition),
    )
    content = snapshot.dict()
    failed = {
        test["bound_test"]["metric_fingerprint"]
        for test in content["tests"]
        if test["id"] == "drift" and str(getattr(test["status"], "value", test["status"])) == "FAIL"
    }
    verdicts: dict[str, ColumnDrift] = {}
    for metric in content["metrics"]:
        config = metric["config"]
        if not config["type"].endswith(":ValueDrift"):
            continue
        method, kind = _describe(config["method"])
        verdicts[config["column"]] = ColumnDrift(
            column=config["column"],
            drifted=metric["id"] in failed,
            method=method,
            score_kind=kind,
            drift_score=float(metric["value"]),
            threshold=float(config["threshold"]),
            importance=(importance or {}).get(config["column"]),
        )
    comparison = Comparison(
        features=[verdicts[c] for c in usable], score=verdicts.get(SCORE), skipped=skipped
    )
    return snapshot, comparison
