"""Publish the whole client's file to a shared PostgreSQL: the history summaries
(training.data.history_publish), every known client's application fields and the comparison population
(credit_features.client_file_snapshot). N gateway machines then read one database instead of each
mounting the data folder.

The population is published with every numeric feature column, not only the champion's most
important ones: a gateway picks its comparison features from the champion it serves, which may change
after this job has run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.progress import Progress

from credit_common.data_layout import DataLayout
from credit_features.client_file_data import application_fields, population
from credit_features.client_file_snapshot import APPLICATIONS, POPULATION, publish_tables
from training.data.history_publish import publish_history


@dataclass(frozen=True)
class ClientFilePublishResult:
    """Rows of each history table, clients and columns of the two whole tables, stored megabytes, and
    how long the whole publish took."""

    history_rows: dict[str, int]
    applications: int
    population_clients: int
    population_columns: int
    stored_megabytes: dict[str, float]
    seconds: float


def publish_client_file(layout: DataLayout, url: str, show_progress: bool = True) -> ClientFilePublishResult:
    """Publish the history summaries, then the applications and population tables, to `url`."""
    started = time.perf_counter()
    history = publish_history(layout.parquet, url, show_progress)
    with Progress(disable=not show_progress, transient=True) as progress:
        task = progress.add_task("applications and population", total=3)
        tables = {APPLICATIONS: application_fields(layout)}
        progress.advance(task)
        tables[POPULATION] = population(layout)
        progress.advance(task)
        stored = publish_tables(url, tables)
        progress.advance(task)
    return ClientFilePublishResult(
        history_rows=history.rows,
        applications=tables[APPLICATIONS].num_rows,
        population_clients=tables[POPULATION].num_rows,
        population_columns=tables[POPULATION].num_columns,
        stored_megabytes={name: round(size / 1e6, 1) for name, size in stored.items()},
        seconds=round(time.perf_counter() - started, 2),
    )
