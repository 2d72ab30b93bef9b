"""The gateway's answers as the app reads them: pydantic shapes of the REST API's JSON.

The shapes are duplicated here on purpose (the UI imports nothing from the gateway) and keep only the
fields the app shows; unknown fields are ignored so that the API can grow.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

Direction = Literal["raises", "lowers"]


class ClientSummary(BaseModel):
    client_id: int
    contract_type: str | None = None
    income_type: str | None = None
    credit_amount: float | None = None
    contract_type_label: str | None = None
    income_type_label: str | None = None


class Field(BaseModel):
    name: str
    label: str
    group: str
    value: Any = None
    value_label: str | None = None  # a text value in the page's language


class ClientData(BaseModel):
    client_id: int
    fields: list[Field]

    def value(self, name: str) -> Any:
        """The raw value of a field, or None."""
        return next((f.value for f in self.fields if f.name == name), None)


class Reason(BaseModel):
    feature: str
    label: str
    value: float | None = None
    display_value: str
    impact: float
    points: float
    direction: Direction
    sentence: str
    family: str | None = None


class FamilyReason(BaseModel):
    """One family of features in the reasons: its summed impact, its sentence and its top features."""

    family: str
    label: str
    impact: float
    points: float
    direction: Direction
    sentence: str
    top: list[Reason] = []


class Reasons(BaseModel):
    raising: list[Reason]
    lowering: list[Reason]
    families: list[FamilyReason] = []


class Contribution(BaseModel):
    feature: str
    label: str
    value: float | None = None
    display_value: str | None = None  # the value in the advisor's units, worded by the gateway
    shap: float
    points: float  # percentage points of default probability, adding up from the base probability
    family: str | None = None


class FamilyContribution(BaseModel):
    """A family's summed contribution (log-odds, and percentage points) and every feature of it."""

    family: str
    label: str
    impact: float
    points: float
    direction: Direction
    features: list[Contribution]


class Explanation(BaseModel):
    client_id: int
    model_version: str
    probability: float
    base_value: float
    base_probability: float
    raw_score: float
    contributions: list[Contribution]
    families: list[FamilyContribution] = []


class Simulation(BaseModel):
    """What the what-if adds to a score: the current decision and the change."""

    current_decision: Literal["granted", "refused", "referred"]
    change_points: float
    flips: bool
    term_years: float | None = None


class Offer(BaseModel):
    """What could be lent on the served model and policy (GET /v1/clients/{id}/offer)."""

    term_years: float | None = None
    max_amount: float | None = None
    max_amount_annuity: float | None = None


class Review(BaseModel):
    """A recorded review of a client's decision (GET /v1/clients/{id}/reviews)."""

    id: int
    reviewed_at: str
    reviewer: str
    outcome: str
    reason: str
    original_outcome: str
    model_version: str
    changed: bool


class PolicyReason(BaseModel):
    rule: str
    outcome: str
    sentence: str


class Score(BaseModel):
    request_id: str  # the decision's id: GET /v1/decisions/{id} produces it
    client_id: int
    probability: float
    decision: Literal["granted", "refused", "referred"]
    policy_reasons: list[PolicyReason] = []
    threshold: float
    margin: float
    model_name: str
    model_version: str
    explanation_available: bool
    explanation_missing_reason: str | None = None
    reasons: Reasons | None = None
    explanation: Explanation | None = None


class Outcome(BaseModel):
    """How a group's past clients repaid, in aggregate (never the client's own outcome).

    Not shown (`reason` says why) when a side has fewer than `minimum` past clients.
    """

    shown: bool
    reason: str | None = None  # too_few_repaid, too_few_defaulted, too_few_past_clients
    minimum: int = 20
    repaid: int | None = None
    defaulted: int | None = None
    repaid_counts: list[int] | None = None  # per histogram bin
    defaulted_counts: list[int] | None = None


class Distribution(BaseModel):
    feature: str
    label: str
    client_value: float | None = None
    client_percentile: float | None = None
    quantiles: dict[str, float | None]
    bin_edges: list[float]
    counts: list[int]
    missing_share: float
    outcome: Outcome | None = None


class Comparison(BaseModel):
    client_id: int
    group: str
    group_size: int
    filters: dict[str, str]
    features: list[Distribution]


class Bivariate(BaseModel):
    x: str
    y: str
    x_label: str
    y_label: str
    client: tuple[float | None, float | None]
    points: list[tuple[float, float]]
    outcomes: list[Literal["repaid", "defaulted"] | None] | None = None  # per point, when shown
    outcome: Outcome | None = None


class ModelInfo(BaseModel):
    name: str
    version: str
    threshold: float


class BureauCredit(BaseModel):
    credit_active_label: str | None = None
    credit_type_label: str | None = None
    years_ago: float | None = None
    amount: float | None = None
    debt: float | None = None
    overdue_days: float | None = None
    months_late: int | None = None


class PreviousApplication(BaseModel):
    contract_type_label: str | None = None
    status: str | None = None  # as the data has it: Approved, Refused, Canceled, Unused offer
    status_label: str | None = None
    years_ago: float | None = None
    amount_asked: float | None = None
    amount_granted: float | None = None


class PaymentYear(BaseModel):
    years_ago: int
    payments: int
    late: int


class Installments(BaseModel):
    payments: int = 0
    late_share: float | None = None
    underpaid_share: float | None = None
    mean_days_late: float | None = None
    by_year: list[PaymentYear] = []


class CreditCard(BaseModel):
    months: int = 0
    mean_balance: float | None = None
    mean_utilisation: float | None = None
    months_overdue: int = 0


class PosCash(BaseModel):
    months: int = 0
    active_loans: int = 0
    months_overdue: int = 0


class History(BaseModel):
    """The client's past credit as the model sees it: bureau, previous applications, repayments."""

    client_id: int
    bureau: list[BureauCredit] = []
    bureau_total: int = 0
    previous: list[PreviousApplication] = []
    previous_total: int = 0
    installments: Installments = Installments()
    credit_card: CreditCard = CreditCard()
    pos_cash: PosCash = PosCash()
