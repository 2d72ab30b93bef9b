"""`python -m training report`: docs/methodology.md (and .html) written from the MLflow runs.

Every figure in the note is read from the runs of the champion's training; none is typed by hand.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from markdown_it import MarkdownIt
from mlflow import MlflowClient
from mlflow.entities import Run

from credit_model.estimators import unwrap_lightgbm
from credit_model.registry import ModelUri
from training.model import figures, tracking
from training.reporting.measured_prices import price_lines
from training.reporting.model_card import (
    CARD_FILE,
    excluded_lines,
    fairness_lines,
    fairness_report_of,
    model_card,
)

SECTIONS = (
    "Training method",
    "Class imbalance",
    "Business cost and decision threshold",
    "Optimisation algorithm and metric",
    "Results",
    "Global interpretability",
    "Local interpretability",
    "Fairness and protected attributes",
    "Limits and improvements",
    "Data drift",
)
METRIC_COLUMNS = (
    "auc",
    "business_cost",
    "threshold",
    "accuracy",
    "precision",
    "recall",
    "f_beta",
    "brier",
    "ks",
)


@dataclass(frozen=True)
class ReportResult:
    """Where the note went and what it was made from."""

    markdown: str
    html: str
    model_version: str
    runs_read: int


def _children(client: MlflowClient, parent: Run, kind: str) -> list[Run]:
    return client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}' AND tags.kind = '{kind}'",
        max_results=5000,
    )


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "—" if np.isnan(value) else f"{value:.4f}"
    return str(value)


def _table(rows: list[dict[str, object]]) -> str:
    frame = pd.DataFrame(rows)
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    lines = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *lines])


def _results_table(candidates: list[Run], final: Run) -> str:
    rows = []
    for run in sorted(candidates, key=lambda r: r.data.metrics.get("cv_business_cost", np.inf), reverse=True):
        rows.append(
            {
                "model": run.info.run_name,
                "imbalance": run.data.params.get("imbalance", ""),
                "evaluated on": "CV",
            }
            | {m: run.data.metrics.get(f"cv_{m}", float("nan")) for m in METRIC_COLUMNS}
            | {"fit s": run.data.metrics.get("fit_seconds", float("nan"))}
        )
    rows.append(
        {
            "model": f"{final.data.tags.get('model', 'final')} (champion)",
            "imbalance": "",
            "evaluated on": "hold-out",
        }
        | {m: final.data.metrics.get(f"holdout_{m}", float("nan")) for m in METRIC_COLUMNS}
        | {"fit s": float("nan")}
    )
    return _table(rows)


def _local_examples(model_uri: str, dataset: Path, holdout_ids: list[int], folder: Path) -> list[str]:
    """Waterfalls of the riskiest and the safest hold-out client: why the model decided as it did."""
    model = mlflow.sklearn.load_model(model_uri)
    unwrapped = unwrap_lightgbm(model)
    if unwrapped is None:
        return []
    booster_model, offset = unwrapped
    frame = pd.read_parquet(dataset)
    rows = frame[frame["SK_ID_CURR"].isin(set(holdout_ids))]
    x = rows[tracking.feature_order(model_uri)].astype(float)
    proba = model.predict_proba(x)[:, 1]
    names = []
    for label, position in (("highest risk", int(np.argmax(proba))), ("lowest risk", int(np.argmin(proba)))):
        contributions = booster_model.booster_.predict(x.iloc[[position]].to_numpy(), pred_contrib=True)[0]
        name = f"local_{label.replace(' ', '_')}.png"
        figures.waterfall_figure(
            contributions[:-1],
            x.iloc[position],
            contributions[-1] + offset,
            title=f"Hold-out client with the {label}: p = {proba[position]:.3f}",
            path=folder / name,
        )
        names.append(name)
    return names


def _drift_section(client: MlflowClient, experiment_id: str) -> str:
    runs = client.search_runs(
        [experiment_id],
        filter_string="tags.kind = 'drift'",
        max_results=1,
        order_by=["attributes.start_time DESC"],
    )
    if not runs:
        return "No drift analysis has been run yet: `python -m training drift` fills this section."
    run = runs[0]
    metrics = run.data.metrics
    return (
        f"Latest drift run `{run.info.run_name}`: {metrics.get('drifted_features', float('nan')):.0f} of "
        f"{metrics.get('features_checked', float('nan')):.0f} monitored features drifted "
        f"(share {metrics.get('drift_share', float('nan')):.2%}, alert threshold "
        f"{float(run.data.params.get('alert_share', 'nan')):.0%}); alert: {run.data.tags.get('alert', '?')}. "
        "The full Evidently report is the run's artifact `drift_report.html`."
    )


_UNRECORDED = "not recorded (run `python -m training evaluate` to record it)"


def _evaluation_text(metrics: dict[str, float], tags: dict[str, str]) -> str:
    """The hold-out figures: against the oracle on synthetic data, the model's own on real data."""
    if "eval_auc_ratio" in metrics:
        return (
            "Against the oracle (the planted probability of the synthetic data, on the same hold-out rows): "
            f"AUC ratio {metrics['eval_auc_ratio']:.3f}, cost ratio {metrics['eval_cost_ratio']:.3f} "
            f"(oracle AUC {metrics['eval_oracle_auc']:.3f}, oracle cost {metrics['eval_oracle_cost']:.4f})."
        )
    if "eval_model_auc" in metrics:
        return (
            f"On the hold-out (planted truth: {tags.get('eval_planted_truth', 'none')}): "
            f"AUC {metrics['eval_model_auc']:.3f}, business cost {metrics['eval_model_cost']:.4f}, "
            f"Brier {metrics['eval_model_brier']:.4f}, precision {metrics['eval_precision']:.3f} and "
            f"recall {metrics['eval_recall']:.3f} at the threshold; mean predicted probability "
            f"{metrics['eval_mean_predicted']:.3f} against an observed default rate "
            f"{metrics['eval_observed_rate']:.3f} "
            f"(calibration error {metrics['eval_calibration_error']:.4f})."
        )
    return "`python -m training evaluate` adds the hold-out evaluation here."


