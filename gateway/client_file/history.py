"""A client's history as the raw tables hold it: bureau credits, earlier applications, repayments,
cards and point-of-sale loans, read per request from the ingested parquet files with DuckDB.

Each query filters on the client's id (the files' row-group statistics let DuckDB skip most of
them) and the lists are cut at MAX_ROWS, most recent first, so one request's work stays bounded
whatever the client's record. The outcome (TARGET) lives in the application table only, which this
module never reads. Repayment figures use the feature SQL's own definitions (a payment is late when
made after its due date, underpaid when below the instalment), so the app's table agrees with the
model's features.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb

#: At most this many bureau credits and earlier applications are listed (the totals say how many).
MAX_ROWS = 50
DAYS_PER_YEAR = 365.25
#: The files read, each under its real name.
TABLES = (
    "bureau",
    "bureau_balance",
    "previous_application",
    "installments_payments",
    "credit_card_balance",
    "POS_CASH_balance",
)


@dataclass(frozen=True)
class BureauCredit:
    credit_active: str
    credit_type: str
    years_ago: float
    amount: float | None
    debt: float | None
    overdue_days: int | None
    months_late: int | None


@dataclass(frozen=True)
class PreviousApplication:
    contract_type: str
    status: str
    years_ago: float
    amount_asked: float | None
    amount_granted: float | None


@dataclass(frozen=True)
class RepaymentYear:
    years_ago: int
    payments: int
    late: int


@dataclass(frozen=True)
class Repayment:
    payments: int
    late_share: float | None
    underpaid_share: float | None
    mean_days_late: float | None
    by_year: list[RepaymentYear]


@dataclass(frozen=True)
class Card:
    months: int
    mean_balance: float | None
    mean_utilisation: float | None
    months_overdue: int


@dataclass(frozen=True)
class Pos:
    months: int
    active_loans: int
    months_overdue: int


@dataclass(frozen=True)
class History:
    """Everything the History view shows of one client; empty lists and zero counts when none."""

    bureau: list[BureauCredit]
    bureau_total: int
    previous: list[PreviousApplication]
    previous_total: int
    installments: Repayment
    credit_card: Card
    pos_cash: Pos


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


def _years_ago(days: Any) -> float:
    return round(-float(days) / DAYS_PER_YEAR, 2)


def bureau_credit(row: Sequence[Any]) -> BureauCredit:
    """(status, type, days since, amount, debt, days overdue, late months) as the view lists it."""
    active, kind, days, amount, debt, overdue, late = row
    return BureauCredit(
        str(active),
        str(kind),
        _years_ago(days),
        _number(amount),
        _number(debt),
        _count(overdue),
        _count(late),
    )


def previous_application(row: Sequence[Any]) -> PreviousApplication:
    """(contract, status, days since, amount asked, amount granted) as the view lists it."""
    kind, status, days, asked, granted = row
    return PreviousApplication(str(kind), str(status), _years_ago(days), _number(asked), _number(granted))


def repayment(rows: Sequence[Sequence[Any]]) -> Repayment:
    """From one row per year ago: (year, payments, late payments, late, known delays, underpaid,
    compared amounts, days late)."""
    late = sum(int(r[3] or 0) for r in rows)
    known = sum(int(r[4]) for r in rows)
    underpaid = sum(int(r[5] or 0) for r in rows)
    compared = sum(int(r[6]) for r in rows)
    days_late = sum(float(r[7] or 0) for r in rows)
    return Repayment(
        payments=sum(int(r[1]) for r in rows),
        late_share=late / known if known else None,
        underpaid_share=underpaid / compared if compared else None,
        mean_days_late=days_late / late if late else None,
        by_year=[RepaymentYear(int(r[0]), int(r[1]), int(r[2])) for r in rows],
    )


def card(row: Sequence[Any] | None) -> Card:
    """(months, mean balance, mean utilisation, months overdue); None: no card."""
    if row is None:
        return Card(0, None, None, 0)
    months, balance, utilisation, overdue = row
    return Card(int(months), _number(balance), _number(utilisation), int(overdue))


def pos(row: Sequence[Any] | None) -> Pos:
    """(months, active loans, months overdue); None: no point-of-sale loan."""
    return Pos(0, 0, 0) if row is None else Pos(int(row[0]), int(row[1]), int(row[2]))


class HistorySource(Protocol):
    """Where the client file reads histories: the local Parquet files (HistoryReader) or the shared
    database (gateway.client_file.shared_history)."""

    async def history(self, client_id: int) -> History: ...

    async def close(self) -> None: ...


class HistoryReader:
    """Reads one client's history from the raw parquet tables (one DuckDB cursor per call)."""

    def __init__(self, parquet_dir: Path) -> None:
        missing = [t for t in TABLES if not (parquet_dir / f"{t}.parquet").exists()]
        if missing:
            raise FileNotFoundError(f"history tables not found in {parquet_dir}: {', '.join(missing)}")
        # One thread per request: each reads a row group or two, and requests run side by side.
        self._con = duckdb.connect(config={"threads": 1})
        for table in TABLES:
            self._con.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{parquet_dir / f'{table}.parquet'}')"
            )

    async def history(self, client_id: int) -> History:
        """The client's history, read in a worker thread (DuckDB releases the GIL while it scans)."""
        return await asyncio.to_thread(self.read, client_id)

    async def close(self) -> None:
        self._con.close()

    def read(self, client_id: int) -> History:
        cursor = self._con.cursor()
        try:
            bureau, bureau_total = self._bureau(cursor, client_id)
            previous, previous_total = self._previous(cursor, client_id)
            return History(
                bureau=bureau,
                bureau_total=bureau_total,
                previous=previous,
                previous_total=previous_total,
                installments=self._installments(cursor, client_id),
                credit_card=self._card(cursor, client_id),
                pos_cash=self._pos(cursor, client_id),
            )
        finally:
            cursor.close()

    @staticmethod
    def _bureau(cursor: duckdb.DuckDBPyConnection, client_id: int) -> tuple[list[BureauCredit], int]:
        rows = cursor.execute(
            """
            SELECT SK_ID_BUREAU, CREDIT_ACTIVE, CREDIT_TYPE, DAYS_CREDIT, AMT_CREDIT_SUM, AMT_CREDIT_SUM_DEBT,
                   CREDIT_DAY_OVERDUE, count(*) OVER () AS total
            FROM bureau WHERE SK_ID_CURR = $id
            ORDER BY DAYS_CREDIT DESC, SK_ID_BUREAU LIMIT $limit
            """,
            {"id": client_id, "limit": MAX_ROWS},
        ).fetchall()
        if not rows:
            return [], 0
        ids = [int(row[0]) for row in rows]
        # A constant range lets DuckDB skip the monthly balances' row groups of other credits.
        late = dict(
            cursor.execute(
                """
                SELECT SK_ID_BUREAU, count(*) FILTER (WHERE STATUS IN ('1', '2', '3', '4', '5'))
                FROM bureau_balance
                WHERE SK_ID_BUREAU BETWEEN $low AND $high AND list_contains($ids, SK_ID_BUREAU)
                GROUP BY SK_ID_BUREAU
                """,
                {"low": min(ids), "high": max(ids), "ids": ids},
            ).fetchall()
        )
        credits = [bureau_credit((*row[1:7], late.get(row[0]))) for row in rows]
        return credits, int(rows[0][-1])

    @staticmethod
    def _previous(cursor: duckdb.DuckDBPyConnection, client_id: int) -> tuple[list[PreviousApplication], int]:
        rows = cursor.execute(
            """
            SELECT NAME_CONTRACT_TYPE, NAME_CONTRACT_STATUS, DAYS_DECISION, AMT_APPLICATION, AMT_CREDIT,
                   count(*) OVER () AS total
            FROM previous_application WHERE SK_ID_CURR = $id
            ORDER BY DAYS_DECISION DESC, SK_ID_PREV LIMIT $limit
            """,
            {"id": client_id, "limit": MAX_ROWS},
        ).fetchall()
        applications = [previous_application(row[:5]) for row in rows]
        return applications, int(rows[0][-1]) if rows else 0

    @staticmethod
    def _installments(cursor: duckdb.DuckDBPyConnection, client_id: int) -> Repayment:
        rows = cursor.execute(
            """
            WITH payments AS (
                SELECT
                    floor(-DAYS_INSTALMENT / 365.25)::INTEGER AS years_ago,
                    CASE WHEN DAYS_ENTRY_PAYMENT IS NOT NULL
                         THEN greatest(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, 0) END AS dpd,
                    AMT_PAYMENT < AMT_INSTALMENT AS underpaid
                FROM installments_payments WHERE SK_ID_CURR = $id
            )
            SELECT years_ago, count(*), count(*) FILTER (WHERE dpd > 0),
                   sum((dpd > 0)::INTEGER), count(dpd), sum(underpaid::INTEGER), count(underpaid),
                   sum(dpd) FILTER (WHERE dpd > 0)
            FROM payments GROUP BY years_ago ORDER BY years_ago
            """,
            {"id": client_id},
        ).fetchall()
        return repayment(rows)

    @staticmethod
    def _card(cursor: duckdb.DuckDBPyConnection, client_id: int) -> Card:
        query = """
            SELECT count(*), avg(AMT_BALANCE), avg(AMT_BALANCE / NULLIF(AMT_CREDIT_LIMIT_ACTUAL, 0)),
                   count(*) FILTER (WHERE SK_DPD > 0)
            FROM credit_card_balance WHERE SK_ID_CURR = $id
        """
        return card(cursor.execute(query, {"id": client_id}).fetchone())

    @staticmethod
    def _pos(cursor: duckdb.DuckDBPyConnection, client_id: int) -> Pos:
        query = """
            WITH months AS (
                SELECT SK_ID_PREV, NAME_CONTRACT_STATUS, SK_DPD,
                       row_number() OVER (PARTITION BY SK_ID_PREV ORDER BY MONTHS_BALANCE DESC) AS recency
                FROM POS_CASH_balance WHERE SK_ID_CURR = $id
            )
            SELECT count(*), count(*) FILTER (WHERE recency = 1 AND NAME_CONTRACT_STATUS = 'Active'),
                   count(*) FILTER (WHERE SK_DPD > 0)
            FROM months
        """
        return pos(cursor.execute(query, {"id": client_id}).fetchone())
