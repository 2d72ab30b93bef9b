"""Typer commands: thin wrappers that parse options, call one job function and print its summary."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from credit_common.data_layout import DataLayout
from credit_common.logging import configure_logging
from training.features.load_options import OnlineLoadOptions
from training.model.fairness_bounds import FairnessBounds
from training.model.sampling import SEARCH_ROWS
from training.settings import TrainingSettings

if TYPE_CHECKING:  # MLflow loads only with the commands that use it
    from training.model.tracking import TrackingStore
    from training.pipeline import PipelineTargets

#: Shared by train and pipeline: how many training rows the comparison and the search draw.
SearchRows = Annotated[
    int,
    typer.Option(
        min=0,
        help="Rows the model comparison and the search draw (stratified); 0: all of them. "
        "The chosen model is refit on all rows.",
    ),
]

#: Where the ingested tables are read from.
Parquet = Annotated[
    Path | None, typer.Option(help="Folder of ingested Parquet tables [default: $CREDIT_DATA_DIR/parquet].")
]
#: The training set's parquet file.
TrainSet = Annotated[
    Path | None,
    typer.Option("--dataset", help="Training set parquet [default: $CREDIT_DATA_DIR/dataset/train.parquet]."),
]

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Offline jobs of the credit platform.")
console = Console(stderr=True)


@app.callback()
def _setup(log_level: Annotated[str, typer.Option(help="Logging level.")] = "WARNING") -> None:
    configure_logging(log_level)


def fairness_bounds() -> FairnessBounds:
    """The promotion bounds the FAIRNESS_* variables set (training.settings): read here, at the command
    line, and handed to the jobs, which read no environment."""
    settings = TrainingSettings()
    return FairnessBounds(
        excess_gap=settings.fairness_excess_gap,
        excess_ratio=settings.fairness_excess_ratio,
        max_gap=settings.fairness_max_gap,
        min_ratio=settings.fairness_min_ratio,
    )


def online_load_options() -> OnlineLoadOptions:
    """How the online store is loaded, from FEAST_FAST_MATERIALIZE and MATERIALIZE_DUCKDB_MEMORY."""
    settings = TrainingSettings()
    return OnlineLoadOptions(fast=settings.fast_materialize, duckdb_memory=settings.materialize_duckdb_memory)


def tracking_store() -> TrackingStore:
    """MLflow's store as MLFLOW_TRACKING_URI and CREDIT_DATA_DIR name it: read here, handed to the jobs."""
    from credit_model.settings import ModelSettings
    from training.model.tracking import TrackingStore

    return TrackingStore.from_settings(ModelSettings())


def pipeline_targets() -> PipelineTargets:
    """The data folder, feature store and tracking store the variables name (or their embedded
    defaults), as `make demo` sets them."""
    from credit_features.settings import FeatureSettings
    from training.pipeline import PipelineTargets

    features = FeatureSettings()
    return PipelineTargets(DataLayout(features.data_dir), features, tracking_store())


def print_summary(title: str, result: Any) -> None:
    """Print a job's typed result as a two-column table (the 'short summary' every job ends with)."""
    table = Table(title=title, show_header=False)
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.4g}"
        table.add_row(field.name.replace("_", " "), str(value))
    console.print(table)


@app.command()
def datagen(
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the 8 CSV files and the truth file [default: $CREDIT_DATA_DIR/raw]."),
    ] = None,
    scale: Annotated[float, typer.Option(min=0.0001, max=2.0, help="1.0 = full Kaggle size.")] = 0.01,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 42,
    drift: Annotated[bool, typer.Option(help="Plant drift in the 'production' (test) applications.")] = False,
) -> None:
    """Generate synthetic Home Credit tables with the real schema and planted default risk."""
    from training.data.datagen import generate

    out = out or DataLayout.from_environment().raw
    print_summary("synthetic data", generate(out=out, scale=scale, seed=seed, drift=drift))


@app.command()
def ingest(
    raw: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the 8 Kaggle CSV files, real or synthetic [default: $CREDIT_DATA_DIR/raw]."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the validated Parquet tables [default: $CREDIT_DATA_DIR/parquet]."),
    ] = None,
) -> None:
    """Validate the 8 raw files against the real schema and convert them to Parquet."""
    from training.data.ingest import IngestError, ingest_folder

    layout = DataLayout.from_environment()
    raw, out = raw or layout.raw, out or layout.parquet

    try:
        result = ingest_folder(raw=raw, out=out)
    except IngestError as error:
        console.print(f"[bold red]ingest refused:[/] {error}")
        raise typer.Exit(code=2) from error
    print_summary("ingest", result)


