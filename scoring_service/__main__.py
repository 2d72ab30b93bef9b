"""`python -m scoring_service [--port N] [--model-uri URI]`: the Scoring gRPC server."""

from __future__ import annotations

import asyncio

from credit_common.logging import configure_logging
from protos.credit.v1 import scoring_pb2, scoring_pb2_grpc
from scoring_service.holder import ModelHolder
from scoring_service.online import OnlineFeatures
from scoring_service.server import serve
from scoring_service.servicer import ScoringServicer
from scoring_service.settings import parse_settings
from training import tracking
from training.store import FEATURE_SERVICE, get_store


def main() -> None:
    settings = parse_settings(prefix="SCORING_", default_port=50051)
    configure_logging(settings.log_level)
    tracking.configure()
    holder = ModelHolder(settings.model_uri, prepare=lambda bundle: bundle)
    online = OnlineFeatures(get_store(), FEATURE_SERVICE)
    online.warm_up()
    servicer = ScoringServicer(holder, online)
    service_name = scoring_pb2.DESCRIPTOR.services_by_name["Scoring"].full_name
    asyncio.run(
        serve(
            settings,
            service_name,
            holder,
            lambda server: scoring_pb2_grpc.add_ScoringServicer_to_server(servicer, server),
        )
    )


if __name__ == "__main__":
    main()
