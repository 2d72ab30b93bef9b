"""A client's history from the shared PostgreSQL the publish job fills (credit_common.history_tables):
what N gateway machines read instead of each mounting the Parquet files.

Five indexed reads of the client's own rows, on one connection of a small pool: the same History,
field for field, as the Parquet reader's (gateway.client_file.history), whose row converters it uses.
A database that does not answer is HistoryUnavailableError (503 with Retry-After), never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg

from credit_common.history_tables import libpq_url
from gateway.client_file.errors import HistoryUnavailableError
from gateway.client_file.history import (
    MAX_ROWS,
    History,
    bureau_credit,
    card,
    pos,
    previous_application,
    repayment,
)

_BUREAU = """
    SELECT credit_active, credit_type, days_credit, amount, debt, overdue_days, months_late, count(*) OVER ()
    FROM history_bureau WHERE client_id = %(id)s
    ORDER BY days_credit DESC NULLS LAST, bureau_id LIMIT %(limit)s
"""
_PREVIOUS = """
    SELECT contract_type, status, days_decision, amount_asked, amount_granted, count(*) OVER ()
    FROM history_previous WHERE client_id = %(id)s
    ORDER BY days_decision DESC NULLS LAST, previous_id LIMIT %(limit)s
"""
_REPAYMENT = """
    SELECT years_ago, payments, late_payments, late, known, underpaid, compared, days_late
    FROM history_repayment_years WHERE client_id = %(id)s ORDER BY years_ago
"""
_CARD = (
    "SELECT months, mean_balance, mean_utilisation, months_overdue FROM history_card WHERE client_id = %(id)s"
)
_POS = "SELECT months, active_loans, months_overdue FROM history_pos WHERE client_id = %(id)s"


class SharedHistoryReader:
    """Reads one client's history from PostgreSQL on up to `connections` connections at once."""

    def __init__(self, url: str, connections: int = 4, timeout_seconds: float = 2.0) -> None:
        self._url = libpq_url(url)
        self._timeout = timeout_seconds
        self._idle: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()
        self._slots = asyncio.Semaphore(connections)

    async def history(self, client_id: int) -> History:
        parameters = {"id": client_id, "limit": MAX_ROWS}
        try:
            async with self._connection() as connection:
                bureau = await (await connection.execute(_BUREAU, parameters)).fetchall()
                previous = await (await connection.execute(_PREVIOUS, parameters)).fetchall()
                years = await (await connection.execute(_REPAYMENT, parameters)).fetchall()
                cards = await (await connection.execute(_CARD, parameters)).fetchone()
                loans = await (await connection.execute(_POS, parameters)).fetchone()
        except (
            psycopg.OperationalError,
            psycopg.errors.UndefinedTable,
        ) as error:  # down, stalled, unpublished
            raise HistoryUnavailableError(
                f"the history database is unavailable: {type(error).__name__}"
            ) from error
        return History(
            bureau=[bureau_credit(row[:7]) for row in bureau],
            bureau_total=int(bureau[0][-1]) if bureau else 0,
            previous=[previous_application(row[:5]) for row in previous],
            previous_total=int(previous[0][-1]) if previous else 0,
            installments=repayment(years),
            credit_card=card(cards),
            pos_cash=pos(loans),
        )

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """An idle connection, or a new one while fewer than `connections` are open; a connection
        that failed is closed, not put back."""
        async with self._slots:
            connection = self._idle.get_nowait() if not self._idle.empty() else None
            if connection is None or connection.closed:
                connection = await psycopg.AsyncConnection.connect(
                    self._url,
                    autocommit=True,
                    connect_timeout=max(1, round(self._timeout)),
                    options=f"-c statement_timeout={round(self._timeout * 1000)}",
                )
            try:
                yield connection
            except BaseException:
                await connection.close()
                raise
            self._idle.put_nowait(connection)

    async def close(self) -> None:
        while not self._idle.empty():
            await self._idle.get_nowait().close()
