"""How often people change the model's decisions: the advisors' reviews counted per model version and
per reason, for the monitoring report.

A rising share of reviews that change the decision, for one version or one reason, is a signal the
drift tests cannot give: the people closest to the clients disagree with the model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from credit_common.data_layout import DataLayout
from credit_model.reviews import Review, ReviewStore, sqlite_url


def default_reviews_url(data_dir: Path) -> str | None:
    """The embedded reviews database the gateway writes by default, when it exists."""
    path = DataLayout(data_dir).reviews_database
    return sqlite_url(str(path)) if path.is_file() else None


def override_rates(reviews: Sequence[Review]) -> dict[str, dict[str, dict[str, float]]]:
    """Per model version and per reason: reviews, those that changed the decision, and their share."""
    counts: dict[str, dict[str, list[int]]] = {
        "model_version": defaultdict(lambda: [0, 0]),
        "reason": defaultdict(lambda: [0, 0]),
    }
    for review in reviews:
        for key, value in (("model_version", review.model_version), ("reason", review.reason)):
            counts[key][value][0] += 1
            counts[key][value][1] += review.changed
    return {
        key: {
            value: {"reviews": float(total), "changed": float(changed), "override_rate": changed / total}
            for value, (total, changed) in sorted(groups.items())
        }
        for key, groups in counts.items()
    }


def read_override_rates(url: str | None) -> dict[str, dict[str, dict[str, float]]] | None:
    """The override rates of the reviews at `url` (None: no reviews database)."""
    if url is None:
        return None
    store = ReviewStore(url)
    try:
        return override_rates(store.every())
    finally:
        store.close()


def overrides_text(rates: dict[str, dict[str, dict[str, float]]] | None) -> str:
    """'2 of 9 reviews changed the decision (22 %)', or '-' without reviews."""
    if not rates or not rates["model_version"]:
        return "-"
    total = sum(group["reviews"] for group in rates["model_version"].values())
    changed = sum(group["changed"] for group in rates["model_version"].values())
    return f"{changed:.0f} of {total:.0f} reviews changed the decision ({100 * changed / total:.0f} %)"
