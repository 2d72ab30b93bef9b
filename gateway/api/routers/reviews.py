"""Advisors' reviews of a client's decision: record one, list them (advisors only).

A review records the decision it reviews as the served model and policy take it now (version and
outcome), so the monitoring report can count how often people change the model's decisions.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, status
from fastapi.exceptions import RequestValidationError

from credit_model.reviews import NewReview, Review, ReviewError
from gateway.api.deps import Advisor
from gateway.api.openapi import AUTHENTICATED, responses
from gateway.api.schemas import ClientIdPath as ClientId
from gateway.api.schemas import ReviewIn, ReviewOut
from gateway.api.state import State
from gateway.client_file.review_texts import reason_text

router = APIRouter(prefix="/v1/clients", tags=["reviews"], responses=AUTHENTICATED)


def review_out(review: Review) -> ReviewOut:
    return ReviewOut(
        **{k: v for k, v in vars(review).items() if k != "decision_id"},
        reason_text=reason_text(review.reason, "en"),
        changed=review.changed,
    )


@router.post(
    "/{client_id}/reviews",
    operation_id="record_review",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewOut,
    responses=responses(404, 503),
)
async def record_review(client_id: ClientId, body: ReviewIn, state: State, caller: Advisor) -> ReviewOut:
    """Record an advisor's review of the client's current decision: the client's point of view, the
    outcome (confirmed, or changed to granted or refused), a reason from the documented list and a note.
    Reviews are never changed: a correction is a new review naming the one it `corrects`."""
    if await state.directory.get(client_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown client {client_id}")
    decision = await state.decisions.decide_client(client_id, record=False)
    review = NewReview(
        client_id=client_id,
        reviewer=body.reviewer,
        recorded_by=caller.name,
        client_view=body.client_view,
        outcome=body.outcome,
        reason=body.reason,
        note=body.note,
        model_version=decision.score.model_version,
        original_outcome=decision.score.outcome,
        corrects=body.corrects,
    )
    try:
        recorded = await asyncio.to_thread(state.reviews.add, review)
    except ReviewError as error:
        raise RequestValidationError(
            [{"loc": ("body", error.field), "msg": str(error), "type": "value_error"}]
        ) from error
    return review_out(recorded)


@router.get(
    "/{client_id}/reviews",
    operation_id="list_reviews",
    response_model=list[ReviewOut],
    responses=responses(404, 503),
)
async def list_reviews(client_id: ClientId, state: State, caller: Advisor) -> list[ReviewOut]:
    """The client's reviews, oldest first."""
    if await state.directory.get(client_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown client {client_id}")
    return [review_out(review) for review in await asyncio.to_thread(state.reviews.of_client, client_id)]
