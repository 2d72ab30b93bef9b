"""Turn SHAP contributions into reasons an advisor can read: the feature in words, its value, its way."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from explain_service.client import Contribution
from gateway.labels import feature_labels
from serving_base.messages import REASONS_EACH_WAY

Language = Literal["en", "fr"]

_WORDS = {
    "en": {
        "raises": "raises the risk of default",
        "lowers": "lowers the risk of default",
        "unknown": "not known",
    },
    "fr": {
        "raises": "augmente le risque de défaut",
        "lowers": "diminue le risque de défaut",
        "unknown": "inconnu",
    },
}


@dataclass(frozen=True)
class Reason:
    """One factor of a decision in plain words."""

    feature: str
    label: str
    value: float | None
    display_value: str
    impact: float
    direction: Literal["raises", "lowers"]
    sentence: str


def display(name: str, value: float | None, language: Language = "en") -> str:
    """A value as an advisor reads it: days as years, ratios as percentages, amounts with separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _WORDS[language]["unknown"]
    if "DAYS" in name and abs(value) >= 30:
        years = abs(value) / 365.25
        return f"{years:.1f} years" if language == "en" else f"{years:.1f} ans".replace(".", ",")
    if any(token in name for token in ("SHARE", "RATE", "PERC", "_RATIO")) and abs(value) <= 5:
        text = f"{value:.0%}" if abs(value) <= 1 else f"{value:.2f}"
        return text if language == "en" else text.replace(".", ",")
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
        return text if language == "en" else text.replace(",", "\u202f")
    text = f"{value:.3g}"
    return text if language == "en" else text.replace(".", ",")


def reason(contribution: Contribution, language: Language = "en") -> Reason:
    """The reason a contribution stands for."""
    label = feature_labels().get(contribution.feature, contribution.feature)
    direction: Literal["raises", "lowers"] = "raises" if contribution.shap > 0 else "lowers"
    shown = display(contribution.feature, contribution.value, language)
    separator = ": " if language == "en" else " : "
    return Reason(
        feature=contribution.feature,
        label=label,
        value=contribution.value,
        display_value=shown,
        impact=contribution.shap,
        direction=direction,
        sentence=f"{label}{separator}{shown} — {_WORDS[language][direction]}.",
    )


def top_reasons(
    contributions: tuple[Contribution, ...], top: int = REASONS_EACH_WAY, language: Language = "en"
) -> tuple[list[Reason], list[Reason]]:
    """The `top` factors raising and lowering the risk, strongest first."""
    ranked = sorted(contributions, key=lambda c: abs(c.shap), reverse=True)
    raising = [reason(c, language) for c in [c for c in ranked if c.shap > 0][:top]]
    lowering = [reason(c, language) for c in [c for c in ranked if c.shap < 0][:top]]
    return raising, lowering
