"""The offer: the largest credit the served model and policy would grant, and a term that would pass.

Each candidate loan is the client's own file with another amount (and the annuity scaled alike, so the
term is kept) or another term: its application features are recomputed by application.sql compiled
(credit_features.application), the rest of the row is the client's, and Scoring answers the decision
through the version's lending policy, many candidates per ScoreBatch call.

Why a search and not a formula: "refused" is monotone in the amount (the model is constrained to
raise the risk with the amount and the affordability ratios, and the knock-outs only grow with
them), so the largest amount not refused is found by bisection over the multiples of `STEP`. Novelty is
not monotone: at that amount the file may be referred instead, so the search then walks down, a
batch at a time, to the first amount actually granted. An amount above the result is never granted:
above the bisection's bound it is refused, below it every step was asked.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: The offer's granularity (currency units) and the furthest a search looks, in multiples of the income.
STEP = 1_000.0
CEILING_INCOMES = 100.0
#: Candidates asked in one ScoreBatch call.
BATCH = 48
#: Terms tried for the requested amount, in years (AMT_ANNUITY is yearly).
TERMS = tuple(range(1, 41))

#: Outcomes of candidate loans (amount, annuity), in the order asked: (outcome, the first rule that
#: fired, "" for a grant).
Decide = Callable[[Sequence[tuple[float, float]]], Awaitable[list[tuple[str, str]]]]
#: A referral that no amount can lift: the file lacks information the policy requires.
MISSING = "missing_information"


@dataclass(frozen=True)
class Offer:
    """The largest amount granted at the client's term (None: none), and for the requested amount
    the granted term closest to the client's (None: none within the terms tried)."""

    term_years: float | None
    max_amount: float | None
    max_amount_annuity: float | None
    requested_amount: float | None
    term_for_requested: float | None
    evaluated: int


def _grid(low: int, high: int, count: int) -> list[int]:
    """Up to `count` step indices spread over [low, high], both ends included."""
    if high - low + 1 <= count:
        return list(range(low, high + 1))
    return sorted({low + round(i * (high - low) / (count - 1)) for i in range(count)})


async def largest_granted(decide: Decide, term: float, ceiling: float) -> tuple[float | None, int]:
    """(The largest multiple of STEP up to `ceiling` granted at `term`, candidates asked)."""
    known: dict[int, str] = {}
    missing = False

    async def ask(indices: Sequence[int]) -> None:
        nonlocal missing
        answers = await decide([(i * STEP, i * STEP / term) for i in indices])
        known.update((i, outcome) for i, (outcome, _) in zip(indices, answers, strict=True))
        missing = missing or any(rule == MISSING for _, rule in answers)

    low, high = 0, int(ceiling // STEP)  # index `low` is not refused (0: nothing), every one above `high` is
    while high > low:
        grid = _grid(low + 1, high, BATCH)
        await ask(grid)
        high = min((i for i in grid if known[i] == "refused"), default=high + 1) - 1
        low = max([low, *(i for i in grid if i <= high)])
    if missing:  # the same whatever the amount: nothing below is granted either
        return None, len(known)
    top = low
    while top > 0:
        if top not in known:
            await ask([i for i in range(top, max(top - BATCH, 0), -1) if i not in known])
        if known[top] == "granted":
            return top * STEP, len(known)
        top -= 1
    return None, len(known)


async def offer(decide: Decide, record: dict[str, Any], requested: float | None = None) -> Offer:
    """The client's offer, from its application `record` (raw fields)."""
    credit, annuity, income = (record.get(k) for k in ("AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL"))
    term = credit / annuity if credit and annuity else None
    wanted = requested or credit
    if term is None or not income or income <= 0 or math.isnan(term):
        return Offer(term, None, None, wanted, None, 0)
    amount, asked = await largest_granted(decide, term, CEILING_INCOMES * income)
    closest = None
    if wanted:
        answers = await decide([(wanted, wanted / years) for years in TERMS])
        asked += len(TERMS)
        passing = [years for years, (outcome, _) in zip(TERMS, answers, strict=True) if outcome == "granted"]
        closest = float(min(passing, key=lambda years: abs(years - term))) if passing else None
    return Offer(term, amount, amount / term if amount else None, wanted, closest, asked)
