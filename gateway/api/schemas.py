"""Response and request models of the REST API (separate from domain types; nothing internal leaks)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, model_validator

from credit_common.client_ids import FIRST_ALLOCATED_ID, MAX_CLIENT_ID, MAX_POSTED_ID
from credit_features.application_levels import accepted_levels
from credit_features.field_bounds import field_bounds
from credit_features.tables import Column, columns
from credit_model.review_terms import MAX_TEXT, REASONS, ReviewOutcome

DecisionWord = Literal["granted", "refused", "referred"]
POINTS = (
    "Percentage points of default probability, by proportional rescaling of the log-odds "
    "(gateway.decisions.points): from the base probability, every family's (or feature's) points add "
    "up to this client's probability."
)


Direction = Literal["raises", "lowers"]
FAMILY_KEY = "Stable key of the feature's family (external_scores, loan, bureau, ...)."


class ReasonOut(BaseModel):
    feature: str
    label: str = Field(description="The feature in plain words, in the language asked for.")
    value: float | None
    display_value: str = Field(description="The value as an advisor reads it.")
    impact: float = Field(description="SHAP contribution to the log-odds of default.")
    points: float = Field(description=POINTS)
    direction: Direction
    sentence: str
    family: str = Field(description=FAMILY_KEY)


class FamilyReasonOut(BaseModel):
    """One family of features as a reason: its summed contribution in plain words, then its top features."""

    family: str = Field(description=FAMILY_KEY)
    label: str = Field(description="The family in plain words, in the language asked for.")
    impact: float = Field(description="Sum of the SHAP contributions of every feature of the family.")
    points: float = Field(description=POINTS)
    direction: Direction
    sentence: str = Field(description="The family's effect in plain words, in the language asked for.")
    top: list[ReasonOut] = Field(description="Up to 3 strongest features of the family, strongest first.")


class ReasonsOut(BaseModel):
    base_probability: float = Field(
        description="The model's base probability, sigmoid of the SHAP base value: where the points start."
    )
    raising: list[ReasonOut]
    lowering: list[ReasonOut]
    families: list[FamilyReasonOut] = Field(
        description="Every family of features, strongest |impact| first; their impacts sum to the "
        "client's log-odds minus the base value."
    )


class ContributionOut(BaseModel):
    feature: str
    label: str = Field(description="The feature in plain words, in the language asked for.")
    value: float | None
    display_value: str = Field(
        description="The value as an advisor reads it, in the language asked for: days as years, shares "
        "as percentages, amounts with separators (the reasons' own rule)."
    )
    shap: float
    points: float = Field(description=POINTS)
    family: str = Field(description=FAMILY_KEY)


class FamilyOut(BaseModel):
    """The contributions of one family of features, summed exactly (SHAP is additive)."""

    family: str = Field(description=FAMILY_KEY)
    label: str = Field(description="The family in plain words, in the language asked for.")
    impact: float = Field(description="Sum of the SHAP contributions of every feature of the family.")
    points: float = Field(description=POINTS)
    direction: Direction
    features: list[ContributionOut] = Field(description="The family's contributions, strongest |shap| first.")


class ExplanationOut(BaseModel):
    client_id: int
    model_version: str
    probability: float
    base_value: float = Field(description="Log-odds of default of the average client.")
    base_probability: float = Field(description="The model's base probability: sigmoid(base_value).")
    raw_score: float = Field(description="base_value + sum of contributions: this client's log-odds.")
    contributions: list[ContributionOut]
    families: list[FamilyOut] = Field(
        description="Contributions summed by family, strongest |impact| first: base_value + sum of the "
        "families' impacts = raw_score."
    )


class PolicyReasonOut(BaseModel):
    """One rule of the lending policy that fired."""

    rule: str = Field(
        description="annuity_income, credit_income, age_at_end, missing_information, novelty or score."
    )
    outcome: DecisionWord = Field(description="What the rule leads to: refused or referred.")
    value: float | None = Field(None, description="The application's value for the rule.")
    bound: float | None = Field(None, description="The rule's bound.")
    fields: list[str] = Field(default_factory=list, description="missing_information: the fields missing.")
    sentence: str = Field(description="The reason in words, in the language asked for.")


class ScoreOut(BaseModel):
    request_id: str
    client_id: int
    probability: float = Field(description="Probability that the client defaults.")
    decision: DecisionWord = Field(
        description="Through the lending policy: knock-outs refuse, missing information or an unusual file "
        "refers to an advisor, then the threshold decides."
    )
    policy_reasons: list[PolicyReasonOut] = Field(
        default_factory=list, description="Every rule of the lending policy that fired, in its order."
    )
    policy_version: str = Field("", description="The lending policy of the model version (empty: none).")
    threshold: float = Field(description="Refused from this probability up (business-cost optimum).")
    margin: float = Field(description="threshold - probability: > 0 granted with that margin.")
    model_name: str
    model_version: str
    explanation_available: bool
    explanation_missing_reason: str | None = None
    reasons: ReasonsOut | None = None
    explanation: ExplanationOut | None = Field(
        None, description="Every contribution of this decision, with include=explanation."
    )


class FieldOut(BaseModel):
    name: str
    label: str
    group: str
    value: Any = Field(description="The value as the data has it (what a new application would send).")
    value_label: str | None = Field(
        None, description="A text value in the language asked for (the data's level, translated)."
    )


class ClientOut(BaseModel):
    client_id: int
    fields: list[FieldOut]


class ClientSummary(BaseModel):
    client_id: int
    contract_type: str | None
    income_type: str | None
    credit_amount: float | None
    contract_type_label: str | None = Field(None, description="contract_type in the language asked for.")
    income_type_label: str | None = Field(None, description="income_type in the language asked for.")


class OutcomeOut(BaseModel):
    """How the group's past clients repaid, in aggregate only; the client itself is never counted."""

    shown: bool = Field(description="False when a side has fewer than `minimum` past clients.")
    reason: Literal["too_few_repaid", "too_few_defaulted", "too_few_past_clients"] | None = Field(
        None, description="Why the split is not shown: the side (or both) below `minimum`."
    )
    minimum: int = Field(description="Fewest past clients on each side for the split to be shown.")
    repaid: int | None = Field(None, description="Past clients of the group who repaid (when shown).")
    defaulted: int | None = Field(None, description="Past clients of the group who defaulted (when shown).")
    repaid_counts: list[int] | None = Field(None, description="Per bin: past clients who repaid.")
    defaulted_counts: list[int] | None = Field(None, description="Per bin: past clients who defaulted.")


