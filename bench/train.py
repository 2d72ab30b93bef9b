"""Benchmark of training: the champion's quality over seeds, the search, the refit at full size.

`python -m bench.train --seeds 1 --seeds 2 --seeds 3 --scale 0.1 --trials 30 --folds 5 --refit-scale 1.0`
runs the cases asked for, each in a fresh process that reports its own figures:

- seeds: `python -m training pipeline --scale S --seed N --trials T --folds F` from scratch per seed
  (bench/quality.py): the champion's hold-out AUC, business cost and Brier beside the planted truth's on
  the same rows, and the search's wall time; mean and spread over seeds (goals of issue 15: AUC ratio
  >= 0.99, cost ratio <= 1.03 on the mean, search <= 10 minutes);

- search: a Ray Tune search (`--folds`-fold CV per trial, as many trials at once as the search's
  CPUs) on a training set: its wall time, each trial's wall time, folds done and whether ASHA stopped
  it, and the best CV business cost (goal for 30 trials × 5 folds: under 10 minutes, issue 15);
- refit: the final LightGBM refit (default parameters unless `--params`) on a full-size training set:
  the feature tables of a synthetic build at `--refit-scale`, prepared in `--work` as bench.features
  prepares them (and reused from it), joined by client. Each client has one row, stamped at its
  application time, so this join equals Feast's point-in-time join;
- evaluate: the champion of the platform in CREDIT_DATA_DIR on its hold-out rows against the planted
  truth (goals: AUC ratio ≥ 0.97, business-cost ratio ≤ 1.05, the README's).

Writes bench/results/train.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

from bench.child import run_child
from bench.features import prepare
from bench.quality import VARIANTS, run_seed, summarize
from bench.stamp import BenchRun, bench_run
from credit_features.settings import FeatureSettings

#: Issue 15: 30 trials × 5 folds at scale 0.1 in under 10 minutes on 2 cores (held to that budget only).
GOAL_SEARCH_SECONDS = "<= 600"
GOAL_SEARCH_BUDGET = (30, 5)
GOAL_AUC_RATIO = ">= 0.97"
GOAL_COST_RATIO = "<= 1.05"
#: On the mean of the seeds' pipelines (scale 0.1, 5 folds): issue 27's, for a served model under its
#: monotone constraints and lending policy (issue 15's 0.99 and 1.03 held for an unconstrained model
#: alone); the cost is both probabilities put through the same policy.
GOAL_SEEDS_AUC_RATIO = ">= 0.985"
GOAL_SEEDS_POLICY_COST_RATIO = "<= 1.04"
app = typer.Typer(add_completion=False)

_SEARCH = """
import json, sys, time
from pathlib import Path
import pandas as pd
from bench.child import usage
from training.model.dataset import LABEL, feature_columns
from training.model.tune import METRIC, search
frame = pd.read_parquet(sys.argv[1])
x, y = frame[feature_columns(frame)].astype(float), frame[LABEL].to_numpy()
started = time.perf_counter()
outcome = search(x, y, trials=int(sys.argv[2]), folds=int(sys.argv[3]), seed=42, storage=Path(sys.argv[4]))
per_trial = [{"trial": t.trial_id, "seconds": round(t.seconds, 1), "folds_done": t.folds_done,
    "stopped_early": t.stopped_early, "imbalance": t.params["imbalance"],
    "learning_rate": round(t.params["learning_rate"], 4), "cost": round(t.metrics[METRIC], 4),
    "best_iteration": t.metrics.get("best_iteration")} for t in outcome.trials]
print(json.dumps({"rows": len(x), "features": x.shape[1], "trials": len(outcome.trials),
    "completed": sum(t.completed for t in outcome.trials), "stopped_early": outcome.stopped_early,
    "seconds": round(time.perf_counter() - started, 1), "search_seconds": round(outcome.seconds, 1),
    "fold_data_seconds": round(outcome.fold_data_seconds, 1),
    "seconds_per_trial": round(outcome.seconds_per_trial, 1),
    "concurrent_trials": outcome.concurrent_trials, "best_cv_cost": outcome.best.metrics[METRIC],
    "per_trial": per_trial, **usage()}))
