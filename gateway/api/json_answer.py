"""The decision path's answers as JSON, serialized once from what the views built.

Why: a route that returns a value has it validated by FastAPI against its response model, then
serialized. A score with its reasons is some forty objects (16 KB of JSON), and building them as
pydantic models, validating and serializing them took a third of the gateway's CPU per decision
(profiled under load). The views build exactly the fields the response models describe, so the
decision path's routes return them as bytes directly; the models still document the routes, and
tests/gateway/test_json_answer.py validates these bytes against them.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class JSONAnswer(JSONResponse):
    """JSON by orjson: NaN and infinities as null, as pydantic writes them; a value it cannot serialize
    fails the request rather than being written as something else. A JSONResponse, so that OpenAPI
    documents the route's response model."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
