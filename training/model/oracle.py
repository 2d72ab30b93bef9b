"""The oracle of synthetic data: the planted default probability, and the threshold it decides at.

The generator writes each application's planted probability beside the raw files (credit_features.tables
.TRUTH_FILE); real files have none. Knowing the true probability, the best decision refuses from
fp / (fn + fp) up: that is the oracle the champion's figures are set beside.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from credit_features.tables import TRUTH_FILE
from training.model.cost import CostWeights


def planted_probability(rows: pd.DataFrame, raw: Path) -> np.ndarray | None:
    """The planted probability of each row (by SK_ID_CURR), or None without a truth file."""
    if not (raw / TRUTH_FILE).is_file():
        return None
    truth = pd.read_csv(raw / TRUTH_FILE, usecols=["SK_ID_CURR", "PLANTED_PROBABILITY"])
    planted = rows[["SK_ID_CURR"]].merge(truth, on="SK_ID_CURR", how="left")["PLANTED_PROBABILITY"].to_numpy()
    if np.isnan(planted).any():
        raise LookupError(f"{TRUTH_FILE} lacks planted probabilities of some hold-out applications")
    return planted


def oracle_threshold(weights: CostWeights) -> float:
    """The threshold that minimises the expected cost when the probability is the true one."""
    return weights.fp / (weights.fn + weights.fp)
