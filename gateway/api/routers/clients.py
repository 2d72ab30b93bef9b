"""Known clients: descriptive data, history, score with reasons, explanation, letter, comparison, what-if."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status

from gateway.api.deps import Advisor, AnyCaller
from gateway.api.history_view import history_out
from gateway.api.openapi import AUTHENTICATED, responses
from gateway.api.routers.scores import Lang, explained_decision
from gateway.api.schemas import (
    MAX_TEXT_LENGTH,
    BivariateOut,
    ClientOut,
    ClientSummary,
    ComparisonOut,
    DistributionOut,
    FieldOut,
    HistoryOut,
    OfferOut,
    OutcomeOut,
    SimulationIn,
    SimulationOut,
)
from gateway.api.schemas import ClientIdPath as ClientId
from gateway.api.state import GatewayState, State
from gateway.api.views import score_body
from gateway.client_file.errors import GroupError
from gateway.client_file.letter import ChangedDecision, letter_content, render_letter
from gateway.client_file.levels import level_label
from gateway.client_file.population import FILTER_FEATURES, Population
from gateway.client_file.review_texts import reason_text
from gateway.decisions.labels import feature_labels, field_group, field_labels
from gateway.decisions.policy_texts import sentence
from gateway.decisions.reasons import Language, family_reasons
from gateway.intake.application_values import application_values, as_features
from gateway.intake.candidate_loans import CandidateLoans
from gateway.intake.offers import offer

router = APIRouter(prefix="/v1/clients", tags=["clients"], responses=AUTHENTICATED)
#: A comparison shows at most this many features (each is a histogram over the group).
MAX_COMPARED = 20
Text = Annotated[str | None, Query(max_length=MAX_TEXT_LENGTH)]
Group = Annotated[str, Query(pattern="^(all|similar|filtered)$", description="all, similar or filtered.")]


@router.get("", operation_id="search_clients", response_model=list[ClientSummary], responses=responses(503))
async def search_clients(
    state: State,
    caller: Advisor,
    search: Annotated[str, Query(max_length=12, pattern="^[0-9]*$")] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    lang: Lang = "en",
) -> list[ClientSummary]:
    """Clients whose id starts with `search` (the advisors' searchable list)."""
    return [
        ClientSummary(
            client_id=row["SK_ID_CURR"],
            contract_type=row["NAME_CONTRACT_TYPE"],
            income_type=row["NAME_INCOME_TYPE"],
            credit_amount=row["AMT_CREDIT"],
            contract_type_label=_level(row["NAME_CONTRACT_TYPE"], lang),
            income_type_label=_level(row["NAME_INCOME_TYPE"], lang),
        )
        for row in await state.directory.search(search, limit)
    ]


def _level(value: Any, lang: Language) -> str | None:
    """A text value of the data in `lang`; None for anything else (numbers, missing values)."""
    return level_label(value, lang) if isinstance(value, str) else None


@router.get(
    "/{client_id}", operation_id="get_client", response_model=ClientOut, responses=responses(404, 503)
)
async def get_client(client_id: ClientId, state: State, caller: Advisor, lang: Lang = "en") -> ClientOut:
    """The client's application fields, labelled and grouped in the language asked for."""
    record = await _known(state, client_id)
    labels = field_labels(lang)
    return ClientOut(
        client_id=client_id,
        fields=[
            FieldOut(
                name=k,
                label=labels.get(k, k),
                group=field_group(k, lang),
                value=v,
                value_label=_level(v, lang),
            )
            for k, v in record.items()
        ],
    )


async def _known(state: State, client_id: int) -> dict[str, Any]:
    """The client's application fields; 404 for an unknown client."""
    record = await state.directory.get(client_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown client {client_id}")
    return record


@router.get(
    "/{client_id}/history",
    operation_id="get_client_history",
    response_model=HistoryOut,
    responses=responses(404, 503),
)
async def get_history(client_id: ClientId, state: State, caller: Advisor, lang: Lang = "en") -> HistoryOut:
    """The client's credits at other lenders, earlier applications, repayments, cards and shop loans,
    from the raw tables (never the outcome). A client without history, such as a new application, gets
    empty lists and zero counts."""
    await _known(state, client_id)
    return history_out(client_id, await state.history.history(client_id), lang)


@router.get(
    "/{client_id}/letter",
    operation_id="get_client_letter",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The one-page decision letter (PDF)."},
        **responses(404, 503),
    },
)
async def get_letter(client_id: ClientId, state: State, caller: Advisor, lang: Lang = "en") -> Response:
    """The one-page letter for the client: decision, main reasons, data it rests on, how to contest. The
    decision it communicates is logged, and the letter quotes its id: GET /v1/decisions/{id} produces it."""
    await _known(state, client_id)
    decision, explanation = await explained_decision(state, client_id, full=False, record=True)
    lendable = None
    if decision.score.outcome == "refused":
        record = await _known(state, client_id)
        async with state.intake.admitted():
            found = await offer(await _candidate_judges(state, client_id, record), record)
        if found.max_amount is not None and found.term_years and found.max_amount_annuity:
            lendable = (found.max_amount, found.term_years, found.max_amount_annuity)
    content = letter_content(
        client_id=client_id,
        decision_id=decision.request_id,
        outcome=decision.score.outcome,
        policy_reasons=[sentence(reason, lang, client=True) for reason in decision.score.policy_reasons],
        offer=lendable,
        model_version=decision.score.model_version,
        families=family_reasons(explanation, lang),
        history=await state.history.history(client_id),
        language=lang,
        day=datetime.now(tz=UTC).date(),
        review=await _changed_on_review(state, client_id, lang),
    )
    pdf = await asyncio.to_thread(render_letter, content)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="decision-{client_id}-{lang}.pdf"'},
    )


