"""A new or simulated application's raw fields to its application-view features, or a 422 naming the field."""

from __future__ import annotations

import math
from typing import Any

from fastapi.exceptions import RequestValidationError

from credit_features.application import application_row


def application_values(record: dict[str, Any]) -> dict[str, float]:
    """The application view's features (NaN where missing), computed by application.sql compiled."""
    try:
        return application_row(record)
    except ValueError as error:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": str(error), "type": "value_error"}]
        ) from error


def as_features(values: dict[str, float]) -> dict[str, float | None]:
    """Feature values as the decision path takes them: None where missing."""
    return {name: None if math.isnan(value) else value for name, value in values.items()}
