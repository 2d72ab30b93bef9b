"""The score's lane (gateway.api.score_lane) answers as FastAPI's route does: a decision-path app in
this process, on the session's real gRPC services and Redis, asked each request through the lane and
then with the lane taken out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.api.decision_app import create_decision_app
from gateway.api.score_lane import ScoreLane
from gateway.settings import GatewaySettings
from tests.session_services import Service

from .conftest import ADVISOR_KEY, SERVICE_KEY, api_keys_json

pytestmark = [pytest.mark.integration, pytest.mark.slow]


class Lane:
    """A decision-path app, its client, and how many requests its lane took."""

    def __init__(self, app: FastAPI, client: TestClient) -> None:
        self.app, self.client = app, client
        self.lane = next(route for route in app.router.routes if isinstance(route, ScoreLane))
        self.taken = 0
        handle = self.lane.handle

        async def counted(*args: Any) -> None:
            self.taken += 1
            await handle(*args)

        self.lane.handle = counted  # type: ignore[method-assign]

    @contextmanager
    def closed(self) -> Iterator[None]:
        """Requests meanwhile go to FastAPI's route, as if there were no lane."""
        index = self.app.router.routes.index(self.lane)
        self.app.router.routes.remove(self.lane)
        try:
            yield
        finally:
            self.app.router.routes.insert(index, self.lane)

    def both(self, path: str, **params: str) -> tuple[httpx.Response, httpx.Response]:
        """The answer through the lane (which must take it), then the route's."""
        taken = self.taken
        by_lane = self.client.get(path, params=params)
        assert self.taken == taken + 1, "the lane took the request"
        with self.closed():
            by_route = self.client.get(path, params=params)
        assert self.taken == taken + 1
        return by_lane, by_route


@pytest.fixture(scope="module")
def lane(
    scoring_server: Service, explain_server: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Lane]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GATEWAY_SCORING_TARGET", scoring_server.target)
        patch.setenv("GATEWAY_EXPLAIN_TARGET", explain_server.target)
        patch.setenv("GATEWAY_API_KEYS", api_keys_json())
        patch.setenv("GATEWAY_PREDICTION_LOG_DIR", str(tmp_path_factory.mktemp("lane") / "predictions"))
        patch.setenv("GATEWAY_CLIENT_FILE_URL", "http://127.0.0.1:9")  # never reached by these requests
        app = create_decision_app(GatewaySettings())
        with TestClient(app, headers={"X-API-Key": ADVISOR_KEY}) as client:
            yield Lane(app, client)


@pytest.fixture(scope="module")
def client_id(platform) -> int:
    return int(pd.read_parquet(platform.parquet / "application_train.parquet")["SK_ID_CURR"].iloc[5])


@pytest.mark.parametrize(
    "params", [{}, {"lang": "fr"}, {"include": "explanation"}, {"lang": "fr", "include": "explanation"}]
)
def test_a_score_is_the_same_answer_through_the_lane_and_the_route(
    lane: Lane, client_id: int, params: dict[str, str]
) -> None:
    by_lane, by_route = lane.both(f"/v1/clients/{client_id}/score", **params)
    assert by_lane.status_code == by_route.status_code == 200
    assert by_lane.headers["content-type"] == by_route.headers["content-type"] == "application/json"
    lane_body, route_body = by_lane.json(), by_route.json()
    assert lane_body.pop("request_id") != route_body.pop("request_id"), "two decisions, each its own id"
    assert lane_body == route_body
    assert lane_body["client_id"] == client_id
    assert lane_body["reasons"] is not None
    assert (lane_body["explanation"] is not None) is ("include" in params)


def test_an_unknown_client_is_the_same_404_through_both(lane: Lane) -> None:
    by_lane, by_route = lane.both("/v1/clients/999999999/score")
    assert by_lane.status_code == by_route.status_code == 404
    assert by_lane.json() == by_route.json() == {"detail": "unknown client 999999999"}


def test_a_service_key_is_taken_too(lane: Lane, client_id: int) -> None:
    taken = lane.taken
    answer = lane.client.get(f"/v1/clients/{client_id}/score", headers={"X-API-Key": SERVICE_KEY})
    assert answer.status_code == 200
    assert lane.taken == taken + 1


@pytest.mark.parametrize(
    ("path", "params", "status", "where"),
    [
        ("/v1/clients/0{id}/score", {}, 422, ["path", "client_id"]),
        ("/v1/clients/{id}/score", {"lang": "de"}, 422, ["query", "lang"]),
        ("/v1/clients/{id}/score", {"include": "all"}, 422, ["query", "include"]),
    ],
)
def test_what_the_lane_leaves_the_route_answers(
    lane: Lane, client_id: int, path: str, params: dict[str, str], status: int, where: list[str]
) -> None:
    taken = lane.taken
    answer = lane.client.get(path.format(id=client_id), params=params)
    assert answer.status_code == status
    assert answer.json()["detail"][0]["loc"] == where
    assert lane.taken == taken, "left to the route"


def test_metrics_count_the_lanes_answers_under_the_route(lane: Lane, client_id: int) -> None:
    def answered() -> float:
        text = lane.client.get("/metrics", headers={"X-API-Key": SERVICE_KEY}).text
        line = next(
            (
                line
                for line in text.splitlines()
                if line.startswith("gateway_requests_total{")
                and 'route="/v1/clients/{client_id}/score"' in line
                and 'status="200"' in line
            ),
            "x 0",
        )
        return float(line.rsplit(" ", 1)[1])

    before = answered()
    assert lane.client.get(f"/v1/clients/{client_id}/score").status_code == 200
    assert answered() == before + 1
