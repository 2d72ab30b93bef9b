"""The error answers of the API, documented once: every status a route can return is in its OpenAPI.

Clients generated from the document (and the contract tests) rely on it: an answer whose status or
body shape the document does not list is a bug of the API, not of the client.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
}
_MEANING = {
    401: ("Missing or invalid API key.", {"WWW-Authenticate": {"schema": {"type": "string"}}}),
    403: ("The API key lacks the role this route needs.", {}),
    404: ("Unknown client.", {}),
    409: ("A client with this id already has an application.", {}),
    413: ("The request body is larger than the gateway accepts.", {}),
    429: ("Too many requests (per API key, per address, or failed keys): retry later.", _RETRY_AFTER),
    503: ("A dependency (scoring, explanation, online store) is unavailable: retry later.", _RETRY_AFTER),
}


class ErrorOut(BaseModel):
    """Every error answer except 422 (whose body lists each invalid input)."""

    detail: str


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route or router for these error statuses."""
    documented: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        description, headers = _MEANING[code]
        documented[code] = {"model": ErrorOut, "description": description}
        if headers:
            documented[code]["headers"] = headers
    return documented


#: What every authenticated route may answer before its own logic runs.
AUTHENTICATED = responses(401, 403, 429)
