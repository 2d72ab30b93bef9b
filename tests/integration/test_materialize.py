"""The fast Redis materialization writes byte for byte what Feast's own Redis online store writes.

Feast's materialize and ours run on copies of the session platform's registry, each into its own
Redis database (not the session's db 15), so the platform the other tests read is left untouched.
"""

from __future__ import annotations

import math
import os
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import redis
from feast import FeatureStore
from feast.protos.feast.types.Value_pb2 import Value as ValueProto
from feast.type_map import python_values_to_proto_values
from feast.value_type import ValueType
from google.protobuf.timestamp_pb2 import Timestamp

from credit_features.backend import FEATURE_REPO, FEATURE_SERVICE
from credit_features.catalog import VIEWS
from credit_features.redis_layout import client_keys, timestamp_bytes, value_protos
from training.features import materialize as fast
from training.features.latest_rows import Window
from training.features.whole_hashes import load_whole_hashes

pytestmark = pytest.mark.integration

FEAST_DB, FAST_DB = (int(i) for i in os.environ.get("MATERIALIZE_TEST_DBS", "13,14").split(","))
# Every view is compared byte for byte with Feast's own writes: all 423 features, a few seconds more of
# Feast's path (~100k values/s) on the test platform's clients.
COMPARED_VIEWS = list(VIEWS)


def _special_doubles() -> np.ndarray:
    rng = np.random.default_rng(11)
    random_bits = rng.integers(0, 2**63, size=5000, dtype=np.int64).view(np.float64)
    special = [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324, 1.7976931348623157e308]
    special += [2.2250738585072014e-308, 365243.0, 0.1, -(2**53), 2**63]
    return np.concatenate([special, rng.normal(size=5000) * 1e6, random_bits, -random_bits])


def test_a_double_value_encodes_as_the_value_proto_feast_writes() -> None:
    values = _special_doubles()
    expected = [b"" if math.isnan(v) else ValueProto(double_val=v).SerializeToString() for v in values]
    assert value_protos(values) == expected
    assert value_protos(np.array([-0.0]))[0] == b"\x29" + struct.pack("<d", -0.0)


def test_null_and_nan_from_arrow_both_encode_as_feast_empty_value() -> None:
    # Feast converts an Arrow column through numpy, where a null becomes NaN: both are an unset Value.
    column = pa.array([1.5, None, math.nan, -0.0, None, math.inf], type=pa.float64())
    feast_bytes = [
        p.SerializeToString()
        for p in python_values_to_proto_values(column.to_numpy(zero_copy_only=False), ValueType.DOUBLE)
    ]
    assert value_protos(column.to_numpy(zero_copy_only=False)) == feast_bytes
    assert feast_bytes[1] == feast_bytes[2] == b""


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 3, 1, 12, 30, 5, tzinfo=UTC),
        datetime(2025, 3, 1, 12, 30, 5, 123456, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
    ],
)
def test_the_event_time_encodes_as_feast_timestamp(moment: datetime) -> None:
    feast_ts = Timestamp()
    feast_ts.FromDatetime(moment)
    micros = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert timestamp_bytes(micros) == feast_ts.SerializeToString()


@dataclass
class _Stores:
    feast: FeatureStore
    fast: FeatureStore
    feast_redis: redis.Redis
    fast_redis: redis.Redis


def _scratch_store(root: Path, name: str, db: int) -> FeatureStore:
    """A store over a copy of the session registry, writing into Redis database `db`."""
    registry = root / f"{name}.db"
    shutil.copy(Path(os.environ["CREDIT_DATA_DIR"]) / "feast" / "registry.db", registry)
    host = os.environ.get("REDIS_HOST", "127.0.0.1")
    yaml = (FEATURE_REPO / "feature_store.yaml").read_text()
    yaml = yaml.replace("${CREDIT_DATA_DIR}/feast/registry.db", str(registry))
    yaml = yaml.replace("${REDIS_CONNECTION_STRING}", f"{host}:6379,db={db}").replace(
        "${REDIS_TYPE}", "redis"
    )
    config = root / f"{name}.yaml"
    config.write_text(yaml)
    return FeatureStore(repo_path=str(FEATURE_REPO), fs_yaml_file=config)


@pytest.fixture(scope="module")
def stores(features_platform: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Stores]:
    root = tmp_path_factory.mktemp("materialize")
    host = os.environ.get("REDIS_HOST", "127.0.0.1")
    clients = [redis.Redis(host=host, db=db) for db in (FEAST_DB, FAST_DB)]
    for client in clients:
        client.flushdb()
    yield _Stores(_scratch_store(root, "feast", FEAST_DB), _scratch_store(root, "fast", FAST_DB), *clients)
    for client in clients:
        client.flushdb()


def _intervals(store: FeatureStore) -> dict[str, list[tuple[datetime, datetime]]]:
    return {
        v.name: v.materialization_intervals
        for v in store.registry.list_feature_views(store.project, allow_cache=False)
    }


