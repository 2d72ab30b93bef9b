"""A steady open-loop load of decisions and new applications, with events (a kill, a restart) at set
times: what the failover test and bench.cluster_failover hold against a gateway.

Each request is due at its time on a fixed schedule and runs as its own task, so a slow answer never
delays the next one; an event runs in a thread for the same reason.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

#: A new application with the five fields an application needs.
APPLICATION = {
    "AMT_INCOME_TOTAL": 90000.0,
    "AMT_CREDIT": 300000.0,
    "AMT_ANNUITY": 15000.0,
    "DAYS_BIRTH": -12000,
    "NAME_CONTRACT_TYPE": "Cash loans",
}


@dataclass(frozen=True)
class Answer:
    """One request: when it was due (s after the start), what it asked, its answer and its latency."""

    due: float
    kind: str
    client_id: int | None
    status: int
    retry_after: str | None
    body: dict[str, Any]
    seconds: float


async def steady_load(
    url: str,
    headers: dict[str, str],
    clients: list[int],
    *,
    seconds: float,
    events: dict[float, Callable[[], None]],
    per_second: int = 50,
) -> list[Answer]:
    """GET /score of `clients` in turn and POST /v1/applications, alternately, `per_second` in all."""
    period = 1.0 / per_second
    answers: list[Answer] = []

    async def one(client: httpx.AsyncClient, due: float, number: int) -> None:
        started = time.perf_counter()
        if number % 2:
            kind, client_id = "score", clients[number % len(clients)]
            reply = await client.get(f"/v1/clients/{client_id}/score")
        else:
            kind, client_id = "application", None
            reply = await client.post("/v1/applications", json=APPLICATION)
        body = reply.json() if reply.headers.get("content-type", "").startswith("application/json") else {}
        retry_after = reply.headers.get("Retry-After")
        answers.append(
            Answer(due, kind, client_id, reply.status_code, retry_after, body, time.perf_counter() - started)
        )

    pending = sorted(events.items())
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client:
        start = time.monotonic()
        tasks = []
        for number in range(int(seconds * per_second)):
            due = number * period
            while pending and pending[0][0] <= due:
                tasks.append(asyncio.create_task(asyncio.to_thread(pending.pop(0)[1])))
            await asyncio.sleep(max(0.0, start + due - time.monotonic()))
            tasks.append(asyncio.create_task(one(client, due, number)))
        await asyncio.gather(*tasks)
    return answers
