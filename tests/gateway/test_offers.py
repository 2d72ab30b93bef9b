"""The offer's search: exact against a scan of every step, with non-monotone novelty holes."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from gateway.offers import STEP, largest_granted, offer
from tests.async_run import run_coroutine

pytestmark = pytest.mark.unit


def policy(limit: float, novel: set[int]):
    """Refused above `limit`; referred at the step indices in `novel`; else granted. Records the calls."""
    calls: list[int] = []

    async def decide(loans: Sequence[tuple[float, float]]) -> list[tuple[str, str]]:
        calls.append(len(loans))
        return [
            ("refused", "score")
            if amount > limit
            else ("referred", "novelty")
            if round(amount / STEP) in novel
            else ("granted", "")
            for amount, _ in loans
        ]

    return decide, calls


def scan(limit: float, novel: set[int], ceiling: float) -> float | None:
    granted = [i * STEP for i in range(1, int(ceiling // STEP) + 1) if i * STEP <= limit and i not in novel]
    return max(granted, default=None)


def test_the_offer_is_exact_against_a_scan_at_every_step_whatever_the_novelty_holes() -> None:
    rng = random.Random(4)
    for _ in range(300):
        ceiling = rng.choice([5_000.0, 80_000.0, 1.5e6, 1.5e7])
        limit = rng.uniform(0, ceiling * 1.2)
        top = int(min(limit, ceiling) // STEP)
        novel = {i for i in range(max(top - 120, 1), top + 1) if rng.random() < 0.4} if top else set()
        decide, calls = policy(limit, novel)
        found, asked = run_coroutine(largest_granted(decide, 20.0, ceiling))
        assert found == scan(limit, novel, ceiling), (limit, ceiling, sorted(novel)[-5:])
        assert asked == sum(calls)
        assert len(calls) <= 12, f"{len(calls)} calls for a ceiling of {ceiling:g}"


def test_the_offer_keeps_the_term_and_finds_the_closest_term_for_the_requested_amount() -> None:
    async def decide(loans: Sequence[tuple[float, float]]) -> list[tuple[str, str]]:
        # granted while the yearly repayment stays within 30,000 and the amount within 800,000
        return [("granted", "") if a <= 800_000 and y <= 30_000 else ("refused", "score") for a, y in loans]

    record = {"AMT_CREDIT": 1_000_000.0, "AMT_ANNUITY": 50_000.0, "AMT_INCOME_TOTAL": 100_000.0}
    found = run_coroutine(offer(decide, record))
    assert found.term_years == 20.0
    assert found.max_amount == 600_000.0, "30,000 a year over 20 years"
    assert found.max_amount_annuity == 30_000.0
    assert found.term_for_requested is None, "1,000,000 is above 800,000 at any term"
    smaller = run_coroutine(offer(decide, record, requested=750_000.0))
    assert smaller.term_for_requested == 25.0, "750,000 at 30,000 a year: 25 years, the closest to 20"


def test_a_file_without_a_term_or_an_income_gets_no_offer() -> None:
    decide, calls = policy(1e9, set())
    assert run_coroutine(offer(decide, {"AMT_CREDIT": 1000.0})).max_amount is None
    assert calls == [], "nothing asked"


def test_a_file_missing_required_information_gets_no_offer_without_walking_every_amount() -> None:
    calls: list[int] = []

    async def decide(loans: Sequence[tuple[float, float]]) -> list[tuple[str, str]]:
        calls.append(len(loans))
        return [
            ("refused", "credit_income") if a > 1e6 else ("referred", "missing_information") for a, _ in loans
        ]

    found, _ = run_coroutine(largest_granted(decide, 20.0, 1.5e7))
    assert found is None
    assert len(calls) <= 5, "the bisection only: no amount lifts a referral for missing information"
