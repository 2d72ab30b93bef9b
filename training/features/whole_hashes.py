"""The first load of clients into Redis: each client's whole hash, every view at once, in one RESTORE.

Why: written view by view, a client's hash takes six HSETs of about 70 fields, and Redis looks each
field up in the hash before it sets it; in a listpack that is a walk over the fields already there.
That work, in Redis's one thread, bounds the per-view path (training.features.materialize). A client
without a hash needs no look-up: its hash is built here as the listpack Redis would hold after those
HSETs, in the same order (training.features.dump_payload), and sent as a DUMP payload. Redis checks
its CRC and keeps the blob (~15 us a client), or turns it into a hash table when its fields exceed
the server's hash-max-listpack-entries, as the HSETs would have.

Only clients without a hash are written: RESTORE without REPLACE refuses an existing key (BUSYKEY);
those clients are counted, and the caller writes them with the per-view path, whose "newer event time
wins" rule merges them. Keys, fields and values come from credit_features.redis_layout, as for the
per-view path.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import redis
from feast import FeatureStore, FeatureView
from rich.progress import Progress

from credit_features.redis_client import SyncRedis, masters, open_redis
from credit_features.redis_layout import (
    ENTITY,
    client_key_pattern,
    client_keys,
    encode_doubles,
    feature_field,
    timestamp_bytes,
    timestamp_field,
)
from training.features.dump_payload import (
    LISTPACK_END,
    LISTPACK_OVERHEAD,
    entry,
    hash_payload,
    listpack_header,
)
from training.features.latest_rows import (
    Window,
    duckdb_connection,
    identifier,
    latest_rows_sql,
    source_path,
    stream_batches,
)
from training.features.load_options import DUCKDB_MEMORY
from training.features.redis_pipeline import open_pipeline

log = logging.getLogger(__name__)

#: RESTORE's payload type for a hash as listpack exists from Redis 7.0 on.
FIRST_RESTORING_VERSION = (7, 0)
# One feature in the listpack: its field entry (a 4-byte name: 6 bytes; a name Redis stores as an
# integer: fewer, the rest dropped), then its value entry: 0x89, the 9-byte ValueProto, backlen 0x0A;
# a missing value (b"") is 0x80 0x01 and the cell's last 9 bytes are dropped.
_FIELD_BYTES, _CELL_BYTES = 6, 17
_VALUE_HEADER, _VALUE_BACKLEN = 0x89, 0x0A
_EMPTY_VALUE = np.frombuffer(entry(b""), dtype=np.uint8)
#: The longest value: an event time's Timestamp (a ValueProto is 9 bytes, a feature name 4).
_LONGEST_VALUE = len(timestamp_bytes(2**62))


@dataclass(frozen=True)
class LoadResult:
    """What a load wrote: clients read, hashes created, clients left to the per-view path (they had a
    hash), and per view the rows read and written."""

    clients: int
    written: int
    busy: int
    rows_per_view: dict[str, int]
    written_per_view: dict[str, int]
    seconds: float


def server_takes_whole_hashes(client: SyncRedis, views: Sequence[FeatureView]) -> bool:
    """Whether every master takes a hash as a listpack in RESTORE (Redis 7.0 or later) and keeps the
    views' longest field in a listpack as HSET would (hash-max-listpack-value; a server that hides
    its configuration gets the per-view path)."""
    return all(_takes_whole_hashes(server, views) for server in masters(client))


def _takes_whole_hashes(client: redis.Redis, views: Sequence[FeatureView]) -> bool:
    version = str(client.info("server")["redis_version"])
    if tuple(int(part) for part in version.split(".")[:2]) < FIRST_RESTORING_VERSION:
        return False
    try:
        limit = int(client.config_get("hash-max-listpack-value").get("hash-max-listpack-value", 0))
    except redis.ResponseError:  # CONFIG refused (a managed server)
        return False
    return limit >= max(_LONGEST_VALUE, *(len(timestamp_field(view.name)) for view in views))


def holds_no_client(client: SyncRedis, project: str) -> bool:
    """Whether the database holds no client hash of the project (stops at the first one found)."""
    return next(iter(client.scan_iter(match=client_key_pattern(project), count=10_000)), None) is None


class _ViewCells:
    """The listpack bytes of one view's fields, for a batch of clients at a time."""

    def __init__(self, view: FeatureView) -> None:
        names = [feature_field(view.name, f.name) for f in view.features]
        self.width = len(names)
        self.template = np.zeros((self.width, _CELL_BYTES), dtype=np.uint8)
        self.kept = np.zeros((self.width, _CELL_BYTES), dtype=bool)
        for row, name in enumerate(names):
            field = np.frombuffer(entry(name), dtype=np.uint8)
            if field.size > _FIELD_BYTES:
                raise ValueError(f"the hash field of {view.name} feature {row} is not a 4-byte name")
            self.template[row, : field.size] = field
            self.kept[row, : field.size] = True
        self.template[:, _FIELD_BYTES] = _VALUE_HEADER
        self.template[:, _CELL_BYTES - 1] = _VALUE_BACKLEN
        self.kept[:, _FIELD_BYTES:] = True
        self.ts_field = entry(timestamp_field(view.name))

    def encode(self, values: np.ndarray, present: np.ndarray) -> tuple[bytes, np.ndarray]:
        """The bytes of every present row's fields, one after the other, and where each row's end."""
        rows = values.shape[0]
        cells = np.empty((rows, self.width, _CELL_BYTES), dtype=np.uint8)
        cells[:] = self.template
        cells[:, :, _FIELD_BYTES + 1 : _CELL_BYTES - 1] = (
            encode_doubles(values).view(np.uint8).reshape(rows, self.width, 9)
        )
        missing = np.isnan(values)
        cells[missing, _FIELD_BYTES : _FIELD_BYTES + 2] = _EMPTY_VALUE
        keep = np.broadcast_to(self.kept, cells.shape).copy()
        keep[missing, _FIELD_BYTES + 2 :] = False
        keep[~present] = False
        return cells[keep].tobytes(), np.cumsum(keep.sum(axis=(1, 2)))


