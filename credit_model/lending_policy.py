"""The lending policy around the score: what turns a probability into granted, refused or referred.

A pure function of an application's features, the model's probability and the policy the model
version was registered with, so that every process (both gRPC services, the gateway's offer, training's
evaluation) takes the same decision. Its rules, in this order:

1. knock-outs, which refuse: the yearly repayment against the yearly income, the credit against the
   income, and the client's age at the end of the loan (AMT_ANNUITY is a yearly amount, so the term in
   years is credit / annuity). Each only fires on values that are known;
2. required information, which refers: fields of the application itself without which the file cannot
   be judged (listed with why in `REQUIRED`);
3. novelty, which refers: an application unlike those the model learned from (credit_model.novelty);
4. the score against the business threshold, which refuses from the threshold up.

Every rule that fires is a reason of the decision (`PolicyReason`: the rule, its value and its bound);
texts for advisors and clients are the gateway's. The policy travels with the model version as one JSON
artifact (`policy/lending_policy.json`) and its version is logged with each decision.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from credit_model.novelty import NoveltyModel

FORMAT = 1
FOLDER = "policy"
FILE = "lending_policy.json"
#: The model version's tag naming its policy's version.
TAG = "lending_policy"
Outcome = Literal["granted", "refused", "referred"]
Rule = Literal["annuity_income", "credit_income", "age_at_end", "missing_information", "novelty", "score"]


@dataclass(frozen=True)
class RequiredField:
    """A field the policy requires, the feature that is missing exactly when it is, and why."""

    field: str
    feature: str
    why: str


#: What a file must state to be judged (checked on features: missing or not a level we know).
REQUIRED: tuple[RequiredField, ...] = (
    RequiredField("AMT_INCOME_TOTAL", "APP_AMT_INCOME_TOTAL", "affordability is judged against the income"),
    RequiredField("AMT_CREDIT", "APP_AMT_CREDIT", "the amount lent"),
    RequiredField("AMT_ANNUITY", "APP_AMT_ANNUITY", "the repayment, and with the amount the loan's term"),
    RequiredField("DAYS_BIRTH", "APP_DAYS_BIRTH", "the age at the end of the loan"),
    RequiredField("NAME_INCOME_TYPE", "APP_NAME_INCOME_TYPE_CODE", "how stable the income is"),
    RequiredField(
        "EXT_SOURCE_1, EXT_SOURCE_2 or EXT_SOURCE_3",
        "APP_EXT_SOURCE_MAX",
        "at least one external credit score: without one, nothing outside the file vouches for it",
    ),
)
#: The features the knock-outs read.
ANNUITY_INCOME = "APP_ANNUITY_INCOME_RATIO"
CREDIT_INCOME = "APP_CREDIT_INCOME_RATIO"
AGE = "APP_AGE_YEARS"
CREDIT = "APP_AMT_CREDIT"
ANNUITY = "APP_AMT_ANNUITY"


@dataclass(frozen=True)
class PolicyBounds:
    """The knock-outs' bounds (docs/policy.md gives their sources and what each refuses on the data)."""

    max_annuity_income: float = 0.35
    max_credit_income: float = 10.0
    max_age_at_end: float = 90.0


@dataclass(frozen=True)
class PolicyReason:
    """One rule that fired: its name, the outcome it leads to, its value and bound, missing fields."""

    rule: Rule
    outcome: Outcome
    value: float = math.nan
    bound: float = math.nan
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyDecision:
    """The outcome and every rule that fired (for a grant: none)."""

    outcome: Outcome
    reasons: tuple[PolicyReason, ...] = ()


