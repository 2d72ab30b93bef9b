"""Request-time features: what-if ratios for a credit amount and annuity known only at request time."""

from __future__ import annotations

import pandas as pd
from common import OWNER
from feast import Field, RequestSource
from feast.on_demand_feature_view import on_demand_feature_view
from feast.types import Float64
from feature_views import application

requested_loan = RequestSource(
    name="requested_loan",
    schema=[
        Field(name="REQUESTED_CREDIT", dtype=Float64, description="Credit amount asked for at request time."),
        Field(
            name="REQUESTED_ANNUITY", dtype=Float64, description="Yearly annuity asked for at request time."
        ),
    ],
    description="Loan terms simulated by the advisor (what-if), not stored anywhere.",
    owner=OWNER,
)


# Output fields carry no description: Feast 0.67 compares them, description included, with the
# fields it infers from a trial run of the function, and inferred fields have none.
@on_demand_feature_view(
    sources=[application, requested_loan],
    schema=[
        Field(name="WHATIF_CREDIT_INCOME_RATIO", dtype=Float64),
        Field(name="WHATIF_ANNUITY_INCOME_RATIO", dtype=Float64),
        Field(name="WHATIF_PAYMENT_RATE", dtype=Float64),
    ],
    mode="pandas",
    description=(
        "Affordability ratios of a simulated loan, computed at request time: requested credit / income, "
        "requested annuity / income, requested annuity / requested credit."
    ),
    owner=OWNER,
    tags={"domain": "application", "pii": "false"},
)
def requested_loan_ratios(inputs: pd.DataFrame) -> pd.DataFrame:
    income = inputs["APP_AMT_INCOME_TOTAL"].where(inputs["APP_AMT_INCOME_TOTAL"] > 0)
    credit = inputs["REQUESTED_CREDIT"].where(inputs["REQUESTED_CREDIT"] > 0)
    return pd.DataFrame(
        {
            "WHATIF_CREDIT_INCOME_RATIO": inputs["REQUESTED_CREDIT"] / income,
            "WHATIF_ANNUITY_INCOME_RATIO": inputs["REQUESTED_ANNUITY"] / income,
            "WHATIF_PAYMENT_RATE": inputs["REQUESTED_ANNUITY"] / credit,
        }
    )