"""

_REFIT = """
import json, sys, time
from pathlib import Path
import pandas as pd
from sklearn.model_selection import train_test_split
from bench.child import usage
from credit_features.catalog import VIEWS
from credit_model.estimators import unwrap_lightgbm
from training.model.candidates import lightgbm_pipeline
features, parquet, params = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
frame = pd.read_parquet(parquet / "application_train.parquet", columns=["SK_ID_CURR", "TARGET"])
for view in VIEWS:
    table = pd.read_parquet(features / f"{view}.parquet")
    frame = frame.merge(table.drop(columns=["event_timestamp", "created_timestamp"]), on="SK_ID_CURR")
y = frame.pop("TARGET").to_numpy()
frame = frame.drop(columns="SK_ID_CURR").astype(float)
x, _, y, _ = train_test_split(frame, y, test_size=0.2, stratify=y, random_state=42)
imbalance = params.pop("imbalance", "class_weight")
started = time.perf_counter()
pipeline = lightgbm_pipeline(params, imbalance).fit(x, y)
seconds = time.perf_counter() - started
booster = unwrap_lightgbm(pipeline)[0].booster_
leaves = sum(tree["num_leaves"] for tree in booster.dump_model()["tree_info"])
print(json.dumps({"rows": len(x), "features": x.shape[1], "trees": booster.num_trees(), "leaves": leaves,
    "seconds": round(seconds, 1), **usage()}))
