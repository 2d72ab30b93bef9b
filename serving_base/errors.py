"""Domain errors of the model services; `grpc_support` maps each to one gRPC status code."""

from __future__ import annotations


class ServingError(Exception):
    """Base of the errors a caller can act on."""


class InvalidRequestError(ServingError):
    """The request cannot be served as sent: an empty or oversized batch, no subject, a count out of
    range (INVALID_ARGUMENT); the message says what is wrong, so the caller can fix it."""


class InvalidFeaturesError(InvalidRequestError):
    """A feature is missing, unknown or not a number: the message names it (INVALID_ARGUMENT)."""


class FeatureRowMismatchError(ServingError):
    """Packed features were read for another model version or feature service, or have another length:
    refused, never reordered (FAILED_PRECONDITION: re-read them for the version served now)."""


class ModelNotReadyError(ServingError):
    """No model loaded yet (UNAVAILABLE; health says NOT_SERVING)."""
