"""`python -m explain_service [--port N] [--model-uri URI]`: the Explainer gRPC server (EXPLAIN_* env)."""

from __future__ import annotations

from credit_features.backend import online_backend
from credit_features.online import OnlineFeatures
from credit_features.settings import FeatureSettings
from explain_service.explainer import ShapExplainer
from explain_service.servicer import ExplainerServicer
from protos.credit.v1 import explain_pb2, explain_pb2_grpc
from serving_base.explanation_store import ExplanationStore
from serving_base.holder import ModelHolder
from serving_base.messages import REASONS_EACH_WAY
from serving_base.server import run_service
from serving_base.settings import ExplainSettings


def servicer(
    settings: ExplainSettings, holder: ModelHolder[ShapExplainer], online: OnlineFeatures
) -> ExplainerServicer:
    """The servicer, with the explanation store when asked for and Redis holds the online store."""
    features = FeatureSettings()
    if not settings.store_explanations or online_backend(features) != "redis":
        return ExplainerServicer(holder, online)
    store = ExplanationStore.open(features, settings.explanation_ttl_seconds)
    return ExplainerServicer(holder, online, store, REASONS_EACH_WAY if settings.warm_population else None)


def main() -> None:
    run_service(
        settings_class=ExplainSettings,
        service_name=explain_pb2.DESCRIPTOR.services_by_name["Explainer"].full_name,
        prepare=ShapExplainer,
        servicer=servicer,
        add_servicer=explain_pb2_grpc.add_ExplainerServicer_to_server,
    )


if __name__ == "__main__":
    main()
