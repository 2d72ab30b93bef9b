"""Every number the REST schemas accept computes finite features of a sane size: property tests at the
bounds of each field (a credit of 5e-324 once made the repayment rate infinite, a 422 for valid input)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit_features.application import application_row
from credit_features.field_bounds import field_bounds
from credit_features.tables import columns
from gateway.api.routers.clients import simulated_annuity
from gateway.api.schemas import MAX_TERM_YEARS, MIN_TERM_YEARS, ApplicationIn, SimulationIn

pytestmark = pytest.mark.unit

#: The magnitude the gRPC services refuse beyond (serving_base): accepted input must stay under it.
SERVICE_BOUND = 1e15
REQUIRED = {"AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "DAYS_BIRTH", "NAME_CONTRACT_TYPE"}


def _at_or_within(low: float, high: float, integer: bool) -> st.SearchStrategy[Any]:
    """The bounds themselves, just inside them, or anywhere between (bounds are where features break)."""
    if integer:
        return st.one_of(st.sampled_from([int(low), int(high)]), st.integers(int(low), int(high)))
    inside = [math.nextafter(low, math.inf), math.nextafter(high, -math.inf)]
    return st.one_of(st.sampled_from([low, high, *inside]), st.floats(low, high))


def _field(column: Any) -> st.SearchStrategy[Any]:
    if column.dtype == "string":
        return st.sampled_from(sorted(column.levels))
    bounds = field_bounds()[column.name]
    values = _at_or_within(bounds.low, bounds.high, column.dtype == "int64")
    return st.one_of(values, st.sampled_from(sorted(bounds.codes))) if bounds.codes else values


@st.composite
def applications(draw: st.DrawFn) -> dict[str, Any]:
    """Applications the schema accepts: the required fields, and any of the others, at their bounds."""
    body = {}
    for column in columns("application_test"):
        if column.name == "SK_ID_CURR":
            continue
        if column.name in REQUIRED or draw(st.booleans()):
            body[column.name] = draw(_field(column))
    return body


def _sane(features: dict[str, float]) -> list[str]:
    """The features that are infinite or beyond what the services accept (NaN is missing: fine)."""
    return [name for name, v in features.items() if not math.isnan(v) and not abs(v) <= SERVICE_BOUND]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(body=applications())
def test_every_accepted_application_computes_finite_features(body: dict[str, Any]) -> None:
    accepted = ApplicationIn.model_validate(body).model_dump()
    assert _sane(application_row(accepted)) == []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(
    record=applications(),
    credit=_at_or_within(field_bounds()["AMT_CREDIT"].low, field_bounds()["AMT_CREDIT"].high, False),
    annuity=st.one_of(
        st.none(), _at_or_within(field_bounds()["AMT_ANNUITY"].low, field_bounds()["AMT_ANNUITY"].high, False)
    ),
    term=st.one_of(st.none(), _at_or_within(MIN_TERM_YEARS, MAX_TERM_YEARS, False)),
)
def test_every_accepted_what_if_computes_finite_features(
    record: dict[str, Any], credit: float, annuity: float | None, term: float | None
) -> None:
    body = {"credit_amount": credit} | ({"annuity": annuity} if annuity is not None else {})
    body |= {"term_years": term} if term is not None and annuity is None else {}
    what_if = SimulationIn.model_validate(body)
    client = ApplicationIn.model_validate(record).model_dump()
    changed = {**client, "AMT_CREDIT": credit, "AMT_ANNUITY": simulated_annuity(client, what_if)}
    assert _sane(application_row(changed)) == []


@pytest.mark.parametrize(
    "body",
    [
        {"credit_amount": "900000"},
        {"credit_amount": 5e-324},
        {"credit_amount": 0},
        {"credit_amount": 9e8},
        {"credit_amount": 900_000, "term_years": 1e-300},
        {"credit_amount": 900_000, "annuity": "45000"},
        {"credit_amount": 900_000, "term_years": "15"},
    ],
)
def test_a_what_if_outside_its_ranges_or_as_text_is_refused_naming_the_field(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="validation error") as refused:
        SimulationIn.model_validate(body)
    named = {error["loc"][0] for error in refused.value.errors()}  # type: ignore[attr-defined]
    assert named == set(body) - {"credit_amount"} or named == {"credit_amount"}
