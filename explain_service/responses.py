"""An explanation as the Explainer answers it: the decision, the listed reasons, the rest, the families;
and the largest such answer a model can give, which bounds ExplainBatch's rows (`AnswerSizes`)."""

from __future__ import annotations

import math

import numpy as np

from credit_model.contributions import Explanation, FeatureFamilies
from explain_service.explainer import ShapExplainer
from protos.credit.v1 import explain_pb2
from serving_base.grpc_support import WRITTEN, decision_fields, largest_decision_fields, model_ref
from serving_base.limits import (
    MAX_REQUEST_ID_BYTES,
    answer_rows,
    check_answer_size,
    element_bytes,
)


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


def listed_at_most(each_way: int, families: FeatureFamilies) -> int:
    """The most contributions `Explanation.by_impact(each_way)` lists: every feature for 0; otherwise the
    `each_way` strongest each way and each family's `each_way` strongest (its drill-down)."""
    features = len(families.codes)
    if each_way <= 0:
        return features
    return min(features, 2 * each_way + int(np.minimum(families.sizes, each_way).sum()))


def largest_body(explainer: ShapExplainer, each_way: int) -> explain_pb2.ExplainResponse:
    """The largest answer `explanation_body` can give for a row of the explainer's model asked for
    `each_way` reasons each way, with the longest request id a request may carry: every field written
    (a double at its 8 bytes, a negative client id at its 10), as many contributions as can be listed
    taken from the features with the longest entries, every family, every policy rule
    (`largest_decision_fields`). Its size bounds any real answer's."""
    bundle, families = explainer.bundle, explainer.families
    entries = [
        explain_pb2.Contribution(
            feature=name, value=WRITTEN, missing=True, shap=WRITTEN, family=families.key_of(i)
        )
        for i, name in enumerate(bundle.features)
    ]
    listed = listed_at_most(each_way, families)
    return explain_pb2.ExplainResponse(
        request_id="x" * MAX_REQUEST_ID_BYTES,
        client_id=-1,
        base_value=WRITTEN,
        raw_score=WRITTEN,
        probability=WRITTEN,
        threshold=WRITTEN,
        **largest_decision_fields(bundle),
        model=model_ref(bundle),
        contributions=sorted(entries, key=element_bytes, reverse=True)[:listed],
        omitted_shap=WRITTEN,
        omitted=len(bundle.features),
        families=[
            explain_pb2.FamilyImpact(family=key, impact=WRITTEN, features=int(size))
            for key, size in zip(families.keys, families.sizes, strict=True)
        ],
    )


class AnswerSizes:
    """For one explainer: the bound of an ExplainBatch answer row's bytes for each `top_each_way`
    (computed on first use, a millisecond or two), and the batches whose answer could not fit a gRPC
    message refused up front."""

    def __init__(self, explainer: ShapExplainer) -> None:
        self.explainer = explainer
        self._row_bytes: dict[int, int] = {}

    def row_bytes(self, each_way: int) -> int:
        """At least the bytes of any answer row with `each_way` reasons each way, in a batch's answer."""
        size = self._row_bytes.get(each_way)
        if size is None:
            size = self._row_bytes[each_way] = element_bytes(largest_body(self.explainer, each_way))
        return size

    def rows(self, each_way: int) -> int:
        """How many rows with `each_way` reasons each way a batch may hold."""
        return answer_rows(self.row_bytes(each_way))

    def check(self, each_way: list[int]) -> None:
        """Refuse a batch (its rows' reasons each way) whose answer could exceed a gRPC message, naming
        the rows allowed for each `top_each_way` it asks."""
        check_answer_size(
            sum(self.row_bytes(ways) for ways in each_way),
            len(each_way),
            lambda: ", ".join(
                f"{self.rows(ways):,} rows with top_each_way {ways}"
                + (" (every contribution listed)" if ways == 0 else "")
                for ways in sorted(set(each_way))
            ),
        )
