"""UI configuration from UI_* environment variables; built once by `get_settings()`, never at import."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class UISettings(BaseSettings):
    """Where the app listens, the gateway it calls with which key, and who may log in."""

    model_config = SettingsConfigDict(env_prefix="UI_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=0, le=65535)
    gateway_url: str = Field("http://127.0.0.1:8000", description="Base URL of the gateway REST API.")
    api_key: SecretStr = Field(SecretStr(""), description="The app's service key (role advisor).")
    timeout: float = Field(10.0, gt=0, description="Seconds before a gateway call is given up.")
    users: dict[str, str] = Field(
        default_factory=dict,
        description="Advisors' logins, JSON {username: hash}; hash with `python -m ui.auth PASSWORD`.",
    )
    allow_anonymous: bool = Field(False, description="Serve without a login when no user is configured.")
    default_language: Literal["fr", "en"] = "fr"
    log_level: str = "INFO"


@cache
def get_settings() -> UISettings:
    """The process's settings, read from the environment on first use."""
    return UISettings()
