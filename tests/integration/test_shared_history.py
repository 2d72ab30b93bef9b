"""The clients' history from a shared PostgreSQL (what N gateway machines read) is the history the
local Parquet files give, field for field; the database down is a 503, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import psycopg
import pytest

from credit_common.history_tables import COLUMNS, libpq_url
from gateway.client_file.errors import HistoryUnavailableError
from gateway.client_file.history import HistoryReader
from gateway.client_file.shared_history import SharedHistoryReader
from tests.postgres import TemporaryPostgres
from training.data.history_publish import PublishResult, publish_history

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
def published(platform, postgres: TemporaryPostgres) -> PublishResult:
    return publish_history(platform.parquet, postgres.url, show_progress=False)


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
    platform, published: PublishResult, postgres: TemporaryPostgres
) -> None:
    con = duckdb.connect()
    count = "SELECT count(*) FROM read_parquet('{}')"
    assert (
        published.rows["history_bureau"]
        == con.execute(count.format(platform.parquet / "bureau.parquet")).fetchone()[0]
    )
    previous = platform.parquet / "previous_application.parquet"
    assert published.rows["history_previous"] == con.execute(count.format(previous)).fetchone()[0]
    cards = "SELECT count(DISTINCT SK_ID_CURR) FROM read_parquet('{}')"
    assert (
        published.rows["history_card"]
        == con.execute(cards.format(platform.parquet / "credit_card_balance.parquet")).fetchone()[0]
    )
    with psycopg.connect(libpq_url(postgres.url)) as database:
        tables = {
            row[0] for row in database.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert tables == set(COLUMNS), "the served tables only: every loading table was swapped in"


def test_every_kind_of_client_reads_the_same_history_from_the_database_as_from_the_files(
    platform, published: PublishResult, postgres: TemporaryPostgres
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


def test_a_gateway_on_the_database_answers_as_one_on_the_files_and_503_while_it_is_down(
    platform,
    published: PublishResult,
    postgres: TemporaryPostgres,
    gateway_server: Service,
    scoring_server: Service,
    explain_server: Service,
    tmp_path: Path,
) -> None:
    clients = _clients(platform.parquet)[:8]
    gateway = start_gateway(
        tmp_path, scoring_server.target, explain_server.target, GATEWAY_HISTORY_DATABASE_URL=postgres.url
    )
    try:
        gateway.wait_ready()
        for client in clients:
            path = f"/v1/clients/{client}/history?lang=fr"
            on_files = httpx.get(gateway_server.url + path, headers=ADVISOR, timeout=30)
            on_database = httpx.get(gateway.url + path, headers=ADVISOR, timeout=30)
            assert on_database.status_code == on_files.status_code
            assert on_database.json() == on_files.json(), f"client {client}"
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


def test_a_database_without_published_history_is_unavailable_not_a_crash(postgres: TemporaryPostgres) -> None:
    with psycopg.connect(libpq_url(postgres.url), autocommit=True) as database:
        database.execute("CREATE DATABASE empty_history")
    reader = SharedHistoryReader(postgres.url.rsplit("/", 1)[0] + "/empty_history")
    with pytest.raises(HistoryUnavailableError, match="UndefinedTable"):
        run_coroutine(reader.history(100_002))