async def _changed_on_review(state: State, client_id: int, lang: Language) -> ChangedDecision | None:
    """The decision as the client's latest review changed it, as the letter tells it (None: no review,
    or the latest one, a correction maybe, leaves the decision as the model and policy took it)."""
    reviews = await asyncio.to_thread(state.reviews.of_client, client_id)
    latest = reviews[-1] if reviews else None
    if latest is None or not latest.changed:
        return None
    return ChangedDecision(latest.outcome, latest.reviewed_at.date(), reason_text(latest.reason, lang))


def _filters(
    income_type: str | None, contract_type: str | None, education: str | None, age_band: str | None
) -> dict[str, str]:
    given = {
        "income_type": income_type,
        "contract_type": contract_type,
        "education": education,
        "age_band": age_band,
    }
    return {k: v for k, v in given.items() if v is not None and k in FILTER_FEATURES}


async def _client_values(state: State, client_id: int) -> dict[str, float | None]:
    known = state.population.client_values(client_id)
    return known if known is not None else await state.decisions.client_features(client_id)


def _compared(features: str | None, population: Population) -> list[str]:
    """The features asked for, each once, at most MAX_COMPARED, each one offered (else 422)."""
    if not features:
        return population.features[:5]
    chosen = list(dict.fromkeys(name.strip() for name in features.split(",")))
    if len(chosen) > MAX_COMPARED:
        raise GroupError("features", f"at most {MAX_COMPARED} features can be compared at once")
    for name in chosen:
        if name not in population.values:
            raise GroupError("features", f"feature {name!r} is not offered for comparison")
    return chosen


@router.get(
    "/{client_id}/comparison",
    operation_id="compare_client",
    response_model=ComparisonOut,
    responses=responses(404, 503),
)
async def compare_client(
    *,
    client_id: ClientId,
    state: State,
    caller: Advisor,
    group: Group = "all",
    features: Annotated[
        str | None,
        Query(
            max_length=2000,
            description=f"Comma-separated features (at most {MAX_COMPARED}); default the top 5.",
        ),
    ] = None,
    income_type: Annotated[
        Literal["0", "1", "2", "3", "4"] | None,
        Query(
            description="Income type code (filtered group): 0 working, 1 commercial associate, 2 pensioner, "
            "3 state servant, 4 unemployed."
        ),
    ] = None,
    contract_type: Annotated[
        Literal["0", "1"] | None, Query(description="1 revolving, 0 cash (filtered group).")
    ] = None,
    education: Annotated[
        Literal["0", "1", "2", "3", "4"] | None,
        Query(
            description="Education code (filtered group): 0 secondary, 1 higher, 2 incomplete higher, "
            "3 lower secondary, 4 academic degree."
        ),
    ] = None,
    age_band: Annotated[
        Literal["<30", "30-40", "40-50", "50-60", "60+"] | None,
        Query(description="Age band (filtered group)."),
    ] = None,
) -> ComparisonOut:
    """The client's values beside the distribution of all clients, a filtered group or similar clients."""
    chosen = _compared(features, state.population)
    values = await _client_values(state, client_id)
    filters = _filters(income_type, contract_type, education, age_band)
    rows = state.population.group(group, values, filters)
    labels = feature_labels()
    return ComparisonOut(
        client_id=client_id,
        group=group,
        group_size=len(rows),
        filters=filters,
        features=[
            DistributionOut(
                label=labels.get(name, name),
                # The client's own outcome is never counted: its file never shows it.
                **asdict(state.population.describe(name, rows, values.get(name), client_id=client_id)),
            )
            for name in chosen
        ],
    )


