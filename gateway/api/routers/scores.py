"""A known client's score with its reasons, and its full explanation: the decision path's routes,
served by the whole gateway and by a decision-path process alike (gateway.api.decision_app)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status

from explain_service.client import Explanation
from gateway.api.decision_state import DecisionState
from gateway.api.deps import AnyCaller, DecisionPath
from gateway.api.json_answer import JSONAnswer
from gateway.api.openapi import AUTHENTICATED, responses
from gateway.api.schemas import ClientIdPath as ClientId
from gateway.api.schemas import ExplanationOut, ScoreOut
from gateway.api.views import Body, explanation_body, score_body
from gateway.decisions.reasons import Language
from gateway.decisions.service import ScoredDecision

router = APIRouter(prefix="/v1/clients", tags=["clients"], responses=AUTHENTICATED)
Lang = Annotated[Language, Query(description="Language of the answer's texts: en or fr.")]
Include = Annotated[
    Literal["explanation"] | None,
    Query(description="explanation: add every contribution of this decision (no second computation)."),
]


@router.get(
    "/{client_id}/score",
    operation_id="score_client",
    response_model=ScoreOut,
    response_class=JSONAnswer,
    responses=responses(404, 503),
)
async def score_client(
    client_id: ClientId, state: DecisionPath, caller: AnyCaller, lang: Lang = "en", include: Include = None
) -> JSONAnswer:
    """Probability, decision at the business threshold, and the top reasons each way.

    With `include=explanation` the answer also carries every contribution of this same decision (what
    an advisor's client view shows), computed once.
    """
    return JSONAnswer(await score_answer(state, client_id, lang, full=include == "explanation"))


async def score_answer(state: DecisionState, client_id: int, lang: Language, *, full: bool) -> Body:
    """The score's answer, whether this route or gateway.api.score_lane took the request."""
    decision = await state.decisions.decide_client(client_id, full_explanation=full)
    state.metrics.model_answered(decision.score.model_version)
    return score_body(decision, lang, with_explanation=full)


@router.get(
    "/{client_id}/explanation",
    operation_id="explain_client",
    response_model=ExplanationOut,
    response_class=JSONAnswer,
    responses=responses(404, 503),
)
async def explain_client(
    client_id: ClientId, state: DecisionPath, caller: AnyCaller, lang: Lang = "en"
) -> JSONAnswer:
    """Every feature's contribution to the client's score, and their sums by family."""
    _, explanation = await explained_decision(state, client_id, full=True)
    return JSONAnswer(explanation_body(client_id, explanation, lang))


async def explained_decision(
    state: DecisionPath, client_id: int, *, full: bool, record: bool = False
) -> tuple[ScoredDecision, Explanation]:
    """The client's decision and its explanation (logged only when `record`: a view takes no new
    decision, a letter communicates one); 503 when the explanation is unavailable."""
    decision = await state.decisions.decide_client(client_id, full_explanation=full, record=record)
    if decision.explanation is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            decision.explanation_missing_reason or "explanation unavailable",
            headers={"Retry-After": str(state.settings.retry_after_seconds)},
        )
    return decision, decision.explanation
