"""Typed client of the gateway REST API: the UI's only way to data, with every failure made an error kind.

The answers' shapes live in ui.api_models; this module only sends requests and parses what comes back.
"""

from __future__ import annotations

import logging
import re
from enum import StrEnum
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ValidationError

from ui.api_models import (
    Bivariate,
    ClientData,
    ClientSummary,
    Comparison,
    History,
    ModelInfo,
    Offer,
    Review,
    Score,
    Simulation,
)

log = logging.getLogger(__name__)
_NOT_OFFERED = re.compile(r"feature '([^']+)' is not offered")

Language = Literal["fr", "en"]
Group = Literal["all", "similar", "filtered"]


class ErrorKind(StrEnum):
    """What went wrong, in the terms the advisor is told (texts.py words each kind)."""

    UNAVAILABLE = "unavailable"  # connection refused, timeout, 502/503/504
    UNKNOWN_CLIENT = "unknown_client"  # 404
    FORBIDDEN = "forbidden"  # 401/403: the app's key is wrong or lacks the advisor role
    INVALID = "invalid"  # 422: a value the gateway refuses
    UNEXPECTED = "unexpected"  # anything else (500, malformed answer)


class GatewayError(Exception):
    """A gateway call that did not give an answer; `detail` is the gateway's own message, if any."""

    def __init__(self, kind: ErrorKind, detail: str = "", status: int | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail, self.status = kind, detail, status


_STATUS_KINDS = {
    401: ErrorKind.FORBIDDEN,
    403: ErrorKind.FORBIDDEN,
    404: ErrorKind.UNKNOWN_CLIENT,
    422: ErrorKind.INVALID,
    502: ErrorKind.UNAVAILABLE,
    503: ErrorKind.UNAVAILABLE,
    504: ErrorKind.UNAVAILABLE,
}


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", "")
    except ValueError:
        return ""
    if isinstance(detail, list):  # FastAPI validation errors: name the fields
        return "; ".join(str(item.get("msg", item)) for item in detail if isinstance(item, dict))
    return str(detail)


class GatewayClient:
    """Synchronous, thread-safe client (Gradio runs handlers in threads); one connection pool per app."""

    def __init__(
        self, base_url: str, api_key: str, timeout: float = 10.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"X-API-Key": api_key, "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )
        self._not_comparable: set[str] = set()

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The gateway's successful answer; any failure raised as a GatewayError of its kind."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            # The path holds a client id: log the route's shape, not the id.
            log.warning("gateway unreachable", extra={"error": type(error).__name__, "method": method})
            raise GatewayError(ErrorKind.UNAVAILABLE, type(error).__name__) from error
        if response.is_success:
            return response
        kind = _STATUS_KINDS.get(response.status_code, ErrorKind.UNEXPECTED)
        level = logging.WARNING if response.status_code >= 500 else logging.INFO
        log.log(level, "gateway error", extra={"status": response.status_code, "kind": str(kind)})
        raise GatewayError(kind, _detail(response), response.status_code)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as error:
            raise GatewayError(ErrorKind.UNEXPECTED, "answer is not JSON", response.status_code) from error

    def _get(self, model: type[BaseModel], path: str, **params: Any) -> Any:
        payload = self._request("GET", path, params={k: v for k, v in params.items() if v is not None})
        return _parse(model, payload)

    def search_clients(self, prefix: str, lang: Language, limit: int = 20) -> list[ClientSummary]:
        """Clients whose id starts with `prefix` (digits only; anything else finds nobody), their contract
        and income types worded in `lang`."""
        if not prefix.isdigit():
            return []
        params = {"search": prefix[:12], "limit": limit, "lang": lang}
        payload = self._request("GET", "/v1/clients", params=params)
        return [_parse(ClientSummary, row) for row in payload]

    def client(self, client_id: int, lang: Language) -> ClientData:
        """The client's application fields, labelled and grouped in `lang`."""
        return self._get(ClientData, f"/v1/clients/{client_id}", lang=lang)

    def score(self, client_id: int, lang: Language) -> Score:
        """The decision with its reasons and, computed with it, its full explanation (one request)."""
        return self._get(Score, f"/v1/clients/{client_id}/score", lang=lang, include="explanation")

    def comparison(
        self,
        client_id: int,
        group: Group = "all",
        features: list[str] | None = None,
        filters: dict[str, str] | None = None,
    ) -> Comparison:
        return self._get(
            Comparison,
            f"/v1/clients/{client_id}/comparison",
            group=group,
            features=",".join(features) if features else None,
            **(filters or {}),
        )

    def bivariate(
        self,
        client_id: int,
        x: str,
        y: str,
        *,
        group: Group = "all",
        filters: dict[str, str] | None = None,
        limit: int = 1000,
    ) -> Bivariate:
        return self._get(
            Bivariate,
            f"/v1/clients/{client_id}/comparison/bivariate",
            x=x,
            y=y,
            group=group,
            limit=limit,
            **(filters or {}),
        )

    def comparable_features(self, client_id: int, candidates: list[str]) -> list[str]:
        """The candidates the gateway offers for comparison, in their order.

        The API names no list of comparable features, so a refused one is dropped and the call retried;
        refusals are remembered (the offer is global, the same for every client).
        """
        kept = [f for f in dict.fromkeys(candidates) if f not in self._not_comparable]
        for _ in range(len(kept)):
            try:
                self.comparison(client_id, "all", kept)
            except GatewayError as error:
                refused = _NOT_OFFERED.search(error.detail) if error.kind == ErrorKind.INVALID else None
                if refused is None or refused.group(1) not in kept:
                    raise
                self._not_comparable.add(refused.group(1))
                kept.remove(refused.group(1))
            else:
                return kept
        return kept

    def simulate(
        self, client_id: int, credit_amount: float, annuity: float | None, lang: Language
    ) -> tuple[Score, Simulation]:
        """The simulated score, and what changes against the current decision."""
        body: dict[str, float] = {"credit_amount": credit_amount}
        if annuity is not None:
            body["annuity"] = annuity
        payload = self._request(
            "POST", f"/v1/clients/{client_id}/simulation", params={"lang": lang}, json=body
        )
        return _parse(Score, payload), _parse(Simulation, payload)

    def offer(self, client_id: int) -> Offer:
        """The largest amount the served model and policy would grant at the client's term."""
        return _parse(Offer, self._request("GET", f"/v1/clients/{client_id}/offer"))

    def reviews(self, client_id: int) -> list[Review]:
        """The client's reviews, oldest first."""
        return [_parse(Review, item) for item in self._request("GET", f"/v1/clients/{client_id}/reviews")]

    def record_review(self, client_id: int, review: dict[str, str]) -> Review:
        """Record an advisor's review of the client's current decision."""
        return _parse(Review, self._request("POST", f"/v1/clients/{client_id}/reviews", json=review))

    def history(self, client_id: int, lang: Language) -> History:
        """The client's bureau credits, previous applications and repayment behaviour."""
        return self._get(History, f"/v1/clients/{client_id}/history", lang=lang)

    def letter(self, client_id: int, lang: Language) -> bytes:
        """The one-page letter to hand to the client, as PDF bytes in `lang`."""
        response = self._send(
            "GET",
            f"/v1/clients/{client_id}/letter",
            params={"lang": lang},
            headers={"Accept": "application/pdf"},
        )
        if not response.content.startswith(b"%PDF"):
            log.warning("unexpected gateway answer", extra={"model": "letter"})
            raise GatewayError(ErrorKind.UNEXPECTED, "the letter is not a PDF", response.status_code)
        return response.content

    def model(self) -> ModelInfo:
        return self._get(ModelInfo, "/v1/model")


def _parse(model: type[BaseModel], payload: Any) -> Any:
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        log.warning("unexpected gateway answer", extra={"model": model.__name__})
        raise GatewayError(ErrorKind.UNEXPECTED, f"unexpected {model.__name__} answer") from error
