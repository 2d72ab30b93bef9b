"""The whole offline pipeline in order, each step skipped when it is already built from the same data.

`python -m training pipeline` (what `make demo` runs): raw data → Parquet → features → Feast apply →
materialize → training and production sets → training (small search) → evaluation → note. The raw
data are synthetic (datagen, by default) or the user's Kaggle download (`--raw DIR|ZIP`, datagen
skipped). A step is done when its marker exists under <data>/.done/ (written only after the step
succeeded) and records the same raw data (training.data.raw_source digest): a second run reuses
everything, an interrupted run resumes where it stopped, and switching between synthetic and real
files rebuilds every step from ingest on instead of silently reusing the other data's outputs. Once
one step is rebuilt, every later step is too: each reads what the earlier ones wrote.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path

from rich.console import Console

from credit_common.data_layout import DataLayout
from credit_features import store
from credit_features.settings import FeatureSettings
from training.data.raw_source import RawSource, file_digest, folder_digest, resolve
from training.features.load_options import DEFAULT_LOAD, OnlineLoadOptions
from training.model.fairness_bounds import DEFAULT_BOUNDS, FairnessBounds
from training.model.sampling import SEARCH_ROWS
from training.model.tracking import TrackingStore

log = logging.getLogger(__name__)
console = Console(stderr=True)

#: The marker field holding what a step was built from.
BUILT_FROM = "built_from"
#: Beside the data: which raw data the current outputs come from (read by people and the report).
SOURCE_FILE = "raw_source.json"


class PipelineError(ValueError):
    """The pipeline's options cannot be run; the message names the option."""


@dataclass(frozen=True)
class PipelineTargets:
    """Where the pipeline reads and writes: the data folder, the feature store (Feast's registry, the
    online store) and the tracking store. The entry point builds them; no step reads the environment."""

    layout: DataLayout
    features: FeatureSettings
    tracking: TrackingStore


@dataclass(frozen=True)
class PipelineOptions:
    """Size and budget of a pipeline run, and the user's raw data (None: synthetic data)."""

    scale: float = 0.01
    seed: int = 42
    trials: int = 8
    folds: int = 3
    search_rows: int | None = SEARCH_ROWS
    docs: Path | None = None
    force: bool = False
    raw: Path | None = None
    until: str | None = None
    #: What a version must hold to be promoted (the command line reads them from FAIRNESS_*).
    fairness: FairnessBounds = DEFAULT_BOUNDS
    #: How the online store is loaded (the command line reads it from FEAST_FAST_MATERIALIZE...).
    online_load: OnlineLoadOptions = DEFAULT_LOAD


@dataclass(frozen=True)
class PipelineResult:
    """Seconds per step (0 when reused), where the data lives and which raw data it was built from."""

    data: str
    seconds: dict[str, float]
    reused: list[str]
    source: str


@dataclass(frozen=True)
class _Step:
    """One step: its name, its job, and what it is built from (evaluated when the step comes up)."""

    name: str
    run: Callable[[], object]
    built_from: Callable[[], str]


def _source_step(options: PipelineOptions, root: Path) -> tuple[_Step | None, Path]:
    """The step that provides the raw folder (datagen, or unpacking a zip; none for a folder)."""
    from training.data.datagen import generate

    if options.raw is None:
        raw = DataLayout(root).raw
        step = _Step(
            "datagen",
            lambda: generate(out=raw, scale=options.scale, seed=options.seed),
            lambda: f"synthetic scale={options.scale} seed={options.seed}",
        )
        return step, raw
    given = Path(options.raw).expanduser().resolve()
    if given.is_dir():
        return None, given
    unpacked = DataLayout(root).raw_zip
    return _Step("unpack", lambda: resolve(given, unpacked), lambda: file_digest(given)), unpacked


