"""Every failure of an online-store call is a 503-to-be, except what a caller acts on."""

from __future__ import annotations

import pytest

from credit_features.catalog import view_of
from credit_features.errors import FeatureStoreUnavailableError, UnknownClientError, UnknownFeatureError
from credit_features.store_failures import unavailable_on_failure

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "raised",
    [
        ConnectionResetError("reset by peer"),
        # what a connection torn down under a command raised in redis-py, not a RedisError
        AttributeError("'NoneType' object has no attribute 'readline'"),
        KeyError(4321),
    ],
)
def test_any_failure_of_the_store_is_the_store_unavailable(raised: Exception) -> None:
    with (
        pytest.raises(
            FeatureStoreUnavailableError, match=f"the application store unavailable: {type(raised).__name__}"
        ),
        unavailable_on_failure("the application store"),
    ):
        raise raised


def test_the_failure_is_logged_by_its_type_without_its_message(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(FeatureStoreUnavailableError), unavailable_on_failure("the online feature store"):
        raise ValueError("income 52000.0")
    (record,) = caplog.records
    assert record.error == "ValueError"
    assert record.store == "the online feature store"
    assert "52000" not in caplog.text


@pytest.mark.parametrize("raised", [UnknownClientError(12), FeatureStoreUnavailableError("down")])
def test_what_a_caller_acts_on_passes_through(raised: Exception) -> None:
    with pytest.raises(type(raised)) as caught, unavailable_on_failure("the online feature store"):
        raise raised
    assert caught.value is raised


def test_an_unknown_feature_is_a_mistake_not_the_store_down() -> None:
    with pytest.raises(UnknownFeatureError, match="NOT_A_FEATURE"), unavailable_on_failure("the store"):
        view_of("NOT_A_FEATURE")