@app.command()
def features(
    parquet: Parquet = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the feature tables, one per view [default: $CREDIT_DATA_DIR/features]."
        ),
    ] = None,
) -> None:
    """Build the feature tables with the DuckDB SQL of feature_repo/sql."""
    from training.features.build import build_features

    layout = DataLayout.from_environment()
    parquet, out = parquet or layout.parquet, out or layout.features

    print_summary("features", build_features(parquet_dir=parquet, out=out))


@app.command()
def apply() -> None:
    """Register the Feast definitions of feature_repo/ (`feast apply`)."""
    from credit_features import store
    from credit_features.backend import online_backend
    from credit_features.settings import FeatureSettings

    settings = FeatureSettings()
    store.apply(settings)
    console.print(f"feast apply: done ({online_backend(settings)} online store)")


@app.command()
def materialize() -> None:
    """Load the latest feature values into the online store (`feast materialize-incremental`)."""
    from credit_features.backend import online_backend
    from credit_features.settings import FeatureSettings
    from training.features.materialize import materialize_online

    settings = FeatureSettings()
    materialize_online(settings=settings, load=online_load_options())
    console.print(f"feast materialize-incremental: done ({online_backend(settings)} online store)")


@app.command("publish-client-file")
def publish_client_file(
    url: Annotated[
        str,
        typer.Option(
            help="The shared PostgreSQL the gateways read the client's file from (postgresql://...)."
        ),
    ],
) -> None:
    """Publish the client's file (history summaries, application fields, comparison population) to a
    shared PostgreSQL (GATEWAY_CLIENT_FILE_DATABASE_URL): N gateway machines then read it instead of
    each mounting the data folder."""
    from training.data.client_file_publish import publish_client_file as publish

    print_summary("client's file published", publish(DataLayout.from_environment(), url))


@app.command()
def dataset(
    parquet: Parquet = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the training/production sets [default: $CREDIT_DATA_DIR/dataset]."),
    ] = None,
    split: Annotated[str, typer.Option(help="train (with TARGET) or test (production clients).")] = "train",
) -> None:
    """Point-in-time features of every application of a split, from Feast's offline store."""
    from training.model.dataset import build_dataset

    layout = DataLayout.from_environment()
    parquet, out = parquet or layout.parquet, out or layout.dataset

    if split not in ("train", "test"):
        raise typer.BadParameter("split must be train or test", param_hint="--split")
    print_summary(f"{split} set", build_dataset(parquet_dir=parquet, out=out, split=split))  # type: ignore[arg-type]


@app.command()
def train(
    dataset_path: TrainSet = None,
    trials: Annotated[int, typer.Option(min=1, help="Ray Tune trials (search budget).")] = 30,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of splits, search and models.")] = 42,
    cost_fn: Annotated[float, typer.Option(min=0, help="Cost of a missed defaulter.")] = 10.0,
    cost_fp: Annotated[float, typer.Option(min=0, help="Cost of a wrongly refused good client.")] = 1.0,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (default: local cores).")] = None,
    cpus: Annotated[int, typer.Option(min=1, help="Trials run at once (local cores or cluster CPUs).")] = 2,
    search_rows: SearchRows = SEARCH_ROWS,
    unconstrained: Annotated[
        bool,
        typer.Option(
            help="Measurement only: no monotone constraints (the version is registered, never served)."
        ),
    ] = False,
    with_protected: Annotated[
        bool,
        typer.Option(help="Measurement only: the protected attributes as inputs (registered, never served)."),
    ] = False,
) -> None:
    """Compare models, tune LightGBM with Ray Tune, refit the best, register it in MLflow."""
    from training.model.cost import CostWeights
    from training.model.train import TrainOptions
    from training.model.train import train as run_training

    layout = DataLayout.from_environment()
    options = TrainOptions(
        trials=trials,
        folds=folds,
        seed=seed,
        weights=CostWeights(fn=cost_fn, fp=cost_fp),
        address=address,
        cpus=cpus,
        search_rows=search_rows or None,
        monotone=not unconstrained,
        protected=with_protected,
        fairness=fairness_bounds(),
        ray_results=layout.ray_results,
    )
    print_summary("training", run_training(dataset_path or layout.train_set, tracking_store(), options))


