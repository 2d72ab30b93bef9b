"""The app's copy of the REST shapes (ui/api_models.py) against the gateway's OpenAPI: every field the
app reads is one the gateway answers, with types the app accepts, required when the app requires it.

The app does not import the gateway's schemas (they import the features core); this test is what keeps
the two in step. A field the gateway adds is fine; one it drops, renames, makes optional or retypes
fails here, naming the route and the field's path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from gateway.api.app import create_app
from gateway.settings import GatewaySettings
from ui import api_models as ui
from ui import gateway_client

pytestmark = pytest.mark.unit

#: What the app reads from each answer: (method, path) -> its model (a list: an array of them).
UI_READS: dict[tuple[str, str], tuple[type[BaseModel], bool]] = {
    ("get", "/v1/clients"): (ui.ClientSummary, True),
    ("get", "/v1/clients/{client_id}"): (ui.ClientData, False),
    ("get", "/v1/clients/{client_id}/score"): (ui.Score, False),
    ("get", "/v1/clients/{client_id}/comparison"): (ui.Comparison, False),
    ("get", "/v1/clients/{client_id}/comparison/bivariate"): (ui.Bivariate, False),
    ("post", "/v1/clients/{client_id}/simulation"): (ui.Simulation, False),
    ("get", "/v1/clients/{client_id}/offer"): (ui.Offer, False),
    ("get", "/v1/clients/{client_id}/reviews"): (ui.Review, True),
    ("post", "/v1/clients/{client_id}/reviews"): (ui.Review, False),
    ("get", "/v1/clients/{client_id}/history"): (ui.History, False),
    ("get", "/v1/model"): (ui.ModelInfo, False),
}
#: The simulation's answer is read twice: as a decision too.
ALSO_READ = {("post", "/v1/clients/{client_id}/simulation"): ui.Score}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return create_app(GatewaySettings()).openapi()


def resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref followed (OpenAPI's components, or pydantic's $defs)."""
    while "$ref" in schema:
        *_, kind, name = schema["$ref"].split("/")
        schema = root["components"]["schemas"][name] if kind == "schemas" else root["$defs"][name]
    return schema


def alternatives(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    """The resolved schemas a value may match (anyOf/oneOf flattened)."""
    schema = resolve(schema, root)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return [alt for option in options for alt in alternatives(option, root)]
    return [schema]


def kind(schema: dict[str, Any]) -> str:
    """A schema's JSON kind: object, array, string, number (integers included), boolean, null, any."""
    if "const" in schema or "enum" in schema:
        values = schema.get("enum", [schema.get("const")])
        return "string" if all(isinstance(v, str) for v in values) else "any"
    if schema.get("type") == "integer":
        return "number"
    return schema.get("type") or ("object" if "properties" in schema else "any")


def mismatches(app: dict, app_root: dict, api: dict, api_root: dict, where: str) -> list[str]:
    """How the app's schema fails to accept what the API's promises (empty: it accepts it)."""
    app_options, api_options = alternatives(app, app_root), alternatives(api, api_root)
    if any(kind(option) == "any" for option in app_options):
        return []
    problems = []
    for api_option in api_options:
        same_kind = [o for o in app_options if kind(o) == kind(api_option)]
        if kind(api_option) == "any" or not same_kind:
            problems.append(f"{where}: the API may send {kind(api_option)}, the app reads {app_options}")
            continue
        app_option = same_kind[0]
        if "enum" in app_option or "const" in app_option:
            allowed = set(app_option.get("enum", [app_option.get("const")]))
            listed = "enum" in api_option or "const" in api_option
            sent = set(api_option.get("enum", [api_option.get("const")])) if listed else None
            if sent is None or not sent <= allowed:
                problems.append(f"{where}: the API may send {sent or 'any string'}, the app takes {allowed}")
        elif kind(api_option) == "array":
            problems += array_mismatches(app_option, app_root, api_option, api_root, where)
        elif kind(api_option) == "object" and "properties" in app_option:
            problems += object_mismatches(app_option, app_root, api_option, api_root, where)
    return problems


def array_mismatches(app: dict, app_root: dict, api: dict, api_root: dict, where: str) -> list[str]:
    """Items against items; a tuple (prefixItems) position by position."""
    if "prefixItems" in app or "prefixItems" in api:
        app_items, api_items = app.get("prefixItems", []), api.get("prefixItems", [])
        if len(app_items) != len(api_items):
            return [f"{where}: the API sends {len(api_items)} values, the app reads {len(app_items)}"]
        return [
            problem
            for n, (mine, theirs) in enumerate(zip(app_items, api_items, strict=True))
            for problem in mismatches(mine, app_root, theirs, api_root, f"{where}[{n}]")
        ]
    return mismatches(app.get("items", {}), app_root, api.get("items", {}), api_root, f"{where}[]")


def object_mismatches(app: dict, app_root: dict, api: dict, api_root: dict, where: str) -> list[str]:
    """Every field the app reads: answered, required when the app requires it, of a type it accepts."""
    problems = []
    api_fields, api_required = api.get("properties", {}), set(api.get("required", []))
    for name, field in app["properties"].items():
        path = f"{where}.{name}"
        if name not in api_fields:
            problems.append(f"{path}: the app reads it, the API does not answer it")
            continue
        if name in app.get("required", []) and name not in api_required:
            problems.append(f"{path}: the app requires it, the API may leave it out")
        problems += mismatches(field, app_root, api_fields[name], api_root, path)
    return problems


def answer_schema(openapi: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    responses = openapi["paths"][path][method]["responses"]
    success = next(code for code in responses if code.startswith("2"))
    return responses[success]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(("method", "path"), sorted(UI_READS))
def test_the_apps_model_accepts_every_answer_the_api_documents(
    openapi: dict[str, Any], method: str, path: str
) -> None:
    model, is_list = UI_READS[method, path]
    api = answer_schema(openapi, method, path)
    models = [model, *([ALSO_READ[method, path]] if (method, path) in ALSO_READ else [])]
    for each in models:
        schema = each.model_json_schema()
        app = {"type": "array", "items": schema} if is_list else schema
        problems = mismatches(app, schema, api, openapi, f"{method.upper()} {path}")
        assert not problems, "\n".join(problems)


def test_every_route_the_app_calls_is_in_the_contract(openapi: dict[str, Any]) -> None:
    # given the paths the app's gateway client requests (the letter is PDF, not a model)
    source = Path(gateway_client.__file__).read_text()
    called = {re.sub(r"\{[a-z_]+\}", "{client_id}", p) for p in re.findall(r'f?"(/v1/[^"?]*)"', source)}
    called -= {"/v1/clients/{client_id}/letter"}
    # then each is checked above, and exists in the gateway's API
    assert called == {path for _, path in UI_READS}
    assert called <= set(openapi["paths"])


def test_a_dropped_field_is_caught(openapi: dict[str, Any]) -> None:
    # given the offer's API schema without one field the app reads
    api = resolve(answer_schema(openapi, "get", "/v1/clients/{client_id}/offer"), openapi)
    dropped = next(iter(ui.Offer.model_fields))
    trimmed = {**api, "properties": {k: v for k, v in api["properties"].items() if k != dropped}}
    # then the check names it
    schema = ui.Offer.model_json_schema()
    assert mismatches(schema, schema, trimmed, openapi, "offer") == [
        f"offer.{dropped}: the app reads it, the API does not answer it"
    ]
