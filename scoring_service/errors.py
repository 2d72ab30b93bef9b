"""Domain errors of scoring and explanation; servicers map each to one gRPC status code."""

from __future__ import annotations


class ScoringError(Exception):
    """Base of the errors a caller can act on."""


class InvalidFeaturesError(ScoringError):
    """A feature is missing, unknown or not a number: the message names it (INVALID_ARGUMENT)."""


class UnknownClientError(ScoringError):
    """No online features for this client id (NOT_FOUND)."""

    def __init__(self, client_id: int) -> None:
        super().__init__(f"unknown client {client_id}: no features in the online store")
        self.client_id = client_id


class ModelNotReadyError(ScoringError):
    """No model loaded yet (UNAVAILABLE; health says NOT_SERVING)."""


class FeatureStoreUnavailableError(ScoringError):
    """The online store cannot be read (UNAVAILABLE)."""
