"""The advisor app on a logistic-regression champion, in a real headless Chromium.

The linear champion, its registry and services are the session's (tests/linear_champion.py: a registry
of their own, the session's champion untouched); this file adds a gateway that knows the UI's key, the
UI, and the browser.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from credit_common.processes import Service
from tests.e2e.conftest import API_KEY, start_ui
from tests.e2e.test_advisor_app import login, open_client, shot
from tests.linear_champion import (
    SERVED_NAME,
    LinearChampion,
    LinearServices,
    client_ids,
    start_linear_gateway,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
#: What the app says when a decision comes without its explanation (ui/texts.py, in French).
MISSING_EXPLANATION = "Les raisons ne sont pas disponibles"


@pytest.fixture(scope="module")
def linear_app(
    linear_services: LinearServices,
    linear_registry: Service,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Service, Service]]:
    """A gateway over the linear services that knows the UI's key (role advisor), and the UI on it."""
    from gateway.admission.auth import hash_key

    folder = tmp_path_factory.mktemp("linear-app")
    keys = json.dumps({hash_key(API_KEY): {"name": "ui", "roles": ["advisor"]}})
    gateway = start_linear_gateway(folder, linear_services, linear_registry, GATEWAY_API_KEYS=keys)
    try:
        ui = start_ui(folder, gateway.url)
        try:
            yield gateway, ui
        finally:
            ui.stop()
    finally:
        gateway.stop()


def test_an_advisor_reads_the_decision_and_reasons_of_a_linear_champion(
    page: Page,
    linear_app: tuple[Service, Service],
    linear_champion: LinearChampion,
    screenshots: Path,
) -> None:
    # given a hold-out client and the decision the gateway gives for them, in French
    gateway, ui = linear_app
    client_id = client_ids(linear_champion)[0]
    with httpx.Client(base_url=gateway.url, headers={"X-API-Key": API_KEY}, timeout=30) as api:
        expected = api.get(f"/v1/clients/{client_id}/score", params={"lang": "fr"}).json()
    assert expected["explanation_available"], expected.get("explanation_missing_reason")
    # when a logged-in advisor opens that client
    login(page, ui.url)
    expect(page.locator("#model-line")).to_contain_text(SERVED_NAME)
    open_client(page, client_id)
    # then the app shows that decision against the threshold, its reasons and their chart
    decision = page.locator("#decision")
    expect(decision).to_contain_text(
        "Crédit refusé" if expected["decision"] == "refused" else "Crédit accordé"
    )
    expect(decision).to_contain_text("seuil")
    reasons = page.locator("#reasons")
    expect(reasons).to_contain_text("risque de défaut")
    for side in ("raising", "lowering"):
        for reason in expected["reasons"][side][:1]:
            expect(reasons).to_contain_text(reason["label"])
    expect(reasons).not_to_contain_text(MISSING_EXPLANATION)
    expect(page.locator("#waterfall figcaption")).to_contain_text("probabilité de base du modèle")
    shot(page, screenshots, "linear-champion-score-fr")
