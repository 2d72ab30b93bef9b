"""The champion's hold-out figures, beside the oracle's when the data have a planted truth.

Synthetic data carry the planted default probability of every application (the truth file): the
oracle decides with it at the Bayes threshold c_FP / (c_FN + c_FP), the best rule anyone could apply
knowing the true probabilities, and the ratios say how close the model gets. Real data have no such
truth: the figures are then the model's own on the hold-out (AUC, business cost, Brier, precision and
recall at the threshold, calibration), and the evaluation says that no planted truth exists.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient

from credit_features.tables import TRUTH_FILE
from credit_model.lending_policy import LendingPolicy
from credit_model.registry import ModelUri
from training.data.raw_source import RawSource, folder_digest
from training.model import tracking
from training.model.cost import CostWeights
from training.model.dataset import LABEL
from training.model.metrics import Scores, score_predictions
from training.model.oracle import oracle_threshold, planted_probability
from training.model.policy import evaluate_policy, registered_policy

#: Equal-count bins of predicted probability for the calibration table.
CALIBRATION_BINS = 10
NO_TRUTH = "none: the data have no planted truth (real files), so no oracle to compare with"


@dataclass(frozen=True)
class Evaluation:
    """The champion on its hold-out rows; the oracle fields are None when there is no planted truth."""

    model_version: str
    rows: int
    data_source: str
    planted_truth: str
    model_auc: float
    model_cost: float
    model_brier: float
    precision: float
    recall: float
    threshold: float
    mean_predicted: float
    observed_rate: float
    calibration_error: float
    oracle_auc: float | None = None
    auc_ratio: float | None = None
    oracle_cost: float | None = None
    cost_ratio: float | None = None
    oracle_brier: float | None = None
    oracle_threshold: float | None = None
    # The same probabilities put through the version's lending policy (a referral costs as a refusal):
    # the policy's own price is model_policy_cost - model_cost, and the oracle's likewise.
    policy_version: str | None = None
    model_policy_cost: float | None = None
    oracle_policy_cost: float | None = None
    policy_cost_ratio: float | None = None


def calibration_table(y: np.ndarray, proba: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict]:
    """Mean predicted probability against observed default rate in equal-count bins of the prediction."""
    order = np.argsort(proba, kind="stable")
    table = []
    for part in np.array_split(order, min(bins, len(order))):
        table.append(
            {
                "rows": len(part),
                "mean_predicted": float(proba[part].mean()),
                "observed_rate": float(y[part].mean()),
            }
        )
    return table


def expected_calibration_error(table: list[dict]) -> float:
    """Row-weighted mean gap between predicted and observed default rates over the bins."""
    total = sum(row["rows"] for row in table)
    return float(
        sum(row["rows"] * abs(row["mean_predicted"] - row["observed_rate"]) for row in table) / total
    )


def _holdout_rows(run_id: str, dataset: Path) -> pd.DataFrame:
    ids = mlflow.artifacts.load_dict(f"runs:/{run_id}/holdout_ids.json")["SK_ID_CURR"]
    frame = pd.read_parquet(dataset)
    return frame[frame["SK_ID_CURR"].isin(set(ids))].reset_index(drop=True)


def _oracle(y: np.ndarray, planted: np.ndarray, weights: CostWeights, model: Scores) -> dict[str, float]:
    threshold = oracle_threshold(weights)
    oracle = score_predictions(y, planted, threshold, weights)
    return {
        "oracle_auc": oracle.auc,
        "auc_ratio": model.auc / oracle.auc,
        "oracle_cost": oracle.business_cost,
        "cost_ratio": model.business_cost / oracle.business_cost,
        "oracle_brier": oracle.brier,
        "oracle_threshold": threshold,
    }


def _policy_costs(
    policy: LendingPolicy,
    rows: pd.DataFrame,
    y: np.ndarray,
    proba: np.ndarray,
    planted: np.ndarray | None,
    *,
    threshold: float,
    weights: CostWeights,
) -> dict[str, float | str | None]:
    model = evaluate_policy(policy, rows, y, proba, threshold=threshold, weights=weights).cost
    figures: dict[str, float | str | None] = {"policy_version": policy.version, "model_policy_cost": model}
    if planted is not None:
        at = oracle_threshold(weights)
        oracle = evaluate_policy(policy, rows, y, planted, threshold=at, weights=weights).cost
        figures |= {"oracle_policy_cost": oracle, "policy_cost_ratio": model / oracle}
    return figures


def evaluate(
    dataset: Path,
    raw: Path,
    tracking_store: tracking.TrackingStore,
    out: Path | None = None,
    version_name: str | None = None,
) -> Evaluation:
    """Score the champion (or the registered version `version_name`) on its hold-out rows; compare with
    the planted probability when there is one."""
    tracking.configure(tracking_store)
    client = MlflowClient()
    version, run = (
        tracking.champion_run(client) if version_name is None else tracking.version_run(version_name, client)
    )
    rows = _holdout_rows(run.info.run_id, dataset)
    uri = str(ModelUri(tracking.MODEL_NAME, version=version.version))
    model = mlflow.sklearn.load_model(uri)
    proba = model.predict_proba(rows[tracking.feature_order(uri)].astype(float))[:, 1]
    weights = CostWeights(fn=float(version.tags["cost_fn"]), fp=float(version.tags["cost_fp"]))
    threshold = float(version.tags["threshold"])
    y = rows[LABEL].to_numpy(dtype=int)
    scores = score_predictions(y, proba, threshold, weights)
    calibration = calibration_table(y, proba)
    planted = planted_probability(rows, raw)
    policy = registered_policy(run.info.run_id)
    priced = (
        _policy_costs(policy, rows, y, proba, planted, threshold=threshold, weights=weights)
        if policy is not None
        else {}
    )
    source = RawSource(Path(raw).resolve(), str(Path(raw).resolve()), folder_digest(raw))
    result = Evaluation(
        model_version=str(version.version),
        rows=len(rows),
        data_source=source.describe(),
        planted_truth=NO_TRUTH if planted is None else f"{TRUTH_FILE}: the oracle decides with it",
        model_auc=scores.auc,
        model_cost=scores.business_cost,
        model_brier=scores.brier,
        precision=scores.precision,
        recall=scores.recall,
        threshold=threshold,
        mean_predicted=float(proba.mean()),
        observed_rate=float(y.mean()),
        calibration_error=expected_calibration_error(calibration),
        **(_oracle(y, planted, weights, scores) if planted is not None else {}),
        **priced,  # type: ignore[arg-type]
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**asdict(result), "calibration": calibration}, indent=2))
    with mlflow.start_run(run_id=run.info.run_id):
        mlflow.log_metrics({f"eval_{k}": v for k, v in asdict(result).items() if isinstance(v, float)})
        mlflow.set_tags({"eval_data_source": result.data_source, "eval_planted_truth": result.planted_truth})
        mlflow.log_dict({"bins": calibration}, "evaluation/calibration.json")
    return result
