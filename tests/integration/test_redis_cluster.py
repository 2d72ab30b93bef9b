"""Every online path on a real Redis Cluster (3 masters, 3 replicas, started by
scripts/ensure_redis_cluster.sh): the load, Feast's reader and the serving one, decisions, stored
explanations, new applications, the id counter and the shared rate limits."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import redis.asyncio
import redis.cluster

from bench.cluster_failover import restart_cluster_nodes, wait_until_replaced
from bench.steady_load import steady_load
from credit_features.acknowledged_writes import AcknowledgedWrites
from credit_features.backend import project_name
from credit_features.catalog import feature_catalog, feature_names
from credit_features.online import FeastFeatureReader, RedisFeatureReader
from credit_features.redis_client import ClusterConfigurationError, open_async_redis, open_redis
from credit_features.redis_layout import client_keys
from credit_features.settings import FeatureSettings
from credit_features.store import get_store
from serving_base.explanation_store import PREFIX as EXPLANATIONS
from training.features.materialize import materialize
from training.features.reload import event_span, reload_online

from .conftest import (
    ADVISOR_KEY,
    FIVE_FIELD_APPLICATION,
    SERVICE_KEY,
    Service,
    run_coroutine,
    start_gateway,
    start_server,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: The tests' own cluster: flushed by this module, so never a cluster anything else uses.
PORT = int(os.environ.get("TEST_REDIS_CLUSTER_PORT", "7100"))
#: Two of the six nodes: the clients learn the others (and the slot map) from them.
CONNECTION = f"127.0.0.1:{PORT},127.0.0.1:{PORT + 1}"
ON_CLUSTER = {
    "REDIS_TYPE": "redis_cluster",
    "REDIS_CONNECTION_STRING": CONNECTION,
    "FEAST_ONLINE_STORE": "redis",
}
#: The same clients on one Redis (a database of this module's own), for the side-by-side decisions.
ONE_REDIS = (
    f"{os.environ.get('REDIS_HOST', '127.0.0.1')}:6379,db={os.environ.get('CLUSTER_TEST_ONE_REDIS_DB', '11')}"
)
ADVISOR, SERVICE = {"X-API-Key": ADVISOR_KEY}, {"X-API-Key": SERVICE_KEY}


def _cluster() -> redis.cluster.RedisCluster:
    client = open_redis(CONNECTION, "redis_cluster")
    assert isinstance(client, redis.cluster.RedisCluster)
    return client


@pytest.fixture(scope="module")
def cluster_data(platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The session platform's clients loaded into an emptied cluster, as the pipeline loads them, and
    into an emptied database of one Redis; a data folder of its own (the session's tables as they are
    now, a copy of its Feast registry, which a load writes)."""
    restart_cluster_nodes(PORT)  # the script starts the cluster, or what of it is down
    _cluster().flushall(target_nodes=redis.cluster.RedisCluster.PRIMARIES)
    root = tmp_path_factory.mktemp("cluster-data")
    for entry in platform.root.iterdir():
        if entry.name != "feast":
            (root / entry.name).symlink_to(entry)
    shutil.copytree(platform.root / "feast", root / "feast")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**ON_CLUSTER, "CREDIT_DATA_DIR": str(root)}.items():
            patch.setenv(name, value)
        loaded = reload_online(FeatureSettings())
        assert loaded.clients == loaded.applications > 0, "every client of the tables, once"
        one = FeatureSettings(redis_connection_string=ONE_REDIS, redis_type="redis")
        open_redis(ONE_REDIS, "redis").flushdb()
        assert reload_online(one).clients == loaded.clients
        yield root


@pytest.fixture(scope="module")
def client_ids(platform) -> list[int]:
    table = pd.read_parquet(platform.parquet / "application_train.parquet", columns=["SK_ID_CURR"])
    return [int(i) for i in table["SK_ID_CURR"].iloc[:40]]


