"""The schema of the 7 Home Credit tables (8 files), read from the shipped profile of the real data.

Generator and ingest both take column names, order and dtypes from here, so they cannot disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Dtype = Literal["int64", "float64", "string"]

#: File stem -> the keys that link it to its parent tables.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "application_train": ("SK_ID_CURR",),
    "application_test": ("SK_ID_CURR",),
    "bureau": ("SK_ID_CURR", "SK_ID_BUREAU"),
    "bureau_balance": ("SK_ID_BUREAU",),
    "previous_application": ("SK_ID_PREV", "SK_ID_CURR"),
    "POS_CASH_balance": ("SK_ID_PREV", "SK_ID_CURR"),
    "installments_payments": ("SK_ID_PREV", "SK_ID_CURR"),
    "credit_card_balance": ("SK_ID_PREV", "SK_ID_CURR"),
}
TABLE_NAMES: tuple[str, ...] = tuple(TABLE_KEYS)

#: The file beside the 8 tables that holds what no feature may read: planted probability and time.
TRUTH_FILE = "synthetic_truth.csv"


@dataclass(frozen=True)
class Column:
    """One column of a real table as profiled: its dtype, null rate and distribution."""

    name: str
    dtype: Dtype
    null_rate: float
    quantiles: dict[float, float] | None
    levels: dict[str, float] | None
    integral: bool
    description: str


@cache
def profile() -> dict[str, Any]:
    """The profile of the real tables (column order, dtypes, null rates, quantiles, levels, row counts)."""
    text = resources.files("credit_features.reference").joinpath("home_credit_profile.json").read_text()
    return json.loads(text)


def _column(name: str, spec: dict[str, Any]) -> Column:
    quantiles = spec.get("quantiles")
    return Column(
        name=name,
        dtype=spec["dtype"],
        null_rate=float(spec["null_rate"]),
        quantiles={float(q): float(v) for q, v in quantiles.items()} if quantiles else None,
        levels=spec.get("levels"),
        integral=bool(spec.get("integral_values", False)),
        description=spec.get("description", ""),
    )


@cache
def columns(table: str) -> tuple[Column, ...]:
    """The columns of `table` in the real order; application_test is application_train less TARGET."""
    tables = profile()["tables"]
    if table == "application_test":
        train = {c.name: c for c in columns("application_train")}
        return tuple(train[name] for name in tables["application_test"]["columns"])
    if table not in tables:
        raise KeyError(f"unknown table {table!r}; expected one of {', '.join(TABLE_NAMES)}")
    return tuple(_column(name, spec) for name, spec in tables[table]["columns"].items())


def column_names(table: str) -> list[str]:
    """Column names of `table` in the order of the real file."""
    return [c.name for c in columns(table)]


def row_count(table: str) -> int:
    """Rows of `table` in the full-size Kaggle data (scale 1.0)."""
    return int(profile()["row_counts"][table])


def file_name(table: str) -> str:
    """The real file name of a table."""
    return f"{table}.csv"
