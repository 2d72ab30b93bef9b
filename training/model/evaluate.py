"""The champion's hold-out figures beside the oracle's: how close the model gets to the planted truth.

The oracle decides with the planted default probability (synthetic data only) at the Bayes threshold
c_FP / (c_FN + c_FP), the best rule anyone could apply knowing the true probabilities.
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
from credit_model.registry import ModelUri
from training.model import tracking
from training.model.cost import CostWeights
from training.model.dataset import LABEL
from training.model.metrics import Scores, score_predictions


@dataclass(frozen=True)
class Evaluation:
    """Champion against oracle on the same hold-out rows."""

    model_version: str
    rows: int
    model_auc: float
    oracle_auc: float
    auc_ratio: float
    model_cost: float
    oracle_cost: float
    cost_ratio: float
    model_brier: float
    oracle_brier: float
    threshold: float
    oracle_threshold: float


def _holdout_rows(run_id: str, dataset: Path) -> pd.DataFrame:
    ids = mlflow.artifacts.load_dict(f"runs:/{run_id}/holdout_ids.json")["SK_ID_CURR"]
    frame = pd.read_parquet(dataset)
    return frame[frame["SK_ID_CURR"].isin(set(ids))].reset_index(drop=True)


def evaluate(dataset: Path, raw: Path, out: Path | None = None) -> Evaluation:
    """Score the champion on its hold-out rows and compare with the planted probability (truth file)."""
    tracking.configure()
    version, run = tracking.champion_run(MlflowClient())
    rows = _holdout_rows(run.info.run_id, dataset)
    uri = str(ModelUri(tracking.MODEL_NAME, version=version.version))
    model = mlflow.sklearn.load_model(uri)
    proba = model.predict_proba(rows[tracking.feature_order(uri)].astype(float))[:, 1]
    truth = pd.read_csv(raw / TRUTH_FILE, usecols=["SK_ID_CURR", "PLANTED_PROBABILITY"])
    planted = rows[["SK_ID_CURR"]].merge(truth, on="SK_ID_CURR", how="left")["PLANTED_PROBABILITY"].to_numpy()
    if np.isnan(planted).any():
        raise LookupError(f"{TRUTH_FILE} lacks planted probabilities of some hold-out applications")
    weights = CostWeights(fn=float(version.tags["cost_fn"]), fp=float(version.tags["cost_fp"]))
    threshold = float(version.tags["threshold"])
    y = rows[LABEL].to_numpy(dtype=int)
    model_scores: Scores = score_predictions(y, proba, threshold, weights)
    oracle_threshold = weights.fp / (weights.fn + weights.fp)
    oracle_scores: Scores = score_predictions(y, planted, oracle_threshold, weights)
    result = Evaluation(
        model_version=str(version.version),
        rows=len(rows),
        model_auc=model_scores.auc,
        oracle_auc=oracle_scores.auc,
        auc_ratio=model_scores.auc / oracle_scores.auc,
        model_cost=model_scores.business_cost,
        oracle_cost=oracle_scores.business_cost,
        cost_ratio=model_scores.business_cost / oracle_scores.business_cost,
        model_brier=model_scores.brier,
        oracle_brier=oracle_scores.brier,
        threshold=threshold,
        oracle_threshold=oracle_threshold,
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(asdict(result), indent=2))
    with mlflow.start_run(run_id=run.info.run_id):
        mlflow.log_metrics({f"eval_{k}": v for k, v in asdict(result).items() if isinstance(v, float)})
    return result
