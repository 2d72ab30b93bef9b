"""The features core's settings and the Feast configuration built from them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from credit_features.backend import online_backend, redis_address
from credit_features.settings import FeatureSettings
from credit_features.store import repo_config

pytestmark = pytest.mark.unit


def test_feast_configuration_comes_from_settings_without_touching_the_environment(tmp_path: Path) -> None:
    # given settings that differ from the process environment
    settings = FeatureSettings(CREDIT_DATA_DIR=tmp_path, REDIS_CONNECTION_STRING="redis.example:6380,db=3")
    before = dict(os.environ)
    # when the Feast configuration is built for both backends
    redis_config = repo_config(settings, "redis")
    sqlite_config = repo_config(settings, "sqlite")
    # then it holds the settings' values and the environment is unchanged
    assert redis_config.online_store.connection_string == "redis.example:6380,db=3"
    assert str(tmp_path) in str(redis_config.registry.path), "the registry lives in the data folder"
    assert str(tmp_path) in sqlite_config.online_store.path, "the SQLite online store too"
    assert dict(os.environ) == before, "nothing writes os.environ"
    assert redis_address(settings) == ("redis.example", 6380)


def test_an_explicit_backend_is_taken_as_is_and_a_bad_one_names_the_variable() -> None:
    assert online_backend(FeatureSettings(FEAST_ONLINE_STORE="SQLite")) == "sqlite"
    with pytest.raises(ValidationError, match="FEAST_ONLINE_STORE"):
        FeatureSettings(FEAST_ONLINE_STORE="memcached")
