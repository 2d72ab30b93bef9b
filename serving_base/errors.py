"""Domain errors of the model services; `grpc_support` maps each to one gRPC status code."""

from __future__ import annotations


class ServingError(Exception):
    """Base of the errors a caller can act on."""


class InvalidRequestError(ServingError):
    """The request cannot be served as sent: an empty batch or one over a limit of `serving_base.limits`,
    no subject, a count out of range (INVALID_ARGUMENT); the message says what is wrong, and names the
    limit, so the caller can fix it."""


class InvalidFeaturesError(InvalidRequestError):
    """A feature is missing, unknown, not a number, infinite or beyond the bound on its magnitude, or a
    packed row of the served version has another length: the message names the feature, or both counts
    (INVALID_ARGUMENT)."""


class FeatureRowMismatchError(ServingError):
    """Packed features were read for another model version or feature service than the one served:
    refused, never reordered (FAILED_PRECONDITION: the gateway re-reads the model and the features for
    the version served now). Only that: anything re-reading cannot fix is an InvalidRequestError."""


class ModelNotReadyError(ServingError):
    """No model loaded yet (UNAVAILABLE; health says NOT_SERVING)."""
