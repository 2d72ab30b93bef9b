"""Feature services: the versioned list of features a model version pins (it records the name)."""

from __future__ import annotations

from common import OWNER
from feast import FeatureService
from feature_views import BATCH_VIEWS

# The model's features: every batch view. A model version records this name; a change of features
# means a new service name (credit_scoring_v2), never an edit of this one under a live model.
credit_scoring_v1 = FeatureService(
    name="credit_scoring_v1",
    features=BATCH_VIEWS,
    description="Features of the credit-default model, version 1.",
    owner=OWNER,
    tags={"model": "credit-default"},
)