def test_the_clients_spread_over_the_three_masters(cluster_data: Path) -> None:
    client = _cluster()
    per_master = [client.dbsize(target_nodes=node) for node in client.get_primaries()]
    assert len(per_master) == 3, f"three masters answer: {per_master}"
    assert min(per_master) > 0.2 * sum(per_master), f"no master holds (nearly) nothing: {per_master}"


def test_the_serving_reader_reads_what_feasts_cluster_reader_reads(
    cluster_data: Path, client_ids: list[int]
) -> None:
    settings = FeatureSettings()
    names = [spec.name for specs in feature_catalog().values() for spec in specs]
    ours = RedisFeatureReader(settings).matrix(client_ids, names)
    feasts = FeastFeatureReader(settings).matrix(client_ids, names)
    assert ours.shape == (len(client_ids), len(names))
    np.testing.assert_array_equal(ours, feasts, err_msg="the same value for every client and feature")
    assert np.isfinite(ours).any(axis=1).all(), "every client found"
    listed = run_coroutine(RedisFeatureReader(settings).client_ids())
    assert set(client_ids) <= set(listed), "a SCAN over every master lists the clients"


def test_the_per_view_path_writes_each_view_to_the_master_of_each_client(
    cluster_data: Path, client_ids: list[int]
) -> None:
    # given ten clients whose hashes are gone (the other clients keep theirs: no whole-hash load;
    # the last ten of the list, which the decisions and the failover below do not read)
    settings = FeatureSettings()
    gone = client_ids[-10:]
    _cluster().delete(*client_keys(project_name(), gone))
    # when the application view alone is materialized again
    store = get_store(settings)
    first, last, _ = event_span(store)
    (view,) = materialize(
        store, first, last + timedelta(days=1), views=["application"], show_progress=False
    ).views
    # then it took the fast path, and the gone clients are back with that view, read alike by Feast
    assert view.path == "fast", view
    names = feature_names("application")
    ours = RedisFeatureReader(settings).matrix(gone, names)
    np.testing.assert_array_equal(ours, FeastFeatureReader(settings).matrix(gone, names))
    assert np.isfinite(ours).any(axis=1).all(), "every gone client has its application view again"
    # and the other views come back the same way, for the tests after this one
    materialize(store, first, last + timedelta(days=1), show_progress=False)
    every = [spec.name for specs in feature_catalog().values() for spec in specs]
    np.testing.assert_array_equal(
        RedisFeatureReader(settings).matrix(gone, every), FeastFeatureReader(settings).matrix(gone, every)
    )


def test_a_refresh_after_a_failed_write_closes_only_the_clients_of_nodes_no_longer_masters() -> None:
    # Closing a client under another write's command failed that write with a 500 during a failover.
    async def scenario() -> tuple[dict, dict, bool]:
        client = open_async_redis(CONNECTION, "redis_cluster")
        writes = AcknowledgedWrites(client, replicas=1, timeout_ms=1000)
        keys = [f"credit:test:refresh:{i}".encode() for i in range(30)]  # over every master
        try:
            for key in keys:
                assert await writes.run("return redis.call('SET', KEYS[1], ARGV[1])", key, [b"1"])
            before = dict(writes._masters)
            # given a client cached for a node that is a replica now (as after a failover)
            replica = client.get_replicas()[0]
            demoted = redis.asyncio.Redis(host=replica.host, port=replica.port)
            await demoted.ping()
            writes._masters[(replica.host, replica.port)] = demoted
            # when a failed write refreshes the masters
            await writes._refresh()
            closed = not any(c.is_connected for c in demoted.connection_pool._available_connections)
            return before, dict(writes._masters), closed
        finally:
            await client.delete(*keys)
            await writes.close()
            await client.aclose()

    before, after, closed = run_coroutine(scenario())
    assert len(before) == 3, "a client per master"
    # then the masters' clients are the very same (writes in flight on them go on) and the demoted's closed
    assert after == before
    assert all(after[address] is before[address] for address in before)
    assert closed, "the client of a node that is no longer a master is closed"


