"""Answers of the gateway as the app receives them, built in the shapes of its REST API (no server)."""

from __future__ import annotations

import math

import pytest

from ui.api_models import Contribution, Explanation, FamilyContribution

#: Points per log-odds of the fixture's explanations (the gateway's own rule, gateway.decisions.points).
SCALE = 3.0


def family(key: str, label: str, shaps: list[float], scale: float = SCALE) -> FamilyContribution:
    """A family whose impact is exactly the sum of its features' contributions (as the gateway sends)."""
    features = [
        Contribution(
            feature=f"{key}_{i}",
            label=f"{label} factor {i}",
            value=float(i),
            shap=s,
            points=scale * s,
            family=key,
        )
        for i, s in enumerate(shaps)
    ]
    features.sort(key=lambda c: abs(c.shap), reverse=True)
    impact = sum(shaps)
    return FamilyContribution(
        family=key,
        label=label,
        impact=impact,
        points=scale * impact,
        direction="raises" if impact > 0 else "lowers",
        features=features,
    )


@pytest.fixture
def explanation() -> Explanation:
    """Three families: the bureau's many small factors add up to the largest family of all."""
    shaps = {
        ("bureau", "History with other lenders"): [0.05] * 30 + [0.2, -0.1],
        ("external_scores", "External credit scores"): [-0.6, -0.3, 0.1],
        ("loan", "The loan applied for"): [0.25, 0.05],
    }
    base = -2.4
    raw = base + sum(sum(values) for values in shaps.values())
    scale = 100 * (1 / (1 + math.exp(-raw)) - 1 / (1 + math.exp(-base))) / (raw - base)
    families = [family(key, label, values, scale) for (key, label), values in shaps.items()]
    families.sort(key=lambda f: abs(f.impact), reverse=True)
    contributions = sorted((c for f in families for c in f.features), key=lambda c: abs(c.shap), reverse=True)
    return Explanation(
        client_id=100002,
        model_version="3",
        probability=1 / (1 + math.exp(-raw)),
        base_value=base,
        base_probability=1 / (1 + math.exp(-base)),
        raw_score=raw,
        contributions=contributions,
        families=families,
    )
