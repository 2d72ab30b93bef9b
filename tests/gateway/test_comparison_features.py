"""A starting gateway waits for a registry that does not answer yet, not for a champion that is missing."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from credit_model.registry import ModelUri
from gateway.client_file import comparison_features as module
from gateway.client_file.comparison_features import IMPORTANCE_ARTIFACT, comparison_features
from tests.async_run import run_coroutine

pytestmark = pytest.mark.unit
IMPORTANCE = {"EXT_SOURCE_2": 0.4, "EXT_SOURCE_3": 0.3, "DAYS_BIRTH": 0.1}


class StartingRegistry:
    """A registry whose first `refusals` calls meet a closed port, as one still starting does."""

    def __init__(self, refusals: int, answer: Exception | None = None) -> None:
        self.refusals = refusals
        self.answer = answer
        self.calls = 0

    def run_json(self, uri: ModelUri, path: str) -> Any:
        self.calls += 1
        assert (uri.alias, path) == ("champion", IMPORTANCE_ARTIFACT)
        if self.calls <= self.refusals:
            raise ConnectionRefusedError(111, "Connection refused")
        if self.answer is not None:
            raise self.answer
        return IMPORTANCE


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> StartingRegistry:
    monkeypatch.setattr(module, "RETRY_SECONDS", 0.01)
    started = StartingRegistry(refusals=3)
    monkeypatch.setattr(module, "open_registry", lambda: started)
    return started


def test_the_features_come_once_the_registry_answers_and_the_wait_is_said_once(
    registry: StartingRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=module.__name__):
        assert run_coroutine(comparison_features(2)) == ["EXT_SOURCE_2", "EXT_SOURCE_3"]
    assert registry.calls == 4
    assert [r.getMessage() for r in caplog.records] == ["waiting for the registry"]


def test_a_registry_that_never_answers_fails_the_start_after_the_wait(registry: StartingRegistry) -> None:
    registry.refusals = 10**6
    with pytest.raises(ConnectionRefusedError):
        run_coroutine(comparison_features(2, wait_seconds=0.1))
    assert 2 <= registry.calls < 100, "tried again until the deadline, then given up"


def test_a_missing_champion_is_not_waited_for(registry: StartingRegistry) -> None:
    registry.refusals, registry.answer = 0, FileNotFoundError("models:/credit-default@champion")
    with pytest.raises(FileNotFoundError):
        run_coroutine(comparison_features(2))
    assert registry.calls == 1