@router.get(
    "/{client_id}/comparison/bivariate",
    operation_id="compare_client_bivariate",
    response_model=BivariateOut,
    responses=responses(404, 503),
)
async def compare_bivariate(
    *,
    client_id: ClientId,
    state: State,
    caller: Advisor,
    x: Annotated[str, Query(max_length=MAX_TEXT_LENGTH, description="Feature on the horizontal axis.")],
    y: Annotated[str, Query(max_length=MAX_TEXT_LENGTH, description="Feature on the vertical axis.")],
    group: Group = "all",
    income_type: Text = None,
    contract_type: Text = None,
    education: Text = None,
    age_band: Text = None,
    limit: Annotated[int, Query(ge=10, le=5000)] = 1000,
) -> BivariateOut:
    """Two features of a group as points, with the client highlighted; each point's outcome (repaid or
    defaulted) only when the points hold enough past clients on each side."""
    values = await _client_values(state, client_id)
    rows = state.population.group(group, values, _filters(income_type, contract_type, education, age_band))
    sample = state.population.points(x, y, rows, limit, client_id=client_id)
    labels = feature_labels()
    return BivariateOut(
        client_id=client_id,
        group=group,
        x=x,
        y=y,
        x_label=labels.get(x, x),
        y_label=labels.get(y, y),
        client=(values.get(x), values.get(y)),
        points=sample.points,
        outcomes=sample.outcomes,
        outcome=OutcomeOut(**asdict(sample.outcome)),
    )


@router.post(
    "/{client_id}/simulation",
    operation_id="simulate_client",
    response_model=SimulationOut,
    responses=responses(404, 413, 503),
)
async def simulate(
    client_id: ClientId, body: SimulationIn, state: State, caller: Advisor, lang: Lang = "en"
) -> SimulationOut:
    """What-if: the client's decision with another credit amount, at the client's term (the annuity
    scaled alike) unless an annuity or a term is given, through the same model and lending policy, beside
    the current decision. Not a decision: not logged."""
    record = await _known(state, client_id)
    annuity = simulated_annuity(record, body)
    recomputed = as_features(
        application_values({**record, "AMT_CREDIT": body.credit_amount, "AMT_ANNUITY": annuity})
    )
    async with state.intake.admitted():
        current = await state.decisions.decide_client(client_id, record=False)
        features = await state.decisions.client_features(client_id)
        features.update(recomputed)
        decision = await state.decisions.decide_values(client_id, features, record=False)
    return SimulationOut(
        **score_body(decision, lang),
        annuity=annuity,
        term_years=body.credit_amount / annuity if annuity else None,
        current_probability=current.score.probability,
        current_decision=current.score.outcome,
        change_points=100 * (decision.score.probability - current.score.probability),
        flips=decision.score.outcome != current.score.outcome,
    )


@router.get(
    "/{client_id}/offer",
    operation_id="client_offer",
    response_model=OfferOut,
    responses=responses(404, 503),
)
async def get_offer(
    client_id: ClientId,
    state: State,
    caller: AnyCaller,
    amount: Annotated[float | None, Query(gt=0, le=1e8, description="Amount to find a term for.")] = None,
) -> OfferOut:
    """The largest credit the served model and lending policy would grant at the client's term (the
    annuity scaled with the amount), and the term at which the requested amount would be granted."""
    record = await _known(state, client_id)
    async with state.intake.admitted():
        found = await offer(await _candidate_judges(state, client_id, record), record, amount)
    return OfferOut(client_id=client_id, **vars(found))


async def _candidate_judges(state: GatewayState, client_id: int, record: dict[str, Any]) -> CandidateLoans:
    """This client's candidate loans: its stored features, the served model and policy, Scoring."""
    model = await state.decisions.served_model()
    stored = model.row(await state.decisions.client_features(client_id))
    return CandidateLoans(model, stored, record, state.decisions.scoring)


def simulated_annuity(record: dict[str, Any], body: SimulationIn) -> float | None:
    """The annuity of a what-if: given, or from the term given, or the client's scaled with the amount
    (the term kept); the client's own when it cannot be scaled (no amount or annuity on file)."""
    if body.annuity is not None:
        return body.annuity
    if body.term_years is not None:
        return body.credit_amount / body.term_years
    credit, annuity = record.get("AMT_CREDIT"), record.get("AMT_ANNUITY")
    if credit and annuity:
        return annuity * body.credit_amount / credit
    return annuity
