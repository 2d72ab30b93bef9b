"""Redis clients for request paths: every call bounded by a timeout, and never retried.

redis-py retries a failed call three times with exponential backoff by default, and waits for a
stalled server as long as the socket allows: a stalled Redis then holds a request for seconds, past
the caller's own deadline. On a request path a slow answer is as useless as none, so each client here
gives up after its timeout and reports the failure at once; the caller answers 503 (or, for a cache,
treats it as a miss). Timeouts in Feast's connection string (`socket_timeout=...`) still win, so an
operator can loosen them.
"""

from __future__ import annotations

import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

from credit_features.redis_layout import connection_options
from credit_features.settings import FeatureSettings

#: What one online-store read or write may take on a request path: well inside the gateway's
#: budget for a decision (Explain 0.3 s, then Score 0.5 s), far above a healthy Redis (≤ 1 ms).
REQUEST_TIMEOUT_SECONDS = 0.25


def _options(settings: FeatureSettings, timeout: float) -> dict[str, object]:
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), retries=0),
        **connection_options(settings.redis_connection_string),
    }


def bounded_redis(settings: FeatureSettings, timeout: float = REQUEST_TIMEOUT_SECONDS) -> redis.Redis:
    """A blocking client whose calls fail after `timeout` seconds, without retry."""
    return redis.Redis(**_options(settings, timeout))  # type: ignore[arg-type]


def bounded_async_redis(
    settings: FeatureSettings, timeout: float = REQUEST_TIMEOUT_SECONDS
) -> redis.asyncio.Redis:
    """An asyncio client whose calls fail after `timeout` seconds, without retry."""
    return redis.asyncio.Redis(**_options(settings, timeout))  # type: ignore[arg-type]
