"""Response and request models of the REST API (separate from domain types; nothing internal leaks)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from credit_features.field_bounds import field_bounds
from credit_features.tables import Column, columns

DecisionWord = Literal["granted", "refused"]


class ReasonOut(BaseModel):
    feature: str
    label: str = Field(description="The feature in plain words.")
    value: float | None
    display_value: str = Field(description="The value as an advisor reads it.")
    impact: float = Field(description="SHAP contribution to the log-odds of default.")
    direction: Literal["raises", "lowers"]
    sentence: str


class ReasonsOut(BaseModel):
    raising: list[ReasonOut]
    lowering: list[ReasonOut]


class ContributionOut(BaseModel):
    feature: str
    label: str
    value: float | None
    shap: float


class ExplanationOut(BaseModel):
    client_id: int
    model_version: str
    probability: float
    base_value: float = Field(description="Log-odds of default of the average client.")
    raw_score: float = Field(description="base_value + sum of contributions: this client's log-odds.")
    contributions: list[ContributionOut]


class ScoreOut(BaseModel):
    request_id: str
    client_id: int
    probability: float = Field(description="Probability that the client defaults.")
    decision: DecisionWord
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
    value: Any


class ClientOut(BaseModel):
    client_id: int
    fields: list[FieldOut]


class ClientSummary(BaseModel):
    client_id: int
    contract_type: str | None
    income_type: str | None
    credit_amount: float | None


class DistributionOut(BaseModel):
    feature: str
    label: str
    client_value: float | None
    client_percentile: float | None = Field(description="Share of the group at or below the client's value.")
    quantiles: dict[str, float | None]
    bin_edges: list[float]
    counts: list[int]
    missing_share: float


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
    points: list[tuple[float, float]]


class SimulationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credit_amount: float = Field(gt=0, le=1e8, description="Credit amount to simulate (AMT_CREDIT).")
    annuity: float | None = Field(
        None, gt=0, le=1e7, description="Yearly annuity (AMT_ANNUITY); kept if omitted."
    )


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


class DependencyOut(BaseModel):
    ok: bool
    detail: str


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    dependencies: dict[str, DependencyOut]


#: Client ids are positive and at most 12 digits (the store's ids are 6; the id counter stays exact).
MAX_CLIENT_ID = 10**12 - 1
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


def _number_field(column: Column, required: bool) -> tuple[Any, Any]:
    """A numeric application field: JSON numbers only (no text), finite, within its realistic range."""
    bounds = field_bounds()[column.name]
    kind = int if column.dtype == "int64" else float
    limits: dict[str, Any] = {"le": kind(bounds.high), "strict": True}
    limits["gt" if bounds.positive else "ge"] = kind(bounds.low)
    if kind is float:
        limits["allow_inf_nan"] = False
    description = column.description or column.name
    annotation: Any = Annotated[kind, Field(**limits)]
    for code in sorted(bounds.codes):
        annotation = annotation | Literal[code]
    if required:
        return annotation, Field(description=description)
    return annotation | None, Field(None, description=description)


def _application_model() -> type[BaseModel]:
    """Request body of a new application: the real application fields with their real types.

    Every field is optional except the loan's core; unknown fields are refused (422 names them).
    Numbers are bounded by credit_features.field_bounds, texts by MAX_TEXT_LENGTH.
    """
    required = {"AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "DAYS_BIRTH", "NAME_CONTRACT_TYPE"}
    fields: dict[str, Any] = {}
    for column in columns("application_test"):
        description = column.description or column.name
        if column.name == "SK_ID_CURR":
            fields[column.name] = (
                int | None,
                Field(
                    None, ge=1, le=MAX_CLIENT_ID, strict=True, description="Client id; assigned if omitted."
                ),
            )
        elif column.dtype == "string":
            text = Annotated[str, Field(max_length=MAX_TEXT_LENGTH, description=description)]
            fields[column.name] = (text, ...) if column.name in required else (text | None, None)
        else:
            fields[column.name] = _number_field(column, column.name in required)
    return create_model("ApplicationIn", __config__=ConfigDict(extra="forbid"), **fields)


ApplicationIn = _application_model()
