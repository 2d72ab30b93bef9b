"""The online store's list of clients names each client once, whatever SCAN returns."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from credit_features.online import RedisFeatureReader
from credit_features.redis_layout import client_keys
from credit_features.settings import FeatureSettings
from tests.async_run import run_coroutine

pytestmark = pytest.mark.unit
PROJECT = "credit"


def test_a_key_scan_returns_twice_is_one_client() -> None:
    # given a SCAN that returns a key twice, as Redis may while its keyspace is resized
    reader = RedisFeatureReader(FeatureSettings(redis_connection_string="127.0.0.1:6379"), project=PROJECT)
    keys = client_keys(PROJECT, [3, 1, 2])

    async def scan_iter(match: bytes, count: int) -> AsyncIterator[bytes]:
        for key in (*keys, keys[0], b"another:shape"):
            yield key

    reader._async_client.scan_iter = scan_iter  # type: ignore[method-assign]
    # when the clients are listed, then each is there once, in order
    assert run_coroutine(reader.client_ids()) == [1, 2, 3]
