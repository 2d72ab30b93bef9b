"""Turn SHAP contributions into reasons an advisor can read: by family first, then feature by feature.

Every text is in the language asked for: feature and family names come from the catalog in that
language, so a French answer carries no English feature text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Literal

from credit_features.families import family
from explain_service.client import Contribution, Explanation
from gateway.decisions.families import by_family
from gateway.decisions.labels import feature_labels
from gateway.decisions.points import points_per_log_odds
from serving_base.messages import REASONS_EACH_WAY

Language = Literal["en", "fr"]
#: Features shown under each family (its drill-down).
TOP_PER_FAMILY = 3

_WORDS = {
    "en": {
        "raises": "raises the risk of default",
        "lowers": "lowers the risk of default",
        "unknown": "not known (information missing)",
        "years": "{} years",
        "separator": ": ",
    },
    "fr": {
        "raises": "augmente le risque de défaut",
        "lowers": "diminue le risque de défaut",
        "unknown": "inconnu (information manquante)",
        "years": "{} ans",
        "separator": " : ",
    },
}


#: Not frozen: a frozen dataclass sets each field through object.__setattr__, and a score builds some
#: forty of these (a twentieth of the gateway's CPU per decision, profiled). Nothing changes one after.
@dataclass
class Reason:
    """One factor of a decision in plain words."""

    feature: str
    label: str
    value: float | None
    display_value: str
    impact: float  # log-odds
    points: float  # percentage points of default probability (gateway.decisions.points)
    direction: Literal["raises", "lowers"]
    sentence: str
    family: str


@dataclass
class FamilyReason:
    """One family of features as a reason: its summed impact in plain words and its strongest features."""

    family: str
    label: str
    impact: float  # log-odds
    points: float  # percentage points of default probability (gateway.decisions.points)
    direction: Literal["raises", "lowers"]
    sentence: str
    top: list[Reason]


def _french_number(text: str) -> str:
    """English digits to French typography: thin space for thousands, comma for decimals."""
    return text.replace(",", "\u202f").replace(".", ",")


@dataclass(frozen=True)
class _ValueKind:
    """What a feature's name says of how its values read (the catalog's naming conventions)."""

    duration: bool  # days, shown as years, months or days (a variance of days is no duration)
    share: bool  # a ratio, shown as a percentage while it is one (|value| <= 5)
    amount: bool  # euros, as the language writes them


@cache
def _kind_of(name: str) -> _ValueKind:
    """Decided once per feature: a score's reasons show some forty values, and reading the name each
    time was 40 % of showing one (0.96 against 0.55 µs, timed on the demo's stored answers)."""
    return _ValueKind(
        duration="DAYS" in name and not name.endswith("_VAR"),
        share=any(token in name for token in ("SHARE", "RATE", "PERC", "_RATIO")),
        amount="AMT" in name and not name.endswith("_VAR"),
    )


def display(name: str, value: float | None, language: Language = "en") -> str:
    """A value as an advisor reads it: days as years, ratios as percentages, amounts with separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _WORDS[language]["unknown"]
    kind = _kind_of(name)
    if kind.duration:
        text = _duration(abs(value), language)
    elif kind.share and abs(value) <= 5:
        text = f"{value:.0%}" if abs(value) <= 1 else f"{value:.2f}"
    elif kind.amount:
        amount = _french_number(f"{value:,.0f}") if language == "fr" else f"{value:,.0f}"
        return f"{amount}\u00a0€" if language == "fr" else f"€{amount}".replace("€-", "-€")
    elif abs(value) >= 1000:
        text = f"{value:,.0f}"
    else:
        text = f"{value:.3g}"
    # French writes a narrow no-break space before the percent sign (42 %), as the app's own percentages.
    return _french_number(text).replace("%", "\u202f%") if language == "fr" else text


#: Each language's duration units: (singular, plural) for years, months and days.
_UNITS: dict[Language, dict[str, tuple[str, str]]] = {
    "en": {"years": ("year", "years"), "months": ("month", "months"), "days": ("day", "days")},
    "fr": {"years": ("an", "ans"), "months": ("mois", "mois"), "days": ("jour", "jours")},
}


def _duration(days: float, language: Language) -> str:
    """A number of days as an advisor says it: years to one decimal from a year, months from a month,
    else days; singular as each language has it (French keeps it below two: "1,5 an")."""
    if days >= 365.25:
        amount, unit, text = days / 365.25, "years", f"{days / 365.25:.1f}"
    elif days >= 30:
        amount, unit, text = round(days / 30.44), "months", f"{round(days / 30.44)}"
    else:
        amount, unit, text = round(days), "days", f"{round(days)}"
    singular, plural = _UNITS[language][unit]
    one = amount < 2 if language == "fr" else text in {"1", "1.0"}
    return f"{text} {singular if one else plural}"


def direction_of(impact: float) -> Literal["raises", "lowers"]:
    return "raises" if impact > 0 else "lowers"


def reason(contribution: Contribution, language: Language = "en", scale: float = 0.0) -> Reason:
    """The reason a contribution stands for; `scale` is its explanation's points per unit of log-odds."""
    words = _WORDS[language]
    label = feature_labels(language).get(contribution.feature, contribution.feature)
    direction = direction_of(contribution.shap)
    shown = display(contribution.feature, contribution.value, language)
    return Reason(
        feature=contribution.feature,
        label=label,
        value=contribution.value,
        display_value=shown,
        impact=contribution.shap,
        points=scale * contribution.shap,
        direction=direction,
        sentence=f"{label}{words['separator']}{shown} — {words[direction]}.",
        family=contribution.family,
    )


def scale_of(explanation: Explanation) -> float:
    """Percentage points of probability per unit of log-odds of this explanation."""
    return points_per_log_odds(explanation.base_value, explanation.raw_score)


def top_reasons(
    explanation: Explanation, top: int = REASONS_EACH_WAY, language: Language = "en"
) -> tuple[list[Reason], list[Reason]]:
    """The `top` factors raising and lowering the risk, strongest first."""
    scale = scale_of(explanation)
    ranked = sorted(explanation.contributions, key=lambda c: abs(c.shap), reverse=True)
    raising = [reason(c, language, scale) for c in [c for c in ranked if c.shap > 0][:top]]
    lowering = [reason(c, language, scale) for c in [c for c in ranked if c.shap < 0][:top]]
    return raising, lowering


def family_reasons(explanation: Explanation, language: Language = "en") -> list[FamilyReason]:
    """Every family of the explanation that weighs on it, as a reason, strongest |impact| first, each with
    its top features (a family whose features contribute nothing is no reason)."""
    words = _WORDS[language]
    scale = scale_of(explanation)
    reasons = []
    for group in by_family(explanation):
        if group.impact == 0:
            continue
        label = family(group.family).label(language)
        reasons.append(
            FamilyReason(
                family=group.family,
                label=label,
                impact=group.impact,
                points=scale * group.impact,
                direction=group.direction,
                sentence=f"{label}{words['separator']}{words[group.direction]}.",
                top=[reason(c, language, scale) for c in group.contributions[:TOP_PER_FAMILY]],
            )
        )
    return reasons
