"""The offer's search: exact against a scan of every step, with non-monotone novelty holes."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from credit_model.lending_policy import PolicyDecision, PolicyReason
from gateway.intake.offers import STEP, Loan, Served, largest_granted, offer
from tests.async_run import run_coroutine

pytestmark = pytest.mark.unit


@dataclass
class Judges:
    """Knocked out above `cap`, refused by the score above `limit`, referred at the step indices in
    `novel` (everywhere when `missing`), else granted. Counts what each judge was asked."""

    cap: float
    limit: float
    novel: set[int] = field(default_factory=set)
    missing: bool = False
    served_calls: list[int] = field(default_factory=list)
    screened_count: int = 0

    def screened(self, loans: Sequence[Loan]) -> list[PolicyDecision | None]:
        self.screened_count += len(loans)
        return [self._screen(amount) for amount, _ in loans]

    def _screen(self, amount: float) -> PolicyDecision | None:
        if amount > self.cap:
            return PolicyDecision("refused", (PolicyReason("credit_income", "refused"),))
        if self.missing:
            return PolicyDecision("referred", (PolicyReason("missing_information", "referred"),))
        if round(amount / STEP) in self.novel:
            return PolicyDecision("referred", (PolicyReason("novelty", "referred"),))
        return None

    def novel_throughout(self, low: Loan, high: Loan) -> bool:
        indices = range(round(low[0] / STEP), round(high[0] / STEP) + 1)
        screens = self.screened([(i * STEP, 0.0) for i in (indices[0], indices[-1])])
        return all(s is not None and s.reasons[0].rule == "novelty" for s in screens) and all(
            i in self.novel for i in indices
        )

    async def served(self, loans: Sequence[Loan]) -> list[Served]:
        self.served_calls.append(len(loans))
        out = []
        for amount, _ in loans:
            screen = self._screen(amount)
            outcome = screen.outcome if screen else "refused" if amount > self.limit else "granted"
            out.append(Served(outcome, amount > self.limit))
        return out


class NoProofs(Judges):
    def novel_throughout(self, low: Loan, high: Loan) -> bool:
        return False


def scan(judges: Judges, ceiling: float) -> float | None:
    """The largest granted amount, every step asked."""
    amounts = [i * STEP for i in range(1, int(ceiling // STEP) + 1)]
    granted = [a for a in amounts if judges._screen(a) is None and a <= judges.limit]
    return max(granted, default=None)


def test_the_offer_is_exact_against_a_scan_at_every_step_whatever_the_novelty_holes() -> None:
    rng = random.Random(4)
    for _ in range(300):
        ceiling = rng.choice([5_000.0, 80_000.0, 1.5e6, 1.5e7])
        cap = rng.uniform(0, ceiling * 1.2)
        limit = rng.uniform(0, ceiling * 1.2)
        top = int(min(limit, cap, ceiling) // STEP)
        novel = {i for i in range(max(top - 600, 1), top + 1) if rng.random() < 0.9} if top else set()
        novel |= set(range(max(top - 5_000, 1), max(top - 1_000, 1)))  # a long novel stretch, skipped whole
        judges = Judges(cap, limit, novel)
        found, judged = run_coroutine(largest_granted(judges, 20.0, ceiling))
        assert found == scan(judges, ceiling), (cap, limit, ceiling, sorted(novel)[-5:])
        assert judged == judges.screened_count + sum(judges.served_calls)
        # the proofs only skip work: without them every step is screened, with the same answer
        unproven = NoProofs(cap, limit, novel)
        assert run_coroutine(largest_granted(unproven, 20.0, ceiling))[0] == found
        assert judges.screened_count <= unproven.screened_count + 64
        bisection_rounds = sum(1 for n in judges.served_calls if n > 1)
        assert bisection_rounds <= 4, f"{bisection_rounds} rounds of Scoring for a ceiling of {ceiling:g}"


def test_a_candidate_scoring_does_not_grant_is_passed_over_so_the_answer_is_always_served() -> None:
    class Disagreeing(Judges):
        async def served(self, loans: Sequence[Loan]) -> list[Served]:
            answers = await super().served(loans)
            # Scoring refers 50,000 although the rules run here leave it to the score
            return [
                Served("referred", s.score_refuses) if a == 50_000.0 else s
                for (a, _), s in zip(loans, answers, strict=True)
            ]

    found, _ = run_coroutine(largest_granted(Disagreeing(cap=1e9, limit=50_000.0), 20.0, 1e6))
    assert found == 49_000.0


def test_the_offer_keeps_the_term_and_finds_the_closest_term_for_the_requested_amount() -> None:
    class Yearly(Judges):
        async def served(self, loans: Sequence[Loan]) -> list[Served]:
            # granted while the yearly repayment stays within 30,000 and the amount within 800,000
            return [
                Served("granted", False) if a <= 800_000 and y <= 30_000 else Served("refused", True)
                for a, y in loans
            ]

    record = {"AMT_CREDIT": 1_000_000.0, "AMT_ANNUITY": 50_000.0, "AMT_INCOME_TOTAL": 100_000.0}
    judges = Yearly(cap=1e12, limit=1e12)
    found = run_coroutine(offer(judges, record))
    assert found.term_years == 20.0
    assert found.max_amount == 600_000.0, "30,000 a year over 20 years"
    assert found.max_amount_annuity == 30_000.0
    assert found.term_for_requested is None, "1,000,000 is above 800,000 at any term"
    smaller = run_coroutine(offer(judges, record, requested=750_000.0))
    assert smaller.term_for_requested == 25.0, "750,000 at 30,000 a year: 25 years, the closest to 20"


def test_a_file_without_a_term_or_an_income_gets_no_offer() -> None:
    judges = Judges(cap=1e9, limit=1e9)
    assert run_coroutine(offer(judges, {"AMT_CREDIT": 1000.0})).max_amount is None
    assert judges.served_calls == []
    assert judges.screened_count == 0, "nothing asked"


def test_a_file_missing_required_information_gets_no_offer_without_walking_every_amount() -> None:
    judges = Judges(cap=1e6, limit=1e9, missing=True)
    found, judged = run_coroutine(largest_granted(judges, 20.0, 1.5e7))
    assert found is None
    assert judged == 1, "no amount lifts a referral for missing information: one candidate says so"
    assert judges.served_calls == []


def test_a_knock_out_at_every_amount_gets_no_offer_from_scoring() -> None:
    judges = Judges(cap=0.0, limit=1e9)
    found, _ = run_coroutine(largest_granted(judges, 20.0, 1.5e7))
    assert found is None
    assert judges.served_calls == []
