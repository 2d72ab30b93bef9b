"""The offer checked by a scan: every 1,000 from the offered amount up to the affordability cap, each
candidate loan decided by Scoring, none may be granted but the offer itself.

Each candidate is the client's served feature row (as the explanation lists it) with its application
features recomputed for the amount (credit_features.application_row, the annuity scaled to keep the
term), so the scan asks exactly what the offer asked, one candidate at a time, without its shortcuts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import grpc
import httpx

from credit_features.application import application_row
from credit_model.lending_policy import PolicyBounds
from scoring_service.client import ScoringClient
from serving_base.messages import score_request

STEP = 1_000
DEFAULT_BOUNDS = PolicyBounds()
#: Candidates per ScoreBatch call.
BATCH = 100


@dataclass(frozen=True)
class ScanResult:
    """What the scan found above one client's offer."""

    client_id: int
    offered: float | None
    offer_granted: bool | None  # None: no offer to check
    granted_above: tuple[int, ...]
    scanned: int

    @property
    def exact(self) -> bool:
        return self.offer_granted is not False and not self.granted_above


def affordability_cap(record: dict[str, Any], term: float, bounds: PolicyBounds = DEFAULT_BOUNDS) -> float:
    """The largest amount the knock-outs could let through at `term` (beyond it they refuse)."""
    income = record["AMT_INCOME_TOTAL"]
    return min(bounds.max_credit_income * income, bounds.max_annuity_income * income * term)


async def scan_offer(
    gateway_url: str, headers: dict[str, str], scoring_target: str, record: dict[str, Any], offer: dict
) -> ScanResult:
    """Scan one client's offer (`offer`: the JSON of GET /v1/clients/{id}/offer)."""
    client_id = int(record["SK_ID_CURR"])
    term = offer["term_years"]
    start = int(offer["max_amount"] or 0)
    amounts = list(range(start, int(affordability_cap(record, term)) + 1, STEP)) or [start]
    explained = httpx.get(f"{gateway_url}/v1/clients/{client_id}/explanation", headers=headers, timeout=30)
    stored = {c["feature"]: c["value"] for c in explained.raise_for_status().json()["contributions"]}
    fields = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()}
    requests = []
    for amount in amounts:
        values = application_row({**fields, "AMT_CREDIT": float(amount), "AMT_ANNUITY": amount / term})
        # the served model's inputs only: Scoring refuses a feature it does not take (a protected one)
        named = stored | {k: (None if math.isnan(v) else v) for k, v in values.items() if k in stored}
        requests.append(score_request(features=named))
    async with grpc.aio.insecure_channel(scoring_target) as channel:
        client = ScoringClient(channel, timeout=60)
        outcomes = [
            score.outcome
            for i in range(0, len(requests), BATCH)
            for score in await client.score_batch(requests[i : i + BATCH])
        ]
    offered = offer["max_amount"]
    above = tuple(a for a, o in zip(amounts[1:], outcomes[1:], strict=True) if o == "granted")
    return ScanResult(
        client_id=client_id,
        offered=offered,
        offer_granted=None if offered is None else outcomes[0] == "granted",
        granted_above=above,
        scanned=len(amounts),
    )
