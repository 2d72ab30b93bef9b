"""Where the model registry lives."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from credit_common.paths import default_data_dir


class ModelSettings(BaseSettings):
    """The MLflow tracking store, from the variables MLflow itself and the data folder use."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    data_dir: Path = Field(default_factory=default_data_dir, validation_alias="CREDIT_DATA_DIR")
    tracking_uri_override: str | None = Field(
        None, validation_alias="MLFLOW_TRACKING_URI", description="A tracking server or database URI."
    )

    @property
    def tracking_uri(self) -> str:
        """MLFLOW_TRACKING_URI, or the embedded default: a SQLite file in the data folder."""
        return self.tracking_uri_override or f"sqlite:///{self.data_dir.resolve() / 'mlflow.db'}"
