"""What the decisions were on each side of a drift report: the shares granted, refused and referred.

Why beside the feature tests: a shift in the features that moves files across the lending policy's
rules (more referred as unusual, more refused by affordability) is what an advisor notices first, and
the probability's drift does not show it. The reference's outcomes are the champion's policy applied to
the training rows (its probability, threshold and rules); the prediction log's are those served.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

OUTCOMES = ("granted", "refused", "referred")


def outcome_shares(outcomes: Sequence[str]) -> dict[str, float]:
    """Each outcome's share among the decisions that record one (a record older than outcomes is left
    out), and how many those were."""
    known = [outcome for outcome in outcomes if outcome in OUTCOMES]
    counts = Counter(known)
    shares = {outcome: counts[outcome] / len(known) if known else math.nan for outcome in OUTCOMES}
    return {**shares, "decisions": float(len(known))}


def shares_text(shares: dict[str, float]) -> str:
    """'granted 81.2 % · refused 14.0 % · referred 4.8 %' ('-' without a decision)."""
    if not shares["decisions"]:
        return "-"
    return " · ".join(f"{outcome} {100 * shares[outcome]:.1f} %" for outcome in OUTCOMES)