class DistributionOut(BaseModel):
    feature: str
    label: str
    client_value: float | None
    client_percentile: float | None = Field(description="Share of the group at or below the client's value.")
    quantiles: dict[str, float | None]
    bin_edges: list[float]
    counts: list[int]
    missing_share: float
    outcome: OutcomeOut | None = Field(
        None,
        description="The group's past clients (outcome known, never this client) split by outcome in the "
        "same bins; the rest of each bin are clients without a known outcome yet.",
    )


class ComparisonOut(BaseModel):
    client_id: int
    group: str
    group_size: int
    filters: dict[str, str]
    features: list[DistributionOut]


class BivariateOut(BaseModel):
    client_id: int
    group: str
    x: str
    y: str
    x_label: str
    y_label: str
    client: tuple[float | None, float | None]
    points: list[tuple[float, float]] = Field(description="A sample of the group; never the client itself.")
    outcomes: list[Literal["repaid", "defaulted"] | None] | None = Field(
        None,
        description="Each point's outcome (None: not known yet), only when `outcome` is shown: at least "
        "its minimum of past clients on each side among the points.",
    )
    outcome: OutcomeOut | None = Field(None, description="The points' past clients by outcome, in total.")


#: The shortest and longest terms a what-if may ask for, in years (a month; the longest mortgages).
MIN_TERM_YEARS, MAX_TERM_YEARS = 1 / 12, 60.0


def _amount(column: str, description: str, *, required: bool = True) -> Any:
    """A JSON number (no text) within the application field's realistic range."""
    bounds = field_bounds()[column]
    return Field(
        ... if required else None,
        ge=bounds.low,
        le=bounds.high,
        strict=True,
        allow_inf_nan=False,
        description=description,
    )


