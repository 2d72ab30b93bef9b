"""Publish the clients' history to a shared PostgreSQL (credit_common.history_tables): what the
gateway's client file reads when N machines serve it, instead of mounting the Parquet files on each.

DuckDB summarises the ingested Parquet tables with the client file's own definitions (a payment is
late when made after its due date, underpaid when below the instalment; a bureau month is late at
status 1 to 5), and psycopg copies the rows in. Each table is loaded beside the one being served and
swapped in one transaction: readers see the old history or the new one, never half of it.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from rich.progress import Progress

from credit_common.history_tables import COLUMNS, libpq_url
from training.data.duck import connect

#: DuckDB's summary of each table, from the ingested Parquet files ({parquet} is their folder).
_SUMMARIES = {
    "history_bureau": """
        SELECT b.SK_ID_CURR, b.SK_ID_BUREAU, b.CREDIT_ACTIVE, b.CREDIT_TYPE, b.DAYS_CREDIT,
               b.AMT_CREDIT_SUM, b.AMT_CREDIT_SUM_DEBT, b.CREDIT_DAY_OVERDUE, l.months_late
        FROM read_parquet('{parquet}/bureau.parquet') b
        LEFT JOIN (
            SELECT SK_ID_BUREAU, count(*) FILTER (WHERE STATUS IN ('1', '2', '3', '4', '5')) AS months_late
            FROM read_parquet('{parquet}/bureau_balance.parquet') GROUP BY SK_ID_BUREAU
        ) l USING (SK_ID_BUREAU)
    """,
    "history_previous": """
        SELECT SK_ID_CURR, SK_ID_PREV, NAME_CONTRACT_TYPE, NAME_CONTRACT_STATUS, DAYS_DECISION,
               AMT_APPLICATION, AMT_CREDIT
        FROM read_parquet('{parquet}/previous_application.parquet')
    """,
    "history_repayment_years": """
        WITH payments AS (
            SELECT SK_ID_CURR,
                   floor(-DAYS_INSTALMENT / 365.25)::INTEGER AS years_ago,
                   CASE WHEN DAYS_ENTRY_PAYMENT IS NOT NULL
                        THEN greatest(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, 0) END AS dpd,
                   AMT_PAYMENT < AMT_INSTALMENT AS underpaid
            FROM read_parquet('{parquet}/installments_payments.parquet')
        )
        SELECT SK_ID_CURR, years_ago, count(*), count(*) FILTER (WHERE dpd > 0),
               sum((dpd > 0)::INTEGER), count(dpd), sum(underpaid::INTEGER), count(underpaid),
               sum(dpd) FILTER (WHERE dpd > 0)
        FROM payments GROUP BY SK_ID_CURR, years_ago
    """,
    "history_card": """
        SELECT SK_ID_CURR, count(*), avg(AMT_BALANCE), avg(AMT_BALANCE / NULLIF(AMT_CREDIT_LIMIT_ACTUAL, 0)),
               count(*) FILTER (WHERE SK_DPD > 0)
        FROM read_parquet('{parquet}/credit_card_balance.parquet') GROUP BY SK_ID_CURR
    """,
    "history_pos": """
        WITH months AS (
            SELECT SK_ID_CURR, NAME_CONTRACT_STATUS, SK_DPD,
                   row_number() OVER (PARTITION BY SK_ID_PREV ORDER BY MONTHS_BALANCE DESC) AS recency
            FROM read_parquet('{parquet}/POS_CASH_balance.parquet')
        )
        SELECT SK_ID_CURR, count(*), count(*) FILTER (WHERE recency = 1 AND NAME_CONTRACT_STATUS = 'Active'),
               count(*) FILTER (WHERE SK_DPD > 0)
        FROM months GROUP BY SK_ID_CURR
    """,
}
#: Rows fetched from DuckDB and copied at a time.
BATCH_ROWS = 50_000


@dataclass(frozen=True)
class PublishResult:
    """Rows per table, and how long the whole publish took."""

    rows: dict[str, int]
    seconds: float


def publish_history(parquet_dir: Path, url: str, show_progress: bool = True) -> PublishResult:
    """Summarise the history tables of `parquet_dir` and swap them into the database at `url`."""
    started = time.perf_counter()
    rows: dict[str, int] = {}
    with (
        tempfile.TemporaryDirectory(prefix="history-publish-") as spill,
        psycopg.connect(libpq_url(url)) as database,
        Progress(disable=not show_progress, transient=True) as progress,
    ):
        duck = connect(Path(spill))
        duck.execute("SET threads = 1")  # the client file's summation order: the same sums, bit for bit
        task = progress.add_task("history tables", total=len(COLUMNS))
        for table, columns in COLUMNS.items():
            rows[table] = _load(database, duck, table, columns, parquet_dir)
            progress.advance(task)
        with database.transaction():
            for table in COLUMNS:
                database.execute(f"DROP TABLE IF EXISTS {table}")
                database.execute(f"ALTER TABLE {table}_loading RENAME TO {table}")
                database.execute(f"ALTER INDEX IF EXISTS {table}_loading_client RENAME TO {table}_client")
    return PublishResult(rows=rows, seconds=round(time.perf_counter() - started, 2))


def _load(
    database: psycopg.Connection,
    duck: object,
    table: str,
    columns: tuple[tuple[str, str], ...],
    parquet_dir: Path,
) -> int:
    """Copy one summary into `<table>_loading` (created anew), indexed by client; its row count."""
    loading = f"{table}_loading"
    names = ", ".join(name for name, _ in columns)
    with database.transaction():
        database.execute(f"DROP TABLE IF EXISTS {loading}")
        definition = ", ".join(f"{name} {kind}".replace(" PRIMARY KEY", "") for name, kind in columns)
        database.execute(f"CREATE TABLE {loading} ({definition})")
    result = duck.execute(_SUMMARIES[table].format(parquet=parquet_dir))  # type: ignore[attr-defined]
    count = 0
    with database.transaction(), database.cursor().copy(f"COPY {loading} ({names}) FROM STDIN") as copy:
        while batch := result.fetchmany(BATCH_ROWS):
            for row in batch:
                copy.write_row(row)
            count += len(batch)
    with database.transaction():
        unique = "UNIQUE " if any("PRIMARY KEY" in kind for _, kind in columns) else ""
        database.execute(f"CREATE {unique}INDEX {loading}_client ON {loading} (client_id)")
        database.execute(f"ANALYZE {loading}")
    return count
