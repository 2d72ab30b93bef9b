"""`python -m explain_service [--port N] [--model-uri URI]`: the Explainer gRPC server (EXPLAIN_* env)."""

from __future__ import annotations

import asyncio

from credit_common.logging import configure_logging
from explain_service.explainer import ShapExplainer
from explain_service.servicer import ExplainerServicer
from protos.credit.v1 import explain_pb2, explain_pb2_grpc
from scoring_service.holder import ModelHolder
from scoring_service.online import OnlineFeatures
from scoring_service.server import serve
from scoring_service.settings import parse_settings
from training import tracking
from training.store import FEATURE_SERVICE, get_store

DEFAULT_PORT = 50052


def main() -> None:
    settings = parse_settings(prefix="EXPLAIN_", default_port=DEFAULT_PORT)
    configure_logging(settings.log_level)
    tracking.configure()
    holder = ModelHolder(settings.model_uri, prepare=ShapExplainer)
    online = OnlineFeatures(get_store(), FEATURE_SERVICE)
    online.warm_up()
    servicer = ExplainerServicer(holder, online)
    service_name = explain_pb2.DESCRIPTOR.services_by_name["Explainer"].full_name
    asyncio.run(
        serve(
            settings,
            service_name,
            holder,
            lambda server: explain_pb2_grpc.add_ExplainerServicer_to_server(servicer, server),
        )
    )


if __name__ == "__main__":
    main()
