"""What a registered version tells the services besides its weights: the business threshold, the
cost weights it was chosen with, the feature service and the feature order. Training writes these
as version tags and the logged signature; serving reads them back here, so both agree by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

THRESHOLD_TAG = "threshold"
COST_FN_TAG = "cost_fn"
COST_FP_TAG = "cost_fp"
FEATURE_SERVICE_TAG = "feature_service"


@dataclass(frozen=True)
class ServingMetadata:
    """The decision rule and input contract of one model version."""

    threshold: float
    cost_fn: float
    cost_fp: float
    feature_service: str
    features: tuple[str, ...]

    def tags(self) -> dict[str, str]:
        """Version tags that carry this metadata (the feature order travels in the signature)."""
        return {
            THRESHOLD_TAG: repr(self.threshold),
            COST_FN_TAG: repr(self.cost_fn),
            COST_FP_TAG: repr(self.cost_fp),
            FEATURE_SERVICE_TAG: self.feature_service,
        }

    @classmethod
    def from_tags(cls, tags: Mapping[str, str], features: tuple[str, ...]) -> ServingMetadata:
        """Read back from a version's tags; KeyError naming the tag when the threshold is absent."""
        if THRESHOLD_TAG not in tags:
            raise KeyError(f"model version has no {THRESHOLD_TAG!r} tag: it was not registered by training")
        return cls(
            threshold=float(tags[THRESHOLD_TAG]),
            cost_fn=float(tags.get(COST_FN_TAG, 10)),
            cost_fp=float(tags.get(COST_FP_TAG, 1)),
            feature_service=tags.get(FEATURE_SERVICE_TAG, ""),
            features=features,
        )