@app.command()
def evaluate(
    dataset_path: TrainSet = None,
    raw: Annotated[
        Path | None,
        typer.Option(
            help="Raw folder; synthetic ones hold the oracle's truth file [default: $CREDIT_DATA_DIR/raw]."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="JSON file for the figures [default: $CREDIT_DATA_DIR/evaluation.json]."),
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="A registered version to evaluate instead of the champion.")
    ] = None,
) -> None:
    """The champion's hold-out figures, beside the oracle's (planted probability) on synthetic data."""
    from training.model.evaluate import evaluate as run_evaluation

    layout = DataLayout.from_environment()
    dataset_path, raw, out = dataset_path or layout.train_set, raw or layout.raw, out or layout.evaluation
    title = f"version {version} on the hold-out" if version else "champion on the hold-out"
    print_summary(title, run_evaluation(dataset_path, raw, tracking_store(), out, version_name=version))


@app.command("fairness-override")
def fairness_override(
    version: Annotated[str, typer.Option(help="The registered version whose fairness breach is overridden.")],
    by: Annotated[str, typer.Option(help="Who decides the override (name and role).")],
    why: Annotated[str, typer.Option(help="Why the version may serve despite the breach.")],
) -> None:
    """Record an override of a version's fairness breach (who, why; when is now), shown in its model card,
    then apply the champion rule to it again."""
    from training.model import tracking

    tracking.configure(tracking_store())
    from mlflow import MlflowClient

    from training.reporting.model_card import CARD_FILE, model_card

    try:
        promoted = tracking.override_fairness(version, by, why)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    found, run = tracking.version_run(version)
    MlflowClient().log_text(run.info.run_id, model_card(found.version), CARD_FILE)  # the card shows it
    typer.echo(f"override recorded on version {version}: {'champion' if promoted else 'not promoted'}")


@app.command()
def replay(
    decision_id: Annotated[
        str, typer.Argument(help="The decision's id, as its answer returned it (request_id).")
    ],
    log_dir: Annotated[
        Path | None,
        typer.Option(
            help="The gateways' shared prediction log folder (default: $CREDIT_DATA_DIR/predictions)."
        ),
    ] = None,
) -> None:
    """Derive a logged decision again from its model version in the registry and its recorded row, and
    compare: probability to the bit, outcome, threshold, policy, reasons' order and values. Exit 0 =
    the same, 1 = it differs, 2 = not found or not replayable."""
    from credit_model.decision_records import find_decision
    from credit_model.loading import MlflowRegistry
    from credit_model.settings import ModelSettings
    from training.model.replay import ReplayError
    from training.model.replay import replay as replay_decision

    settings = ModelSettings()
    folder = log_dir or DataLayout(settings.data_dir).predictions
    record = find_decision(folder, decision_id)
    if record is None:
        console.print(f"[bold red]replay refused:[/] no decision {decision_id} in {folder}")
        raise typer.Exit(code=2)
    try:
        replayed = replay_decision(record, MlflowRegistry(settings))
    except (ReplayError, LookupError) as error:
        console.print(f"[bold red]replay refused:[/] {error}")
        raise typer.Exit(code=2) from error
    table = Table(title=f"decision {decision_id}", show_header=True)
    for column in ("", "recorded", "replayed"):
        table.add_column(column)
    table.add_row(
        "model", f"{record.model_name} {record.model_version}", "(the same version, from the registry)"
    )
    table.add_row("probability", repr(record.probability), repr(replayed.probability))
    table.add_row("outcome", record.outcome, replayed.outcome)
    table.add_row("threshold", repr(record.threshold), repr(replayed.threshold))
    table.add_row("policy", record.policy_version or "-", replayed.policy_version or "-")
    table.add_row(
        "reasons",
        str(len(record.reasons.contributions)) if record.reasons else "-",
        str(len(replayed.reasons.contributions)),
    )
    console.print(table)
    for difference in replayed.differences:
        console.print(f"[bold red]differs:[/] {difference}")
    console.print(
        "[bold green]replay matches bit for bit[/]" if replayed.matches else "[bold red]replay differs[/]"
    )
    raise typer.Exit(code=0 if replayed.matches else 1)


@app.command()
def report(
    dataset_path: TrainSet = None,
    docs: Annotated[Path, typer.Option(help="Folder for methodology.md/.html and figures.")] = Path("docs"),
) -> None:
    """Write the methodology note from the MLflow runs of the champion."""
    from training.reporting.report import write_report

    dataset_path = dataset_path or DataLayout.from_environment().train_set
    print_summary("methodology note", write_report(dataset_path, tracking_store(), docs))


