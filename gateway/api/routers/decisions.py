"""Logged decisions on request: what was decided, when, by which model and policy, on which row, why.

The log folder is shared by every gateway process (one segment each), so any process finds a decision
whichever one took it. Advisors only: the record holds the client's file as the model saw it.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, status

from credit_model.decision_records import DecisionRecord, find_decision
from gateway.api.deps import Advisor
from gateway.api.openapi import AUTHENTICATED, responses
from gateway.api.routers.clients import Lang
from gateway.api.schemas import (
    DecisionIdPath,
    DecisionRecordOut,
    RecordedContributionOut,
    RecordedFamilyOut,
    RecordedReasonsOut,
)
from gateway.api.state import State
from gateway.api.views import policy_reason_body
from gateway.decisions.reasons import Language

router = APIRouter(prefix="/v1/decisions", tags=["decisions"], responses=AUTHENTICATED)


@router.get(
    "/{decision_id}",
    operation_id="get_decision",
    response_model=DecisionRecordOut,
    responses=responses(404, 503),
)
async def get_decision(
    decision_id: DecisionIdPath, state: State, caller: Advisor, lang: Lang = "en"
) -> DecisionRecordOut:
    """A logged decision as it was taken: the model version, threshold and policy, the feature row,
    and the reasons as served (texts of the policy's reasons in the language asked for)."""
    found = await asyncio.to_thread(find_decision, state.settings.predictions, decision_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no decision {decision_id} in the prediction log")
    return decision_record_out(found, lang)


def decision_record_out(record: DecisionRecord, language: Language) -> DecisionRecordOut:
    values = record.feature_values()
    served = record.reasons
    reasons = None
    if served is not None:
        reasons = RecordedReasonsOut(
            explained=served.explained,
            each_way=served.each_way,
            base_value=served.base_value,
            raw_score=served.raw_score,
            contributions=[
                RecordedContributionOut(feature=name, value=values.get(name), shap=shap)
                for name, shap in served.contributions
            ],
            omitted_shap=served.omitted_shap,
            families=[RecordedFamilyOut(family=key, impact=impact) for key, impact in served.families],
            missing_reason=served.missing_reason,
        )
    return DecisionRecordOut(
        request_id=record.request_id,
        time=record.time,
        client_id=record.client_id,
        model_name=record.model_name,
        model_version=record.model_version,
        probability=record.probability,
        threshold=record.threshold,
        decision=record.outcome,  # type: ignore[arg-type]
        policy_version=record.policy_version,
        policy_reasons=[policy_reason_body(r, language) for r in served.policy_reasons] if served else [],
        features=values,
        reasons=reasons,
    )
