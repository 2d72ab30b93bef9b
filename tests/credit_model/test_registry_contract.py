"""The registry contract: one models:/ URI parser, and serving metadata that survives the tags."""

from __future__ import annotations

import pytest

from credit_model.metadata import ServingMetadata
from credit_model.registry import CHAMPION_URI, ModelUri

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("models:/credit-default@champion", ModelUri("credit-default", alias="champion")),
        ("models:/credit-default/12", ModelUri("credit-default", version="12")),
        (" models:/m@swap-2 ", ModelUri("m", alias="swap-2")),
    ],
)
def test_a_uri_names_a_model_by_alias_or_version_and_reads_back(uri: str, expected: ModelUri) -> None:
    parsed = ModelUri.parse(uri)
    assert parsed == expected
    assert ModelUri.parse(str(parsed)) == parsed, "printing then parsing gives the same reference"


@pytest.mark.parametrize(
    "uri", ["models:/credit-default", "runs:/abc/model", "models:/a/b/c", "models:/x/v1", ""]
)
def test_anything_else_is_refused_naming_the_uri(uri: str) -> None:
    with pytest.raises(ValueError, match="is not models:/<name>@<alias>"):
        ModelUri.parse(uri)


def test_pinning_an_alias_keeps_the_model_and_drops_the_alias() -> None:
    assert str(ModelUri.parse(CHAMPION_URI).pinned("7")) == "models:/credit-default/7"


def test_serving_metadata_round_trips_through_version_tags() -> None:
    meta = ServingMetadata(0.1234567890123, 10.0, 1.0, "credit_scoring_v1", ("A", "B"))
    tags = {**meta.tags(), "holdout_auc": "0.7"}  # training adds its own tags beside
    assert ServingMetadata.from_tags(tags, ("A", "B")) == meta, "the threshold keeps every digit"


def test_a_version_without_threshold_is_refused_naming_the_tag() -> None:
    with pytest.raises(KeyError, match="'threshold' tag"):
        ServingMetadata.from_tags({"cost_fn": "10"}, ("A",))