@app.command()
def drift(
    reference: Annotated[
        Path | None,
        typer.Option(help="Training features parquet (default: $CREDIT_DATA_DIR/dataset/train.parquet)."),
    ] = None,
    current: Annotated[
        Path | None,
        typer.Option(
            help="Prediction log folder (JSONL) or features parquet (default: $CREDIT_DATA_DIR/predictions)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for drift_report.html and drift.json (default: $CREDIT_DATA_DIR/drift)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Prediction log: first instant, ISO (UTC if naive).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Prediction log: end instant (excluded), ISO.")] = None,
    top_n: Annotated[int, typer.Option(min=1, help="Monitor the champion's N most important features.")] = 30,
    alert_share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Alert when this share of features drifted.")
    ] = 0.3,
    max_rows: Annotated[
        int, typer.Option(min=0, help="Seeded sample size per side (0 = all rows).")
    ] = 50_000,
    seed: Annotated[int, typer.Option(help="Seed of the row samples.")] = 42,
    method: Annotated[
        str,
        typer.Option(
            help="Test of every column: material_shift (normed Wasserstein >= threshold and KS p < 0.05), "
            "auto (Evidently's choice per column) or an Evidently test name (ks, psi, wasserstein, ...)."
        ),
    ] = "material_shift",
    threshold: Annotated[float | None, typer.Option(help="Drift threshold of that test.")] = None,
    reviews: Annotated[
        str | None,
        typer.Option(
            help="Advisors' reviews database, a SQLAlchemy URL (default: the gateway's embedded SQLite file)."
        ),
    ] = None,
) -> None:
    """Data drift of production against the training features (Evidently). Exit 0 = no alert, 1 = alert,
    2 = unusable input."""
    from training.monitoring.drift import EXIT_INPUT, DriftInputError, DriftOptions, detect_drift, exit_code
    from training.monitoring.review_overrides import default_reviews_url

    layout = DataLayout.from_environment()
    options = DriftOptions(
        top_n=top_n,
        alert_share=alert_share,
        max_rows=max_rows,
        seed=seed,
        since=since,
        until=until,
        method=method,
        threshold=threshold,
        reviews_url=reviews or default_reviews_url(layout.root),
    )
    try:
        result = detect_drift(
            reference or layout.train_set,
            current or layout.predictions,
            out or layout.drift,
            tracking_store(),
            options,
        )
    except (DriftInputError, LookupError) as error:
        console.print(f"[bold red]drift refused:[/] {error}")
        raise typer.Exit(code=EXIT_INPUT) from error
    print_summary("data drift" + (" [bold red]ALERT[/]" if result.alert else ""), result)
    raise typer.Exit(code=exit_code(result))


@app.command()
def pipeline(
    scale: Annotated[
        float, typer.Option(min=0.0001, max=2.0, help="Synthetic data size (1.0 = Kaggle).")
    ] = 0.01,
    seed: Annotated[int, typer.Option(help="Seed of data, splits and search.")] = 42,
    trials: Annotated[int, typer.Option(min=1, help="Ray Tune trials.")] = 8,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 3,
    search_rows: SearchRows = SEARCH_ROWS,
    docs: Annotated[Path | None, typer.Option(help="Also write the methodology note here.")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild every step, even those already built.")] = False,
    raw: Annotated[
        Path | None,
        typer.Option(
            help="The Kaggle download: its unzipped folder or home-credit-default-risk.zip (datagen skipped)."
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Stop after this step (e.g. materialize: data served, no training).")
    ] = None,
) -> None:
    """Run the whole offline pipeline, reusing the steps already built from the same raw data (what `make
    demo` runs)."""
    from training.data.ingest import IngestError
    from training.data.raw_source import RawSourceError
    from training.pipeline import PipelineError, PipelineOptions, run_pipeline

    options = PipelineOptions(
        scale=scale,
        seed=seed,
        trials=trials,
        folds=folds,
        search_rows=search_rows or None,
        docs=docs,
        force=force,
        raw=raw,
        until=until,
        fairness=fairness_bounds(),
        online_load=online_load_options(),
    )
    try:
        result = run_pipeline(options, pipeline_targets())
    except (IngestError, RawSourceError, PipelineError) as error:
        console.print(f"[bold red]pipeline refused:[/] {error}")
        raise typer.Exit(code=2) from error
    print_summary("pipeline", result)
