"""Benchmark of the drift job: wall time, peak memory and report size at production volumes.

`python -m bench.drift` needs a champion and large feature sets. It builds a small platform in the
work folder once (scale-0.01 synthetic data, Feast with the SQLite online store, a 3-trial training:
a real 423-feature LightGBM champion), then synthesises a `--reference-rows` reference (300k) and a
`--current-rows` current set (50k) by resampling that platform's train/test feature rows, with a 2 %
multiplicative jitter on the continuous features so the rows are not copies (same schema, null
patterns and spread as real features). Each case runs `detect_drift` in a fresh process:

- default: the job as scheduled, which compares a seeded sample of at most 50k rows per side;
- all rows (`--max-rows 0`): every row of both sets.

Two times per case: the job's own (`detect_drift`, as it reports) and the process's wall time
(interpreter, imports, MLflow logging included: what a scheduled job costs). Goal: the process under
60 s and a report under 10 MB on 2 cores. The "drifted" count means little here: resampling 3k
training and 500 test rows makes their small differences look like a population's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from bench.child import REPO, run_child
from bench.stamp import BenchRun, bench_run

GOAL_SECONDS = "< 60"
GOAL_REPORT_MB = "< 10"
JITTER = 0.02
PLATFORM_SCALE = 0.01
#: (case key, max_rows): the job's default sample per side, then every row.
CASES = (("sampled", 50_000), ("all_rows", 0))

_CHILD = """
import json, sys
from dataclasses import asdict
from pathlib import Path
from bench.champion import champion_size
from bench.child import usage
from training.cli import tracking_store
from training.monitoring.drift import DriftOptions, detect_drift
r = detect_drift(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), tracking_store(),
                 DriftOptions(max_rows=int(sys.argv[4]), progress=False))
