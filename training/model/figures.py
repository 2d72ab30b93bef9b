"""Figures logged with every model: confusion matrix, cost curve, ROC, calibration, global SHAP.

Colour-blind-safe colours (Okabe-Ito) and every chart titled in words, so they read in the report too.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, roc_curve

from training.model.cost import CostWeights, business_cost

BLUE, ORANGE, GREEN, GREY = "#0072B2", "#E69F00", "#009E73", "#999999"


def _save(figure: plt.Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def confusion_figure(y: np.ndarray, proba: np.ndarray, threshold: float, path: Path) -> Path:
    """Counts of granted/refused good clients and defaulters at the business threshold."""
    matrix = confusion_matrix(y, (proba >= threshold).astype(int), labels=[0, 1])
    figure, axis = plt.subplots(figsize=(4.5, 4))
    axis.imshow(matrix, cmap="cividis")
    for (row, col), count in np.ndenumerate(matrix):
        axis.text(
            col,
            row,
            f"{count:,}",
            ha="center",
            va="center",
            color="white" if count < matrix.max() / 2 else "black",
        )
    axis.set_xticks([0, 1], ["granted", "refused"])
    axis.set_yticks([0, 1], ["repaid", "defaulted"])
    axis.set_xlabel("decision")
    axis.set_ylabel("outcome")
    axis.set_title(f"Decisions at threshold {threshold:.3f}")
    return _save(figure, path)


def cost_curve_figure(
    y: np.ndarray, proba: np.ndarray, threshold: float, weights: CostWeights, path: Path
) -> Path:
    """Business cost per application for every threshold, with the chosen one marked."""
    grid = np.linspace(0.0, 1.0, 201)
    costs = [business_cost(y, proba, t, weights) for t in grid]
    figure, axis = plt.subplots(figsize=(6, 4))
    axis.plot(grid, costs, color=BLUE, label="cost per application")
    axis.axvline(threshold, color=ORANGE, linestyle="--", label=f"chosen threshold {threshold:.3f}")
    axis.axvline(0.5, color=GREY, linestyle=":", label="0.5 (naive)")
    axis.set_xlabel("threshold on the default probability")
    axis.set_ylabel(f"cost = ({weights.fn:g}·FN + {weights.fp:g}·FP) / N")
    axis.set_title("Business cost against the decision threshold")
    axis.legend()
    return _save(figure, path)


def roc_figure(y: np.ndarray, proba: np.ndarray, auc: float, path: Path) -> Path:
    """ROC curve with the chance diagonal."""
    fpr, tpr, _ = roc_curve(y, proba)
    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    axis.plot(fpr, tpr, color=BLUE, label=f"model (AUC {auc:.3f})")
    axis.plot([0, 1], [0, 1], color=GREY, linestyle=":", label="chance")
    axis.set_xlabel("good clients refused (false positive rate)")
    axis.set_ylabel("defaulters caught (true positive rate)")
    axis.set_title("ROC curve")
    axis.legend(loc="lower right")
    return _save(figure, path)


def calibration_figure(y: np.ndarray, proba: np.ndarray, path: Path) -> Path:
    """Predicted probability against observed default rate, by decile of prediction."""
    observed, predicted = calibration_curve(y, proba, n_bins=10, strategy="quantile")
    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    axis.plot(predicted, observed, marker="o", color=GREEN, label="model")
    top = max(predicted.max(), observed.max())
    axis.plot([0, top], [0, top], color=GREY, linestyle=":", label="perfect calibration")
    axis.set_xlabel("predicted default probability")
    axis.set_ylabel("observed default rate")
    axis.set_title("Calibration by decile")
    axis.legend()
    return _save(figure, path)


def shap_figures(shap_values: np.ndarray, rows: pd.DataFrame, folder: Path, top: int = 20) -> list[Path]:
    """Mean |SHAP| bar chart and beeswarm of the `top` most important features."""
    import shap

    explanation = shap.Explanation(values=shap_values, data=rows.to_numpy(), feature_names=list(rows.columns))
    paths = []
    for name, plot in (("shap_importance.png", shap.plots.bar), ("shap_beeswarm.png", shap.plots.beeswarm)):
        plt.figure()
        plot(explanation, max_display=top, show=False)
        paths.append(_save(plt.gcf(), folder / name))
    return paths


def waterfall_figure(
    contributions: np.ndarray, values: pd.Series, base_value: float, *, title: str, path: Path, top: int = 12
) -> Path:
    """How one client's features move the log-odds from the average client's to theirs."""
    import shap

    explanation = shap.Explanation(
        values=contributions, base_values=base_value, data=values.to_numpy(), feature_names=list(values.index)
    )
    plt.figure()
    shap.plots.waterfall(explanation, max_display=top, show=False)
    plt.gcf().suptitle(title)
    return _save(plt.gcf(), path)
