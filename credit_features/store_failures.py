"""One rule for every read and write of the online store on a request path: a failure is the store
being unavailable (FeatureStoreUnavailableError, which serving answers with 503 and Retry-After).

Not only RedisErrors: redis-py's cluster client raises its own exceptions (no slot map, a slot no
master serves), a socket raises OSError, and a connection torn down under a command during a failover
fails with whatever its half-closed stream raises. Feast's readers raise many kinds too. What a caller
acts on passes through unchanged: an unknown client (404), an unknown feature (a programming error).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from credit_features.errors import FeatureStoreUnavailableError, UnknownClientError, UnknownFeatureError

log = logging.getLogger(__name__)

_PASSED_THROUGH = (UnknownClientError, UnknownFeatureError, FeatureStoreUnavailableError)


@contextmanager
def unavailable_on_failure(store: str) -> Iterator[None]:
    """Turn any failure inside into FeatureStoreUnavailableError naming `store`, logged by type
    (an exception's message may quote the values that made it fail)."""
    try:
        yield
    except _PASSED_THROUGH:
        raise
    except Exception as error:
        log.warning("store call failed", extra={"store": store, "error": type(error).__name__})
        raise FeatureStoreUnavailableError(f"{store} unavailable: {type(error).__name__}") from error