@functools.lru_cache(maxsize=65_536)
def _event_time_entry(micros: int) -> bytes:
    """The listpack entry of a view's event time (a client's views mostly share theirs)."""
    return entry(timestamp_bytes(micros))


def _restore_command(key: bytes, ttl_ms: int, payload: bytes) -> bytes:
    ttl = str(ttl_ms).encode()
    return b"*4\r\n$7\r\nRESTORE\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
        len(key),
        key,
        len(ttl),
        ttl,
        len(payload),
        payload,
    )


class _Encoder:
    """RESTORE commands of whole hashes from batches of the joined views' rows."""

    def __init__(self, project: str, views: Sequence[FeatureView], ttl_seconds: int | None) -> None:
        self.project = project
        self.views = [_ViewCells(view) for view in views]
        self.ttl_ms = int(ttl_seconds or 0) * 1000

    def commands(self, batch: pa.RecordBatch) -> tuple[list[bytes], list[bytes], np.ndarray]:
        """One RESTORE per row, its key, and which views each row holds (rows × views)."""
        keys = client_keys(self.project, batch.column(0).to_pylist())
        blocks, ends, micros, present = [], [], [], []
        column = 1
        for view in self.views:
            event = batch.column(column)
            present.append(pc.is_valid(event).to_numpy(zero_copy_only=False))
            micros.append(pc.fill_null(event, 0).to_numpy(zero_copy_only=False).tolist())
            values = np.column_stack(
                [
                    batch.column(i).to_numpy(zero_copy_only=False)
                    for i in range(column + 1, column + 1 + view.width)
                ]
            ).astype(np.float64, copy=False)
            body, row_ends = view.encode(values, present[-1])
            blocks.append(body)
            ends.append(row_ends.tolist())
            column += 1 + view.width
        held = np.column_stack(present)
        commands = []
        starts = [0] * len(self.views)
        for key, views_held, *row_micros in zip(keys, held.tolist(), *micros, strict=True):
            parts: list[bytes] = [b""]
            count = 0
            for number, view in enumerate(self.views):
                if not views_held[number]:
                    continue
                end = ends[number][len(commands)]
                parts += (view.ts_field, _event_time_entry(row_micros[number]))
                parts.append(blocks[number][starts[number] : end])
                starts[number] = end
                count += 2 * (view.width + 1)
            content = sum(map(len, parts))
            parts[0] = listpack_header(content, count)
            parts.append(LISTPACK_END)
            payload = hash_payload(parts, LISTPACK_OVERHEAD + content)
            commands.append(_restore_command(key, self.ttl_ms, payload))
        return commands, keys, held


