"""An explanation by family of features: each family's exact summed impact with its listed features.

The explain service sums every feature's contribution per family (listed or not), so the families
add up to the client's log-odds minus the base value; the features listed with them are the family's
strongest (all of them for a full explanation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from explain_service.client import Contribution, Explanation


@dataclass(frozen=True)
class FamilyContributions:
    """One family: its key, its summed impact, its listed contributions strongest first."""

    family: str
    impact: float
    contributions: tuple[Contribution, ...]

    @property
    def direction(self) -> Literal["raises", "lowers"]:
        return "raises" if self.impact > 0 else "lowers"


def by_family(explanation: Explanation) -> list[FamilyContributions]:
    """Every family of the explanation, largest |impact| first, with its listed contributions."""
    listed: dict[str, list[Contribution]] = {}
    for contribution in explanation.contributions:
        listed.setdefault(contribution.family, []).append(contribution)
    ranked = sorted(explanation.families, key=lambda f: abs(f.impact), reverse=True)
    return [
        FamilyContributions(
            family=f.family,
            impact=f.impact,
            contributions=tuple(sorted(listed.get(f.family, ()), key=lambda c: abs(c.shap), reverse=True)),
        )
        for f in ranked
    ]
