"""The monitoring report's override rates: reviews that changed the decision, per version and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_model.reviews import NewReview, ReviewStore, sqlite_url
from training.monitoring.review_overrides import overrides_text, read_override_rates

pytestmark = pytest.mark.unit


def test_override_rates_per_version_and_reason_from_the_reviews_database(tmp_path: Path) -> None:
    url = sqlite_url(str(tmp_path / "reviews.sqlite"))
    store = ReviewStore(url)
    reviews = [
        ("3", "refused", "granted", "income_verified"),  # changed
        ("3", "refused", "confirmed", "as_assessed"),
        ("3", "granted", "granted", "as_assessed"),  # the same outcome: not a change
        ("4", "referred", "refused", "risk_misjudged"),  # changed
    ]
    for version, original, outcome, reason in reviews:
        store.add(NewReview(7, "A. Martin", "app", "", outcome, reason, "", version, original))
    store.close()
    rates = read_override_rates(url)
    assert rates is not None
    assert rates["model_version"]["3"] == {
        "reviews": 3.0,
        "changed": 1.0,
        "override_rate": pytest.approx(1 / 3),
    }
    assert rates["model_version"]["4"]["override_rate"] == 1.0
    assert rates["reason"]["as_assessed"]["override_rate"] == 0.0
    assert overrides_text(rates) == "2 of 4 reviews changed the decision (50 %)"
    assert read_override_rates(None) is None
    assert overrides_text(None) == "-"
