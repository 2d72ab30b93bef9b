"""`python -m scoring_service [--port N] [--model-uri URI]`: the Scoring gRPC server (SCORING_* env)."""

from __future__ import annotations

from protos.credit.v1 import scoring_pb2, scoring_pb2_grpc
from scoring_service.servicer import ScoringServicer
from serving_base.server import run_service
from serving_base.settings import ScoringSettings


def main() -> None:
    run_service(
        settings_class=ScoringSettings,
        service_name=scoring_pb2.DESCRIPTOR.services_by_name["Scoring"].full_name,
        prepare=lambda bundle: bundle,
        servicer=lambda _settings, holder, online: ScoringServicer(holder, online),
        add_servicer=scoring_pb2_grpc.add_ScoringServicer_to_server,
    )


if __name__ == "__main__":
    main()
