"""What the decision path opens at start-up and closes at shutdown: the services' channels, the online
store, the decision service and the prediction log. The whole gateway adds the client's file and
intake to it (gateway.api.state); a decision-path process (gateway.api.decision_app) has only this."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc

from credit_common.tracing import grpc_client_interceptors
from credit_features.backend import OnlineBackend, online_backend
from credit_features.online import OnlineFeatures, open_online_features
from credit_features.settings import FeatureSettings
from explain_service.client import ExplainClient
from gateway.api.forwarding import ClientFileForwarder
from gateway.api.metrics import GatewayMetrics
from gateway.decisions.prediction_log import PredictionLog
from gateway.decisions.service import DecisionService
from gateway.decisions.spare_cpu import SpareCpu
from gateway.settings import GatewaySettings
from scoring_service.client import ScoringClient
from serving_base.channels import open_channel
from serving_base.explanation_store import ExplanationStore


@dataclass
class DecisionState:
    """The long-lived objects every decision uses."""

    settings: GatewaySettings
    feature_settings: FeatureSettings
    online_backend: OnlineBackend
    online: OnlineFeatures
    decisions: DecisionService
    prediction_log: PredictionLog
    channels: tuple[grpc.aio.Channel, grpc.aio.Channel]
    metrics: GatewayMetrics
    #: Where requests beyond the decision path go (a decision-path process only).
    client_file: ClientFileForwarder | None = field(default=None, kw_only=True)

    async def close(self) -> None:
        if self.client_file is not None:
            await self.client_file.close()
        for channel in self.channels:
            await channel.close()
        if self.decisions.explanations is not None:
            await self.decisions.explanations.close()
        self.prediction_log.close()


def open_decision_state(settings: GatewaySettings, metrics: GatewayMetrics) -> DecisionState:
    """Open the gRPC channels, the online store, the explanation store and the prediction log."""
    feature_settings = FeatureSettings()
    backend = online_backend(feature_settings)
    interceptors = grpc_client_interceptors()  # None unless tracing is on
    # Keepalive, and a reconnect backoff capped at 1 s: back within a second of a service's restart.
    scoring_channel = open_channel(settings.scoring_target, interceptors)
    explain_channel = open_channel(settings.explain_target, interceptors)
    prediction_log = PredictionLog(settings.predictions, spare=SpareCpu())  # compacts on a spare core
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
        recent_explanations=settings.recent_explanations,
    )
    return DecisionState(
        settings,
        feature_settings,
        backend,
        online,
        decisions,
        prediction_log,
        (scoring_channel, explain_channel),
        metrics,
    )
