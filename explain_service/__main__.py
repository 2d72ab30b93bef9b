"""`python -m explain_service [--port N] [--model-uri URI]`: the Explainer gRPC server (EXPLAIN_* env)."""

from __future__ import annotations

from explain_service.explainer import ShapExplainer
from explain_service.servicer import ExplainerServicer
from protos.credit.v1 import explain_pb2, explain_pb2_grpc
from scoring_service.server import run_service


def main() -> None:
    run_service(
        env_prefix="EXPLAIN_",
        default_port=50052,
        service_name=explain_pb2.DESCRIPTOR.services_by_name["Explainer"].full_name,
        prepare=ShapExplainer,
        servicer=ExplainerServicer,
        add_servicer=explain_pb2_grpc.add_ExplainerServicer_to_server,
    )


if __name__ == "__main__":
    main()