def test_fast_path_writes_exactly_the_hashes_feast_writes(stores: _Stores) -> None:
    # given the same window for both paths, from empty databases
    end = datetime.now(tz=UTC).replace(microsecond=0)
    start = end - timedelta(days=3650)
    # when Feast materializes into one database and the fast path into another
    stores.feast.materialize(start, end, feature_views=COMPARED_VIEWS)
    result = fast.materialize(stores.fast, start, end, views=COMPARED_VIEWS, show_progress=False)
    # then the same keys hold the same fields with the same bytes
    keys = set(stores.feast_redis.scan_iter(count=1000))
    assert keys == set(stores.fast_redis.scan_iter(count=1000))
    assert len(keys) > 1000
    with (
        stores.feast_redis.pipeline(transaction=False) as a,
        stores.fast_redis.pipeline(transaction=False) as b,
    ):
        for key in keys:
            a.hgetall(key)
            b.hgetall(key)
        differing = [k for k, x, y in zip(keys, a.execute(), b.execute(), strict=True) if x != y]
    assert not differing, f"{len(differing)} of {len(keys)} hashes differ, e.g. {differing[:3]}"
    assert result.written == result.rows >= len(keys)
    # (into an empty database, every client's whole hash at once)
    assert {view.path for view in result.views} == {"whole hashes"}
    # and both registries recorded the same interval for every view
    assert _intervals(stores.feast) == _intervals(stores.fast)


def test_incremental_runs_stay_interchangeable_and_a_rerun_writes_nothing(stores: _Stores) -> None:
    # given both databases filled by the previous test
    first_end = max(end for v in _intervals(stores.fast).values() for _, end in v)
    # when both paths run materialize-incremental to the same end
    end = first_end + timedelta(seconds=5)
    stores.feast.materialize_incremental(end)
    incremental = fast.materialize_incremental(stores.fast, end, show_progress=False)
    # then each starts where the last run ended and records the same intervals as Feast
    assert incremental.rows == 0
    fast_intervals = _intervals(stores.fast)
    assert _intervals(stores.feast) == fast_intervals
    assert all(fast_intervals[view][-1] == (first_end, end) for view in COMPARED_VIEWS)
    # and a rerun over the whole window reads every row but writes none: Redis already holds them
    again = fast.materialize(
        stores.fast, end - timedelta(days=3650), end, views=COMPARED_VIEWS, show_progress=False
    )
    assert again.rows > 0
    assert again.written == 0


def test_online_features_after_the_fast_path_equal_the_offline_tables(
    stores: _Stores, features_platform: Path
) -> None:
    # given every view materialized by the fast path (views already there are skipped by event time)
    end = datetime.now(tz=UTC).replace(microsecond=0)
    fast.materialize(stores.fast, end - timedelta(days=3650), end, show_progress=False)
    views = {
        p.stem: pd.read_parquet(p).set_index("SK_ID_CURR")
        for p in (features_platform / "features").glob("*.parquet")
    }
    ids = views["application"].sample(n=40, random_state=9).index.tolist()
    # when reading the model's feature service from Redis
    online = (
        stores.fast.get_online_features(
            features=stores.fast.get_feature_service(FEATURE_SERVICE),
            entity_rows=[{"SK_ID_CURR": int(i)} for i in ids],
        )
        .to_df()
        .set_index("SK_ID_CURR")
    )
    # then every value equals the offline one (missing stays missing)
    mismatches = []
    for frame in views.values():
        offline = frame.loc[ids, frame.columns.drop(["event_timestamp", "created_timestamp"])]
        got = online.loc[ids, offline.columns].astype(float).to_numpy()
        want = offline.astype(float).to_numpy()
        same = (np.isnan(got) & np.isnan(want)) | (got == want)
        mismatches += [(ids[r], offline.columns[c]) for r, c in zip(*np.nonzero(~same), strict=True)]
    assert not mismatches, f"{len(mismatches)} online values differ, e.g. {mismatches[:5]}"


def test_a_client_that_already_has_a_hash_is_left_to_the_per_view_path(
    stores: _Stores, features_platform: Path
) -> None:
    # given an empty database but for one client's hash, holding a field of its own
    stores.fast_redis.flushdb()
    ids = pd.read_parquet(features_platform / "features" / "application.parquet", columns=["SK_ID_CURR"])
    taken = client_keys(stores.fast.project, [int(ids["SK_ID_CURR"].iloc[0])])[0]
    stores.fast_redis.hset(taken, b"own", b"kept")
    end = datetime.now(tz=UTC).replace(microsecond=0)
    views = fast.online_views(stores.fast)
    # when whole hashes are loaded for every client
    loaded = load_whole_hashes(stores.fast, views, Window(end - timedelta(days=3650), end), None)
    # then that client is refused (BUSYKEY) and untouched, every other one is written
    assert loaded.busy == 1
    assert loaded.written == loaded.clients - 1 == stores.fast_redis.dbsize() - 1
    assert stores.fast_redis.hgetall(taken) == {b"own": b"kept"}
    assert loaded.rows_per_view["application"] == loaded.clients
    assert loaded.written_per_view["application"] == loaded.clients - 1


def test_a_client_written_after_the_check_is_merged_by_the_per_view_path(
    stores: _Stores, features_platform: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a client whose hash appears between the check for an empty database and the load
    stores.fast_redis.flushdb()
    ids = pd.read_parquet(features_platform / "features" / "application.parquet", columns=["SK_ID_CURR"])
    taken, other = client_keys(stores.fast.project, [int(i) for i in ids["SK_ID_CURR"].iloc[:2]])
    stores.fast_redis.hset(taken, b"own", b"kept")
    monkeypatch.setattr(fast, "holds_no_client", lambda client, project: True)
    # when every view is materialized
    end = datetime.now(tz=UTC).replace(microsecond=0)
    result = fast.materialize(stores.fast, end - timedelta(days=3650), end, show_progress=False)
    # then the others got whole hashes and that client its views through HSET, beside its own field
    assert {view.path for view in result.views} == {"whole hashes, fast"}
    assert all(view.written == view.rows for view in result.views), "every row written once"
    merged = stores.fast_redis.hgetall(taken)
    assert merged.pop(b"own") == b"kept"
    assert merged.keys() == stores.fast_redis.hgetall(other).keys()
