"""New applications in Redis: the bytes Feast's online write gives, ids never given twice, no overwrite."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pytest
import redis

from credit_common.client_ids import FIRST_ALLOCATED_ID, MAX_CLIENT_ID
from credit_features.application import application_row
from credit_features.backend import project_name
from credit_features.catalog import feature_catalog
from credit_features.redis_layout import client_keys, connection_options
from credit_features.settings import FeatureSettings
from credit_features.store import get_store
from gateway.intake.application_store import APPLICATION_VIEW, RECORD_FIELD, ApplicationStore, feature_hash

pytestmark = pytest.mark.integration
T = TypeVar("T")
RAW = {
    "AMT_INCOME_TOTAL": 120_000.0,
    "AMT_CREDIT": 450_000.0,
    "AMT_ANNUITY": 22_500.0,
    "DAYS_BIRTH": -12_000,
    "NAME_CONTRACT_TYPE": "Cash loans",
    "DAYS_EMPLOYED": 365243,
}


def run(make: Callable[[ApplicationStore], Awaitable[T]]) -> T:
    """Run a coroutine on a store of its own, in a thread of its own (other libraries hold a loop)."""

    async def body() -> T:
        store = ApplicationStore.open(FeatureSettings())
        try:
            return await make(store)
        finally:
            await store.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, body()).result()


def _redis() -> redis.Redis:
    return redis.Redis(**connection_options(FeatureSettings().redis_connection_string))  # type: ignore[arg-type]


def test_an_application_is_written_as_feast_writes_it(features_platform) -> None:
    # given one application's features, written by Feast for one client and added by the store for another
    moment = datetime(2026, 11, 30, 8, 15, 30, 123456, tzinfo=UTC)
    pushed_id, added_id = 990_000_001, 990_000_002
    features = application_row(RAW)
    row = pd.DataFrame(
        [{"SK_ID_CURR": pushed_id, "event_timestamp": moment, "created_timestamp": moment, **features}]
    )
    get_store(FeatureSettings()).write_to_online_store(APPLICATION_VIEW, row)
    names = [spec.name for spec in feature_catalog()[APPLICATION_VIEW]]
    values = np.array([features[name] for name in names])
    micros = int(moment.timestamp()) * 1_000_000 + moment.microsecond
    added = run(
        lambda store: store.add(
            added_id, {**RAW, "SK_ID_CURR": added_id}, feature_hash(names, values, micros)
        )
    )
    # then both clients' hashes hold the same fields and bytes
    assert added, "a new client is written"
    assert np.isnan(values).any(), "missing values are part of the comparison"
    pushed_key, added_key = client_keys(project_name(), [pushed_id, added_id])
    client = _redis()
    added_hash = client.hgetall(added_key)
    raw = json.loads(added_hash.pop(RECORD_FIELD))
    assert added_hash == client.hgetall(pushed_key), "the same bytes as Feast's write"
    assert raw == {**RAW, "SK_ID_CURR": added_id}, "and the raw fields beside them, in the same key"


def test_an_existing_client_is_never_overwritten(features_platform) -> None:
    client_id = 990_000_003
    fields = feature_hash(["APP_AGE_YEARS"], np.array([30.0]), 0)

    async def twice(store: ApplicationStore) -> tuple[bool, bool, dict[str, Any] | None]:
        first = await store.add(client_id, {**RAW, "AMT_CREDIT": 1.0}, fields)
        second = await store.add(client_id, {**RAW, "AMT_CREDIT": 2.0}, fields)
        return first, second, await store.get(client_id)

    first, second, kept = run(twice)
    assert (first, second) == (True, False), "the second write of the same client is refused"
    assert kept is not None, "the first application is kept"
    assert kept["AMT_CREDIT"] == 1.0, "and left as it was"


def test_ids_are_drawn_in_their_own_range_above_the_floor_and_never_twice(features_platform) -> None:
    async def draw(store: ApplicationStore) -> list[int]:
        return list(await asyncio.gather(*(store.allocate_id(floor=5_000_000) for _ in range(50))))

    ids = run(draw)
    assert len(set(ids)) == 50, "50 concurrent draws, 50 ids"
    assert min(ids) >= FIRST_ALLOCATED_ID, "above every id a caller may post, whatever the floor"
    assert max(ids) <= MAX_CLIENT_ID
    assert run(lambda store: store.allocate_id(floor=10)) > max(ids), "a lower floor never moves back"
    above = max(ids) + 1_000
    assert run(lambda store: store.allocate_id(floor=above)) == above + 1, "above the tables' largest id"


def test_the_search_lists_written_applications_only_in_id_order_up_to_its_limit(features_platform) -> None:
    # given five applications posted under one prefix, and an id indexed whose write was refused
    # (the client exists: the search's index is written before the client, and may point at nothing)
    prefix = "99100000"
    posted = [int(f"{prefix}{n}") for n in (5, 1, 3, 2, 4)]
    fields = feature_hash(["APP_AGE_YEARS"], np.array([30.0]), 0)

    async def post(store: ApplicationStore) -> tuple[list[bool], list[list[Any]], dict[str, Any] | None]:
        written = [await store.add(i, {**RAW, "SK_ID_CURR": i}, fields) for i in posted]
        refused = await store.add(posted[0], {**RAW, "SK_ID_CURR": posted[0], "AMT_CREDIT": 9.0}, fields)
        pages = [[row["SK_ID_CURR"] for row in await store.search(prefix, limit)] for limit in (2, 10)]
        return [*written, refused], pages, await store.get(int(f"{prefix}9"))

    written, (first_two, every), never_posted = run(post)
    # then the refused write changed nothing, and the search pages through the index in id order
    assert written == [True] * 5 + [False]
    assert first_two == sorted(posted)[:2], "the limit holds"
    assert every == sorted(posted), "each written application once, in the order of their ids"
    assert never_posted is None
