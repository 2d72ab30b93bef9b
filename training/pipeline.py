"""The whole offline pipeline in order, each step skipped when its output is already built.

`python -m training pipeline` (what `make demo` runs): synthetic data → Parquet → features → Feast
apply → materialize → training and production sets → training (small search) → evaluation → note.
A step is done when its marker exists under <data>/.done/ (written only after the step succeeded),
so a second run reuses everything and an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path

from rich.console import Console

from credit_features import store
from credit_features.settings import FeatureSettings

log = logging.getLogger(__name__)
console = Console(stderr=True)


@dataclass(frozen=True)
class PipelineOptions:
    """Size and budget of a pipeline run."""

    scale: float = 0.01
    seed: int = 42
    trials: int = 8
    folds: int = 3
    docs: Path | None = None
    force: bool = False


@dataclass(frozen=True)
class PipelineResult:
    """Seconds per step (0 when reused) and where the data lives."""

    data: str
    seconds: dict[str, float]
    reused: list[str]


def _steps(options: PipelineOptions, root: Path) -> list[tuple[str, Callable[[], object]]]:
    from training.data.datagen import generate
    from training.data.ingest import ingest_folder
    from training.features.build import build_features
    from training.features.materialize import materialize_online
    from training.model.dataset import build_dataset
    from training.model.evaluate import evaluate
    from training.model.train import TrainOptions, train
    from training.reporting.report import write_report

    raw, parquet, features, dataset = root / "raw", root / "parquet", root / "features", root / "dataset"
    steps: list[tuple[str, Callable[[], object]]] = [
        ("datagen", lambda: generate(out=raw, scale=options.scale, seed=options.seed)),
        ("ingest", lambda: ingest_folder(raw=raw, out=parquet)),
        ("features", lambda: build_features(parquet_dir=parquet, out=features)),
        ("apply", store.apply),
        ("materialize", materialize_online),
        ("dataset", lambda: build_dataset(parquet, dataset, "train")),
        ("production set", lambda: build_dataset(parquet, dataset, "test")),
        (
            "train",
            lambda: train(
                dataset / "train.parquet",
                TrainOptions(trials=options.trials, folds=options.folds, seed=options.seed),
            ),
        ),
        ("evaluate", lambda: evaluate(dataset / "train.parquet", raw, root / "evaluation.json")),
    ]
    if options.docs is not None:
        steps.append(("report", lambda: write_report(dataset / "train.parquet", options.docs)))
    return steps


def _summary(result: object) -> str:
    """A step's result as JSON (kept in its marker: what later runs and tests can read back)."""
    if is_dataclass(result):
        return json.dumps(
            {k: v for k, v in asdict(result).items() if isinstance(v, int | float | str | dict)}
        )
    return "{}"


def step_output(name: str) -> dict:
    """What a finished step recorded (e.g. step_output('train')['model_version'])."""
    return json.loads((FeatureSettings().data_dir / ".done" / name.replace(" ", "_")).read_text())


def run_pipeline(options: PipelineOptions) -> PipelineResult:
    """Run every step not yet done, in order; stop at the first failure (its marker is not written)."""
    root = FeatureSettings().data_dir
    markers = root / ".done"
    markers.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    reused: list[str] = []
    steps = _steps(options, root)
    for number, (name, step) in enumerate(steps, start=1):
        marker = markers / name.replace(" ", "_")
        if marker.exists() and not options.force:
            console.print(f"[dim]{number}/{len(steps)} {name}: already built, reused[/]")
            reused.append(name)
            seconds[name] = 0.0
            continue
        console.rule(f"{number}/{len(steps)} {name}")
        started = time.perf_counter()
        result = step()
        seconds[name] = round(time.perf_counter() - started, 1)
        marker.write_text(_summary(result))
        console.print(f"[green]✓[/] {name} in {seconds[name]:.1f} s {_summary(result)[:300]}")
        log.info("pipeline step done", extra={"step": name, "seconds": seconds[name]})
    return PipelineResult(data=str(root), seconds=seconds, reused=reused)
