"""What the whole gateway opens at start-up and closes at shutdown: the decision path's state, and the
client's file (directory, history, population), intake and reviews beside it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from credit_common.data_layout import DataLayout
from credit_model.reviews import ReviewStore
from gateway.api.decision_state import DecisionState, open_decision_state
from gateway.api.deps import get_state
from gateway.api.metrics import GatewayMetrics
from gateway.client_file.comparison_features import comparison_features
from gateway.client_file.directory import ClientDirectory
from gateway.client_file.history import HistoryReader, HistorySource
from gateway.client_file.population import Population
from gateway.client_file.tables import open_tables
from gateway.intake.application_store import ApplicationStore
from gateway.intake.limit import IntakeLimit
from gateway.settings import GatewaySettings

log = logging.getLogger(__name__)


@dataclass
class GatewayState(DecisionState):
    """The decision path's objects, and those of the client's file, intake and reviews."""

    directory: ClientDirectory
    history: HistorySource
    population: Population
    intake: IntakeLimit
    reviews: ReviewStore

    async def close(self) -> None:
        await super().close()
        if self.directory.applications is not None:
            await self.directory.applications.close()
        await self.history.close()
        self.reviews.close()


State = Annotated[GatewayState, Depends(get_state)]


def open_history(settings: GatewaySettings, layout: DataLayout) -> HistorySource:
    """The shared database when one is configured (N machines), else the local Parquet files."""
    if settings.client_file_database_url:
        from gateway.client_file.shared_history import SharedHistoryReader  # psycopg only where used

        return SharedHistoryReader(settings.client_file_database_url)
    return HistoryReader(layout.parquet)


async def open_state(settings: GatewaySettings, metrics: GatewayMetrics) -> GatewayState:
    """The decision path's state, then the directory, the comparison population and intake."""
    decision = open_decision_state(settings, metrics)
    features = await comparison_features(settings.comparison_features)
    layout = DataLayout(settings.data_dir)
    tables = open_tables(settings.client_file_database_url, layout)
    population = Population.from_table(
        tables.population(Population.columns(features)), features, settings.similar_clients
    )
    # New applications live in Redis (durable, shared by every gateway process); none without it.
    redis = decision.online_backend == "redis"
    applications = ApplicationStore.open(decision.feature_settings) if redis else None
    directory = ClientDirectory(tables.applications(), applications)
    history = open_history(settings, layout)
    log.info("gateway ready", extra={"comparison_features": len(features), "clients": len(population.ids)})
    return GatewayState(
        **vars(decision),
        directory=directory,
        history=history,
        population=population,
        intake=IntakeLimit(settings.intake_concurrency, settings.intake_queue, settings.intake_wait_seconds),
        reviews=ReviewStore(settings.reviews_url),
    )