def write_report(
    dataset: Path, tracking_store: tracking.TrackingStore, docs: Path = Path("docs")
) -> ReportResult:
    """Write docs/methodology.md and .html (figures under docs/figures/) from the champion's runs."""
    tracking.configure(tracking_store)
    client = MlflowClient()
    version, final = tracking.champion_run(client)
    parent = client.get_run(final.data.tags["mlflow.parentRunId"])
    candidates = _children(client, parent, "candidate")
    trials = _children(client, parent, "tune_trial")
    folder = docs / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    downloaded = Path(mlflow.artifacts.download_artifacts(run_id=final.info.run_id, artifact_path="figures"))
    for png in downloaded.glob("*.png"):
        shutil.copy(png, folder / png.name)
    holdout_ids = mlflow.artifacts.load_dict(f"runs:/{final.info.run_id}/holdout_ids.json")["SK_ID_CURR"]
    model_uri = str(ModelUri(tracking.MODEL_NAME, version=version.version))
    local = _local_examples(model_uri, dataset, holdout_ids, folder)
    params, metrics = parent.data.params, final.data.metrics
    completed = [t for t in trials if t.data.tags.get("completed") == "true"]
    best_trial = min(completed, key=lambda t: t.data.metrics["cv_business_cost"]) if completed else None
    evaluation = _evaluation_text(metrics, final.data.tags)
    synthetic = "eval_auc_ratio" in metrics
    body = {
        "Training method": (
            f"Raw data: {final.data.tags.get('eval_data_source', _UNRECORDED)}. "
            f"Data: {params['rows_train']} training and {params['rows_holdout']} hold-out applications "
            f"(stratified 20 %, never seen by the comparison or the search), {params['features']} features "
            f"from the Feast feature service `{params['feature_service']}` (point-in-time joins at each "
            f"application's time). Every model is a scikit-learn pipeline carrying its preprocessing, "
            f"compared by {params['folds']}-fold stratified cross-validation on out-of-fold predictions: "
            "a dummy baseline, a regularised logistic regression (median imputation with missing "
            "indicators, scaling, one-hot encoding of coded categoricals), LightGBM, then a tuned LightGBM. "
            "LightGBM's early stopping uses an inner 15 % slice of each training fold, never the fold it "
            "is scored on; a model that stopped early is then cross-validated again at its mean best "
            "number of trees, the size it is refit with, and its cost and threshold come from that run. "
            "Among the models whose cross-validated business cost is within one standard error (across "
            "folds) of the best, the one with the fewest leaves over all its trees is chosen (an "
            "explanation's cost grows with them; a linear model earns no preference, its explanation "
            "going through scikit-learn's preprocessing); it is refit on all training rows and "
            "evaluated once on the hold-out."
        ),
        "Class imbalance": (
            "About 8 % of clients default. Each family is trained with two strategies: class weights "
            "inversely proportional to class frequency, and undersampling of good clients to a 1:1 ratio "
            "followed by a prior correction p = k·q / (1 − q + k·q) (k = share of good clients kept), "
            "so that probabilities stay on the population scale and thresholds remain comparable."
        ),
        "Business cost and decision threshold": (
            f"cost = ({params['cost_fn']}·FN + {params['cost_fp']}·FP) / N: a granted defaulter costs "
            f"{params['cost_fn']} times a wrongly refused good client. The threshold minimises this cost "
            f"on the out-of-fold predictions (exact search over all distinct scores), not 0.5. Champion's "
            f"threshold: {float(version.tags['threshold']):.4f}.\n\n"
            "![Cost against threshold](figures/cost_curve.png)"
        ),
        "Optimisation algorithm and metric": (
            f"Ray Tune searched LightGBM's learning rate, leaves, depth, minimum leaf size, L1/L2 "
            f"regularisation, row and column subsampling and the imbalance strategy with Optuna's TPE "
            f"sampler and an ASHA scheduler that stops a trial after its first folds when it lags. Metric: "
            f"business cost of the pooled out-of-fold predictions at their best threshold (lower is "
            f"better); trees chosen by early stopping (50 rounds) on an inner slice of each training "
            f"fold. {len(trials)} trials, "
            f"{len(completed)} ran every fold"
            + (f"; best: cost {best_trial.data.metrics['cv_business_cost']:.4f}." if best_trial else ".")
        ),
        "Results": (
            _results_table(candidates, final)
            + f"\n\nChampion: model version {version.version} ({final.data.tags.get('model')}). "
            + f"{evaluation}\n\n"
            "![Confusion matrix](figures/confusion_matrix.png) ![ROC](figures/roc.png) "
            "![Calibration](figures/calibration.png)"
        ),
        "Global interpretability": (
            "Mean absolute SHAP value of each feature on hold-out clients (how much it moves the predicted "
            "log-odds on average), and the beeswarm showing the direction of each effect.\n\n"
            "![SHAP importance](figures/shap_importance.png) ![SHAP beeswarm](figures/shap_beeswarm.png)"
        ),
        "Local interpretability": (
            "For one client, SHAP values decompose the prediction: base value (average client) plus one "
            "contribution per feature equals the model's log-odds. explain_service returns them for any "
            "client; the advisors' app turns the largest into plain sentences.\n\n"
            + " ".join(f"![{name}](figures/{name})" for name in local)
        ),
        "Fairness and protected attributes": (
            "Protected attributes are never model inputs (credit_features/protected.py):\n\n"
            + "\n".join(excluded_lines(final.data.metrics))
            + "\n\nWhat the served model's choices cost, leaving these attributes out among them:\n\n"
            + "\n".join(price_lines())
            + "\n\nThe champion's decisions on its hold-out, through its lending policy, by gender and by "
            "age band (fairlearn MetricFrame; training/model/fairness.py). Judged on the applications the "
            "policy's rules left to the score; figures over every decision beside them.\n\n"
            + "\n".join(fairness_lines(fairness_report_of(final.info.run_id), version.tags))
            + "\n\nThe version's model card: docs/model_card.md."
        ),
        "Limits and improvements": (
            (
                "Synthetic data stand in for the Kaggle files: figures measure how close the model gets to "
                "the planted risk, not real-world performance. "
                if synthetic
                else "Real data have no planted truth: the hold-out figures are the only measure of the "
                "model, and no oracle bounds what a better model could reach. "
            )
            + "The cost weights (10:1) are an assumption to agree "
            "with the business. The hold-out is a random split, not a later period; a temporal validation "
            "would be more faithful. Improvements: more history features (trends over time), probability "
            "calibration, a proxy review of region and household size, monitoring of the cost on "
            "repaid/defaulted outcomes once known."
        ),
        "Data drift": _drift_section(client, parent.info.experiment_id),
    }
    markdown = (
        "# Methodology of the credit-default model\n\n"
        "_Generated by `python -m training report` from the MLflow runs; do not edit by hand._\n\n"
    )
    markdown += "\n\n".join(f"## {title}\n\n{body[title]}" for title in SECTIONS) + "\n"
    md_path, html_path = docs / "methodology.md", docs / "methodology.html"
    md_path.write_text(markdown)
    (docs / CARD_FILE).write_text(model_card(version.version, client))
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    page = "<!doctype html><html lang='en'><meta charset='utf-8'><title>Methodology</title>{}</html>"
    html_path.write_text(page.format(f"<body>{html}</body>"))
    return ReportResult(str(md_path), str(html_path), str(version.version), 2 + len(candidates) + len(trials))
