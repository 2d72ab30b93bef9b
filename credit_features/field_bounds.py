"""Realistic ranges of the numeric application fields, from the profile of the real data.

A new application outside them is refused with the field named: a 2^62-day-old client or a credit of 0
is a typing or integration error, and scoring it would give a number nobody should act on. The
profile's extremes come from a 3,500-row sample, so each rule leaves room around them; the rules are
by kind of field, so every column gets one (an unknown kind fails at import, not at request time):

- days before the application (DAYS_*): within a century, never after it; a client is at least 18
  (DAYS_BIRTH); DAYS_EMPLOYED may also be the data's 365243 code ("not employed");
- amounts of money (AMT_INCOME_TOTAL, AMT_CREDIT, AMT_ANNUITY, AMT_GOODS_PRICE): from a hundredth of
  the sample's smallest to 100 times its largest (the real data's largest income, 117M, is 52 times
  it). Not merely above zero: the features divide amounts by one another, and a credit of 5e-324 made
  the repayment rate infinite;
- fields the sample holds within [0, 1] (flags, normalised scores, building ratios): [0, 1];
- other counts and ratings (children, family members, enquiries, car age...): from 0 to 10 times the
  sample's largest; the hour of the application: 0 to 23.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from credit_features.application import APPLICATION_TABLE
from credit_features.tables import Column, columns

CENTURY_DAYS = 36_525
ADULT_DAYS = 6_575  # 18 years
NOT_EMPLOYED = 365_243  # the real data's code for "no employment" in DAYS_EMPLOYED
AMOUNTS = frozenset({"AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"})


@dataclass(frozen=True)
class Bounds:
    """Accepted values: low ≤ value ≤ high, or one of `codes`."""

    low: float
    high: float
    codes: frozenset[int] = frozenset()


_NAMED = {
    "DAYS_BIRTH": Bounds(-CENTURY_DAYS, -ADULT_DAYS),
    "DAYS_EMPLOYED": Bounds(-CENTURY_DAYS, 0, codes=frozenset({NOT_EMPLOYED})),
    "HOUR_APPR_PROCESS_START": Bounds(0, 23),
}


def _bounds(column: Column) -> Bounds:
    name = column.name
    largest = max(column.quantiles.values()) if column.quantiles else 0.0
    smallest = min(column.quantiles.values()) if column.quantiles else 0.0
    if name in _NAMED:
        return _NAMED[name]
    if name.startswith("DAYS_"):
        return Bounds(-CENTURY_DAYS, 0)
    if name in AMOUNTS:
        return Bounds(smallest / 100, 100 * largest)
    if smallest >= 0 and largest <= 1:
        return Bounds(0, 1)
    if smallest >= 0:
        return Bounds(0, 10 * largest)
    raise ValueError(f"no range rule for the application field {name!r} (smallest value {smallest})")


@cache
def field_bounds() -> dict[str, Bounds]:
    """Bounds of every numeric application field except the client id."""
    return {
        c.name: _bounds(c)
        for c in columns(APPLICATION_TABLE)
        if c.dtype != "string" and c.name != "SK_ID_CURR"
    }