def test_a_cluster_takes_no_database_number() -> None:
    with pytest.raises(ClusterConfigurationError, match="db="):
        open_redis(f"{CONNECTION},db=3", "redis_cluster")


@pytest.fixture(scope="module")
def cluster_services(
    cluster_data: Path, mlflow_server: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Service, Service]]:
    """Scoring and explain on the cluster (as the deploy files would run them)."""
    env = {**ON_CLUSTER, "CREDIT_DATA_DIR": str(cluster_data), "MLFLOW_TRACKING_URI": mlflow_server.url}
    folder = tmp_path_factory.mktemp("cluster-services")
    services = [
        start_server(m, folder, "--poll-seconds", "1", env=env)
        for m in ("scoring_service", "explain_service")
    ]
    try:
        for service in services:
            service.wait_serving()
        yield services[0], services[1]
    finally:
        for service in services:
            service.stop()


def _gateway(folder: Path, services: tuple[Service, Service], **env: str) -> Iterator[Service]:
    gateway = start_gateway(folder, services[0].target, services[1].target, **env)
    try:
        gateway.wait_ready()
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture(scope="module")
def cluster_gateway(
    cluster_data: Path, cluster_services: tuple[Service, Service], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """A gateway whose online store is the cluster."""
    folder = tmp_path_factory.mktemp("cluster-gateway")
    yield from _gateway(folder, cluster_services, **ON_CLUSTER, CREDIT_DATA_DIR=str(cluster_data))


@pytest.fixture(scope="module")
def one_redis_gateway(
    cluster_data: Path, cluster_services: tuple[Service, Service], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """A gateway over the same services and clients, on one Redis."""
    folder = tmp_path_factory.mktemp("one-redis-gateway")
    env = {"REDIS_TYPE": "redis", "REDIS_CONNECTION_STRING": ONE_REDIS, "CREDIT_DATA_DIR": str(cluster_data)}
    yield from _gateway(folder, cluster_services, **env)


def test_a_gateway_on_the_cluster_decides_as_on_one_redis(
    cluster_gateway: Service, one_redis_gateway: Service, client_ids: list[int]
) -> None:
    for client_id in client_ids[:5]:
        path = f"/v1/clients/{client_id}/score"
        on_cluster = httpx.get(
            cluster_gateway.url + path, headers=ADVISOR, params={"include": "explanation"}, timeout=60
        )
        on_one = httpx.get(
            one_redis_gateway.url + path, headers=ADVISOR, params={"include": "explanation"}, timeout=60
        )
        assert on_cluster.status_code == on_one.status_code == 200, on_cluster.text
        mine, theirs = on_cluster.json(), on_one.json()
        assert mine["probability"] == pytest.approx(theirs["probability"], abs=1e-12), (
            "the same row, the same score"
        )
        assert mine["decision"] == theirs["decision"]
        assert mine["explanation"]["contributions"] == theirs["explanation"]["contributions"], (
            "the same reasons"
        )
    stored = list(_cluster().scan_iter(match=f"{EXPLANATIONS}:*", count=1000))
    assert stored, "the explain service keeps its answers on the cluster"


def test_new_applications_on_the_cluster_get_ids_a_decision_and_the_search(cluster_gateway: Service) -> None:
    with httpx.Client(base_url=cluster_gateway.url, headers=SERVICE, timeout=60) as client:
        created = [client.post("/v1/applications", json=FIVE_FIELD_APPLICATION) for _ in range(3)]
        assert [reply.status_code for reply in created] == [201] * 3, created[0].text
        ids = [reply.json()["client_id"] for reply in created]
        assert len(set(ids)) == 3, "the counter gives each application its own id"
        posted = 899_000_123_456
        again = [
            client.post("/v1/applications", json={**FIVE_FIELD_APPLICATION, "SK_ID_CURR": posted})
            for _ in range(2)
        ]
        assert [reply.status_code for reply in again] == [201, 409], "a client is written once"
        score = client.get(f"/v1/clients/{ids[0]}/score", headers=ADVISOR)
        assert score.status_code == 200, score.text
        found = client.get("/v1/clients", params={"search": str(posted)[:9]}, headers=ADVISOR)
        assert posted in [row["client_id"] for row in found.json()], "the search lists a posted client"
        opened = client.get(f"/v1/clients/{posted}", headers=ADVISOR)
        assert opened.status_code == 200, opened.text


def test_rate_limits_are_shared_on_the_cluster(cluster_gateway: Service) -> None:
    assert httpx.get(cluster_gateway.url + "/v1/model", headers=ADVISOR, timeout=60).status_code == 200
    deadline = time.monotonic() + 5  # the counts reach Redis at the next sync (every 0.1 s)
    while not (keys := list(_cluster().scan_iter(match="credit:{throttle}*", count=1000))):
        assert time.monotonic() < deadline, "the gateway's admission counts never reached the cluster"
        time.sleep(0.1)
    assert all(int(_cluster().get(key) or 0) >= 1 for key in keys), "each window counts the request"


def test_a_master_killed_under_load_costs_503s_for_under_5_s_and_loses_no_acknowledged_application(
    cluster_gateway: Service, client_ids: list[int]
) -> None:
    # given each client's decision before, and the master that holds the first client
    chosen = client_ids[:6]
    before = {
        i: httpx.get(f"{cluster_gateway.url}/v1/clients/{i}/score", headers=ADVISOR, timeout=60).json()[
            "probability"
        ]
        for i in chosen
    }
    (key,) = client_keys(project_name(), chosen[:1])
    master = _cluster().get_node_from_key(key)
    pid = int(redis.Redis(port=master.port).info("server")["process_id"])
    killed_at = 2.0

    def restart_once_replaced() -> None:  # as its pod would come back
        wait_until_replaced(CONNECTION, key, master.port)
        restart_cluster_nodes(PORT)

    # when it is killed under a steady load, and started again once its replica replaced it
    events = {killed_at: lambda: os.kill(pid, signal.SIGKILL), killed_at + 0.5: restart_once_replaced}
    try:
        answers = run_coroutine(
            steady_load(cluster_gateway.url, SERVICE, chosen, seconds=12.0, events=events)
        )
    finally:
        restart_cluster_nodes(PORT)
    # then its replica took its slots
    assert _cluster().get_node_from_key(key).port != master.port, "a replica was promoted"
    # and every answer is a success or a 503 that says when to come back, never a 500
    statuses = Counter(answer.status for answer in answers)
    unhandled = [line for line in cluster_gateway.log.read_text().splitlines() if "unhandled error" in line]
    assert set(statuses) <= {200, 201, 503}, f"answers {statuses}; the gateway logged {unhandled}"
    refused = [a for a in answers if a.status == 503]
    assert all(a.retry_after for a in refused), "every 503 carries Retry-After"
    # and a decision served is the decision of before (never another client's, never a default)
    for answer in answers:
        if answer.kind == "score" and answer.status == 200:
            assert answer.body["probability"] == pytest.approx(before[answer.client_id], abs=1e-12)
    # and serving answers again within 5 s of the kill
    failing = [a.due for a in refused]
    recovered = (max(failing) - killed_at) if failing else 0.0
    kinds = Counter(a.kind for a in refused)
    assert recovered <= 5.0, f"503s ({kinds}) until {recovered:.2f} s after the kill"
    # and every application acknowledged (201) is there after the failover
    created = [a.body["client_id"] for a in answers if a.status == 201]
    assert len(created) > 100, f"the load posted applications throughout: {statuses}"
    lost = [
        i
        for i in created
        if httpx.get(f"{cluster_gateway.url}/v1/clients/{i}", headers=ADVISOR, timeout=60).status_code != 200
    ]
    assert not lost, f"{len(lost)} acknowledged application(s) lost: {lost[:5]}"
