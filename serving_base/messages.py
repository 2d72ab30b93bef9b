"""Building score requests, for the typed clients of both services (the gateway, tests, benches)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf import struct_pb2

from credit_model.lending_policy import PolicyReason
from protos.credit.v1 import scoring_pb2

#: How many reasons a decision gives: its strongest factors raising the risk, and as many lowering it.
#: The gateway asks for them; the explain service prepares them ahead for the known population.
REASONS_EACH_WAY = 3


def feature_row(values: Sequence[float], feature_service: str, model_version: str) -> scoring_pb2.FeatureRow:
    """Features in the model's order (NaN = missing), stamped with what they were read for."""
    return scoring_pb2.FeatureRow(values=values, feature_service=feature_service, model_version=model_version)


def named_features(features: Mapping[str, Any]) -> scoring_pb2.FeatureVector:
    """Features by name (None or NaN = missing), for callers that do not know the model's order."""
    vector = scoring_pb2.FeatureVector()
    values = vector.values
    for name, value in features.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            values[name].null_value = struct_pb2.NULL_VALUE
        elif isinstance(value, bool):
            values[name].bool_value = value
        elif isinstance(value, int | float):
            values[name].number_value = float(value)
        else:
            values[name].string_value = str(value)
    return vector


def score_request(
    *,
    client_id: int | None = None,
    features: Mapping[str, Any] | None = None,
    row: scoring_pb2.FeatureRow | None = None,
    request_id: str = "",
    top_each_way: int = 0,
) -> scoring_pb2.ScoreRequest:
    """A request for a known client, a packed row, or features by name: exactly one of them.

    `top_each_way` > 0 asks Explain for only that many contributions each way (Score ignores it).
    """
    if sum(subject is not None for subject in (client_id, features, row)) != 1:
        raise ValueError("give exactly one of client_id, features and row")
    common = {"request_id": request_id, "top_each_way": top_each_way}
    if client_id is not None:
        return scoring_pb2.ScoreRequest(client_id=client_id, **common)
    if row is not None:
        return scoring_pb2.ScoreRequest(row=row, **common)
    return scoring_pb2.ScoreRequest(features=named_features(features or {}), **common)


_OUTCOMES = {
    scoring_pb2.DECISION_GRANTED: "granted",
    scoring_pb2.DECISION_REFUSED: "refused",
    scoring_pb2.DECISION_REFERRED: "referred",
}


def outcome_of(decision: int) -> str:
    """A Decision value as the policy's outcome word (ValueError for an unspecified one)."""
    if decision not in _OUTCOMES:
        raise ValueError(f"answer without a decision ({decision})")
    return _OUTCOMES[decision]


def policy_reasons_of(reasons: Sequence[scoring_pb2.PolicyReason]) -> tuple[PolicyReason, ...]:
    """The lending policy's reasons of an answer, as the model core's type."""
    return tuple(
        PolicyReason(r.rule, outcome_of(r.outcome), r.value, r.bound, tuple(r.fields))  # type: ignore[arg-type]
        for r in reasons
    )
