"""The client's history as a shared database holds it: tables the publish job writes (training) and
the client file reads (gateway), so that N gateway machines read one PostgreSQL instead of each
mounting the raw Parquet files.

The raw tables are summarised once, at publish time, to what the History view shows: one row per
bureau credit (its late months counted) and per earlier application, one per client and year of
repayments, one per client for cards and for point-of-sale loans. A request then reads its client's
rows by index, whatever the size of the raw tables.
"""

from __future__ import annotations

#: Each table's columns (PostgreSQL types), in the order the publish job writes them.
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "history_bureau": (
        ("client_id", "BIGINT NOT NULL"),
        ("bureau_id", "BIGINT NOT NULL"),
        ("credit_active", "TEXT"),
        ("credit_type", "TEXT"),
        ("days_credit", "DOUBLE PRECISION"),
        ("amount", "DOUBLE PRECISION"),
        ("debt", "DOUBLE PRECISION"),
        ("overdue_days", "BIGINT"),
        ("months_late", "BIGINT"),  # NULL: no monthly balance for the credit
    ),
    "history_previous": (
        ("client_id", "BIGINT NOT NULL"),
        ("previous_id", "BIGINT NOT NULL"),
        ("contract_type", "TEXT"),
        ("status", "TEXT"),
        ("days_decision", "DOUBLE PRECISION"),
        ("amount_asked", "DOUBLE PRECISION"),
        ("amount_granted", "DOUBLE PRECISION"),
    ),
    "history_repayment_years": (
        ("client_id", "BIGINT NOT NULL"),
        ("years_ago", "INTEGER"),
        ("payments", "BIGINT NOT NULL"),
        ("late_payments", "BIGINT NOT NULL"),
        ("late", "BIGINT"),
        ("known", "BIGINT NOT NULL"),
        ("underpaid", "BIGINT"),
        ("compared", "BIGINT NOT NULL"),
        ("days_late", "DOUBLE PRECISION"),
    ),
    "history_card": (
        ("client_id", "BIGINT PRIMARY KEY"),
        ("months", "BIGINT NOT NULL"),
        ("mean_balance", "DOUBLE PRECISION"),
        ("mean_utilisation", "DOUBLE PRECISION"),
        ("months_overdue", "BIGINT NOT NULL"),
    ),
    "history_pos": (
        ("client_id", "BIGINT PRIMARY KEY"),
        ("months", "BIGINT NOT NULL"),
        ("active_loans", "BIGINT NOT NULL"),
        ("months_overdue", "BIGINT NOT NULL"),
    ),
}


def libpq_url(url: str) -> str:
    """A PostgreSQL URL as psycopg takes it (SQLAlchemy's `postgresql+psycopg://` form accepted, as
    the reviews' setting uses it)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
