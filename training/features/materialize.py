"""Fast materialization of the Float64 feature views into Feast's Redis online store.

Why: `feast materialize-incremental` converts every value to a protobuf object one at a time, then
redis-py packs every hash field one at a time; at full scale (356k clients x 423 features) that is
hours of pure-Python work. This module writes exactly what Feast's Redis online store writes (same
keys, hash fields, ValueProto bytes and `_ts:<view>` Timestamp, same "newer event time wins" rule,
same registry bookkeeping), so `FeatureStore.get_online_features`, the feature server and
`feast materialize-incremental` keep working on it unchanged; only the encoding is vectorised:

- the latest row per entity in the window comes from DuckDB over the view's Parquet table, streamed
  in record batches of `materialization.online_write_batch_size` rows (bounded memory);
- a Float64 ValueProto is `double_val` (field 5, wire type 1): tag byte 0x29 and 8 little-endian
  bytes; a missing value (Arrow null or NaN, as Feast maps both to an unset ValueProto) is b"";
- the Redis protocol of each batch of HSET commands is built by numpy and sent as one pipeline
  through redis-py's connection (redis-py's own packer costs ~1 us per argument: 300M arguments at
  full scale).

Keys, field names, values and timestamps come from the one codec of the layout
(credit_features.redis_layout), which the online readers decode with; tests compare its bytes with
Feast's own writes. Views this path cannot write byte-for-byte (non-Float64 features, another entity,
field mappings, versioned views, Redis Cluster/Sentinel) go through Feast's own materialization.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
from feast import FeatureStore, FeatureView
from feast.feature_view import FeatureViewState
from feast.value_type import ValueType
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from credit_features.backend import OnlineBackend, online_backend
from credit_features.redis_client import open_redis
from credit_features.redis_layout import (
    ENTITY,
    client_keys,
    encode_doubles,
    feature_field,
    timestamp_bytes,
    timestamp_field,
    timestamp_nanos,
)
from credit_features.settings import FeatureSettings
from credit_features.store import feast_cli, get_store
from training.features.latest_rows import (
    Window,
    duckdb_connection,
    latest_rows_sql,
    source_path,
    stream_batches,
)
from training.features.load_options import DEFAULT_LOAD, DUCKDB_MEMORY, OnlineLoadOptions
from training.features.redis_pipeline import open_pipeline
from training.features.whole_hashes import holds_no_client, load_whole_hashes, server_takes_whole_hashes

log = logging.getLogger(__name__)

# One hash field in the Redis protocol: $4\r\n<mmh3>\r\n$9\r\n<ValueProto>\r\n (25 bytes), or for
# a missing value $4\r\n<mmh3>\r\n$0\r\n\r\n (16 bytes: the first 16 with an empty bulk string).
_CELL_BYTES, _NULL_CELL_BYTES = 25, 16


@dataclass(frozen=True)
class ViewResult:
    """What one feature view's materialization wrote."""

    view: str
    start: str
    end: str
    rows: int
    written: int
    seconds: float
    path: str  # "fast", "feast", "whole hashes", or "whole hashes, fast" (some clients merged per view)


@dataclass(frozen=True)
class MaterializeResult:
    """Totals of a materialization (the pipeline records the scalar fields as its step summary)."""

    rows: int
    written: int
    seconds: float
    rows_per_second: float
    views: list[ViewResult] = field(default_factory=list)


def _bulk(payload: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(payload), payload)


class _HashEncoder:
    """Builds the Redis protocol of HSET commands for one view (field names fixed per view)."""

    def __init__(self, view_name: str, features: Sequence[str]) -> None:
        self.ts_field = timestamp_field(view_name)
        template = np.zeros((len(features), _CELL_BYTES), dtype=np.uint8)
        for row, name in enumerate(features):
            hashed = feature_field(view_name, name)
            template[row, :14] = np.frombuffer(b"$4\r\n" + hashed + b"\r\n$9\r\n", dtype=np.uint8)
            template[row, 23:25] = np.frombuffer(b"\r\n", dtype=np.uint8)
        self.template = template
        self.null_tail = np.frombuffer(b"$0\r\n\r\n", dtype=np.uint8)
        self.header = b"*%d\r\n$4\r\nHSET\r\n" % (2 + 2 * (len(features) + 1))

    def commands(self, keys: Sequence[bytes], micros: np.ndarray, values: np.ndarray) -> list[bytes]:
        """One HSET per row: the `_ts:<view>` field, then every feature (missing ones as b"")."""
        rows, width = values.shape
        cells = np.empty((rows, width, _CELL_BYTES), dtype=np.uint8)
        cells[:] = self.template
        cells[:, :, 14:23] = encode_doubles(values).view(np.uint8).reshape(rows, width, 9)
        missing = np.isnan(values)
        cells[missing, 10:16] = self.null_tail
        keep = np.ones(cells.shape, dtype=bool)
        keep[missing, _NULL_CELL_BYTES:] = False
        body = cells[keep].tobytes()
        ends = np.cumsum(_CELL_BYTES * width - (_CELL_BYTES - _NULL_CELL_BYTES) * missing.sum(axis=1))
        starts = np.concatenate(([0], ends[:-1]))
        ts_field = _bulk(self.ts_field)
        return [
            b"".join((self.header, _bulk(key), ts_field, _bulk(timestamp_bytes(us)), body[start:end]))
            for key, us, start, end in zip(keys, micros.tolist(), starts.tolist(), ends.tolist(), strict=True)
        ]


