"""Advisors' reviews through REST: recorded, listed, kept across restarts of the gateway and of its
database (SQLite by default, a PostgreSQL server of the test's own), and told in the client's letter."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pandas as pd
import pytest
import sqlalchemy
from pypdf import PdfReader

from credit_model.reviews import ReviewStore
from tests.postgres import TemporaryPostgres

from .conftest import ADVISOR_KEY, SERVICE_KEY, Service, start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ADVISOR = {"X-API-Key": ADVISOR_KEY}


def _client(platform) -> int:
    return int(pd.read_parquet(platform.parquet / "application_train.parquet")["SK_ID_CURR"].iloc[11])


def _gateway(folder, scoring: Service, explain: Service, url: str) -> Service:
    server = start_gateway(folder, scoring.target, explain.target, GATEWAY_REVIEWS_DATABASE_URL=url)
    server.wait_ready()
    return server


def _post(server: Service, client_id: int, body: dict) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/clients/{client_id}/reviews", headers=ADVISOR, json=body, timeout=30)


def _changed_to_the_other_outcome(server: Service, client_id: int) -> dict:
    current = httpx.get(f"{server.url}/v1/clients/{client_id}/score", headers=ADVISOR, timeout=30).json()
    other = "granted" if current["decision"] != "granted" else "refused"
    body = {
        "reviewer": "Camille Durand, advisor",
        "client_view": "J'ai retrouvé un emploi stable depuis la demande.",
        "outcome": other,
        "reason": "circumstances_changed",
        "note": "contrat de travail vu en agence",
    }
    reply = _post(server, client_id, body)
    assert reply.status_code == 201, reply.text
    review = reply.json()
    assert review["original_outcome"] == current["decision"]
    assert review["model_version"] == current["model_version"]
    assert review["changed"] is True
    assert review["recorded_by"] == "advisor-app"
    return review


@pytest.fixture
def postgres() -> Iterator[TemporaryPostgres]:
    server = TemporaryPostgres()
    server.start()
    yield server
    server.remove()


def test_a_review_survives_a_restart_of_the_gateway_on_sqlite_and_is_in_the_letter(
    platform, scoring_server: Service, explain_server: Service, tmp_path
) -> None:
    url = f"sqlite:///{tmp_path / 'reviews.sqlite'}"
    client_id = _client(platform)
    gateway = _gateway(tmp_path / "first", scoring_server, explain_server, url)
    try:
        recorded = _changed_to_the_other_outcome(gateway, client_id)
        # bad input names the field, and nothing is recorded
        bad = _post(gateway, client_id, {"reviewer": "C. D.", "outcome": "granted", "reason": "because"})
        assert bad.status_code == 422
        assert "reason" in bad.text
        other = _post(gateway, client_id, {"reviewer": "C. D.", "outcome": "granted", "reason": "other"})
        assert other.status_code == 422
        assert "note" in other.text, "the reason 'other' is said in the note"
        services = httpx.get(
            f"{gateway.url}/v1/clients/{client_id}/reviews", headers={"X-API-Key": SERVICE_KEY}, timeout=30
        )
        assert services.status_code == 403, "advisors only"
        unknown = _post(gateway, 1, {"reviewer": "C. D.", "outcome": "confirmed", "reason": "as_assessed"})
        assert unknown.status_code == 404
    finally:
        gateway.stop()
    gateway = _gateway(tmp_path / "second", scoring_server, explain_server, url)
    try:
        listed = httpx.get(
            f"{gateway.url}/v1/clients/{client_id}/reviews", headers=ADVISOR, timeout=30
        ).json()
        assert [review["id"] for review in listed] == [recorded["id"]], "one review, kept across the restart"
        assert listed[0]["client_view"] == recorded["client_view"]
        letter = httpx.get(
            f"{gateway.url}/v1/clients/{client_id}/letter", headers=ADVISOR, params={"lang": "en"}, timeout=60
        )
        text = " ".join(PdfReader(io.BytesIO(letter.content)).pages[0].extract_text().split())
        assert "An advisor reviewed your file" in text
        assert ("is granted" in text) == (recorded["outcome"] == "granted"), (
            "the reviewed decision is the letter's"
        )
        # a correction is a new review; the latest one decides what the letter says
        correction = _post(
            gateway,
            client_id,
            {
                "reviewer": "A. Martin",
                "outcome": "confirmed",
                "reason": "as_assessed",
                "corrects": recorded["id"],
            },
        )
        assert correction.status_code == 201, correction.text
        assert correction.json()["corrects"] == recorded["id"]
        letter = httpx.get(f"{gateway.url}/v1/clients/{client_id}/letter", headers=ADVISOR, timeout=60)
        text = " ".join(PdfReader(io.BytesIO(letter.content)).pages[0].extract_text().split())
        assert "An advisor reviewed your file" not in text
    finally:
        gateway.stop()


def test_reviews_on_postgresql_survive_a_restart_of_the_database_and_of_the_gateway(
    platform, scoring_server: Service, explain_server: Service, tmp_path, postgres: TemporaryPostgres
) -> None:
    client_id = _client(platform)
    gateway = _gateway(tmp_path / "first", scoring_server, explain_server, postgres.url)
    try:
        recorded = _changed_to_the_other_outcome(gateway, client_id)
    finally:
        gateway.stop()
    postgres.restart()
    gateway = _gateway(tmp_path / "second", scoring_server, explain_server, postgres.url)
    try:
        listed = httpx.get(
            f"{gateway.url}/v1/clients/{client_id}/reviews", headers=ADVISOR, timeout=30
        ).json()
        assert [(r["id"], r["reviewer"]) for r in listed] == [(recorded["id"], recorded["reviewer"])]
    finally:
        gateway.stop()
    # the database itself refuses to change a review: append-only
    store = ReviewStore(postgres.url)
    try:
        assert store.dialect == "postgresql"
        with (
            pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"),
            store.engine.begin() as connection,
        ):
            connection.execute(sqlalchemy.text("UPDATE decision_reviews SET outcome = 'refused'"))
        assert [r.outcome for r in store.of_client(client_id)] == [recorded["outcome"]]
    finally:
        store.close()
