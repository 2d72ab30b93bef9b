"""The client's file from a shared PostgreSQL (what N gateway machines read instead of mounting the data
folder) answers as the local Parquet files do: history field for field, the client's fields, the
advisors' search and the comparisons; the database down is a 503, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import psycopg
import pytest

from credit_common.data_layout import DataLayout
from credit_common.history_tables import COLUMNS, libpq_url
from credit_features.client_file_data import application_fields, population
from credit_features.client_file_snapshot import (
    APPLICATIONS,
    POPULATION,
    ClientFileNotPublishedError,
    publish_tables,
    published_version,
    read_table,
)
from gateway.client_file.errors import HistoryUnavailableError
from gateway.client_file.history import HistoryReader
from gateway.client_file.shared_history import SharedHistoryReader
from gateway.client_file.tables import DatabaseTables
from tests.postgres import TemporaryPostgres
from training.data.client_file_publish import ClientFilePublishResult, publish_client_file

from .conftest import ADVISOR_KEY, Service, run_coroutine, start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ADVISOR = {"X-API-Key": ADVISOR_KEY}


@pytest.fixture(scope="module")
def postgres() -> Iterator[TemporaryPostgres]:
    server = TemporaryPostgres()
    server.start()
    yield server
    server.remove()


@pytest.fixture(scope="module")
def published(platform, postgres: TemporaryPostgres) -> ClientFilePublishResult:
    return publish_client_file(DataLayout(platform.root), postgres.url, show_progress=False)


def _clients(parquet: Path) -> list[int]:
    """Clients of every kind: the most bureau credits and earlier applications (past the listed 50 if
    any), card and shop-loan holders, clients with no history at all, and a spread of the others."""
    con = duckdb.connect()
    one = "SELECT SK_ID_CURR FROM read_parquet('{}') GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 5"
    picked = [
        int(row[0])
        for table in ("bureau", "previous_application", "credit_card_balance", "POS_CASH_balance")
        for row in con.execute(one.format(parquet / f"{table}.parquet")).fetchall()
    ]
    applications = parquet / "application_train.parquet"
    sample = f"SELECT SK_ID_CURR FROM read_parquet('{applications}') USING SAMPLE 150 ROWS (reservoir, 7)"
    spread = con.execute(sample).fetchall()
    return sorted({*picked, *(int(row[0]) for row in spread), 999_999_999})


def test_the_publish_writes_a_row_per_credit_and_application_and_leaves_no_half_table(
    platform, published: ClientFilePublishResult, postgres: TemporaryPostgres
) -> None:
    con = duckdb.connect()
    count = "SELECT count(*) FROM read_parquet('{}')"
    assert (
        published.history_rows["history_bureau"]
        == con.execute(count.format(platform.parquet / "bureau.parquet")).fetchone()[0]
    )
    previous = platform.parquet / "previous_application.parquet"
    assert published.history_rows["history_previous"] == con.execute(count.format(previous)).fetchone()[0]
    cards = "SELECT count(DISTINCT SK_ID_CURR) FROM read_parquet('{}')"
    assert (
        published.history_rows["history_card"]
        == con.execute(cards.format(platform.parquet / "credit_card_balance.parquet")).fetchone()[0]
    )
    with psycopg.connect(libpq_url(postgres.url)) as database:
        tables = {
            row[0] for row in database.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert tables == {*COLUMNS, "client_file_columns"}, (
        "the served tables only: every loading table was swapped in"
    )


def test_every_kind_of_client_reads_the_same_history_from_the_database_as_from_the_files(
    platform, published: ClientFilePublishResult, postgres: TemporaryPostgres
) -> None:
    clients = _clients(platform.parquet)
    files = HistoryReader(platform.parquet)

    async def read_all() -> list:
        shared = SharedHistoryReader(postgres.url)
        try:
            return [await shared.history(client) for client in clients]
        finally:
            await shared.close()

    from_database = run_coroutine(read_all())
    differing = [c for c, h in zip(clients, from_database, strict=True) if h != files.read(c)]
    assert not differing, f"{len(differing)} of {len(clients)} clients differ, e.g. {differing[:3]}"
    assert any(h.bureau_total > 0 for h in from_database), "clients with bureau credits were compared"
    assert from_database[-1].bureau_total == 0, "an id with no history reads as empty"


def test_the_published_tables_read_back_as_the_data_folder_builds_them(
    platform, published: ClientFilePublishResult, postgres: TemporaryPostgres
) -> None:
    layout = DataLayout(platform.root)
    assert read_table(postgres.url, APPLICATIONS).table.equals(application_fields(layout))
    whole = population(layout)
    assert published.population_columns == whole.num_columns > 400, "every numeric feature column"
    assert read_table(postgres.url, POPULATION).table.equals(whole)
    some = ["SK_ID_CURR", "APP_AGE_YEARS", "EXT_SOURCE_MEAN", "TARGET"]
    assert read_table(postgres.url, POPULATION, some).table.equals(population(layout, some[1:3])), (
        "the columns a gateway asks for, in the same rows and order as the folder gives them"
    )


def test_a_publish_replaces_a_table_whole_and_an_unpublished_one_is_named(
    published: ClientFilePublishResult, postgres: TemporaryPostgres, tmp_path: Path
) -> None:
    first = read_table(postgres.url, APPLICATIONS)
    with psycopg.connect(libpq_url(postgres.url), autocommit=True) as database:
        database.execute("DROP DATABASE IF EXISTS scratch")
        database.execute("CREATE DATABASE scratch")
    url = postgres.url.rsplit("/", 1)[0] + "/scratch"
    with pytest.raises(ClientFileNotPublishedError, match="publish-client-file"):
        read_table(url, APPLICATIONS)
    publish_tables(url, {APPLICATIONS: first.table.slice(0, 10)})
    cache = tmp_path / "cache"
    assert DatabaseTables(url, cache).applications().num_rows == 10
    publish_tables(url, {APPLICATIONS: first.table.slice(10, 5).select(["SK_ID_CURR"])})
    again = read_table(url, APPLICATIONS).table
    assert again.column_names == ["SK_ID_CURR"], "no column of the earlier publish is left"
    assert again.num_rows == 5
    # a gateway starting after the new publication copies it, and the earlier copy is removed
    assert DatabaseTables(url, cache).applications().equals(again)
    copies = list(cache.glob("applications-*.arrow"))
    assert copies == [cache / f"applications-{published_version(url, APPLICATIONS)}.arrow"], copies
    with pytest.raises(ClientFileNotPublishedError, match="population"):
        read_table(url, POPULATION)


def _same_answers(files: Service, database: Service, paths: list[str]) -> int:
    """How many of `paths` both gateways answered 200, after checking every answer is the same."""
    answered = 0
    for path in paths:
        on_files = httpx.get(files.url + path, headers=ADVISOR, timeout=30)
        on_database = httpx.get(database.url + path, headers=ADVISOR, timeout=30)
        assert on_database.status_code == on_files.status_code, path
        assert on_database.json() == on_files.json(), path
        answered += on_files.status_code == 200
    return answered


def test_a_gateway_on_the_database_answers_as_one_on_the_files_and_503_while_it_is_down(
    platform,
    published: ClientFilePublishResult,
    postgres: TemporaryPostgres,
    gateway_server: Service,
    scoring_server: Service,
    explain_server: Service,
    tmp_path: Path,
) -> None:
    clients = _clients(platform.parquet)[:8]
    # a machine without the data folder: an empty one in its place
    empty = tmp_path / "no-data"
    empty.mkdir()
    gateway = start_gateway(
        tmp_path,
        scoring_server.target,
        explain_server.target,
        GATEWAY_CLIENT_FILE_DATABASE_URL=postgres.url,
        CREDIT_DATA_DIR=str(empty),
    )
    try:
        gateway.wait_ready()
        compared = httpx.get(
            f"{gateway_server.url}/v1/clients/{clients[1]}/comparison", headers=ADVISOR, timeout=30
        ).json()
        x, y = (feature["feature"] for feature in compared["features"][:2])
        paths = [
            *(f"/v1/clients/{client}/history?lang=fr" for client in clients),
            *(f"/v1/clients/{client}?lang=fr" for client in clients),
            *(f"/v1/clients?search={prefix}&limit=7" for prefix in ("1", "10", str(clients[2])[:4], "99")),
            *(
                f"/v1/clients/{client}/comparison?group={g}"
                for client in clients[1:4]
                for g in ("all", "similar")
            ),
            f"/v1/clients/{clients[1]}/comparison?group=filtered&age_band=30-40",
            f"/v1/clients/{clients[1]}/comparison/bivariate?x={x}&y={y}&limit=300",
            f"/v1/clients/{clients[2]}/comparison/bivariate?x={x}&y={y}&group=similar",
        ]
        assert _same_answers(gateway_server, gateway, paths) == len(paths), "every answer is a 200"
        assert list((empty / "cache").glob("applications-*.arrow")), "the applications' copy is cached"
        # when the database stops, the history is a 503 that says when to come back
        postgres.stop()
        try:
            down = httpx.get(f"{gateway.url}/v1/clients/{clients[0]}/history", headers=ADVISOR, timeout=30)
        finally:
            postgres.start()
        assert down.status_code == 503, down.text
        assert down.headers["Retry-After"]
        # and once it is back, the next request reads it again (a new connection)
        again = httpx.get(f"{gateway.url}/v1/clients/{clients[0]}/history", headers=ADVISOR, timeout=30)
        assert again.status_code == 200, again.text
    finally:
        gateway.stop()


def test_a_database_without_a_published_history_is_unavailable_not_a_crash(
    postgres: TemporaryPostgres,
) -> None:
    with psycopg.connect(libpq_url(postgres.url), autocommit=True) as database:
        database.execute("CREATE DATABASE empty_history")
    reader = SharedHistoryReader(postgres.url.rsplit("/", 1)[0] + "/empty_history")
    with pytest.raises(HistoryUnavailableError, match="UndefinedTable"):
        run_coroutine(reader.history(100_002))
