"""Running a coroutine from a test, whatever loop the test's thread already holds."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on a loop of its own in a thread of its own: the browser tests' session (Playwright's sync
    API) holds the main thread's loop for the rest of the run, and asyncio.run() refuses to start there."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
