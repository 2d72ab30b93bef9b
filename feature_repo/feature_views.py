"""One batch feature view per source table, each over the Parquet table built by DuckDB SQL.

Schemas and descriptions come from the SQL itself (credit_features.catalog), the one source of truth
for what a feature is and means.
"""

from __future__ import annotations

from datetime import timedelta

from common import OWNER, client, feature_table_path
from feast import FeatureView, Field, FileSource
from feast.types import Float64

from credit_features.catalog import feature_catalog

# An application's features stay valid for the life of a credit decision file.
FEATURE_TTL = timedelta(days=3650)


def _source(view: str) -> FileSource:
    return FileSource(
        name=f"{view}_source",
        path=feature_table_path(view),
        timestamp_field="event_timestamp",
        created_timestamp_column="created_timestamp",
        description=f"Parquet table of the '{view}' features, built by feature_repo/sql/{view}.sql.",
        owner=OWNER,
    )


def _view(view: str, description: str, source: FileSource, pii: bool = False) -> FeatureView:
    return FeatureView(
        name=view,
        entities=[client],
        ttl=FEATURE_TTL,
        schema=[
            Field(name=spec.name, dtype=Float64, description=spec.description)
            for spec in feature_catalog()[view]
        ],
        source=source,
        online=True,
        description=description,
        owner=OWNER,
        tags={"domain": view, "pii": str(pii).lower()},
    )


# New applications are not pushed through Feast: the gateway writes their features itself, in Feast's
# Redis layout (credit_features.redis_layout), in the same transaction as the application record and its
# id (README, "New applications in real time").
application = _view(
    "application",
    "What the client declared in the application, cleaned, encoded and as ratios.",
    _source("application"),
    pii=True,
)
bureau = _view(
    "bureau", "Credits at other institutions (credit bureau) and their monthly statuses.", _source("bureau")
)
previous = _view("previous", "The client's previous applications at Prêt à dépenser.", _source("previous"))
pos_cash = _view(
    "pos_cash", "Monthly snapshots of previous point-of-sale and cash loans.", _source("pos_cash")
)
installments = _view(
    "installments",
    "Repayment history of previous credits, instalment by instalment.",
    _source("installments"),
)
credit_card = _view("credit_card", "Monthly balances of previous credit cards.", _source("credit_card"))

BATCH_VIEWS = [application, bureau, previous, pos_cash, installments, credit_card]
