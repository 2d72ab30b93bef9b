"""What the gateway opens at start-up and closes at shutdown: channels, store, population, log."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import grpc

from credit_common.tracing import grpc_client_interceptors
from credit_features.backend import OnlineBackend, online_backend
from credit_features.online import OnlineFeatures, open_online_features
from credit_features.settings import FeatureSettings
from credit_model.registries import open_registry
from credit_model.registry import CHAMPION_URI, ModelUri
from credit_model.reviews import ReviewStore
from explain_service.client import ExplainClient
from explain_service.explanation_store import ExplanationStore
from gateway.application_store import ApplicationStore
from gateway.client_data import ClientDirectory
from gateway.decisions import DecisionService
from gateway.history import HistoryReader
from gateway.intake_limit import IntakeLimit
from gateway.metrics import GatewayMetrics
from gateway.population import Population
from gateway.prediction_log import PredictionLog
from gateway.settings import GatewaySettings
from scoring_service.client import ScoringClient
from serving_base.channels import open_channel

log = logging.getLogger(__name__)
#: The champion's global SHAP importance, logged by training beside the model.
IMPORTANCE_ARTIFACT = "shap_importance.json"


@dataclass
class GatewayState:
    """The long-lived objects every request uses."""

    settings: GatewaySettings
    feature_settings: FeatureSettings
    online_backend: OnlineBackend
    online: OnlineFeatures
    decisions: DecisionService
    directory: ClientDirectory
    history: HistoryReader
    population: Population
    prediction_log: PredictionLog
    channels: tuple[grpc.aio.Channel, grpc.aio.Channel]
    metrics: GatewayMetrics
    intake: IntakeLimit
    reviews: ReviewStore

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()
        if self.decisions.explanations is not None:
            await self.decisions.explanations.close()
        if self.directory.applications is not None:
            await self.directory.applications.close()
        self.prediction_log.close()
        self.reviews.close()


def comparison_features(count: int) -> list[str]:
    """The champion's most important features (global SHAP), the ones worth comparing."""
    importance = open_registry().run_json(ModelUri.parse(CHAMPION_URI), IMPORTANCE_ARTIFACT)
    return list(importance)[:count]


async def open_state(settings: GatewaySettings, metrics: GatewayMetrics) -> GatewayState:
    """Open gRPC channels and the feature store, load the directory and the comparison population."""
    feature_settings = FeatureSettings()
    backend = online_backend(feature_settings)
    interceptors = grpc_client_interceptors()  # None unless tracing is on
    # Keepalive, and a reconnect backoff capped at 1 s: back within a second of a service's restart.
    scoring_channel = open_channel(settings.scoring_target, interceptors)
    explain_channel = open_channel(settings.explain_target, interceptors)
    prediction_log = PredictionLog(settings.predictions)
    explanation_store = None
    if settings.reuse_explanations and backend == "redis":
        explanation_store = ExplanationStore.open(feature_settings)
    online = open_online_features(feature_settings)
    decisions = DecisionService(
        ScoringClient(scoring_channel, timeout=settings.score_timeout),
        ExplainClient(explain_channel, timeout=settings.explain_timeout),
        online,
        prediction_log,
        explain_budget=settings.explain_timeout,
        explanations=explanation_store,
    )
    features = comparison_features(settings.comparison_features)
    population = Population.load(settings.data_dir / "features", features, settings.similar_clients)
    # New applications live in Redis (durable, shared by every gateway process); none without it.
    applications = ApplicationStore.open(feature_settings) if backend == "redis" else None
    directory = ClientDirectory(settings.data_dir / "parquet", applications)
    history = HistoryReader(settings.data_dir / "parquet")
    log.info("gateway ready", extra={"comparison_features": len(features), "clients": len(population.ids)})
    return GatewayState(
        settings,
        feature_settings,
        backend,
        online,
        decisions,
        directory,
        history,
        population,
        prediction_log,
        (scoring_channel, explain_channel),
        metrics,
        IntakeLimit(settings.intake_concurrency, settings.intake_queue, settings.intake_wait_seconds),
        ReviewStore(settings.reviews_url),
    )
