"""Turning score requests into one matrix in the model's order, whatever subject each carries.

`check_requests` first, before any work: the batch's size and request ids (`serving_base.limits`).
Then client ids are read from the online store in one call; packed rows are taken as they are once
their version and feature service match the bundle's (FAILED_PRECONDITION otherwise: the caller read
them for another model) and their length is its feature count (INVALID_ARGUMENT otherwise); named
features are placed by name. Every value of the matrix is then checked at once: NaN (missing) or
finite within `MAX_FEATURE_MAGNITUDE`. Explain's reason count is checked against the model's features.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from credit_features.online import OnlineFeatures
from protos.credit.v1 import scoring_pb2
from serving_base.bundle import ModelBundle
from serving_base.errors import FeatureRowMismatchError, InvalidFeaturesError, InvalidRequestError
from serving_base.limits import check_batch_size, check_feature_values, check_request_ids


def check_requests(requests: Sequence[scoring_pb2.ScoreRequest]) -> None:
    """What can be refused before any work: an empty batch, one over the limit, a request id too long."""
    check_batch_size(len(requests))
    check_request_ids([request.request_id for request in requests])


def feature_values(vector: scoring_pb2.FeatureVector) -> dict[str, Any]:
    """Named features as Python values: null → None, number → float, bool → bool; anything else is kept
    as is so that validation names the feature that is not a number."""
    values: dict[str, Any] = {}
    for name, value in vector.values.items():
        kind = value.WhichOneof("kind")
        if kind in (None, "null_value"):
            values[name] = None
        elif kind == "number_value":
            values[name] = value.number_value
        elif kind == "bool_value":
            values[name] = value.bool_value
        elif kind == "string_value":
            values[name] = value.string_value
        else:
            values[name] = f"<{kind}>"
    return values


def packed_row(bundle: ModelBundle, row: scoring_pb2.FeatureRow) -> np.ndarray:
    """A packed row, checked against the bundle it is about to be scored by.

    Read for another version or feature service: FeatureRowMismatchError (FAILED_PRECONDITION: the
    caller re-reads the model and its features). Stamped with the served version but not holding its
    feature count: InvalidFeaturesError naming both counts (INVALID_ARGUMENT: re-reading changes nothing).
    """
    if row.model_version != bundle.version or row.feature_service != bundle.feature_service:
        raise FeatureRowMismatchError(
            f"features were read for model version {row.model_version!r} ({row.feature_service!r}); "
            f"this service serves version {bundle.version!r} ({bundle.feature_service!r})"
        )
    if len(row.values) != len(bundle.features):
        raise InvalidFeaturesError(
            f"{len(row.values)} feature values given; model version {bundle.version} "
            f"({bundle.feature_service}) takes {len(bundle.features)}, in the order of ModelInfo.features"
        )
    return np.fromiter(row.values, dtype=np.float64, count=len(row.values))


async def request_matrix(
    bundle: ModelBundle, online: OnlineFeatures, requests: list[scoring_pb2.ScoreRequest]
) -> np.ndarray:
    """Rows in the model's order for every request of a batch `check_requests` accepted (raises the
    domain error of the first bad one)."""
    subjects = [request.WhichOneof("subject") for request in requests]
    ids = [r.client_id for r, subject in zip(requests, subjects, strict=True) if subject == "client_id"]
    fetched = iter(await online.matrix_async(ids, bundle.features) if ids else [])
    matrix = np.empty((len(requests), len(bundle.features)))
    for position, (request, subject) in enumerate(zip(requests, subjects, strict=True)):
        if subject == "row":
            try:
                matrix[position] = packed_row(bundle, request.row)
            except InvalidFeaturesError as error:
                raise InvalidFeaturesError(f"request {position}: {error}") from None
        elif subject == "client_id":
            matrix[position] = next(fetched)
        elif subject == "features":
            matrix[position] = bundle.vector(feature_values(request.features))
        else:
            raise InvalidRequestError(f"request {position}: give a client_id, a row or features")

    def origin(position: int) -> str:
        if subjects[position] == "client_id":
            return f"request {position} (client {requests[position].client_id}, from the online store)"
        return f"request {position}"

    check_feature_values(matrix, bundle.features, origin)
    return matrix


def reasons_each_way(bundle: ModelBundle, requests: Sequence[scoring_pb2.ScoreRequest]) -> list[int]:
    """How many contributions each way every request asks Explain for, none beyond the model's features.

    `top_each_way` is a uint32: a client's negative number arrives as a huge one (-1 as 4294967295)
    and would silently list every feature, as 0 does; refused, the caller learns of its mistake.
    """
    limit = len(bundle.features)
    for position, request in enumerate(requests):
        if request.top_each_way > limit:
            raise InvalidRequestError(
                f"request {position}: top_each_way {request.top_each_way} exceeds the {limit} features of "
                f"model version {bundle.version} (0 lists them all; a negative number arrives this large)"
            )
    return [request.top_each_way for request in requests]
