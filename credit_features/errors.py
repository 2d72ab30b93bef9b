"""Errors of the features core that callers act on (serving maps each to one status code)."""

from __future__ import annotations


class FeatureStoreError(RuntimeError):
    """The feature store could not be configured, applied or read as asked."""


class FeatureStoreUnavailableError(FeatureStoreError):
    """The online store cannot be read now (down, stalled, refused): retry later."""


class UnknownClientError(LookupError):
    """No online features for this client id."""

    def __init__(self, client_id: int) -> None:
        super().__init__(f"unknown client {client_id}: no features in the online store")
        self.client_id = client_id


class UnknownFeatureError(KeyError):
    """A feature name no feature SQL defines: a caller's mistake, never the store being down."""