print(json.dumps(asdict(r) | champion_size() | usage()))
"""

console = Console(width=120)
app = typer.Typer(add_completion=False)


def _environment(platform: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CREDIT_DATA_DIR": str(platform),
        "FEAST_ONLINE_STORE": "sqlite",
        "MLFLOW_TRACKING_URI": f"sqlite:///{platform / 'mlflow.db'}",
        "RAY_AUTH_MODE": "disabled",
    }


def build_platform(platform: Path) -> float:
    """A small platform with a champion (reused when its test set exists); seconds spent building it."""
    if (platform / "dataset" / "test.parquet").is_file():
        return 0.0
    started = time.perf_counter()
    steps = [
        ["datagen", "--out", str(platform / "raw"), "--scale", str(PLATFORM_SCALE), "--seed", "7"],
        ["ingest", "--raw", str(platform / "raw"), "--out", str(platform / "parquet")],
        ["features", "--parquet", str(platform / "parquet"), "--out", str(platform / "features")],
        ["apply"],
        ["dataset", "--parquet", str(platform / "parquet"), "--out", str(platform / "dataset")],
        ["train", "--dataset", str(platform / "dataset" / "train.parquet"), "--trials", "3", "--folds", "2"],
        [
            "dataset",
            "--parquet",
            str(platform / "parquet"),
            "--out",
            str(platform / "dataset"),
            "--split",
            "test",
        ],
    ]
    for step in steps:
        subprocess.run(
            [sys.executable, "-m", "training", *step], check=True, cwd=REPO, env=_environment(platform)
        )
    return time.perf_counter() - started


def resample(source: Path, rows: int, out: Path, seed: int) -> None:
    """`rows` rows drawn with replacement from `source`, continuous features jittered by JITTER."""
    if out.is_file():
        return
    frame = pd.read_parquet(source).drop(columns=["TARGET"], errors="ignore")
    rng = np.random.default_rng(seed)
    frame = frame.iloc[rng.integers(0, len(frame), rows)].reset_index(drop=True)
    frame["SK_ID_CURR"] = np.arange(rows, dtype=np.int64)
    continuous = [c for c in frame.columns if frame[c].dtype == float and frame[c].nunique() > 20]
    frame[continuous] *= np.exp(rng.normal(0.0, JITTER, (rows, len(continuous))))
    frame.to_parquet(out, index=False)


def measure(platform: Path, reference: Path, current: Path, out: Path, max_rows: int) -> dict[str, Any]:
    """Run the job in a fresh process: its own figures, wall time, peak RSS and report size."""
    args = [str(reference), str(current), str(out), str(max_rows)]
    report = run_child(_CHILD, *args, env=_environment(platform))
    report["report_mb"] = round(Path(report["report"]).stat().st_size / 1e6, 2)
    return report


def record(run: BenchRun, key: str, case: dict[str, Any], sets: dict[str, int]) -> None:
    """The case's process time and report size against their goals, and the job's own time."""
    rows = f"{case['reference_rows']:,} reference / {case['current_rows']:,} current rows"
    if case["max_rows"]:
        what = f"drift job, default sample of {rows} (sets of {sets['reference']:,} / {sets['current']:,})"
    else:
        what = f"drift job, all {rows}"
    run.figure(
        f"{key}_process_seconds",
        case["process_seconds"],
        unit="s",
        label=f"{what}: process wall time",
        goal=GOAL_SECONDS,
    )
    run.figure(f"{key}_job_seconds", case["seconds"], unit="s", label=f"{what}: job time (detect_drift)")
    run.figure(
        f"{key}_report_mb", case["report_mb"], unit="MB", label=f"{what}: report size", goal=GOAL_REPORT_MB
    )


def _print(cases: dict[str, dict[str, Any]]) -> None:
    table = Table(title=f"drift job, {os.cpu_count()} cores")
    headers = (
        "case",
        "rows compared",
        "features",
        "drifted",
        "job s",
        "process s",
        "CPU s",
        "peak MB",
        "report MB",
    )
    for header in headers:
        table.add_column(header, justify="left" if header == "case" else "right")
    for key, case in cases.items():
        table.add_row(
            key,
            f"{case['reference_rows']:,} / {case['current_rows']:,}",
            str(case["features_checked"]),
            str(case["drifted_features"]),
            f"{case['seconds']:.1f}",
            f"{case['process_seconds']:.1f}",
            f"{case['cpu_seconds']:.1f}",
            f"{case['peak_rss_mb']:.0f}",
            f"{case['report_mb']:.1f}",
        )
    console.print(table)


@app.command()
def main(
    work: Annotated[Path, typer.Option(help="Where the platform and sets are kept and reused.")] = Path(
        "data/bench/drift"
    ),
    reference_rows: Annotated[int, typer.Option(help="Rows of the synthesised reference.")] = 300_000,
    current_rows: Annotated[int, typer.Option(help="Rows of the synthesised current set.")] = 50_000,
) -> dict[str, dict[str, Any]]:
    """Time the drift job on a large reference and current set; table + bench/results/drift.json."""
    work = work.resolve()
    platform = work / "platform"
    prepare = build_platform(platform)
    reference = work / f"reference-{reference_rows}.parquet"
    current = work / f"current-{current_rows}.parquet"
    resample(platform / "dataset" / "train.parquet", reference_rows, reference, seed=1)
    resample(platform / "dataset" / "test.parquet", current_rows, current, seed=2)
    sets = {"reference": reference_rows, "current": current_rows}
    config = {"work": str(work), "sets": sets, "jitter": JITTER, "platform_scale": PLATFORM_SCALE}
    config |= {"platform_prepare_seconds": round(prepare, 1), "max_rows_per_case": dict(CASES)}
    cases: dict[str, dict[str, Any]] = {}
    with bench_run("drift", config=config) as run:
        for key, max_rows in CASES:
            cases[key] = {"max_rows": max_rows} | measure(
                platform, reference, current, work / f"out-{max_rows}", max_rows
            )
            record(run, key, cases[key], sets)
        first = next(iter(cases.values()))
        run.config |= {k: first[k] for k in ("model_version", "trees", "leaves", "features_checked")}
        run.detail("cases", cases)
    _print(cases)
    return cases


if __name__ == "__main__":
    app()
