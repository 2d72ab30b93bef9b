"""A burst of new applications over real HTTP: admitted or queued, and past the intake, an honest "busy"."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from .conftest import SERVICE_KEY, Service, run_coroutine, start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SERVICE = {"X-API-Key": SERVICE_KEY}
APPLICATION = {
    "AMT_INCOME_TOTAL": 150_000.0,
    "AMT_CREDIT": 600_000.0,
    "AMT_ANNUITY": 30_000.0,
    "DAYS_BIRTH": -14_000,
    "NAME_CONTRACT_TYPE": "Cash loans",
}


async def _burst(url: str, size: int) -> list[httpx.Response]:
    """`size` applications sent at once, each on its own connection, as separate callers would."""
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, headers=SERVICE, timeout=60, limits=limits) as client:
        return list(
            await asyncio.gather(
                *(
                    client.post("/v1/applications", json={**APPLICATION, "EXT_SOURCE_2": i / size})
                    for i in range(size)
                )
            )
        )


def test_a_burst_of_100_applications_is_100_created_with_distinct_ids(gateway_server: Service) -> None:
    replies = run_coroutine(_burst(gateway_server.url, 100))
    statuses = [reply.status_code for reply in replies]
    assert statuses == [201] * 100, (
        f"statuses {sorted(set(statuses))}: {replies[statuses.index(max(statuses))].text}"
    )
    ids = {reply.json()["client_id"] for reply in replies}
    assert len(ids) == 100, "each application its own id"


def test_past_the_intake_a_burst_hears_busy_with_retry_after_never_store_unavailable(
    scoring_server: Service, explain_server: Service, tmp_path: Path
) -> None:
    # given a gateway taking one application at a time with two more waiting
    gateway = start_gateway(
        tmp_path,
        scoring_server.target,
        explain_server.target,
        GATEWAY_INTAKE_CONCURRENCY="1",
        GATEWAY_INTAKE_QUEUE="2",
    )
    try:
        gateway.wait_ready()
        # when 20 arrive at once
        replies = run_coroutine(_burst(gateway.url, 20))
    finally:
        gateway.stop()
    created = [reply for reply in replies if reply.status_code == 201]
    busy = [reply for reply in replies if reply.status_code != 201]
    # then the slot and the queue are served, and every other caller is told to retry: busy, not broken
    assert len(created) >= 3, "one in work and two waiting are admitted"
    assert busy, "past the queue, applications are refused"
    assert {reply.status_code for reply in busy} == {503}, [reply.text for reply in busy[:3]]
    assert all(reply.headers.get("Retry-After") == "1" for reply in busy), "each says when to retry"
    assert all("busy" in reply.json()["detail"] for reply in busy), busy[0].text
    assert not any("store" in reply.text for reply in busy), "never a false 'store unavailable'"
