"""The layout codec against Feast's own key, field and connection-string helpers."""

from __future__ import annotations

import numpy as np
import pytest
from feast.infra.online_stores.helpers import _mmh3, _redis_key
from feast.infra.online_stores.redis import RedisOnlineStore
from feast.protos.feast.types.EntityKey_pb2 import EntityKey
from feast.protos.feast.types.Value_pb2 import Value

from credit_features.redis_layout import (
    NAN_CELL,
    LayoutError,
    client_id_of,
    client_key_pattern,
    client_keys,
    connection_options,
    decode_doubles,
    feature_field,
    parse_connection_string,
    value_protos,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("client_id", [0, 1, 100002, 456255, 2**62, -7])
def test_client_key_is_feasts_serialized_entity_key_and_project(client_id: int) -> None:
    entity = EntityKey(join_keys=["SK_ID_CURR"], entity_values=[Value(int64_val=client_id)])
    assert client_keys("credit_scoring", [client_id]) == [_redis_key("credit_scoring", entity, 3)]


@pytest.mark.parametrize("client_id", [0, 100002, 2**62, -7, 42 * 256 + 0x2A])  # 0x2A is "*"
def test_a_client_key_gives_back_its_id_and_matches_the_scan_pattern(client_id: int) -> None:
    key = client_keys("credit_scoring", [client_id])[0]
    assert client_id_of(key, "credit_scoring") == client_id
    assert client_id_of(key, "other_project") is None, "another project's key is not ours"
    assert client_id_of(key + b"x", "credit_scoring") is None, "a longer key is another shape"
    assert client_key_pattern("credit_scoring").endswith(b"*credit_scoring")


def test_the_scan_pattern_escapes_glob_characters_of_the_project() -> None:
    assert client_key_pattern("a*b[c]?").endswith(rb"*a\*b\[c\]\?")


@pytest.mark.parametrize("name", ["APP_EXT_SOURCE_MEAN", "BURO_COUNT", "é_unicode", ""])
def test_feature_field_is_feasts_murmur3_of_view_and_name(name: str) -> None:
    assert feature_field("application", name) == _mmh3(f"application:{name}")


def test_decoding_returns_what_encoding_wrote_with_missing_as_nan() -> None:
    values = np.array([[1.5, np.nan, -0.0], [365243.0, 1e308, np.nan]])
    cells = value_protos(values)
    decoded = decode_doubles([*cells[:5], None], (2, 3))  # b"" and None both mean missing
    np.testing.assert_array_equal(decoded, values)
    assert np.signbit(decoded[0, 2]), "-0.0 keeps its sign"
    assert NAN_CELL[0] == 0x29


def test_a_value_of_another_type_is_refused_not_misread() -> None:
    with pytest.raises(LayoutError, match="not a Float64"):
        decode_doubles([Value(int64_val=3).SerializeToString()], (1, 1))


def test_connection_string_options_are_read_as_feast_reads_them() -> None:
    text = "redis.local:6380,db=15,ssl=true,password=s3cr=t,socket_timeout=0.5"
    nodes, params = RedisOnlineStore._parse_connection_string(text)
    assert connection_options(text) == {"host": nodes[0]["host"], "port": 6380, **params}
    assert connection_options("")["port"] == 6379


def test_a_cluster_connection_string_lists_its_nodes_as_feast_reads_them() -> None:
    text = "node-a:7000,node-b:7001,password=s3cr=t"
    nodes, params = RedisOnlineStore._parse_connection_string(text)
    hosts, options = parse_connection_string(text)
    assert (
        hosts == [(node["host"], int(node["port"])) for node in nodes] == [("node-a", 7000), ("node-b", 7001)]
    )
    assert options == params