@dataclass(frozen=True)
class LendingPolicy:
    """A version of the policy: its bounds, the required fields and the novelty model, if any."""

    version: str
    bounds: PolicyBounds = field(default_factory=PolicyBounds)
    required: tuple[RequiredField, ...] = REQUIRED
    novelty: NoveltyModel | None = None

    @property
    def features(self) -> tuple[str, ...]:
        """Every feature the policy reads."""
        names = [ANNUITY_INCOME, CREDIT_INCOME, AGE, CREDIT, ANNUITY, *(r.feature for r in self.required)]
        if self.novelty is not None:
            names += self.novelty.features
        return tuple(dict.fromkeys(names))

    def decide(
        self,
        values: Mapping[str, float],
        probability: float,
        threshold: float,
        *,
        novelty_distance: float | None = None,
    ) -> PolicyDecision:
        """The outcome for an application's features by name (absent or NaN is missing).

        `novelty_distance`, when given, is the application's distance already computed (for many rows
        at once, as training does); otherwise it is computed here.
        """
        if novelty_distance is None and self.novelty is not None:
            novelty_distance = self.novelty.distance(values)
        before = self.before_score(values, novelty_distance)
        if before is not None:
            return before
        if probability >= threshold:
            return PolicyDecision("refused", (PolicyReason("score", "refused", probability, threshold),))
        return PolicyDecision("granted")

    def before_score(
        self, values: Mapping[str, float], novelty_distance: float | None = None
    ) -> PolicyDecision | None:
        """What the rules before the score decide (None: they leave the file to the score); the
        novelty distance is the application's (None: no novelty model)."""
        knocked = self._knock_outs(values)
        if knocked:
            return PolicyDecision("refused", knocked)
        missing = tuple(r.field for r in self.required if _missing(values.get(r.feature)))
        if missing:
            return PolicyDecision(
                "referred", (PolicyReason("missing_information", "referred", fields=missing),)
            )
        novelty = self.novelty
        if novelty is not None and novelty_distance is not None and novelty_distance > novelty.threshold:
            reason = PolicyReason("novelty", "referred", novelty_distance, novelty.threshold)
            return PolicyDecision("referred", (reason,))
        return None

    def before_score_many(self, rows: Sequence[Mapping[str, float]]) -> list[PolicyDecision | None]:
        """`before_score` of many applications, their novelty distances computed at once."""
        if self.novelty is None:
            return [self.before_score(values) for values in rows]
        distances = self.novelty.distances_of(rows)
        return [self.before_score(values, float(d)) for values, d in zip(rows, distances, strict=True)]

    def _knock_outs(self, values: Mapping[str, float]) -> tuple[PolicyReason, ...]:
        bounds = self.bounds
        fired = []
        checks: tuple[tuple[Rule, float, float], ...] = (
            ("annuity_income", _value(values, ANNUITY_INCOME), bounds.max_annuity_income),
            ("credit_income", _value(values, CREDIT_INCOME), bounds.max_credit_income),
            ("age_at_end", age_at_end(values), bounds.max_age_at_end),
        )
        for rule, value, bound in checks:
            if not math.isnan(value) and value > bound:
                fired.append(PolicyReason(rule, "refused", value, bound))
        return tuple(fired)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "version": self.version,
                "bounds": vars(self.bounds),
                "required": [vars(r) for r in self.required],
                "novelty": self.novelty.as_dict() if self.novelty is not None else None,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> LendingPolicy:
        """Read back; ValueError naming the problem when it is not this format."""
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"{FILE}: format {data.get('format')!r}, expected {FORMAT}")
        return cls(
            version=str(data["version"]),
            bounds=PolicyBounds(**data["bounds"]),
            required=tuple(RequiredField(**r) for r in data["required"]),
            novelty=NoveltyModel.from_dict(data["novelty"]) if data.get("novelty") else None,
        )


def row_decision(
    policy: LendingPolicy | None,
    positions: Mapping[str, int],
    row: Sequence[float],
    probability: float,
    threshold: float,
) -> PolicyDecision:
    """The decision of a row (values at `positions` by feature name) through a version's policy, or
    through the threshold alone for a version registered without one. A feature the policy reads that
    the row does not hold is missing. Both services and a replay of a logged decision take it here."""
    if policy is None:
        if probability >= threshold:
            return PolicyDecision("refused", (PolicyReason("score", "refused", probability, threshold),))
        return PolicyDecision("granted")
    values = {name: float(row[positions[name]]) for name in policy.features if name in positions}
    return policy.decide(values, probability, threshold)


def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def _value(values: Mapping[str, float], name: str) -> float:
    value = values.get(name)
    return math.nan if value is None else float(value)


def term_years(values: Mapping[str, float]) -> float:
    """The loan's term in years: credit / yearly annuity (NaN when either is unknown or zero)."""
    credit, annuity = _value(values, CREDIT), _value(values, ANNUITY)
    return credit / annuity if annuity > 0 else math.nan


def age_at_end(values: Mapping[str, float]) -> float:
    """The client's age when the loan ends, in years (NaN when unknown)."""
    return _value(values, AGE) + term_years(values)
