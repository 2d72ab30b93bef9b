"""What the gateway opens at start-up and closes at shutdown: channels, store, population, log."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import grpc
import mlflow

from explain_service.client import ExplainClient
from gateway.client_data import ClientDirectory
from gateway.decisions import DecisionService
from gateway.metrics import GatewayMetrics
from gateway.population import Population
from gateway.prediction_log import PredictionLog
from gateway.settings import GatewaySettings
from scoring_service.client import ScoringClient
from scoring_service.online import OnlineFeatures
from training import tracking
from training.store import FEATURE_SERVICE, get_store

log = logging.getLogger(__name__)


@dataclass
class GatewayState:
    """The long-lived objects every request uses."""

    settings: GatewaySettings
    decisions: DecisionService
    directory: ClientDirectory
    population: Population
    prediction_log: PredictionLog
    channels: tuple[grpc.aio.Channel, grpc.aio.Channel]
    store: object
    metrics: GatewayMetrics

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()
        self.prediction_log.close()


def comparison_features(count: int) -> list[str]:
    """The champion's most important features (global SHAP), the ones worth comparing."""
    tracking.configure()
    _, run = tracking.champion_run()
    importance = mlflow.artifacts.load_dict(f"runs:/{run.info.run_id}/shap_importance.json")
    return list(importance)[:count]


async def open_state(settings: GatewaySettings, metrics: GatewayMetrics) -> GatewayState:
    """Open gRPC channels and the feature store, load the directory and the comparison population."""
    scoring_channel = grpc.aio.insecure_channel(settings.scoring_target)
    explain_channel = grpc.aio.insecure_channel(settings.explain_target)
    store = get_store()
    prediction_log = PredictionLog(settings.predictions)
    decisions = DecisionService(
        ScoringClient(scoring_channel, timeout=settings.score_timeout),
        ExplainClient(explain_channel, timeout=settings.explain_timeout),
        OnlineFeatures(store, FEATURE_SERVICE),
        prediction_log,
        explain_budget=settings.explain_timeout,
    )
    await asyncio.to_thread(decisions.online.warm_up)
    features = comparison_features(settings.comparison_features)
    population = Population.load(settings.data_dir / "features", features, settings.similar_clients)
    directory = ClientDirectory(settings.data_dir / "parquet")
    log.info("gateway ready", extra={"comparison_features": len(features), "clients": len(population.ids)})
    return GatewayState(
        settings,
        decisions,
        directory,
        population,
        prediction_log,
        (scoring_channel, explain_channel),
        store,
        metrics,
    )
