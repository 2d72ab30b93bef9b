"""The pipeline's LightGBM as `lightgbm.train` parameters, so a search trial trains the very same model.

A Ray Tune trial trains with `lightgbm.train` on data binned once for the whole search
(training.model.folds) instead of fitting `candidates.lightgbm_pipeline` on pandas frames. The
parameters are read from that pipeline's own LGBMClassifier and processed as its `fit` processes them
(objective, metric, threads; the number of trees becomes the number of rounds), so a parameter added
to the pipeline (LGBM_FIXED) reaches the search without a second list to keep in step.
"""

from __future__ import annotations

from typing import Any

from lightgbm import LGBMClassifier

from training.model.candidates import lightgbm_pipeline

#: Column-wise histograms: with one thread they sum in the same order as row-wise ones (the same
#: trees, tested), are faster on these data (up to a third with column sampling) and skip LightGBM's
#: timing of both at every fit.
COLUMN_WISE: dict[str, Any] = {"force_col_wise": True}


def booster_params(params: dict[str, Any], seed: int, threads: int) -> tuple[dict[str, Any], int]:
    """(`lightgbm.train` parameters, rounds) of the pipeline's LightGBM built with `params` and `seed`.

    The class-imbalance strategy is not a LightGBM parameter here: class weights are the training
    data's weights and undersampling its rows (training.model.folds), as the pipeline applies them.
    """
    model = lightgbm_pipeline(params, "none", seed).steps[-1][1]
    if not isinstance(model, LGBMClassifier):
        raise TypeError(f"the LightGBM pipeline ends with {type(model).__name__}, not LGBMClassifier")
    settings = model.get_params()
    rounds = int(settings.pop("n_estimators"))
    for sklearn_only in ("class_weight", "importance_type", "objective", "n_jobs"):
        settings.pop(sklearn_only)
    # LGBMClassifier.fit: a binary objective, its log-loss as the early-stopping metric, n_jobs threads.
    settings |= {"objective": "binary", "metric": ["binary_logloss"], "num_threads": threads}
    return settings | COLUMN_WISE, rounds
