"""The champion's quality across seeds: what `python -m training pipeline` gives a user, seed by seed.

Each seed builds a platform of its own from scratch (data, features, materialize, search, refit,
evaluation) in `<work>/scale-<s>-seed-<n>`, in a child process, exactly as `make demo` runs the pipeline. Its
evaluation sets the champion beside the planted truth on the same hold-out rows, and its training
records how long the Ray Tune search took. The mean and the spread over seeds are what issue 15 judges
(one seed can be lucky: the hold-out is a few thousand rows).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.child import REPO, ChildFailedError

#: Evaluation figures averaged over seeds, with their model / oracle ratios (policy_cost_ratio: both
#: probabilities through the version's lending policy).
RATIOS = ("auc_ratio", "cost_ratio", "brier_ratio", "policy_cost_ratio")
#: The measurement variants trained beside each seed's served model, with their `training train` flag:
#: what the monotone constraints cost, and what leaving the protected attributes out costs.
VARIANTS = {"unconstrained": "monotone", "protected": "protected"}
_VARIANT = """
import json, sys
from dataclasses import asdict, replace
from pathlib import Path
from training.cli import tracking_store
from training.model.evaluate import evaluate
from training.model.train import TrainOptions, train
platform, variant = Path(sys.argv[1]), sys.argv[2]
options = TrainOptions(trials=int(sys.argv[3]), folds=int(sys.argv[4]), seed=int(sys.argv[5]))
options = replace(options, monotone=False) if variant == "unconstrained" else replace(options, protected=True)
trained = train(platform / "dataset" / "train.parquet", tracking_store(), options)
dataset, out = platform / "dataset" / "train.parquet", platform / f"evaluation-{variant}.json"
result = evaluate(dataset, platform / "raw", tracking_store(), out, version_name=trained.model_version)
print(json.dumps({"variant": variant, "chosen": trained.chosen, "promoted": trained.promoted,
                  "search_seconds": trained.search_seconds, **asdict(result)}))
"""


def _environment(platform: Path, redis_db: int) -> dict[str, str]:
    """The platform's demo.env (written by scripts/demo_env.py, as `make demo` does), as a dict."""
    subprocess.run(
        [sys.executable, "scripts/demo_env.py", str(platform)],
        check=True,
        cwd=REPO,
        env={
            **os.environ,
            "REDIS_CONNECTION_STRING": f"127.0.0.1:6379,db={redis_db}",
            "FEAST_ONLINE_STORE": "redis",
        },
    )
    pairs = (line.split("=", 1) for line in (platform / "demo.env").read_text().splitlines() if "=" in line)
    return {key: value.strip("'") for key, value in pairs if not key.startswith("#")}


def run_seed(
    work: Path,
    seed: int,
    *,
    scale: float,
    trials: int,
    folds: int,
    redis_db: int,
    resume: bool = False,
    variants: tuple[str, ...] = tuple(VARIANTS),
) -> dict[str, Any]:
    """One pipeline for `seed`: its evaluation, its training's search time and how long it ran.

    From scratch unless `resume`, which keeps the steps an earlier run of the same scale and seed
    finished (the pipeline's own markers). A run that fails is resumed once: Ray's node start gives up
    after a fixed 30 s, which a loaded machine can exceed; the attempts are recorded.
    """
    platform = work / f"scale-{scale:g}-seed-{seed}"
    if not resume:
        shutil.rmtree(platform, ignore_errors=True)
    env = {**os.environ, **_environment(platform, redis_db), "RAY_AUTH_MODE": "disabled"}
    command = [sys.executable, "-m", "training", "pipeline"]
    command += ["--scale", str(scale), "--seed", str(seed), "--trials", str(trials), "--folds", str(folds)]
    started = time.perf_counter()
    failures: list[str] = []
    while True:
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            break
        failures.append(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no error output")
        if len(failures) == 2:
            raise ChildFailedError(f"pipeline for seed {seed} failed twice:\n{done.stderr[-3000:]}")
    evaluation = json.loads((platform / "evaluation.json").read_text())
    trained = json.loads((platform / ".done" / "train").read_text())
    measured = {
        name: _variant(platform, env, name, trials=trials, folds=folds, seed=seed) for name in variants
    }
    return {
        "seed": seed,
        "resumed": resume,
        "failed_attempts": failures,
        "pipeline_seconds": round(time.perf_counter() - started, 1),
        "search_seconds": round(trained["search_seconds"], 1),
        "search_stopped_early": trained["search_stopped_early"],
        "chosen": trained["chosen"],
        **evaluation,
        "brier_ratio": evaluation["model_brier"] / evaluation["oracle_brier"],
        "variants": measured,
    }


def _variant(
    platform: Path, env: dict[str, str], variant: str, *, trials: int, folds: int, seed: int
) -> dict[str, Any]:
    """A measurement variant trained on the seed's platform (registered, never served) and evaluated."""
    command = [sys.executable, "-c", _VARIANT, str(platform), variant, str(trials), str(folds), str(seed)]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ChildFailedError(f"variant {variant} for {platform.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarize(seeds: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and spread (min, max, standard deviation) over seeds of each ratio and of the search time."""
    summary: dict[str, Any] = {"seeds": len(seeds)}
    for key in (*RATIOS, "search_seconds"):
        summary[key] = _spread([seed[key] for seed in seeds])
    summary["policy_price"] = _spread([s["oracle_policy_cost"] - s["oracle_cost"] for s in seeds])
    for variant in VARIANTS:
        runs = [seed["variants"][variant] for seed in seeds if variant in seed.get("variants", {})]
        if runs:
            summary[variant] = {
                key: _spread([run[key] for run in runs]) for key in RATIOS if key != "brier_ratio"
            }
    return summary


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
    }
