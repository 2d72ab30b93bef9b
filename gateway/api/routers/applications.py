"""New loan applications: validated raw fields → batch-identical features → decision → stored once."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import numpy as np
from fastapi import APIRouter, HTTPException, status

from credit_features.catalog import feature_catalog
from credit_features.errors import FeatureStoreUnavailableError
from gateway.api.deps import AnyCaller
from gateway.api.openapi import AUTHENTICATED, responses
from gateway.api.schemas import ApplicationIn, ScoreOut
from gateway.api.state import GatewayState, State
from gateway.api.views import score_body
from gateway.decisions.reasons import Language
from gateway.decisions.service import ScoredDecision
from gateway.intake.application_store import ApplicationStore, feature_hash
from gateway.intake.application_values import application_values, as_features

router = APIRouter(prefix="/v1/applications", tags=["applications"], responses=AUTHENTICATED)
#: An allocated id may be taken meanwhile by an application posted with that very id: draw another.
ID_ATTEMPTS = 3


def _store(state: GatewayState) -> ApplicationStore:
    if state.directory.applications is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "new applications are kept in the Redis online store, and this gateway runs without Redis",
            headers={"Retry-After": str(state.settings.retry_after_seconds)},
        )
    return state.directory.applications


def _micros(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _conflict(client_id: int) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, f"client {client_id} already has an application")


@router.post(
    "",
    operation_id="score_application",
    response_model=ScoreOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409, 413, 503),
)
async def score_application(
    body: ApplicationIn, state: State, caller: AnyCaller, lang: Language = "en"
) -> ScoreOut:  # type: ignore[valid-type]
    """Score a new application from its raw fields (real column names and types).

    Its application features are computed by the batch SQL (compiled, in about 0.1 ms) and the decision
    is taken on them; only then are the application and its features stored, together (so the client
    can be opened and scored by id), and the decision logged. A rejected application leaves nothing
    behind. Without SK_ID_CURR a new id is assigned, never one used before. History views are empty for
    a new client: missing, not zero. Past the intake's slots and queue, 503 busy with Retry-After.
    """
    store = _store(state)
    record = body.model_dump()
    values = application_values(record)
    async with state.intake.admitted():
        return await _decide_and_store(state, store, record, values, lang)


async def _decide_and_store(
    state: GatewayState,
    store: ApplicationStore,
    record: dict[str, Any],
    values: dict[str, float],
    lang: Language,
) -> ScoreOut:
    event_time = datetime.now(tz=UTC)
    hash_fields = feature_hash(list(values), np.array(list(values.values())), _micros(event_time))
    features: dict[str, float | None] = dict.fromkeys(
        (spec.name for specs in feature_catalog().values() for spec in specs), None
    )
    features.update(as_features(values))

    requested = record["SK_ID_CURR"]
    if requested is not None and await state.directory.get(requested) is not None:
        raise _conflict(requested)
    floor = state.directory.max_id()
    decision = await state.decisions.decide_values(
        requested or await store.allocate_id(floor), features, record=False
    )
    client_id = await _store_once(
        store, decision.client_id, requested=requested, floor=floor, record=record, hash_fields=hash_fields
    )
    decision = _for_client(decision, client_id)
    state.decisions.record(decision)
    state.metrics.model_answered(decision.score.model_version)
    return ScoreOut.model_validate(score_body(decision, lang))


async def _store_once(
    store: ApplicationStore,
    client_id: int,
    *,
    requested: int | None,
    floor: int,
    record: dict[str, Any],
    hash_fields: dict[bytes, bytes],
) -> int:
    """Store the application under its id; an allocated id taken meanwhile is replaced by a fresh one."""
    for _ in range(ID_ATTEMPTS):
        if await store.add(client_id, {**record, "SK_ID_CURR": client_id}, hash_fields):
            return client_id
        if requested is not None:
            raise _conflict(requested)
        client_id = await store.allocate_id(floor)
    raise FeatureStoreUnavailableError(f"no free client id after {ID_ATTEMPTS} attempts")


def _for_client(decision: ScoredDecision, client_id: int) -> ScoredDecision:
    """The decision under the id its application was finally stored with."""
    return decision if decision.client_id == client_id else dataclasses.replace(decision, client_id=client_id)
