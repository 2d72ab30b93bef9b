"""Typer commands: thin wrappers that parse options, call one job function and print its summary."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from credit_common.logging import configure_logging

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Offline jobs of the credit platform.")
console = Console(stderr=True)


@app.callback()
def _setup(log_level: Annotated[str, typer.Option(help="Logging level.")] = "WARNING") -> None:
    configure_logging(log_level)


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
    out: Annotated[Path, typer.Option(help="Folder for the 8 CSV files and the truth file.")] = Path(
        "data/raw"
    ),
    scale: Annotated[float, typer.Option(min=0.0001, max=2.0, help="1.0 = full Kaggle size.")] = 0.01,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 42,
    drift: Annotated[
        bool, typer.Option(help="Plant drift in the 'production' (test) applications.")
    ] = False,
) -> None:
    """Generate synthetic Home Credit tables with the real schema and planted default risk."""
    from training.datagen import generate

    print_summary("synthetic data", generate(out=out, scale=scale, seed=seed, drift=drift))


@app.command()
def ingest(
    raw: Annotated[Path, typer.Option(help="Folder of the 8 Kaggle CSV files (real or synthetic).")] = Path(
        "data/raw"
    ),
    out: Annotated[Path, typer.Option(help="Folder for the validated Parquet tables.")] = Path(
        "data/parquet"
    ),
) -> None:
    """Validate the 8 raw files against the real schema and convert them to Parquet."""
    from training.ingest import IngestError, ingest_folder

    try:
        result = ingest_folder(raw=raw, out=out)
    except IngestError as error:
        console.print(f"[bold red]ingest refused:[/] {error}")
        raise typer.Exit(code=2) from error
    print_summary("ingest", result)