"""

_EVALUATE = """
import json, sys
from dataclasses import asdict
from pathlib import Path
from bench.champion import champion_size
from bench.child import usage
from training.cli import tracking_store
from training.model.evaluate import evaluate
platform = Path(sys.argv[1])
result = evaluate(platform / "dataset" / "train.parquet", platform / "raw", tracking_store())
print(json.dumps(asdict(result) | champion_size() | usage()))
"""


def refit_data(work: Path, scale: float) -> tuple[Path, Path]:
    """(features, parquet) folders of a synthetic build at `scale`, prepared and built when missing."""
    parquet, _ = prepare(work, scale, random_data=False)
    features = parquet.parent / "features"
    if not (features / "application.parquet").is_file():
        from training.features.build import build_features

        build_features(parquet, features)
    return features, parquet


def record_seeds(run: BenchRun, seeds: dict[str, Any]) -> None:
    """Mean and spread over seeds of the champion against the planted truth, and of the search time."""
    summary = seeds["summary"]
    what = (
        f"pipeline at scale {seeds['scale']:g}, {seeds['trials']} trials × {seeds['folds']} folds, "
        f"mean of {summary['seeds']} seeds"
    )
    goals = {
        "auc_ratio": GOAL_SEEDS_AUC_RATIO,
        "cost_ratio": None,
        "policy_cost_ratio": GOAL_SEEDS_POLICY_COST_RATIO,
        "brier_ratio": None,
    }
    for key, goal in goals.items():
        spread = summary[key]
        name = key.replace("_", " ").replace("auc", "AUC").replace("brier", "Brier")
        label = f"{what}: champion/oracle {name} (seeds {spread['min']:.3f}–{spread['max']:.3f})"
        run.figure(f"seeds_{key}", round(spread["mean"], 4), unit="", label=label, goal=goal)
    price = summary["policy_price"]
    run.figure(
        "seeds_policy_price",
        round(price["mean"], 4),
        unit="per application",
        label=f"{what}: the policy's own price, the oracle's cost through it minus without it",
    )
    for variant, meaning in (
        ("unconstrained", "without the monotone constraints"),
        ("protected", "with the protected attributes as inputs"),
    ):
        for key in ("auc_ratio", "policy_cost_ratio"):
            if variant in summary:
                spread = summary[variant][key]
                name = key.replace("_", " ").replace("auc", "AUC")
                run.figure(
                    f"seeds_{variant}_{key}",
                    round(spread["mean"], 4),
                    unit="",
                    label=f"{what}, trained {meaning} (never served): {name} "
                    f"(seeds {spread['min']:.3f}–{spread['max']:.3f})",
                )
    search = summary["search_seconds"]
    full_budget = (seeds["trials"], seeds["folds"]) == GOAL_SEARCH_BUDGET
    run.figure(
        "seeds_search_seconds",
        round(search["max"], 1),
        unit="s",
        label=f"{what}: slowest seed's search (mean {search['mean']:.0f} s)",
        goal=GOAL_SEARCH_SECONDS if full_budget else None,
    )


def record(run: BenchRun, cases: dict[str, dict[str, Any]]) -> None:
    """Headline figures of the cases that ran."""
    if seeds := cases.get("seeds"):
        record_seeds(run, seeds)
    if search := cases.get("search"):
        what = (
            f"Ray Tune search, {search['trials']} trials × {search['folds']}-fold CV, "
            f"{search['rows']:,} applications × {search['features']} features"
        )
        goal = GOAL_SEARCH_SECONDS if (search["trials"], search["folds"]) == GOAL_SEARCH_BUDGET else None
        run.figure("search_seconds", search["process_seconds"], unit="s", label=f"{what}: time", goal=goal)
        run.figure(
            "search_trial_seconds",
            search["seconds_per_trial"],
            unit="s",
            label=f"{what}: wall time per trial ({search['concurrent_trials']} at once)",
        )
        run.figure(
            "search_stopped_early",
            search["stopped_early"],
            unit="trials",
            label=f"{what}: trials ASHA stopped before their last fold",
        )
        run.figure("search_best_cv_cost", search["best_cv_cost"], unit="", label=f"{what}: best CV cost")
        run.figure("search_peak_rss_mb", search["peak_rss_mb"], unit="MB", label=f"{what}: peak memory")
    if refit := cases.get("refit"):
        what = (
            f"final LightGBM refit, scale {refit['scale']:g} ({refit['rows']:,} applications × "
            f"{refit['features']} features, {refit['trees']} trees)"
        )
        run.figure("refit_seconds", refit["seconds"], unit="s", label=f"{what}: fit time")
        run.figure("refit_peak_rss_mb", refit["peak_rss_mb"], unit="MB", label=f"{what}: peak memory")
    if champion := cases.get("evaluate"):
        what = (
            f"champion v{champion['model_version']} ({champion['trees']} trees, "
            f"{champion['leaves']:,} leaves) vs the planted truth, {champion['rows']:,} hold-out applications"
        )
        run.figure(
            "auc_ratio", champion["auc_ratio"], unit="", label=f"{what}: AUC ratio", goal=GOAL_AUC_RATIO
        )
        run.figure(
            "cost_ratio",
            champion["cost_ratio"],
            unit="",
            label=f"{what}: business-cost ratio",
            goal=GOAL_COST_RATIO,
        )


def _print(cases: dict[str, dict[str, Any]]) -> None:
    table = Table(title="training benchmark")
    for column in ("case", "rows", "seconds", "peak RSS MB", "figures"):
        table.add_column(column, justify="left" if column in {"case", "figures"} else "right")
    measured = {name: case for name, case in cases.items() if name != "seeds"}  # seeds: their own table
    for name, case in measured.items():
        seconds = case.get("seconds", case["process_seconds"])
        figures = ", ".join(
            f"{k}={case[k]:.4g}" for k in ("best_cv_cost", "auc_ratio", "cost_ratio") if k in case
        )
        table.add_row(name, f"{case['rows']:,}", f"{seconds:.1f}", f"{case['peak_rss_mb']:.0f}", figures)
    if measured:
        Console(width=120).print(table)
    if seeds := cases.get("seeds"):
        _print_seeds(seeds)
    if search := cases.get("search"):
        _print_trials(search)


def _print_seeds(seeds: dict[str, Any]) -> None:
    """Each seed's pipeline: the chosen model against the planted truth, and the search's time."""
    table = Table(title=f"pipeline at scale {seeds['scale']:g}: the champion against the planted truth")
    for column in ("seed", "chosen", "AUC ratio", "cost ratio", "Brier ratio", "search s", "pipeline s"):
        table.add_column(column, justify="left" if column == "chosen" else "right")
    for seed in seeds["per_seed"]:
        table.add_row(
            str(seed["seed"]),
            seed["chosen"],
            f"{seed['auc_ratio']:.4f}",
            f"{seed['cost_ratio']:.4f}",
            f"{seed['brier_ratio']:.4f}",
            f"{seed['search_seconds']:.0f}",
            f"{seed['pipeline_seconds']:.0f}",
        )
    Console(width=120).print(table)


def _print_trials(search: dict[str, Any]) -> None:
    """Each trial of the search: how long it ran, how far it got, what it scored."""
    table = Table(
        title=(
            f"search: {search['trials']} trials in {search['search_seconds']:.0f} s "
            f"({search['fold_data_seconds']:.0f} s of fold data), {search['seconds_per_trial']:.1f} s "
            f"per trial, {search['stopped_early']} stopped early"
        )
    )
    for column in ("trial", "imbalance", "learning rate", "folds", "stopped", "trees", "seconds", "cost"):
        table.add_column(column, justify="left" if column in {"trial", "imbalance"} else "right")
    for trial in search["per_trial"]:
        trees = trial["best_iteration"]
        table.add_row(
            trial["trial"],
            trial["imbalance"],
            f"{trial['learning_rate']:.3f}",
            str(trial["folds_done"]),
            "yes" if trial["stopped_early"] else "",
            f"{trees:.0f}" if trees is not None else "",
            f"{trial['seconds']:.1f}",
            f"{trial['cost']:.4f}",
        )
    Console(width=120).print(table)


@app.command()
def main(
    *,
    seeds: Annotated[
        list[int] | None, typer.Option(help="Seeds of the pipeline case (one pipeline from scratch each).")
    ] = None,
    scale: Annotated[float, typer.Option(help="Data scale of the pipeline case.")] = 0.1,
    redis_db: Annotated[int, typer.Option(help="Redis database the pipeline case materializes to.")] = 4,
    resume: Annotated[
        bool, typer.Option(help="Pipeline case: keep the steps an earlier run of a seed finished.")
    ] = False,
    variants: Annotated[
        list[str] | None,
        typer.Option(
            help="Pipeline case: the measurement variants trained beside each seed (default: all; "
            "none: the served model alone, as for a larger search budget)."
        ),
    ] = None,
    search_dataset: Annotated[Path | None, typer.Option(help="Training set of the search case.")] = None,
    trials: Annotated[int, typer.Option(min=1, help="Ray Tune trials of the search.")] = 30,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds per trial.")] = 5,
    storage: Annotated[Path, typer.Option(help="Ray Tune's result folder.")] = Path("/tmp/bench-train-ray"),
    refit_scale: Annotated[
        float | None, typer.Option(help="Data scale of the refit case (1.0 = Kaggle).")
    ] = None,
    work: Annotated[Path, typer.Option(help="Where bench.features keeps prepared scales.")] = Path(
        "data/bench"
    ),
    params: Annotated[
        str, typer.Option(help="JSON LightGBM parameters of the refit (default: the defaults).")
    ] = "",
    evaluate: Annotated[bool, typer.Option(help="Evaluate the champion of CREDIT_DATA_DIR.")] = False,
) -> dict[str, dict[str, Any]]:
    """Time the cases asked for; print a table and write bench/results/train.json."""
    from training.model.candidates import LGBM_DEFAULTS

    refit_params = json.loads(params) if params else dict(LGBM_DEFAULTS)
    platform = FeatureSettings().data_dir
    chosen_variants = () if variants == ["none"] else tuple(variants or VARIANTS)
    unknown = set(chosen_variants) - set(VARIANTS)
    if unknown:
        raise typer.BadParameter(f"unknown variants {sorted(unknown)}: choose among {list(VARIANTS)} or none")
    config: dict[str, Any] = {"seeds": seeds, "scale": scale if seeds else None, "resume": resume}
    config |= {"variants": list(chosen_variants)}
    config |= {"search_dataset": str(search_dataset) if search_dataset else None}
    config |= {"trials": trials, "folds": folds, "refit_scale": refit_scale}
    config |= {"refit_params": refit_params, "evaluated_platform": str(platform) if evaluate else None}
    cases: dict[str, dict[str, Any]] = {}
    with bench_run("train", config=config) as run:
        if seeds:
            quality = work / "quality"
            per_seed = [
                run_seed(
                    quality,
                    seed,
                    scale=scale,
                    trials=trials,
                    folds=folds,
                    redis_db=redis_db,
                    resume=resume,
                    variants=chosen_variants,
                )
                for seed in track(seeds, description="pipelines")
            ]
            cases["seeds"] = {"scale": scale, "trials": trials, "folds": folds, "per_seed": per_seed}
            cases["seeds"]["summary"] = summarize(per_seed)
        if search_dataset is not None:
            cases["search"] = {"folds": folds} | run_child(
                _SEARCH, str(search_dataset), str(trials), str(folds), str(storage)
            )
        if refit_scale is not None:
            features, parquet = refit_data(work, refit_scale)
            measured = run_child(_REFIT, str(features), str(parquet), json.dumps(refit_params))
            cases["refit"] = {"scale": refit_scale} | measured
        if evaluate:
            cases["evaluate"] = run_child(_EVALUATE, str(platform))
        if not cases:
            raise typer.BadParameter(
                "nothing to run: give --seeds, --search-dataset, --refit-scale or --evaluate"
            )
        record(run, cases)
        run.detail("cases", cases)
    _print(cases)
    return cases


if __name__ == "__main__":
    app()
