"""Benchmark of training: the Ray Tune search at scale 0.1 and the final refit at scale 1.0.

`python -m bench.train --search-dataset data/dataset/train.parquet --trials 30` times a 30-trial
search (5-fold CV per trial, 2 trials at a time) on a scale-0.1 training set;
`--refit-features DIR --refit-parquet DIR` times the final LightGBM refit on a full-scale set (the
feature tables of a scale-1.0 build, joined by client: each client has one row, stamped at its
application time, so this equals Feast's point-in-time join). Each case runs in a subprocess that
reports its own peak memory; results go to bench/results/train.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from bench.latency import report

_SEARCH = """
import json, resource, sys, time
from pathlib import Path
import pandas as pd
from training.model.dataset import LABEL, feature_columns
from training.model.tune import search
frame = pd.read_parquet(sys.argv[1])
x, y = frame[feature_columns(frame)].astype(float), frame[LABEL].to_numpy()
started = time.perf_counter()
outcome = search(x, y, trials=int(sys.argv[2]), folds=5, seed=42, storage=Path(sys.argv[3]))
print(json.dumps({"rows": len(x), "features": x.shape[1], "trials": len(outcome.trials),
    "completed": sum(t.completed for t in outcome.trials), "seconds": round(time.perf_counter() - started, 1),
    "best_cv_cost": outcome.best.metrics["cv_business_cost"],
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""

_REFIT = """
import json, resource, sys, time
from pathlib import Path
import pandas as pd
from sklearn.model_selection import train_test_split
from credit_features.catalog import VIEWS
from training.model.candidates import LGBM_DEFAULTS, lightgbm_pipeline
features, parquet = Path(sys.argv[1]), Path(sys.argv[2])
frame = pd.read_parquet(parquet / "application_train.parquet", columns=["SK_ID_CURR", "TARGET"])
for view in VIEWS:
    table = pd.read_parquet(features / f"{view}.parquet")
    frame = frame.merge(table.drop(columns=["event_timestamp", "created_timestamp"]), on="SK_ID_CURR")
y = frame.pop("TARGET").to_numpy()
frame = frame.drop(columns="SK_ID_CURR").astype(float)
x, _, y, _ = train_test_split(frame, y, test_size=0.2, stratify=y, random_state=42)
params = json.loads(sys.argv[3]) if len(sys.argv) > 3 else dict(LGBM_DEFAULTS)
imbalance = params.pop("imbalance", "class_weight")
started = time.perf_counter()
lightgbm_pipeline(params, imbalance).fit(x, y)
print(json.dumps({"rows": len(x), "features": x.shape[1], "trees": params.get("n_estimators"),
    "seconds": round(time.perf_counter() - started, 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def _run(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--search-dataset", help="Scale-0.1 training set (python -m training dataset).")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--storage", default="/tmp/bench-train-ray")
    parser.add_argument("--refit-features", help="Feature tables of a scale-1.0 build.")
    parser.add_argument("--refit-parquet", help="Ingested Parquet of the same build (for TARGET).")
    parser.add_argument("--params", help="JSON LightGBM parameters of the refit (default: the defaults).")
    args = parser.parse_args()
    rows: dict[str, dict] = {}
    if args.search_dataset:
        rows[f"Ray Tune search, {args.trials} trials, 5-fold CV"] = _run(
            _SEARCH, args.search_dataset, str(args.trials), args.storage
        )
    if args.refit_features and args.refit_parquet:
        extra = [args.params] if args.params else []
        rows["final refit, scale 1.0"] = _run(_REFIT, args.refit_features, args.refit_parquet, *extra)
    report("train", "Training benchmark (2 cores)", rows, {"machine": "2 cores, 24 GB"})


if __name__ == "__main__":
    main()