class SimulationIn(BaseModel):
    """A what-if's loan: amounts within the application fields' ranges (credit_features.field_bounds),
    so that every accepted what-if computes finite features."""

    model_config = ConfigDict(extra="forbid")

    credit_amount: float = _amount("AMT_CREDIT", "Credit amount to simulate (AMT_CREDIT).")
    annuity: float | None = _amount(
        "AMT_ANNUITY",
        "Yearly annuity (AMT_ANNUITY). Omitted with term_years: scaled with the amount, so the client's "
        "term (credit / annuity) is kept.",
        required=False,
    )
    term_years: float | None = Field(
        None,
        ge=MIN_TERM_YEARS,
        le=MAX_TERM_YEARS,
        strict=True,
        allow_inf_nan=False,
        description="Term in years, a month to 60 years: the annuity is then credit_amount / term_years.",
    )

    @model_validator(mode="after")
    def _one_way_to_the_annuity(self) -> SimulationIn:
        if self.annuity is not None and self.term_years is not None:
            raise ValueError("give annuity or term_years, not both: the term is credit_amount / annuity")
        return self


class SimulationOut(ScoreOut):
    """The simulated decision beside the client's current one."""

    annuity: float | None = Field(description="The yearly annuity simulated.")
    term_years: float | None = Field(description="The term simulated, credit / annuity, in years.")
    current_probability: float = Field(description="The client's probability with the loan as it is.")
    current_decision: DecisionWord
    change_points: float = Field(description="Simulated minus current probability, in percentage points.")
    flips: bool = Field(description="Whether the decision differs from the current one.")


class OfferOut(BaseModel):
    """What could be lent, on the served model and lending policy."""

    client_id: int
    term_years: float | None = Field(
        description="The client's term, credit / yearly annuity (None: unknown)."
    )
    max_amount: float | None = Field(
        description="The largest credit granted at that term, to the nearest 1,000 below (None: none)."
    )
    max_amount_annuity: float | None = Field(description="Its yearly annuity (the term kept).")
    requested_amount: float | None = Field(description="The amount the term below is for.")
    term_for_requested: float | None = Field(
        description="A whole number of years at which the requested amount is granted, the closest to the "
        "client's term (None: no term of 1 to 40 years)."
    )
    evaluated: int = Field(description="Candidate loans the served model and policy decided.")


class ModelOut(BaseModel):
    name: str
    version: str
    threshold: float
    cost_false_negative: float
    cost_false_positive: float
    feature_service: str
    features: int
    trees: int
    leaves: int
    loaded_at: str


class BureauCreditOut(BaseModel):
    """One credit the client holds or held at another institution (credit bureau)."""

    credit_active: str = Field(description="Status as in the data: Active, Closed, Sold, Bad debt.")
    credit_active_label: str = Field(description="The status in the language asked for.")
    credit_type: str = Field(description="Kind of credit as in the data (Consumer credit, Credit card, ...).")
    credit_type_label: str = Field(description="The kind of credit in the language asked for.")
    years_ago: float = Field(description="Years between the credit's opening and the application.")
    amount: float | None = Field(description="Credit amount (AMT_CREDIT_SUM).")
    debt: float | None = Field(description="Debt still owed (AMT_CREDIT_SUM_DEBT).")
    overdue_days: int | None = Field(description="Days overdue at the application (CREDIT_DAY_OVERDUE).")
    months_late: int | None = Field(
        description="Months reported late (any delay) in the monthly balances; None when none reported."
    )


class PreviousApplicationOut(BaseModel):
    """One earlier application of the client with us."""

    contract_type: str = Field(description="Contract type as in the data (Cash loans, Consumer loans, ...).")
    contract_type_label: str = Field(description="The contract type in the language asked for.")
    status: str = Field(description="Decision as in the data: Approved, Refused, Canceled, Unused offer.")
    status_label: str = Field(description="The decision in the language asked for.")
    years_ago: float = Field(description="Years between that decision and the application.")
    amount_asked: float | None = Field(description="Amount the client asked for (AMT_APPLICATION).")
    amount_granted: float | None = Field(description="Amount granted (AMT_CREDIT).")