def _fast_path_reason(store: FeatureStore, view: FeatureView) -> str | None:
    """Why this view cannot take the fast path (None when it can): the codec writes one layout only."""
    online = store.config.online_store
    source = view.batch_source
    entities = [(e.name, e.dtype.to_value_type()) for e in view.entity_columns]
    checks = {
        "online store is not Redis": getattr(online, "type", None) != "redis",
        "batch source is not a Parquet FileSource": source is None or type(source).__name__ != "FileSource",
        "batch source has a field mapping": bool(source is not None and source.field_mapping),
        f"entity is not the int64 {ENTITY}": entities != [(ENTITY, ValueType.INT64)],
        "online feature view versioning is on": store.config.registry.enable_online_feature_view_versioning,
        "entity keys are not serialized with version 3": store.config.entity_key_serialization_version != 3,
        "view has non-Float64 features": any(
            f.dtype.to_value_type() != ValueType.DOUBLE for f in view.features
        ),
    }
    return next((reason for reason, failed in checks.items() if failed), None)


def _latest_rows(
    view: FeatureView, path: str, window: Window, batch_size: int, memory_limit: str
) -> tuple[int, Iterator[pa.RecordBatch]]:
    """Rows count and stream of the view's latest row per entity in the window."""
    connection = duckdb_connection(memory_limit)
    select, parameters = latest_rows_sql(connection, view, path, window, "latest")
    total = connection.execute("SELECT count(*) FROM latest").fetchall()[0][0]  # type: ignore[index]
    return total, stream_batches(connection, select, parameters, batch_size)


def _newer_only(keys: list[bytes], micros: np.ndarray, stored: list[list[bytes | None]]) -> np.ndarray:
    """Mask of rows to write: Feast's rule, an event time strictly newer than the stored one and than
    any earlier row of the batch for the same key (else an older row would overwrite a newer one)."""
    keep = np.ones(len(keys), dtype=bool)
    latest: dict[bytes, int] = {}
    for row, (key, previous) in enumerate(zip(keys, stored, strict=True)):
        new = int(micros[row]) * 1000
        seen = latest.get(key, 0)
        if previous and previous[0]:
            seen = max(seen, timestamp_nanos(previous[0]))
        if seen and new <= seen:
            keep[row] = False
        else:
            latest[key] = new
    return keep


def _write_view(
    store: FeatureStore, view: FeatureView, window: Window, progress: Progress | None, memory_limit: str
) -> ViewResult:
    """Stream the view's latest rows into Redis, one pipelined batch at a time."""
    started = time.perf_counter()
    online = store.config.online_store
    client = open_redis(online.connection_string, online.redis_type.value)
    batch_size = store.config.materialization_config.online_write_batch_size or 10_000
    total, batches = _latest_rows(view, source_path(store, view), window, batch_size, memory_limit)
    encoder = _HashEncoder(view.name, [f.name for f in view.features])
    ttl = online.key_ttl_seconds
    task = progress.add_task(view.name, total=total) if progress else None
    rows = written = 0
    n_keys = len(view.entity_columns)
    pipeline = open_pipeline(client)
    failed = True
    try:
        for batch in batches:
            keys = client_keys(store.project, batch.column(0).to_pylist())
            if not online.skip_dedup:  # asked now, answered after the previous batch's writes
                pipeline.send([pipeline.pack("HMGET", key, encoder.ts_field) for key in keys], keys)
            micros = batch.column(n_keys).to_numpy(zero_copy_only=False).astype(np.int64)
            values = np.column_stack(
                [batch.column(i).to_numpy(zero_copy_only=False) for i in range(n_keys + 1, batch.num_columns)]
            ).astype(np.float64, copy=False)
            commands = encoder.commands(keys, micros, values)
            if not online.skip_dedup:
                pipeline.read(pipeline.pending - len(keys))  # the previous batch's writes
                keep = _newer_only(keys, micros, pipeline.read(len(keys)))  # type: ignore[arg-type]
                if not keep.all():
                    keys = [k for k, kept in zip(keys, keep, strict=True) if kept]
                    commands = [c for c, kept in zip(commands, keep, strict=True) if kept]
            if ttl:
                commands += [pipeline.pack("EXPIRE", key, ttl) for key in keys]
            pipeline.send(commands, keys + keys if ttl else keys)
            rows += batch.num_rows
            written += len(keys)
            if progress is not None and task is not None:
                progress.advance(task, batch.num_rows)
        failed = False
    finally:
        pipeline.close(failed)
    seconds = time.perf_counter() - started
    return ViewResult(
        view.name, window.start.isoformat(), window.end.isoformat(), rows, written, round(seconds, 3), "fast"
    )


