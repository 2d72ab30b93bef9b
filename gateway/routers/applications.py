"""New loan applications: validated raw fields → batch-identical features → online store → decision."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, status
from fastapi.exceptions import RequestValidationError
from feast.data_source import PushMode

from credit_features.application import application_features
from credit_features.catalog import feature_catalog
from gateway.deps import AnyCaller, State
from gateway.reasons import Language
from gateway.schemas import ApplicationIn, ScoreOut
from gateway.views import score_out

router = APIRouter(prefix="/v1/applications", tags=["applications"])
PUSH_SOURCE = "application_push"


@router.post(
    "", operation_id="score_application", response_model=ScoreOut, status_code=status.HTTP_201_CREATED
)
async def score_application(
    body: ApplicationIn, state: State, caller: AnyCaller, lang: Language = "en"
) -> ScoreOut:  # type: ignore[valid-type]
    """Score a new application from its raw fields (real column names and types).

    Its application features are computed by the batch SQL, pushed to the online store (so the
    client can then be scored by id), and the decision is logged. History views are empty for a
    new client: missing, not zero.
    """
    record = body.model_dump()
    if record["SK_ID_CURR"] is None:
        record["SK_ID_CURR"] = state.directory.max_id() + 1
    elif state.directory.exists(record["SK_ID_CURR"]):
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"client {record['SK_ID_CURR']} already has an application"
        )
    try:
        row = application_features(record, event_time=datetime.now(tz=UTC))
    except ValueError as error:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": str(error), "type": "value_error"}]
        ) from error
    await asyncio.to_thread(state.store.push, PUSH_SOURCE, row, to=PushMode.ONLINE)
    state.directory.add(record)
    features: dict[str, float | None] = {
        spec.name: None for specs in feature_catalog().values() for spec in specs
    }
    for name in features.keys() & set(row.columns):
        value = row.iloc[0][name]
        features[name] = None if value != value else float(value)  # noqa: PLR0124 (NaN test on a scalar)
    decision = await state.decisions.decide_values(int(record["SK_ID_CURR"]), features)
    state.metrics.model_answered(decision.score.model_version)
    return score_out(decision, lang)
