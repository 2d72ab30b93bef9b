"""The gateway as `make demo` runs it: a decision-path process on the public port
(GATEWAY_CLIENT_FILE_URL) in front of the whole gateway. Scores are answered by the first, every other
route through it by the second, with the same answers as the whole gateway gives directly; the first
stays small and loads none of the client file's libraries; when the whole gateway is gone, scores go
on and the rest says so."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from .conftest import ADVISOR_KEY, FIVE_FIELD_APPLICATION, SERVICE_KEY, Service, memory_kb, start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ADVISOR = {"X-API-Key": ADVISOR_KEY}
SERVICE = {"X-API-Key": SERVICE_KEY}
#: Shared objects of the client file's libraries, as they appear in a process's memory map.
HEAVY_LIBRARIES = ("/duckdb", "/pandas/", "/sklearn/", "/pyarrow/")


@pytest.fixture(scope="module")
def gateways(
    scoring_server: Service, explain_server: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Service, Service]]:
    """(the decision path on the public port, the whole gateway behind it)."""
    folder = tmp_path_factory.mktemp("decision-path")
    whole = start_gateway(
        folder / "whole", scoring_server.target, explain_server.target, GATEWAY_RATE_LIMITS="false"
    )
    whole.wait_ready()
    public = start_gateway(
        folder / "public",
        scoring_server.target,
        explain_server.target,
        GATEWAY_CLIENT_FILE_URL=whole.url,
    )
    public.wait_ready()
    yield public, whole
    public.stop()
    whole.stop()


@pytest.fixture(scope="module")
def client_id(platform) -> int:
    return int(pd.read_parquet(platform.parquet / "application_train.parquet")["SK_ID_CURR"].iloc[3])


def get(server: Service, path: str, headers: dict | None = None, **params) -> httpx.Response:
    return httpx.get(server.url + path, headers=headers or ADVISOR, params=params, timeout=60)


def test_scores_are_answered_by_the_decision_path_and_health_names_the_whole_gateway(
    gateways: tuple[Service, Service], client_id: int
) -> None:
    public, _ = gateways
    score = get(public, f"/v1/clients/{client_id}/score")
    assert score.status_code == 200, score.text
    assert score.json()["explanation_available"] is True
    health = httpx.get(public.url + "/v1/health", timeout=10).json()
    assert health["dependencies"]["client_file"] == {"ok": True, "detail": "HTTP 200"}, health


@pytest.mark.parametrize(
    "path",
    ["/v1/clients/{id}/history", "/v1/clients/{id}", "/v1/clients?search=10&limit=5", "/openapi.json"],
)
def test_every_other_route_answers_through_it_as_the_whole_gateway_does(
    gateways: tuple[Service, Service], client_id: int, path: str
) -> None:
    public, whole = gateways
    path = path.format(id=client_id)
    through, direct = get(public, path), get(whole, path)
    assert through.status_code == direct.status_code == 200, through.text
    assert through.json() == direct.json(), "the same answer, forwarded"


def test_a_letter_and_a_new_application_pass_through_whole(
    gateways: tuple[Service, Service], client_id: int
) -> None:
    public, _ = gateways
    letter = get(public, f"/v1/clients/{client_id}/letter", lang="fr")
    assert letter.status_code == 200, letter.text
    assert letter.headers["content-type"] == "application/pdf"
    assert letter.headers["content-disposition"] == f'attachment; filename="decision-{client_id}-fr.pdf"'
    assert letter.content.startswith(b"%PDF")
    created = httpx.post(
        public.url + "/v1/applications", headers=SERVICE, json=FIVE_FIELD_APPLICATION, timeout=30
    )
    assert created.status_code == 201, created.text
    refused = httpx.post(
        public.url + "/v1/applications", headers=SERVICE, json={"AMT_CREDIT": "x"}, timeout=30
    )
    assert refused.status_code == 422, "the whole gateway's refusal, field named"
    assert "AMT_CREDIT" in [error["loc"][-1] for error in refused.json()["detail"]], refused.text


def test_keys_are_checked_before_anything_is_forwarded(
    gateways: tuple[Service, Service], client_id: int
) -> None:
    public, _ = gateways
    assert get(public, f"/v1/clients/{client_id}/history", headers={"X-API-Key": "wrong"}).status_code == 401
    assert httpx.get(f"{public.url}/v1/clients/{client_id}/history", timeout=10).status_code == 401
    assert get(public, f"/v1/clients/{client_id}/history", headers=SERVICE).status_code == 403, (
        "advisors only"
    )


def test_the_decision_path_stays_small_and_loads_none_of_the_client_files_libraries(
    gateways: tuple[Service, Service], client_id: int
) -> None:
    public, _ = gateways
    for _ in range(50):
        assert get(public, f"/v1/clients/{client_id}/score").status_code == 200
    pid = public.process.pid
    resident_mb = memory_kb(public, "VmRSS") / 1024
    assert resident_mb <= 150, f"{resident_mb:.0f} MB resident after 50 decisions"
    mapped = Path(f"/proc/{pid}/maps").read_text()
    assert not [name for name in HEAVY_LIBRARIES if name in mapped], "a client file's library is loaded"


def test_without_the_whole_gateway_scores_go_on_and_the_rest_says_it_is_unavailable(
    gateways: tuple[Service, Service], client_id: int
) -> None:
    public, whole = gateways
    whole.stop()
    history = get(public, f"/v1/clients/{client_id}/history")
    assert history.status_code == 503, history.text
    assert history.headers["Retry-After"], "says when to retry"
    assert "client's file" in history.json()["detail"]
    deadline = time.monotonic() + 10
    while (health := httpx.get(public.url + "/v1/health", timeout=10)).status_code != 503:
        assert time.monotonic() < deadline, "health reports the missing whole gateway"
        time.sleep(0.2)
    assert health.json()["dependencies"]["client_file"]["ok"] is False
    assert get(public, f"/v1/clients/{client_id}/score").status_code == 200, "scores need only the path"
