"""The client's file's two tables, as built from the data folder: every known client's application
fields, and the comparison population (feature columns and past outcomes).

One definition for both readers: the gateway builds them from the folder it mounts, and the publish job
builds the same tables to copy into the shared database (credit_features.client_file_snapshot). Rows are
in one order that does not depend on the columns read, so a table built with fewer columns has the
same rows in the same order, and a comparison (a sample, the nearest neighbours) is the same whichever
source it was read from.
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credit_common.data_layout import DataLayout
from credit_features.tables import column_names

#: The application fields of a client, without TARGET (the outcome is never part of a file's fields).
APPLICATION_FIELDS = column_names("application_test")
#: The client id, first column of both tables.
CLIENT_ID = "SK_ID_CURR"
#: A past client's outcome: 1 defaulted, 0 repaid (training applications only; null for the others).
OUTCOME = "TARGET"
APPLICATION_TABLES = ("application_train", "application_test")
#: The population's row order while it is built (not a column of the result).
_ORDER = "population_row"


def application_fields(layout: DataLayout) -> pa.Table:
    """Both application tables' fields, one row per client, sorted by id."""
    sources = [layout.parquet / f"{name}.parquet" for name in APPLICATION_TABLES]
    missing = [str(path) for path in sources if not path.exists()]
    if missing:
        raise FileNotFoundError(f"application tables not found: {', '.join(missing)}")
    tables = [pq.read_table(path, columns=list(APPLICATION_FIELDS)) for path in sources]
    table = pa.concat_tables(tables, promote_options="permissive")
    return table.take(pc.sort_indices(table[CLIENT_ID]))


def _is_feature(field: pa.Field) -> bool:
    """A numeric column (Feast's event and creation timestamps are not features)."""
    kind = field.type
    return pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind)


def population(layout: DataLayout, columns: Collection[str] | None = None) -> pa.Table:
    """The id, the feature columns asked for (None: every numeric column) and the outcome, one row per
    client of the feature tables: in the first table's row order (tables in name order), then any
    client only the others hold, by id.

    A column found in two feature tables is read from the first. Without the
    ingested training applications there is no outcome column, and comparisons are shown undivided.
    """
    tables = sorted(layout.features.glob("*.parquet"))
    if not tables:
        raise FileNotFoundError(f"no feature tables under {layout.features}")
    # The first table's rows give the order, whichever columns are read (file_row_number is stable).
    first = f"read_parquet('{tables[0]}', file_row_number=true)"
    selects = [f"SELECT {CLIENT_ID}, file_row_number AS {_ORDER} FROM {first}"]
    taken: set[str] = set()
    for table in tables:
        names = [
            field.name
            for field in pq.read_schema(table)
            if _is_feature(field) and field.name != CLIENT_ID and field.name not in taken
        ]
        chosen = names if columns is None else [n for n in names if n in columns]
        if chosen:
            taken.update(chosen)
            quoted = ", ".join(f'"{name}"' for name in chosen)
            selects.append(f"SELECT {CLIENT_ID}, {quoted} FROM read_parquet('{table}')")
    query = f"SELECT * FROM ({selects[0]})" + "".join(
        f" FULL OUTER JOIN ({select}) USING ({CLIENT_ID})" for select in selects[1:]
    )
    outcomes = layout.parquet / f"{APPLICATION_TABLES[0]}.parquet"
    if outcomes.is_file():
        query = (
            f"SELECT p.*, o.{OUTCOME} FROM ({query}) p "
            f"LEFT JOIN read_parquet('{outcomes}') o USING ({CLIENT_ID})"
        )
    ordered = f"SELECT * EXCLUDE ({_ORDER}) FROM ({query}) ORDER BY {_ORDER} NULLS LAST, {CLIENT_ID}"
    return duckdb.connect().sql(ordered).to_arrow_table()
