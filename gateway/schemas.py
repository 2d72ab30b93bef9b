"""Response and request models of the REST API (separate from domain types; nothing internal leaks)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from credit_features.tables import columns

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


_PYTHON_TYPES = {"int64": int, "float64": float, "string": str}
_BOUNDS: dict[str, dict[str, Any]] = {
    "int64": {"ge": -(2**63), "le": 2**63 - 1},
    "float64": {"allow_inf_nan": False},
}


def _application_model() -> type[BaseModel]:
    """Request body of a new application: the real application fields with their real types.

    Every field is optional except the loan's core; unknown fields are refused (422 names them).
    """
    required = {"AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "DAYS_BIRTH", "NAME_CONTRACT_TYPE"}
    fields: dict[str, Any] = {}
    for column in columns("application_test"):
        kind = _PYTHON_TYPES[column.dtype]
        # Values the store can hold: int64 range, finite floats (an overflow is a 422, not a crash).
        bounds = _BOUNDS.get(column.dtype, {})
        description = column.description or column.name
        if column.name == "SK_ID_CURR":
            fields[column.name] = (
                int | None,
                Field(None, gt=0, le=2**62, description="Client id; assigned if omitted."),
            )
        elif column.name in required:
            fields[column.name] = (kind, Field(description=description, **bounds))
        else:
            fields[column.name] = (kind | None, Field(None, description=description, **bounds))
    return create_model("ApplicationIn", __config__=ConfigDict(extra="forbid", strict=False), **fields)


ApplicationIn = _application_model()
