"""`python -m explain_service [--port N] [--model-uri URI]`: the Explainer gRPC server (EXPLAIN_* env)."""

from __future__ import annotations

from explain_service.explainer import TreeExplainer
from explain_service.servicer import ExplainerServicer
from protos.credit.v1 import explain_pb2, explain_pb2_grpc
from serving_base.server import run_service
from serving_base.settings import ExplainSettings


def main() -> None:
    run_service(
        settings_class=ExplainSettings,
        service_name=explain_pb2.DESCRIPTOR.services_by_name["Explainer"].full_name,
        prepare=TreeExplainer,
        servicer=ExplainerServicer,
        add_servicer=explain_pb2_grpc.add_ExplainerServicer_to_server,
    )


if __name__ == "__main__":
    main()