def _feast_view(store: FeatureStore, view: FeatureView, window: Window) -> ViewResult:
    """Feast's own materialization of one view (records its interval in the registry itself)."""
    started = time.perf_counter()
    store.materialize(window.start, window.end, feature_views=[view.name])
    seconds = time.perf_counter() - started
    return ViewResult(
        view.name, window.start.isoformat(), window.end.isoformat(), -1, -1, round(seconds, 3), "feast"
    )


@contextmanager
def _registry_bookkeeping(
    store: FeatureStore, views: Sequence[FeatureView], window: Window
) -> Iterator[None]:
    """Feast's registry bookkeeping around a write: each view MATERIALIZING while it runs (its previous
    state back if the write fails), then the window recorded as materialized."""
    previous = {view.name: getattr(view, "state", FeatureViewState.STATE_UNSPECIFIED) for view in views}
    idle = (FeatureViewState.STATE_UNSPECIFIED, FeatureViewState.MATERIALIZING)
    for view in views:
        state = previous[view.name]
        if state not in idle and state.can_transition_to(FeatureViewState.MATERIALIZING):
            view.state = FeatureViewState.MATERIALIZING
            store.registry.apply_feature_view(view, store.project, commit=True)
    try:
        yield
    except Exception:
        for view in views:
            if previous[view.name] not in (FeatureViewState.STATE_UNSPECIFIED, view.state):
                view.state = previous[view.name]
                store.registry.apply_feature_view(view, store.project, commit=True)
        raise
    for view in views:
        store.registry.apply_materialization(view, store.project, window.start, window.end)


def _materialize_one(
    store: FeatureStore, view: FeatureView, window: Window, progress: Progress | None, memory_limit: str
) -> ViewResult:
    """One view: fast path with Feast's registry bookkeeping (state, interval), or Feast's path."""
    reason = _fast_path_reason(store, view)
    if reason:
        log.warning("view takes Feast's own path", extra={"view": view.name, "reason": reason})
        return _feast_view(store, view, window)
    with _registry_bookkeeping(store, [view], window):
        result = _write_view(store, view, window, progress, memory_limit)
    log.info("view materialized", extra=result.__dict__)
    return result


def _takes_whole_hashes(store: FeatureStore, windows: list[tuple[FeatureView, Window]]) -> bool:
    """Whether the views go to Redis as whole hashes (training.features.whole_hashes): every view takes
    the fast path over one window, the server restores listpacks and holds no client of the project
    yet (a first load, or the pipeline's reload after clearing them)."""
    if not windows or len({window for _, window in windows}) > 1:
        return False
    if any(_fast_path_reason(store, view) for view, _ in windows):
        return False
    online = store.config.online_store
    client = open_redis(online.connection_string, online.redis_type.value)
    views = [view for view, _ in windows]
    return server_takes_whole_hashes(client, views) and holds_no_client(client, store.project)


def _load_whole_hashes(
    store: FeatureStore,
    views: list[FeatureView],
    window: Window,
    progress: Progress | None,
    memory_limit: str,
) -> list[ViewResult]:
    """Every client's whole hash; clients that got a hash meanwhile then take the per-view path."""
    with _registry_bookkeeping(store, views, window):
        loaded = load_whole_hashes(store, views, window, progress, memory_limit)
    results = [
        ViewResult(
            view.name,
            window.start.isoformat(),
            window.end.isoformat(),
            loaded.rows_per_view[view.name],
            loaded.written_per_view[view.name],
            loaded.seconds,
            "whole hashes",
        )
        for view in views
    ]
    if loaded.busy:
        log.warning("clients already had a hash: per-view path for them", extra={"clients": loaded.busy})
        merged = [_materialize_one(store, view, window, progress, memory_limit) for view in views]
        results = [
            ViewResult(
                r.view,
                r.start,
                r.end,
                r.rows,
                r.written + m.written,
                r.seconds + m.seconds,
                r.path + ", fast",
            )
            for r, m in zip(results, merged, strict=True)
        ]
    return results


