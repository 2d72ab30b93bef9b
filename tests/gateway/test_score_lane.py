"""Which requests the score's lane takes (gateway.api.score_lane): exactly those FastAPI's route would
accept as they are; everything else is left to the route, which answers its own 422 or 403."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import Match

from credit_common.client_ids import MAX_CLIENT_ID
from gateway.admission.auth import Caller
from gateway.api.score_lane import TEMPLATE, ScoreLane

pytestmark = pytest.mark.unit

ADVISOR = Caller("ui", frozenset({"advisor"}))


def scope(
    path: str, query: str = "", *, method: str = "GET", caller: Caller | None = ADVISOR
) -> dict[str, Any]:
    """An HTTP request's scope as the admission middleware hands it on (its caller in the state)."""
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode("latin-1"),
        "state": {} if caller is None else {"caller": caller},
    }


@pytest.mark.parametrize(
    ("query", "asked"),
    [
        ("", {"lang": "en", "full": False}),
        ("lang=fr", {"lang": "fr", "full": False}),
        ("include=explanation", {"lang": "en", "full": True}),
        ("lang=fr&include=explanation", {"lang": "fr", "full": True}),
        ("lang=en&lang=fr", {"lang": "fr", "full": False}),  # the last one, as FastAPI reads it
        ("other=1", {"lang": "en", "full": False}),  # a parameter the route does not declare is ignored
    ],
)
def test_a_request_the_route_accepts_is_taken_with_what_it_asks(query: str, asked: dict[str, Any]) -> None:
    match, child = ScoreLane().matches(scope("/v1/clients/100002/score", query))
    assert match is Match.FULL
    assert child["score_asked"] == {"client_id": 100002, **asked}
    assert child["path_params"] == {"client_id": 100002}
    assert child["route"].path == TEMPLATE, "metrics and logs name the route, never the client"


@pytest.mark.parametrize(
    "request_scope",
    [
        scope("/v1/clients/0/score"),
        scope("/v1/clients/0100/score"),
        scope("/v1/clients/+100/score"),
        scope("/v1/clients/1_000/score"),
        scope("/v1/clients/1000000000000/score"),  # 13 digits
        scope(f"/v1/clients/{MAX_CLIENT_ID + 1}/score"),
        scope("/v1/clients/100002/score/"),
        scope("/v1/clients/100002/explanation"),
        scope("/v1/clients/100002/score", "lang=de"),
        scope("/v1/clients/100002/score", "lang="),
        scope("/v1/clients/100002/score", "include=everything"),
        scope("/v1/clients/100002/score", "include="),
        scope("/v1/clients/100002/score", method="POST"),
        scope("/v1/clients/100002/score", caller=None),
        scope("/v1/clients/100002/score", caller=Caller("auditor", frozenset({"reviewer"}))),
        {"type": "websocket", "path": "/v1/clients/100002/score"},
    ],
)
def test_anything_else_is_left_to_the_route(request_scope: dict[str, Any]) -> None:
    assert ScoreLane().matches(request_scope)[0] is Match.NONE


def test_the_largest_client_id_is_taken() -> None:
    assert ScoreLane().matches(scope(f"/v1/clients/{MAX_CLIENT_ID}/score"))[0] is Match.FULL