def _joined_rows(
    views: Sequence[FeatureView], store: FeatureStore, window: Window, batch_size: int, memory_limit: str
) -> tuple[int, Iterator[pa.RecordBatch]]:
    """Clients count and stream of their latest rows of every view, side by side: the client id, then
    per view its event time (null: no row in the window) and its features."""
    connection = duckdb_connection(memory_limit)
    connection.execute("SET preserve_insertion_order = false")  # clients in any order: less to hold
    ctes, columns, joins, parameters = [], [], [], []
    for number, view in enumerate(views):
        select, bounds = latest_rows_sql(
            connection, view, source_path(store, view), window, f"latest_{number}"
        )
        ctes.append(f"v{number} AS ({select})")
        parameters += bounds
        columns.append(f'v{number}.__event_us AS "us_{number}"')
        columns += [
            f'v{number}.{identifier(f.name)} AS "f_{number}_{i}"' for i, f in enumerate(view.features)
        ]
        joins.append(f"LEFT JOIN v{number} ON v{number}.{ENTITY} = k.{ENTITY}")
    clients = " UNION ".join(f"SELECT {ENTITY} FROM latest_{number}" for number in range(len(views)))
    total = connection.execute(f"SELECT count(*) FROM ({clients})").fetchall()[0][0]  # type: ignore[index]
    query = (
        f"WITH {', '.join(ctes)} SELECT k.{ENTITY}, {', '.join(columns)} FROM ({clients}) k {' '.join(joins)}"
    )
    return total, stream_batches(connection, query, parameters, batch_size)


def _busy_rows(errors: list[Exception | None]) -> np.ndarray:
    """Mask of the clients refused because they already have a hash; any other error stops the load."""
    for error in errors:
        if error is not None and not str(error).startswith("BUSYKEY"):
            raise error
    return np.array([error is not None for error in errors], dtype=bool)


def load_whole_hashes(
    store: FeatureStore,
    views: Sequence[FeatureView],
    window: Window,
    progress: Progress | None,
    memory_limit: str = DUCKDB_MEMORY,
) -> LoadResult:
    """Create the hash of every client of the views' latest rows in the window that has none yet."""
    started = time.perf_counter()
    online = store.config.online_store
    client = open_redis(online.connection_string, online.redis_type.value)
    batch_size = store.config.materialization_config.online_write_batch_size or 10_000
    total, batches = _joined_rows(views, store, window, batch_size, memory_limit)
    encoder = _Encoder(store.project, views, online.key_ttl_seconds)
    task = progress.add_task("whole hashes", total=total) if progress else None
    read = np.zeros(len(views), dtype=np.int64)
    written = np.zeros(len(views), dtype=np.int64)
    clients = busy = 0
    sent = np.zeros((0, len(views)), dtype=bool)  # which views the clients awaiting a reply hold

    def settle() -> None:  # replies of what was sent: RESTOREs refused for a busy key wrote nothing
        nonlocal busy
        refused = _busy_rows(pipeline.read_errors(pipeline.pending))
        written[:] += sent[~refused].sum(axis=0)
        busy += int(refused.sum())

    pipeline = open_pipeline(client)
    failed = True
    try:
        for batch in batches:
            commands, keys, held = encoder.commands(batch)
            settle()  # the previous batch's, read while Redis applied them
            pipeline.send(commands, keys)
            sent = held
            clients += batch.num_rows
            read += held.sum(axis=0)
            if progress is not None and task is not None:
                progress.advance(task, batch.num_rows)
        settle()
        failed = False
    finally:
        pipeline.close(failed)
    result = LoadResult(
        clients=clients,
        written=clients - busy,
        busy=busy,
        rows_per_view={view.name: int(n) for view, n in zip(views, read, strict=True)},
        written_per_view={view.name: int(n) for view, n in zip(views, written, strict=True)},
        seconds=round(time.perf_counter() - started, 3),
    )
    log.info("whole hashes loaded", extra={"clients": clients, "busy": busy, "seconds": result.seconds})
    return result