def online_views(store: FeatureStore, names: Sequence[str] | None = None) -> list[FeatureView]:
    """The registry's online feature views (all, or those named)."""
    views = [v for v in store.registry.list_feature_views(store.project, allow_cache=False) if v.online]
    if names is not None:
        views = [v for v in views if v.name in set(names)]
    return views


def _run(
    store: FeatureStore, windows: list[tuple[FeatureView, Window]], show_progress: bool, memory_limit: str
) -> MaterializeResult:
    started = time.perf_counter()
    console = Console(stderr=True)
    columns = (TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not show_progress) as progress:
        shown = progress if show_progress else None
        if _takes_whole_hashes(store, windows):
            views = [view for view, _ in windows]
            results = _load_whole_hashes(store, views, windows[0][1], shown, memory_limit)
        else:
            results = [_materialize_one(store, view, window, shown, memory_limit) for view, window in windows]
    seconds = time.perf_counter() - started
    rows = sum(max(r.rows, 0) for r in results)
    summary = MaterializeResult(
        rows=rows,
        written=sum(max(r.written, 0) for r in results),
        seconds=round(seconds, 3),
        rows_per_second=round(rows / seconds, 1) if seconds > 0 else 0.0,
        views=results,
    )
    if show_progress:
        table = Table("view", "path", "rows", "written", "seconds", "rows/s", title="materialize")
        for r in results:
            table.add_row(
                r.view,
                r.path,
                str(r.rows),
                str(r.written),
                f"{r.seconds:.1f}",
                f"{r.rows / r.seconds:,.0f}" if r.seconds > 0 and r.rows > 0 else "-",
            )
        table.add_row(
            "total",
            "",
            str(summary.rows),
            str(summary.written),
            f"{summary.seconds:.1f}",
            f"{summary.rows_per_second:,.0f}",
        )
        console.print(table)
    log.info(
        "materialization done",
        extra={k: v for k, v in summary.__dict__.items() if k != "views"},
    )
    return summary


def materialize(
    store: FeatureStore,
    start: datetime,
    end: datetime,
    *,
    views: Sequence[str] | None = None,
    show_progress: bool = True,
    memory_limit: str = DUCKDB_MEMORY,
) -> MaterializeResult:
    """Like `FeatureStore.materialize(start, end)`: every online view's latest rows in [start, end]."""
    window = Window(_aware(start), _aware(end))
    return _run(store, [(v, window) for v in online_views(store, views)], show_progress, memory_limit)


def materialize_incremental(
    store: FeatureStore,
    end: datetime,
    *,
    views: Sequence[str] | None = None,
    show_progress: bool = True,
    memory_limit: str = DUCKDB_MEMORY,
) -> MaterializeResult:
    """Like `feast materialize-incremental end`: each view from its last materialized end time (or
    now - ttl the first time) to `end`, so the two paths can take turns on the same registry."""
    end = _aware(end)
    windows = []
    for view in online_views(store, views):
        start = view.most_recent_end_time
        if start is None:
            if not view.ttl or view.ttl.total_seconds() <= 0:
                raise ValueError(f"view {view.name} has no ttl and was never materialized: no start time")
            start = datetime.now(tz=UTC) - view.ttl
        windows.append((view, Window(_aware(start), end)))
    return _run(store, windows, show_progress, memory_limit)


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are UTC, as Feast reads them."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def materialize_online(
    settings: FeatureSettings,
    end: datetime | None = None,
    backend: OnlineBackend | None = None,
    load: OnlineLoadOptions = DEFAULT_LOAD,
) -> MaterializeResult | None:
    """Move the latest feature values up to `end` into the online store (`materialize-incremental`)
    that `settings` name (the command line reads them: a job reads no environment).

    Redis takes the vectorised path (same bytes as Feast, many times faster); SQLite, or
    `load.fast` false, runs the real `feast materialize-incremental` CLI.
    """
    end = (end or datetime.now(tz=UTC)).replace(microsecond=0)  # the CLI's resolution: same intervals
    backend = backend or online_backend(settings)
    if backend == "redis" and load.fast:
        return materialize_incremental(get_store(settings, backend), end, memory_limit=load.duckdb_memory)
    feast_cli(
        "materialize-incremental", end.strftime("%Y-%m-%dT%H:%M:%S"), settings=settings, backend=backend
    )
    return None
