"""Entity and locations shared by every feature definition of the credit-scoring repo."""

from __future__ import annotations

from feast import Entity, ValueType

from credit_features.settings import FeatureSettings

OWNER = "risk-data@pret-a-depenser.example"


def feature_table_path(view: str) -> str:
    """Absolute path of a feature view's Parquet table, so no path depends on the caller's cwd."""
    return str(FeatureSettings().data_dir / "features" / f"{view}.parquet")


client = Entity(
    name="client",
    join_keys=["SK_ID_CURR"],
    value_type=ValueType.INT64,
    description="A loan applicant, identified by the application id SK_ID_CURR.",
    owner=OWNER,
    tags={"domain": "credit", "pii": "false"},
)
