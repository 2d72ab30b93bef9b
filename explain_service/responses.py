"""An explanation as the Explainer answers it: the decision, the listed reasons, the rest, the families."""

from __future__ import annotations

import math

from credit_model.contributions import Explanation
from explain_service.explainer import ShapExplainer
from protos.credit.v1 import explain_pb2
from serving_base.grpc_support import decision_fields, model_ref


def explanation_body(
    explainer: ShapExplainer, each_way: int, explanation: Explanation
) -> explain_pb2.ExplainResponse:
    """The answer for one row without its request and client ids: what the store keeps."""
    bundle = explainer.bundle
    listed = explanation.by_impact(each_way)
    return explain_pb2.ExplainResponse(
        base_value=explanation.base_value,
        raw_score=explanation.raw_score,
        probability=explanation.probability,
        threshold=bundle.threshold,
        **decision_fields(bundle, explanation.values, explanation.probability),
        model=model_ref(bundle),
        contributions=[
            explain_pb2.Contribution(
                feature=explanation.features[i],
                value=float(explanation.values[i]),
                missing=math.isnan(explanation.values[i]),
                shap=float(explanation.contributions[i]),
                family=explanation.families.key_of(i),
            )
            for i in listed
        ],
        omitted_shap=explanation.omitted_shap(listed),
        omitted=len(explanation.features) - len(listed),
        families=[
            explain_pb2.FamilyImpact(family=key, impact=impact, features=size)
            for key, impact, size in explanation.family_impacts()
        ],
    )
