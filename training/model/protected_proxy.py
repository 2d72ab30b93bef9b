"""How well the model's inputs stand in for each protected attribute left out of them: a proxy's AUC.

Leaving an attribute out is not enough if the other inputs predict it: the model could then act on it
by proxy. A small gradient boosting, cross-validated, predicts the attribute (its most frequent level
against the others) from exactly the model's inputs; its AUC says how much of the attribute they carry
(0.5: nothing; 1.0: all of it). It is reported per version, with the fairness report that measures
what the decisions do by group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credit_features.protected import EXCLUDED

#: Rows a proxy is fitted on (a stratified draw): enough for a stable AUC, a few seconds on one core.
MAX_ROWS = 20_000
FOLDS = 3


def proxy_auc(inputs: pd.DataFrame, attribute: pd.Series, seed: int = 0) -> float | None:
    """Out-of-fold AUC of predicting `attribute` (its most frequent level or not) from `inputs`; None
    when the attribute has a single known level."""
    known = attribute.notna().to_numpy()
    x, values = inputs[known], attribute[known].to_numpy()
    if len(np.unique(values)) < 2:
        return None
    target = (values == pd.Series(values).mode()[0]).astype(int)
    if len(target) > MAX_ROWS:
        picked = np.random.default_rng(seed).choice(len(target), MAX_ROWS, replace=False)
        x, target = x.iloc[picked], target[picked]
    scores = np.zeros(len(target))
    for fit, held in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, target):
        model = LGBMClassifier(
            n_estimators=100,
            num_leaves=15,
            learning_rate=0.1,
            max_bin=63,
            subsample_for_bin=20_000,
            colsample_bytree=0.5,
            n_jobs=1,
            verbose=-1,
        )
        model.fit(x.iloc[fit], target[fit])
        scores[held] = model.predict_proba(x.iloc[held])[:, 1]
    return float(roc_auc_score(target, scores))


def proxy_aucs(frame: pd.DataFrame, inputs: pd.DataFrame, seed: int = 0) -> dict[str, float]:
    """The proxy AUC of every excluded attribute the training frame holds (rows aligned on `inputs`)."""
    found = {}
    for attribute in EXCLUDED:
        if attribute in frame and attribute not in inputs:
            auc = proxy_auc(inputs, frame.loc[inputs.index, attribute], seed)
            if auc is not None:
                found[attribute] = auc
    return found
