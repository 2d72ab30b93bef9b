"""Data drift of production against training, with Evidently: report, per-feature JSON, MLflow run.

Monitored columns are the champion's N most important features (global mean |SHAP|) and its score:
drift in a feature the model barely uses is noise for the business, drift in the top ones moves
decisions. The alert counts features only (share of drifted features >= alert share); the score's
drift is reported beside it, since a score shift with no feature shift points at the model or the log.

Statistics (training.monitoring.drift_stats): one test per column, by default "material_shift" (a normed
Wasserstein distance >= 0.1 that a KS test finds significant at 5 %); `method` swaps in any Evidently
test ("auto" = Evidently's own per-column choice). Both sides are capped at `max_rows` by a seeded
sample: at 50k rows a side the distance's sampling error is ~0.006, and the report holds binned histograms
only (no raw rows), so its size does not grow with the data.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from credit_model.lending_policy import LendingPolicy
from credit_model.registry import ModelUri
from training.model import tracking
from training.model.policy import policy_outcomes, registered_policy
from training.monitoring.drift_outcomes import outcome_shares, shares_text
from training.monitoring.drift_sources import (
    SCORE,
    DriftInputError,
    Rows,
    parse_instant,
    read_parquet,
    read_prediction_log,
    source_kind,
)
from training.monitoring.drift_stats import MATERIAL_SHIFT, Comparison, check_method, compare
from training.monitoring.review_overrides import overrides_text, read_override_rates

log = logging.getLogger(__name__)

REPORT_FILE = "drift_report.html"
RESULTS_FILE = "drift.json"
SHAP_FILE = "shap_importance.json"
#: Exit status of `python -m training drift` (2 = unusable input, as every CLI usage error).
EXIT_OK, EXIT_ALERT, EXIT_INPUT = 0, 1, 2


@dataclass(frozen=True)
class DriftOptions:
    """How much to monitor and when to alert."""

    top_n: int = 30
    alert_share: float = 0.3
    max_rows: int = 50_000
    seed: int = 42
    since: str | None = None
    until: str | None = None
    method: str = MATERIAL_SHIFT
    threshold: float | None = None
    progress: bool = True
    #: The advisors' reviews database, a SQLAlchemy URL (None: none read; the command line defaults it
    #: to the gateway's embedded database when it exists).
    reviews_url: str | None = None


@dataclass(frozen=True)
class DriftResult:
    """What `python -m training drift` found (its summary table and its exit status)."""

    model_version: str
    current_source: str
    reference_rows: int
    current_rows: int
    features_checked: int
    drifted_features: int
    drift_share: float
    alert_share: float
    alert: bool
    score_drifted: bool
    most_drifted: str
    outcomes: str
    reference_outcomes: str
    overrides: str
    report: str
    run_id: str
    seconds: float


def is_alert(drifted: int, checked: int, alert_share: float) -> bool:
    """The alert rule: the share of drifted features reaches the threshold (>=, as Evidently's)."""
    return checked > 0 and drifted / checked >= alert_share


def exit_code(result: DriftResult) -> int:
    """0 when the drift share stays under the alert share, 1 when it reaches it."""
    return EXIT_ALERT if result.alert else EXIT_OK


def _validate(options: DriftOptions) -> None:
    check_method(options.method)
    if not 0 < options.alert_share <= 1:
        raise DriftInputError(f"--alert-share: {options.alert_share} is not in (0, 1]")


def monitored_features(
    run_id: str, order: list[str], reference: pd.DataFrame, top_n: int
) -> dict[str, float]:
    """The top_n model features with their importance, most important first.

    From the champion's global SHAP (artifact shap_importance.json, logged for tree and linear
    champions). A version registered without it falls back on |Spearman correlation| of each
    feature with the score on the reference: a model-agnostic "what the score moves with".
    """
    try:
        shap = mlflow.artifacts.load_dict(f"runs:/{run_id}/{SHAP_FILE}")
        ranked = {f: float(v) for f, v in shap.items() if f in set(order)}
    except (MlflowException, OSError, json.JSONDecodeError):
        log.warning("no SHAP importance on the champion run: ranking by correlation with the score")
        ranked = reference[order].corrwith(reference[SCORE], method="spearman").abs().dropna().to_dict()
    top = sorted(ranked, key=lambda f: ranked[f], reverse=True)[:top_n]
    if not top:
        raise DriftInputError("--top-n: the champion has no ranked feature to monitor")
    return {f: ranked[f] for f in top}


@contextmanager
def _steps(enabled: bool, total: int) -> Iterator[Any]:
    """A spinner that names the running step (reading, scoring, Evidently, MLflow)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True, disable=not enabled) as bar:
        task = bar.add_task("drift", total=total)

        def step(description: str) -> None:
            bar.update(task, description=f"drift: {description}", advance=1)
            log.info("drift step", extra={"step": description})

        yield step


def _scored(rows: Rows, model: Any, order: list[str]) -> pd.DataFrame:
    """The rows (read in the model's column order) with the champion's probability as `score`."""
    frame = rows.frame
    frame[SCORE] = model.predict_proba(frame[order] if list(frame.columns) != order else frame)[:, 1]
    return frame


def _write_results(
    out: Path, snapshot: Any, comparison: Comparison, payload: dict[str, Any], run_name: str
) -> tuple[Path, str]:
    """Write the HTML report and drift.json to `out`, and log both to a new run of the experiment."""
    out.mkdir(parents=True, exist_ok=True)
    html, results = out / REPORT_FILE, out / RESULTS_FILE
    snapshot.save_html(str(html))
    results.write_text(json.dumps(payload, indent=1))
    tags = {
        "kind": "drift",
        "alert": str(payload["alert"]).lower(),
        "model_version": payload["model_version"],
    }
    with mlflow.start_run(run_name=run_name, tags=tags) as run:
        mlflow.log_params(payload["params"])
        metrics = {
            **{
                f"outcome_share.{side}.{outcome}": share
                for side, shares in payload["outcomes"].items()
                for outcome, share in shares.items()
                if outcome != "decisions" and not math.isnan(share)
            },
            **{
                f"override_rate.{key}.{value}": figures["override_rate"]
                for key, groups in (payload["reviews"] or {}).items()
                for value, figures in groups.items()
            },
            "drifted_features": comparison.drifted,
            "features_checked": len(comparison.features),
            "drift_share": comparison.share,
            **{f"drift_score.{c.column}": c.drift_score for c in comparison.features},
        }
        if comparison.score is not None:
            metrics |= {
                "score_drift_score": comparison.score.drift_score,
                "score_drifted": comparison.score.drifted,
            }
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        mlflow.log_artifact(str(html))
        mlflow.log_artifact(str(results))
    return html, run.info.run_id


#: The outcome of each scored row (its probability under SCORE) through the champion's policy.
_Decided = Callable[[pd.DataFrame], Sequence[str]]


def _decider(policy: LendingPolicy | None, threshold: float) -> _Decided:
    """The champion's decisions of scored rows: its lending policy, or its threshold alone without one."""

    def decided(frame: pd.DataFrame) -> Sequence[str]:
        proba = frame[SCORE].to_numpy(dtype=float)
        if policy is None:
            return ["refused" if p >= threshold else "granted" for p in proba]
        return list(policy_outcomes(policy, frame, proba, threshold)[0])

    return decided


@dataclass(frozen=True)
class _Sides:
    """The two frames to compare (monitored features + score) and what the sources held."""

    reference: pd.DataFrame
    current: pd.DataFrame
    importance: dict[str, float]
    reference_available: int
    current_available: int
    current_versions: tuple[str, ...]
    outcomes: dict[str, dict[str, float]]


def _read_sides(
    reference: Path,
    current: Path,
    *,
    current_kind: str,
    options: DriftOptions,
    since: datetime | None,
    until: datetime | None,
    model: Any,
    order: list[str],
    run_id: str,
    decided: _Decided,
    step: Any,
) -> _Sides:
    """Read, sample and score both sides; only the monitored columns outlive this function."""
    step("reading and scoring the reference")
    ref_rows = read_parquet(reference, order, options.max_rows, options.seed, "--reference")
    ref = _scored(ref_rows, model, order)
    ref_outcomes = decided(ref)
    importance = monitored_features(run_id, order, ref, options.top_n)
    columns = [*importance, SCORE]
    step("reading the current data")
    if current_kind == "parquet":
        cur_rows = read_parquet(current, order, options.max_rows, options.seed, "--current")
        cur = _scored(cur_rows, model, order)
        cur_outcomes = decided(cur)
        cur = cur[columns]
    else:
        cur_rows = read_prediction_log(
            current,
            list(importance),
            since=since,
            until=until,
            max_rows=options.max_rows,
            seed=options.seed,
            option="--current",
        )
        cur = cur_rows.frame
        cur_outcomes = cur_rows.outcomes or ()
    return _Sides(
        reference=ref[columns],
        current=cur,
        importance=importance,
        reference_available=ref_rows.available,
        current_available=cur_rows.available,
        current_versions=cur_rows.model_versions,
        outcomes={"reference": outcome_shares(ref_outcomes), "current": outcome_shares(cur_outcomes)},
    )


def detect_drift(
    reference: Path,
    current: Path,
    out: Path,
    tracking_store: tracking.TrackingStore,
    options: DriftOptions = DriftOptions(),
) -> DriftResult:
    """Compare `current` (prediction log folder or features parquet) with `reference` (training features),
    writing the report to `out` (the command line defaults them to the data folder's)."""
    started = time.perf_counter()
    _validate(options)
    since, until = parse_instant(options.since, "--since"), parse_instant(options.until, "--until")
    if since and until and since >= until:
        raise DriftInputError(f"--since {since:%Y-%m-%d %H:%M} is not before --until {until:%Y-%m-%d %H:%M}")
    if source_kind(reference, "--reference") != "parquet":
        raise DriftInputError(f"--reference: {reference} must be a features parquet (the training set)")
    current_kind = source_kind(current, "--current")
    with _steps(options.progress, total=5) as step:
        step("loading the champion")
        tracking.configure(tracking_store)
        version, run = tracking.champion_run()
        uri = str(ModelUri(tracking.MODEL_NAME, version=version.version))
        order = tracking.feature_order(uri)
        model = mlflow.sklearn.load_model(uri)
        sides = _read_sides(
            reference,
            current,
            current_kind=current_kind,
            options=options,
            since=since,
            until=until,
            model=model,
            order=order,
            run_id=run.info.run_id,
            decided=_decider(registered_policy(run.info.run_id), float(version.tags["threshold"])),
            step=step,
        )
        ref, cur, importance = sides.reference, sides.current, sides.importance
        features = list(importance)
        if set(sides.current_versions) - {str(version.version)}:
            log.warning(
                "decisions of other model versions in the window: their scores are not the champion's",
                extra={"versions": sides.current_versions, "champion": str(version.version)},
            )
        step("comparing distributions (Evidently)")
        snapshot, comparison = compare(
            ref,
            cur,
            features,
            method=options.method,
            threshold=options.threshold,
            drift_share=options.alert_share,
            importance=importance,
        )
        alert = is_alert(comparison.drifted, len(comparison.features), options.alert_share)
        step("writing the report and the MLflow run")
        overrides = read_override_rates(options.reviews_url)
        stamp = datetime.now(tz=UTC)
        params = {
            "alert_share": options.alert_share,
            "top_n": options.top_n,
            "reference_rows": len(ref),
            "current_rows": len(cur),
            "current_source": current_kind,
            "reference_path": str(reference),
            "current_path": str(current),
            "reference_available_rows": sides.reference_available,
            "current_available_rows": sides.current_available,
            "since": str(since),
            "until": str(until),
            "max_rows": options.max_rows,
            "seed": options.seed,
            "method": options.method,
        }
        payload: dict[str, Any] = {
            "created": stamp.isoformat(timespec="seconds"),
            "model_version": str(version.version),
            "alert": alert,
            "drift_share": comparison.share,
            "drifted_features": comparison.drifted,
            "features_checked": len(comparison.features),
            "params": params,
            "current_model_versions": list(sides.current_versions),
            "features": [asdict(c) for c in comparison.features],
            "score": asdict(comparison.score) if comparison.score else None,
            "skipped": comparison.skipped,
            "outcomes": sides.outcomes,
            "reviews": overrides,
        }
        html, run_id = _write_results(out, snapshot, comparison, payload, f"drift-{stamp:%Y%m%d-%H%M%S}")
    worst = sorted((c for c in comparison.features if c.drifted), key=lambda c: -(c.importance or 0.0))
    result = DriftResult(
        model_version=str(version.version),
        current_source=current_kind,
        reference_rows=len(ref),
        current_rows=len(cur),
        features_checked=len(comparison.features),
        drifted_features=comparison.drifted,
        drift_share=comparison.share,
        alert_share=options.alert_share,
        alert=alert,
        score_drifted=bool(comparison.score and comparison.score.drifted),
        most_drifted=", ".join(c.column for c in worst[:5]) or "-",
        outcomes=shares_text(sides.outcomes["current"]),
        overrides=overrides_text(overrides),
        reference_outcomes=shares_text(sides.outcomes["reference"]),
        report=str(html),
        run_id=run_id,
        seconds=round(time.perf_counter() - started, 1),
    )
    log.info("drift done", extra=asdict(result))
    return result
