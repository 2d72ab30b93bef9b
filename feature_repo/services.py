"""Feature services: the versioned list of features a model version pins (it records the name)."""

from __future__ import annotations

from common import OWNER
from feast import FeatureService
from feature_views import BATCH_VIEWS
from on_demand import requested_loan_ratios

# The model's features: every batch view. A model version records this name; a change of features
# means a new service name (credit_scoring_v2), never an edit of this one under a live model.
credit_scoring_v1 = FeatureService(
    name="credit_scoring_v1",
    features=BATCH_VIEWS,
    description="Features of the credit-default model, version 1.",
    owner=OWNER,
    tags={"model": "credit-default"},
)

# The what-if ratios of a simulated loan, served beside the model's features to explain a simulation.
credit_whatif_v1 = FeatureService(
    name="credit_whatif_v1",
    features=[requested_loan_ratios],
    description="Affordability ratios of a loan simulated by an advisor.",
    owner=OWNER,
    tags={"model": "credit-default"},
)
