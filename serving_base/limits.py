"""What a request to the model services may hold, each limit stated once here with why.

Every limit is checked before any work (no online store read, no model evaluation) and a request
over one is refused with INVALID_ARGUMENT naming the limit, so a caller learns what to change instead
of meeting RESOURCE_EXHAUSTED once the work is done:

* `MAX_BATCH` rows a batch, and fewer when the answer would not fit `MESSAGE_BYTES`: an Explain answer
  row listing every contribution (`top_each_way` 0) takes some 27 kB, so ExplainBatch's limit depends
  on the reasons asked. Each service bounds its answer row's size by serializing the largest answer
  its model can give (`explain_service.responses.largest_body`, `scoring_service.servicer.largest_answer`)
  and `answer_rows` turns that into rows;
* `MAX_REQUEST_ID_BYTES`: the request id is echoed in the answer, so its length counts in that bound;
* `MAX_FEATURE_MAGNITUDE`: a feature value is NaN (missing) or finite within ±1e15 (`check_feature_values`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from google.protobuf.message import Message

from serving_base.errors import InvalidFeaturesError, InvalidRequestError

#: The largest message a platform client accepts: gRPC's default receive limit (4 MiB), which the
#: platform's channels state explicitly (`serving_base.channels`) and grpcurl and other clients keep
#: unless told otherwise. Every answer must fit it: a batch whose answer could exceed it is refused up
#: front. Requests are held to it by the servers' own receive limit (gRPC answers RESOURCE_EXHAUSTED
#: before any handler runs): 1,000 packed rows of the model's 421 features take 3.4 MB, fine; named
#: features take some 17 kB a row, so they go in batches of up to about 240.
MESSAGE_BYTES = 4 * 1024 * 1024

#: The most rows a batch may hold, whatever their answer's size: bounds a call's work (the online
#: store read, the model evaluation) to well under the callers' deadlines.
MAX_BATCH = 1000

#: The longest request id a request may carry, in UTF-8 bytes: the answer echoes it, so it is part of
#: the bound on an answer's size. Four times a UUID with its dashes (36); the gateway sends 32 hex digits.
MAX_REQUEST_ID_BYTES = 128

#: The largest magnitude a feature value may have. Real values stay far below it: amounts of money under
#: 1e9 (the real data's largest income is 1.2e8, credit_features.field_bounds; the sampled amounts of
#: credit_features/reference stay under 3e7), a client's sums over a whole history under 1e11, day counts
#: under 4e4 (or the 365,243 code), other counts under 1e4, and ratios, whose denominators are guarded
#: against zero (NULLIF in feature_repo/sql), under 1e11 even over a cent: 1e15 is four orders of
#: magnitude above the largest of them. And it stays below 2**53 (9.007e15), where float64 stops holding
#: every whole number: up to the bound an amount or a day count is exact, and the models' arithmetic on
#: it (a linear model's centring and scaling, sums of features) means what it says. Beyond it lie typing
#: errors, unit errors and overflows (1e308 squared is infinite), which a model would score as
#: confidently as a real application.
MAX_FEATURE_MAGNITUDE = 1e15


def element_bytes(message: Message) -> int:
    """The bytes `message` takes as one element of a repeated field numbered 1 to 15 (a batch answer's
    `responses`): its one-byte tag, its length as a varint, then its own bytes."""
    size = message.ByteSize()
    return 1 + max(1, (size.bit_length() + 6) // 7) + size


def answer_rows(row_bytes: int) -> int:
    """How many answer rows of at most `row_bytes` each a batch may hold: within `MESSAGE_BYTES`, and
    `MAX_BATCH` at most."""
    return min(MAX_BATCH, MESSAGE_BYTES // row_bytes)


def check_batch_size(count: int) -> None:
    """Refuse an empty batch and one over `MAX_BATCH` (InvalidRequestError naming the limit)."""
    if not count:
        raise InvalidRequestError("the batch holds no request")
    if count > MAX_BATCH:
        raise InvalidRequestError(f"batch of {count} rows exceeds the limit of {MAX_BATCH}")


def check_request_ids(request_ids: Sequence[str]) -> None:
    """Refuse a request id over `MAX_REQUEST_ID_BYTES` (InvalidRequestError naming the request)."""
    for position, request_id in enumerate(request_ids):
        # A character takes at most 4 bytes: only a long id is encoded to be measured.
        if len(request_id) * 4 > MAX_REQUEST_ID_BYTES and len(request_id.encode()) > MAX_REQUEST_ID_BYTES:
            raise InvalidRequestError(
                f"request {position}: a request_id of {len(request_id.encode())} bytes exceeds the limit "
                f"of {MAX_REQUEST_ID_BYTES} bytes (UTF-8)"
            )


def check_answer_size(answer_bytes: int, rows: int, allowed: Callable[[], str]) -> None:
    """Refuse a batch of `rows` whose answer could take `answer_bytes`, over `MESSAGE_BYTES`; `allowed`
    says how many rows a batch may hold (called only then, for the message)."""
    if answer_bytes <= MESSAGE_BYTES:
        return
    raise InvalidRequestError(
        f"the answer to {rows:,} rows could take {answer_bytes:,} bytes, over the {MESSAGE_BYTES:,}-byte "
        f"limit of a gRPC message; a batch holds at most {allowed()}"
    )


def check_feature_values(matrix: np.ndarray, features: Sequence[str], origin: Callable[[int], str]) -> None:
    """Refuse a matrix holding an infinite value or one beyond ±`MAX_FEATURE_MAGNITUDE`, naming the
    first one's row (`origin` of its position), feature and the bound. NaN is a missing value: accepted.

    One vectorised test over the whole matrix (a few microseconds a row); the message is built only
    when it fails.
    """
    beyond = np.abs(matrix) > MAX_FEATURE_MAGNITUDE  # NaN compares False; ±inf is beyond
    if not beyond.any():
        return
    row, column = (int(i) for i in np.argwhere(beyond)[0])
    value = float(matrix[row, column])
    what = "is infinite" if np.isinf(value) else f"is {value:.6g}"
    raise InvalidFeaturesError(
        f"{origin(row)}: feature {features[column]} {what}; a feature value must be finite and within "
        f"±{MAX_FEATURE_MAGNITUDE:.0e} (NaN marks a missing value)"
    )
