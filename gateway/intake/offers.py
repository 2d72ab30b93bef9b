"""The offer: the largest credit the served model and policy would grant, and a term that would pass.

A candidate loan is the client's own file with another amount (and the annuity scaled alike, so the
term is kept) or another term. Two judges look at it (`CandidateJudges`):
- the lending policy's rules before the score (knock-outs, required information, novelty), run here on
  the candidate's features: the policy is a pure function that travels with the model version, and a
  candidate's features cost a few microseconds (credit_features.application.ApplicationVariants);
- Scoring, which answers the served decision, many candidates per ScoreBatch call.

The search, at the client's term, over the multiples of `STEP`:
1. a referral for missing information holds at every amount: no offer;
2. the knock-outs only grow with the amount, so the largest amount they let through is found by
   bisection, locally;
3. the score is monotone in the amount too (the model is constrained to raise the risk with the amount
   and the affordability ratios), so the largest amount below the threshold is found by bisection over
   Scoring's probabilities, a batch of candidates a round;
4. novelty is not monotone: from that amount down, candidates are screened locally to the first the
   policy leaves to the score, and Scoring confirms it is granted (a candidate it did not grant is
   passed over, so the answer is always the served decision). A long stretch is first tested whole:
   when both its ends lie far enough beyond the novelty threshold, every amount between is novel
   (credit_model.novelty.NoveltyModel.novel_throughout) and the stretch is skipped; else it is halved.
No amount above the result is granted: above step 2's bound a knock-out refuses, above step 3's the
score does, and between the result and that bound every step was screened or proven novel.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from credit_model.lending_policy import PolicyDecision

#: The offer's granularity (currency units) and the furthest a search looks, in multiples of the income.
STEP = 1_000.0
CEILING_INCOMES = 100.0
#: Candidates asked of Scoring in one ScoreBatch call.
BATCH = 64
#: Candidates screened by the policy at once while walking down past novelty; a longer stretch is first
#: tested whole (`novel_throughout`), then halved.
WALK = 32
#: Terms tried for the requested amount, in years (AMT_ANNUITY is yearly).
TERMS = tuple(range(1, 41))
#: The policy's rule whose referral no amount can lift: the file lacks information the policy requires.
MISSING = "missing_information"

#: A candidate loan: (credit amount, yearly annuity).
Loan = tuple[float, float]


@dataclass(frozen=True)
class Served:
    """Scoring's answer for a candidate: the outcome and whether the score alone refuses it."""

    outcome: str
    score_refuses: bool


class CandidateJudges(Protocol):
    """The policy's rules before the score, run locally, and the served decision, asked of Scoring."""

    def screened(self, loans: Sequence[Loan]) -> list[PolicyDecision | None]:
        """What the rules before the score decide of each loan (None: they leave it to the score)."""
        ...

    def served(self, loans: Sequence[Loan]) -> Awaitable[list[Served]]:
        """Scoring's decision of each loan, through the version's lending policy."""
        ...

    def novel_throughout(self, low: Loan, high: Loan) -> bool:
        """True only if every loan between `low` and `high` (one term) is proven referred as novel."""
        ...


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


def _last_true(low: int, high: int, holds: Callable[[int], bool]) -> int:
    """The largest index in [low, high] where `holds` (true at `low`, then false from some index on)."""
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


class _Search:
    """One largest-amount search at a term: the candidates judged so far, counted."""

    def __init__(self, judges: CandidateJudges, term: float) -> None:
        self.judges = judges
        self.term = term
        self.served: dict[int, Served] = {}
        self.screened = 0
        self.proofs = 0

    def loan(self, index: int) -> Loan:
        return index * STEP, index * STEP / self.term

    def screen(self, indices: Sequence[int]) -> list[PolicyDecision | None]:
        self.screened += len(indices)
        return self.judges.screened([self.loan(i) for i in indices])

    async def serve(self, indices: Sequence[int]) -> None:
        asked = [i for i in indices if i not in self.served]
        if not asked:
            return
        answers = await self.judges.served([self.loan(i) for i in asked])
        self.served.update(zip(asked, answers, strict=True))

    def knocked_out(self, index: int) -> bool:
        (screen,) = self.screen([index])
        return screen is not None and screen.outcome == "refused"

    async def below_threshold(self, high: int) -> int:
        """The largest index in [0, high] the score does not refuse (0: none), by rounds of bisection."""
        low = 0
        while high > low:
            grid = _grid(low + 1, high, BATCH)
            await self.serve(grid)
            high = min((i for i in grid if self.served[i].score_refuses), default=high + 1) - 1
            low = max([low, *(i for i in grid if i <= high)])
        return low

    async def first_granted_from(self, top: int, bottom: int = 1) -> int | None:
        """Walking down [bottom, top]: the first index the rules leave to the score and Scoring grants.
        A stretch proven novel throughout is skipped whole; a short one is screened step by step."""
        if top < bottom:
            return None
        if top - bottom + 1 <= WALK:
            chunk = list(range(top, bottom - 1, -1))
            for index, screen in zip(chunk, self.screen(chunk), strict=True):
                if screen is None:
                    await self.serve([index])
                    if self.served[index].outcome == "granted":
                        return index
            return None
        self.proofs += 1
        if self.judges.novel_throughout(self.loan(bottom), self.loan(top)):
            return None
        middle = (top + bottom) // 2
        found = await self.first_granted_from(top, middle + 1)
        return found if found is not None else await self.first_granted_from(middle, bottom)

    @property
    def evaluated(self) -> int:
        return self.screened + len(self.served) + 2 * self.proofs


async def largest_granted(judges: CandidateJudges, term: float, ceiling: float) -> tuple[float | None, int]:
    """(The largest multiple of STEP up to `ceiling` granted at `term`, candidates judged)."""
    search = _Search(judges, term)
    top = int(ceiling // STEP)
    if top < 1:
        return None, 0
    (first,) = search.screen([1])
    if first is not None and any(reason.rule == MISSING for reason in first.reasons):
        return None, search.evaluated
    if search.knocked_out(1):
        return None, search.evaluated
    allowed = _last_true(1, top, lambda i: not search.knocked_out(i))
    found = await search.first_granted_from(await search.below_threshold(allowed))
    return (found * STEP if found else None), search.evaluated


async def offer(judges: CandidateJudges, record: dict[str, Any], requested: float | None = None) -> Offer:
    """The client's offer, from its application `record` (raw fields)."""
    credit, annuity, income = (record.get(k) for k in ("AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL"))
    term = credit / annuity if credit and annuity else None
    wanted = requested or credit
    if term is None or not income or income <= 0 or math.isnan(term):
        return Offer(term, None, None, wanted, None, 0)
    amount, asked = await largest_granted(judges, term, CEILING_INCOMES * income)
    closest = None
    if wanted:
        answers = await judges.served([(wanted, wanted / years) for years in TERMS])
        asked += len(TERMS)
        passing = [years for years, served in zip(TERMS, answers, strict=True) if served.outcome == "granted"]
        closest = float(min(passing, key=lambda years: abs(years - term))) if passing else None
    return Offer(term, amount, amount / term if amount else None, wanted, closest, asked)
