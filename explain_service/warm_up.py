"""Explaining the known population ahead of its requests, after each model swap.

A client's first request of the day would otherwise pay the whole SHAP cost (TreeSHAP, or a linear
model's transformation through its pipeline); computed here in the background, every client the
online store holds finds its explanation ready. The work runs in small batches on one thread
(LightGBM releases the GIL; a linear model's batch holds it a few milliseconds at a time), so
requests keep their core and their event loop; a row already in the store is not computed again.
The rows are read from the online store at warm-up time: an application pushed later has another
row, hence another key, and is explained on its first request.
"""

from __future__ import annotations

import asyncio
import logging
import time

import redis

from credit_features.errors import FeatureStoreUnavailableError, UnknownClientError
from credit_features.online import OnlineFeatures
from explain_service.explainer import ShapExplainer
from explain_service.responses import explanation_body
from serving_base.explanation_store import ExplanationStore, explanation_keys

log = logging.getLogger(__name__)
#: Rows per native call: small enough for LightGBM to use one thread (see native_trees), large
#: enough that the per-call overhead is negligible.
BATCH_ROWS = 16
#: What a busy box throws at a batch now and then: a Redis call past the store's 50 ms timeout (seen
#: with a linear model, whose pipeline holds the GIL, beside other processes on two cores).
TRANSIENT = (redis.RedisError, FeatureStoreUnavailableError, OSError)
#: A batch that meets one is tried again after a pause, this many times in all, before the warm-up stops
#: (unmarked: a population is marked explained only once every one of its answers is stored).
ATTEMPTS = 5
RETRY_PAUSE_SECONDS = 1.0


async def explain_population(
    explainer: ShapExplainer, online: OnlineFeatures, store: ExplanationStore, each_way: int
) -> None:
    """Store the explanation of every known client for the served version; never raises (logged)."""
    bundle = explainer.bundle
    started = time.perf_counter()
    try:
        await store.unmark_population(bundle)
        dropped = await store.drop_unserved_versions(bundle)
        clients = await online.known_clients()
        if clients is None:
            log.info("population not listable: explanations are computed on first request")
            return
        computed = 0
        for start in range(0, len(clients), BATCH_ROWS):
            computed += await _retried_batch(
                explainer, online, store, each_way, clients[start : start + BATCH_ROWS]
            )
        await store.mark_population(bundle, len(clients))
    except asyncio.CancelledError:
        log.info("population warm-up superseded", extra={"version": bundle.version})
        raise
    except TRANSIENT as error:
        log.warning(
            "population warm-up stopped", extra={"version": bundle.version, "error": type(error).__name__}
        )
        return
    log.info(
        "population explained",
        extra={
            "version": bundle.version,
            "clients": len(clients),
            "computed": computed,
            "dropped_unserved": dropped,
            "seconds": round(time.perf_counter() - started, 1),
        },
    )


async def _retried_batch(
    explainer: ShapExplainer,
    online: OnlineFeatures,
    store: ExplanationStore,
    each_way: int,
    clients: list[int],
) -> int:
    """`_explain_batch`, tried again after a pause when Redis fails it: one slow reply must not leave
    the rest of the population unexplained (nor end the warm-up unlogged)."""
    attempt = 1
    while True:
        try:
            return await _explain_batch(explainer, online, store, each_way, clients)
        except TRANSIENT as error:
            if attempt == ATTEMPTS:
                raise
            log.info("warm-up batch retried", extra={"attempt": attempt, "error": type(error).__name__})
            attempt += 1
            await asyncio.sleep(RETRY_PAUSE_SECONDS)


async def _explain_batch(
    explainer: ShapExplainer,
    online: OnlineFeatures,
    store: ExplanationStore,
    each_way: int,
    clients: list[int],
) -> int:
    """Explain the clients of one batch that the store lacks; how many were computed."""
    try:
        matrix = await online.matrix_async(clients, explainer.bundle.features)
    except UnknownClientError:  # removed since the listing: the others are explained on request
        return 0
    keys = explanation_keys(
        explainer.bundle.name, explainer.bundle.version, [each_way] * len(clients), matrix
    )
    todo = [i for i, absent in enumerate(await store.missing(keys)) if absent]
    if not todo:
        return 0
    explanations = await asyncio.to_thread(explainer.explain, matrix[todo])
    await store.write(
        {
            keys[i]: explanation_body(explainer, each_way, explanation)
            for i, explanation in zip(todo, explanations, strict=True)
        }
    )
    return len(todo)
