"""The pipeline's load of the online store: exactly the clients of the feature tables, every one of them.

Why not `materialize-incremental`: a view never materialized starts at now - ttl (ten years here),
so applications older than that are silently left out — real Kaggle files get 2016-2018 application
times (training.data.timestamps), and 623 of 3,498 real clients were never served once the clock
passed 2026-08. After a switch of raw data, incremental would also start after the previous load
and write nothing, and Feast's "newer event time wins" rule would keep the other data's values
for a client id both hold. So the pipeline clears the project's clients from the online store and
materializes the whole span of the feature tables' event times, whatever it is; the scheduled job
(`python -m training materialize`) stays incremental from the end recorded here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
from feast import FeatureStore

from credit_features.application import quote
from credit_features.backend import OnlineBackend, online_backend
from credit_features.redis_client import SyncRedis, open_redis
from credit_features.redis_layout import client_id_of, client_key_pattern
from credit_features.settings import FeatureSettings
from credit_features.store import feast_cli, get_store
from training.features.latest_rows import source_path
from training.features.load_options import DEFAULT_LOAD, OnlineLoadOptions
from training.features.materialize import materialize, online_views

log = logging.getLogger(__name__)

_SCAN_COUNT = 10_000


@dataclass(frozen=True)
class ReloadResult:
    """What the online store holds after the load (the pipeline keeps it as the step's summary).

    `cleared` and `clients` are counted in Redis; with another online store they are -1 (not counted).
    """

    start: str
    end: str
    cleared: int
    clients: int
    applications: int
    seconds: float
    backend: str


def event_span(store: FeatureStore) -> tuple[datetime, datetime, int]:
    """(first, last) event time over the online views' tables, to the second, and the clients they hold."""
    tables = ", ".join(quote(source_path(store, view)) for view in online_views(store))
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'; SET enable_progress_bar = false")
        first, last, clients = con.execute(
            f"SELECT min(event_timestamp), max(event_timestamp), count(DISTINCT SK_ID_CURR) "
            f"FROM read_parquet([{tables}], union_by_name = true)"
        ).fetchone() or (None, None, 0)
    if first is None or last is None:
        raise ValueError(f"the feature tables {tables} hold no rows: nothing to serve")
    first = first.astimezone(UTC).replace(microsecond=0)
    last = last.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)  # the CLI's resolution
    return first, last, int(clients)


def redis_clients(client: SyncRedis, project: str) -> list[bytes]:
    """Every client key of the project in the Redis database (on every master of a cluster)."""
    keys = client.scan_iter(match=client_key_pattern(project), count=_SCAN_COUNT)
    return [key for key in keys if client_id_of(key, project) is not None]


def _redis(store: FeatureStore) -> SyncRedis:
    online = store.config.online_store
    return open_redis(online.connection_string, online.redis_type.value)


def _clear_redis(store: FeatureStore) -> int:
    client = _redis(store)
    keys = redis_clients(client, store.project)
    for start in range(0, len(keys), _SCAN_COUNT):  # a cluster client splits the keys per slot
        client.unlink(*keys[start : start + _SCAN_COUNT])
    return len(keys)


def _clear_other(store: FeatureStore) -> int:
    """Any other online store: Feast's own teardown of the views' tables, then their re-creation."""
    views = online_views(store)
    entities = store.list_entities()
    online = store._get_provider().online_store  # Feast offers no public handle on it
    online.teardown(store.config, views, entities)
    online.update(store.config, [], views, [], entities, partial=False)
    return -1


def reload_online(
    settings: FeatureSettings,
    backend: OnlineBackend | None = None,
    load: OnlineLoadOptions = DEFAULT_LOAD,
) -> ReloadResult:
    """Replace the online store's clients (the one `settings` name) with every client of the feature
    tables (after `apply`)."""
    started = time.perf_counter()
    backend = backend or online_backend(settings)
    store = get_store(settings, backend)
    first, last, applications = event_span(store)
    end = max(last, datetime.now(tz=UTC).replace(microsecond=0))
    fast = backend == "redis" and load.fast
    cleared = _clear_redis(store) if backend == "redis" else _clear_other(store)
    if fast:
        materialize(store, first, end, memory_limit=load.duckdb_memory)
    else:
        feast_cli("materialize", _cli_time(first), _cli_time(end), settings=settings, backend=backend)
    # Counted in Redis itself; another store has no cheap count of its keys (-1: not counted).
    clients = len(redis_clients(_redis(store), store.project)) if backend == "redis" else -1
    result = ReloadResult(
        first.isoformat(),
        end.isoformat(),
        cleared,
        clients,
        applications,
        round(time.perf_counter() - started, 3),
        backend,
    )
    log.info("online store reloaded", extra=result.__dict__)
    if clients not in (-1, applications):
        log.warning("online store misses clients", extra={"clients": clients, "applications": applications})
    return result


def _cli_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
