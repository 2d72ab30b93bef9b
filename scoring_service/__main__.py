"""`python -m scoring_service [--port N] [--model-uri URI]`: the Scoring gRPC server (SCORING_* env)."""

from __future__ import annotations

from protos.credit.v1 import scoring_pb2, scoring_pb2_grpc
from scoring_service.server import run_service
from scoring_service.servicer import ScoringServicer


def main() -> None:
    run_service(
        env_prefix="SCORING_",
        default_port=50051,
        service_name=scoring_pb2.DESCRIPTOR.services_by_name["Scoring"].full_name,
        prepare=lambda bundle: bundle,
        servicer=ScoringServicer,
        add_servicer=scoring_pb2_grpc.add_ScoringServicer_to_server,
    )


if __name__ == "__main__":
    main()