def _steps(options: PipelineOptions, targets: PipelineTargets) -> tuple[list[_Step], Path]:
    from training.data.ingest import ingest_folder
    from training.features.build import build_features
    from training.features.reload import reload_online
    from training.model.dataset import build_dataset
    from training.model.evaluate import evaluate
    from training.model.train import TrainOptions, train
    from training.reporting.report import write_report

    layout = targets.layout
    first, raw = _source_step(options, layout.root)
    parquet, features, dataset = layout.parquet, layout.features, layout.dataset

    def raw_digest() -> str:
        return folder_digest(raw)

    jobs: list[tuple[str, Callable[[], object]]] = [
        ("ingest", lambda: ingest_folder(raw=raw, out=parquet)),
        ("features", lambda: build_features(parquet_dir=parquet, out=features)),
        ("apply", lambda: store.apply(targets.features)),
        ("materialize", lambda: reload_online(targets.features, load=options.online_load)),
        ("dataset", lambda: build_dataset(parquet, dataset, "train")),
        ("production set", lambda: build_dataset(parquet, dataset, "test")),
        (
            "train",
            lambda: train(
                layout.train_set,
                targets.tracking,
                TrainOptions(
                    trials=options.trials,
                    folds=options.folds,
                    seed=options.seed,
                    search_rows=options.search_rows,
                    fairness=options.fairness,
                    ray_results=layout.ray_results,
                ),
            ),
        ),
        ("evaluate", lambda: evaluate(layout.train_set, raw, targets.tracking, layout.evaluation)),
    ]
    if options.docs is not None:
        jobs.append(("report", lambda: write_report(layout.train_set, targets.tracking, options.docs)))
    steps = [_Step(name, job, raw_digest) for name, job in jobs]
    return ([first] if first else []) + steps, raw


def _summary(result: object) -> dict:
    """A step's result as JSON-ready scalars (kept in its marker: what later runs and tests read back)."""
    if is_dataclass(result) and not isinstance(result, type):
        return {k: v for k, v in asdict(result).items() if isinstance(v, int | float | str | dict)}
    return {}


def step_output(name: str, layout: DataLayout) -> dict:
    """What a finished step recorded (e.g. step_output('train', layout)['model_version'])."""
    return json.loads((layout.done_markers / name.replace(" ", "_")).read_text())


def _built_from(marker: Path) -> str | None:
    try:
        return json.loads(marker.read_text()).get(BUILT_FROM)
    except (OSError, ValueError, AttributeError):
        return None


def run_pipeline(options: PipelineOptions, targets: PipelineTargets) -> PipelineResult:
    """Run every step not yet built from the same data, in order; stop at the first failure."""
    root = targets.layout.root
    markers = targets.layout.done_markers
    markers.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    reused: list[str] = []
    steps, raw = _steps(options, targets)
    names = [step.name for step in steps]
    if options.until is not None and options.until not in names:
        raise PipelineError(f"--until {options.until!r} is not a step; steps: {', '.join(names)}")
    steps = steps[: names.index(options.until) + 1] if options.until else steps
    rebuilding, cleared = options.force, False
    for number, step in enumerate(steps, start=1):
        marker = markers / step.name.replace(" ", "_")
        if step.name == "ingest":  # the raw folder is final from here on
            _record_source(root, RawSource(raw, _origin(options, raw), folder_digest(raw)))
        built_from = step.built_from()
        if not rebuilding and _built_from(marker) == built_from:
            console.print(f"[dim]{number}/{len(steps)} {step.name}: already built, reused[/]")
            reused.append(step.name)
            seconds[step.name] = 0.0
            continue
        if not rebuilding and marker.exists():
            console.print(f"[yellow]{step.name}: built from other data, rebuilt with every later step[/]")
        if not cleared:  # what follows reads this step's output: none of it may be reused later
            for later in names[names.index(step.name) :]:
                (markers / later.replace(" ", "_")).unlink(missing_ok=True)
        rebuilding = cleared = True
        console.rule(f"{number}/{len(steps)} {step.name}")
        started = time.perf_counter()
        result = step.run()
        seconds[step.name] = round(time.perf_counter() - started, 1)
        summary = _summary(result)
        marker.write_text(json.dumps({**summary, BUILT_FROM: built_from}))
        console.print(f"[green]✓[/] {step.name} in {seconds[step.name]:.1f} s {json.dumps(summary)[:300]}")
        log.info("pipeline step done", extra={"step": step.name, "seconds": seconds[step.name]})
    recorded = root / SOURCE_FILE
    source = json.loads(recorded.read_text())["description"] if recorded.is_file() else "not ingested yet"
    return PipelineResult(data=str(root), seconds=seconds, reused=reused, source=source)


def _origin(options: PipelineOptions, raw: Path) -> str:
    if options.raw is None:
        return f"the generator (scale {options.scale}, seed {options.seed}) in {raw}"
    return str(Path(options.raw).expanduser().resolve())


def _record_source(root: Path, source: RawSource) -> None:
    """Say beside the data which raw data the outputs come from (the report and people read it)."""
    record = {"description": source.describe(), "folder": str(source.folder), "digest": source.digest}
    (root / SOURCE_FILE).write_text(json.dumps({"synthetic": source.synthetic, **record}, indent=2))