class RepaymentYearOut(BaseModel):
    years_ago: int = Field(description="Whole years before the application the instalments were due.")
    payments: int
    late: int = Field(description="Payments made after their due date.")


class RepaymentOut(BaseModel):
    """How the client repaid the instalments of earlier credits with us."""

    payments: int
    late_share: float | None = Field(description="Share of payments made after the due date.")
    underpaid_share: float | None = Field(description="Share of payments below the instalment due.")
    mean_days_late: float | None = Field(description="Average days late over the payments made late.")
    by_year: list[RepaymentYearOut] = Field(description="Payments and late payments per year, latest first.")


class CardOut(BaseModel):
    """Monthly statements of the client's credit cards with us."""

    months: int
    mean_balance: float | None
    mean_utilisation: float | None = Field(description="Average share of the card limit in use.")
    months_overdue: int = Field(description="Monthly statements with a payment past due.")


class PosOut(BaseModel):
    """Monthly statements of the client's point-of-sale and cash loans with us."""

    months: int
    active_loans: int = Field(description="Loans whose latest statement is Active.")
    months_overdue: int = Field(description="Monthly statements with a payment past due.")


class HistoryOut(BaseModel):
    """The client's history the model relies on, read from the raw tables (never the outcome)."""

    client_id: int
    lang: Literal["en", "fr"]
    bureau: list[BureauCreditOut] = Field(description="Credits at other institutions, most recent first.")
    bureau_total: int = Field(description="How many bureau credits the client has (the list may be cut).")
    previous: list[PreviousApplicationOut] = Field(description="Earlier applications, most recent first.")
    previous_total: int = Field(description="How many earlier applications (the list may be cut).")
    installments: RepaymentOut
    credit_card: CardOut
    pos_cash: PosOut


class DependencyOut(BaseModel):
    ok: bool
    detail: str


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    dependencies: dict[str, DependencyOut]


_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,11}")
#: Longer than any level of the real data's text fields (29 characters) with room; bounds memory.
MAX_TEXT_LENGTH = 64


def _digits_only(value: object) -> object:
    """An id in a path is its digits only: " 1", "+1", "1_0", "1.0" or "01" name no client."""
    if isinstance(value, str) and not _CANONICAL_ID.fullmatch(value):
        raise ValueError("a client id is 1 to 12 digits, without sign, space, separator or leading zero")
    return value


#: A client id given in a path.
ClientIdPath = Annotated[
    int,
    Path(ge=1, le=MAX_CLIENT_ID, description="The client's SK_ID_CURR (digits only)."),
    BeforeValidator(_digits_only),
]


