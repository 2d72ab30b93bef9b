"""A known client's score, routed ahead of FastAPI's route for it: the request the decision path serves
hundreds of times a second, answered without FastAPI's per-request machinery.

Why: under load, FastAPI's layers between the router and the endpoint (its included-router dispatch,
the request-response wrapper, solving the dependencies, validating the path and query parameters)
took a fifth of a gateway worker's CPU per decision (py-spy at 300 req/s), for a request that has one
path parameter, two optional query parameters and a caller the admission middleware has already
authenticated.

The lane takes only requests it reads exactly as FastAPI's route would: a GET of a canonical client id,
`lang` and `include` among their documented values, and a caller with a role that the route admits.
Anything else (a malformed id, an unknown language, a key without the role) does not match here, and
FastAPI's route answers it with its own 422 or 403. Both serve the same answer (`score_answer`); the
lane's failures go through the app's exception handlers, as the route's do. The route remains what
documents the request in OpenAPI (tests/gateway/test_score_lane.py holds the two to the same answers).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from credit_common.client_ids import MAX_CLIENT_ID
from gateway.admission.middleware import admitted_caller
from gateway.api.deps import ADVISOR, SERVICE
from gateway.api.json_answer import JSONAnswer
from gateway.api.routers.scores import score_answer

#: The route's template: what metrics, logs and traces name the request by.
TEMPLATE = "/v1/clients/{client_id}/score"
_PATH = re.compile(r"/v1/clients/([1-9][0-9]{0,11})/score")
_LANGUAGES = frozenset({"en", "fr"})
_INCLUDES = frozenset({"explanation"})
_ROLES = frozenset({ADVISOR, SERVICE})
_NO_MATCH: tuple[Match, dict[str, Any]] = (Match.NONE, {})


class ScoreLane(BaseRoute):
    """`GET /v1/clients/{client_id}/score` for the requests FastAPI's route would accept as they are."""

    path = path_format = TEMPLATE  # read by the metrics middleware and by FastAPI's tracing

    def matches(self, scope: Scope) -> tuple[Match, dict[str, Any]]:
        if scope["type"] != "http" or scope["method"] != "GET":
            return _NO_MATCH
        found = _PATH.fullmatch(scope["path"])
        if found is None or (client_id := int(found[1])) > MAX_CLIENT_ID:
            return _NO_MATCH
        caller = admitted_caller(scope)
        if caller is None or not caller.roles & _ROLES:
            return _NO_MATCH
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        language, include = query.get("lang", "en"), query.get("include")
        if language not in _LANGUAGES or (include is not None and include not in _INCLUDES):
            return _NO_MATCH
        asked = {"client_id": client_id, "lang": language, "full": include is not None}
        return Match.FULL, {"path_params": {"client_id": client_id}, "route": self, "score_asked": asked}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked = scope["score_asked"]
        state = scope["app"].state.gateway
        body = await score_answer(state, asked["client_id"], asked["lang"], full=asked["full"])
        await JSONAnswer(body)(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)  # the route FastAPI documents is the one to name