def _whole(value: object) -> object:
    """A JSON number with a zero fraction (`12.0`) is the integer it writes (JSON Schema's integers are
    those); text and booleans stay what they are, for the strict check to refuse."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _number_field(column: Column, required: bool) -> tuple[Any, Any]:
    """A numeric application field: JSON numbers only (no text), finite, within its realistic range."""
    bounds = field_bounds()[column.name]
    kind = int if column.dtype == "int64" else float
    limits: dict[str, Any] = {"ge": kind(bounds.low), "le": kind(bounds.high), "strict": True}
    if kind is float:
        limits["allow_inf_nan"] = False
    description = column.description or column.name
    annotation: Any = Annotated[kind, Field(**limits)]
    if kind is int:
        annotation = Annotated[annotation, BeforeValidator(_whole)]
    for code in sorted(bounds.codes):
        annotation = annotation | Literal[code]
    if required:
        return annotation, Field(description=description)
    return annotation | None, Field(None, description=description)


def _application_model() -> type[BaseModel]:
    """Request body of a new application: the real application fields with their real types.

    Every field is optional except the loan's core; unknown fields are refused (422 names them).
    Numbers are bounded by credit_features.field_bounds; a text field takes one of the real data's
    levels (credit_features.application_levels), and the 422 of any other lists them.
    """
    required = {"AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "DAYS_BIRTH", "NAME_CONTRACT_TYPE"}
    fields: dict[str, Any] = {}
    for column in columns("application_test"):
        description = column.description or column.name
        if column.name == "SK_ID_CURR":
            fields[column.name] = (
                Annotated[int, BeforeValidator(_whole)] | None,
                Field(
                    None,
                    ge=1,
                    le=MAX_POSTED_ID,
                    strict=True,
                    description=f"Client id, 1 to {MAX_POSTED_ID}; assigned if omitted "
                    f"(from {FIRST_ALLOCATED_ID} up).",
                ),
            )
        elif column.dtype == "string":
            level = Annotated[Literal[accepted_levels()[column.name]], Field(description=description)]  # type: ignore[valid-type]
            fields[column.name] = (level, ...) if column.name in required else (level | None, None)
        else:
            fields[column.name] = _number_field(column, column.name in required)
    return create_model("ApplicationIn", __config__=ConfigDict(extra="forbid"), **fields)


ApplicationIn = _application_model()


class ReviewIn(BaseModel):
    """An advisor's review of the client's current decision (Directive (EU) 2023/2225, Art. 18)."""

    reviewer: str = Field(
        min_length=1, max_length=200, pattern=r"\S", description="Who reviewed the decision (not blank)."
    )
    client_view: str = Field(
        "", max_length=MAX_TEXT, description="The client's point of view, in their own words."
    )
    outcome: ReviewOutcome = Field(
        description="`confirmed`: the decision stands; `granted` or `refused`: the decision it becomes."
    )
    reason: Literal[tuple(REASONS)] = Field(  # type: ignore[valid-type]
        description="Why, from the documented list (docs/compliance.md); `other` is said in the note."
    )
    note: str = Field("", max_length=MAX_TEXT, description="Free text (required with reason `other`).")
    corrects: int | None = Field(
        None, description="The id of an earlier review of this client that this one corrects."
    )


class ReviewOut(BaseModel):
    """A recorded review (append-only: a correction is a new review naming the one it corrects)."""

    id: int
    client_id: int
    reviewed_at: datetime
    reviewer: str
    recorded_by: str = Field(description="The API key holder that recorded it (the app, a back office).")
    client_view: str
    outcome: ReviewOutcome
    reason: str
    reason_text: str
    note: str
    model_version: str = Field(description="The model version of the decision reviewed.")
    original_outcome: DecisionWord = Field(description="The decision reviewed, as the model and policy took.")
    changed: bool = Field(description="Whether the review changed the decision.")
    corrects: int | None


#: A decision id as the gateway returns it (request_id): 32 lowercase hex digits.
DecisionIdPath = Annotated[
    str,
    Path(
        pattern=r"^[0-9a-f]{32}$",
        description="The decision's id, as its answer returned it (request_id): 32 hex digits.",
    ),
]


class RecordedContributionOut(BaseModel):
    feature: str
    value: float | None = Field(description="The feature's value in the recorded row (null: missing).")
    shap: float = Field(description="Its contribution to the log-odds, as served.")


class RecordedFamilyOut(BaseModel):
    family: str
    impact: float = Field(description="The family's summed contribution to the log-odds, as served.")


class RecordedReasonsOut(BaseModel):
    """The reasons as they were served: the numbers behind the sentences the answer carried."""

    explained: bool = Field(description="False: Scoring answered alone, without contributions.")
    each_way: int = Field(description="Reasons asked each way and per family (0: every contribution).")
    base_value: float | None = None
    raw_score: float | None = None
    contributions: list[RecordedContributionOut] = Field(
        description="In the order served: largest |contribution| first."
    )
    omitted_shap: float = Field(description="Sum of the contributions not listed.")
    families: list[RecordedFamilyOut]
    missing_reason: str | None = None


class DecisionRecordOut(BaseModel):
    """A logged decision as it was taken (Art. 18 of Directive (EU) 2023/2225: explanation on request)."""

    request_id: str
    time: datetime = Field(description="When it was logged, before it was answered (UTC).")
    client_id: int
    model_name: str
    model_version: str
    probability: float
    threshold: float
    decision: DecisionWord
    policy_version: str = Field(description="The lending policy of the model version (empty: none).")
    policy_reasons: list[PolicyReasonOut]
    features: dict[str, float | None] = Field(description="The row the model was given, by feature name.")
    reasons: RecordedReasonsOut | None = Field(
        None, description="Null for a decision logged before reasons were recorded."
    )
