"""The advisor app in a real headless Chromium, against the real gateway and gRPC services.

The session platform (tests/conftest.py) and the gRPC servers (tests/integration/conftest.py) are reused;
this file adds the gateway and the UI as subprocesses on free ports, a browser, and axe-core to measure
accessibility (installed by scripts/ensure_browser.sh). Screenshots go to the session's temporary
folder, or to E2E_SCREENSHOT_DIR when set (how docs/screenshots is refreshed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from credit_common.processes import Service, start_service

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: What axe-core checks: WCAG 2.0 and 2.1, levels A and AA; what fails a test: these impacts.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
AXE_DIR = Path(os.environ.get("E2E_AXE_DIR", Path.home() / ".cache" / "credit-e2e-axe"))
API_KEY = "e2e-ui-service-key"
ADVISOR, PASSWORD = "advisor", "correct horse battery staple"


@pytest.fixture(scope="session")
def e2e_gateway(
    scoring_server: Service,
    explain_server: Service,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Service]:
    """The gateway as `make demo` runs it, knowing the UI's key (role advisor) by its hash only: the
    decision path on the port the UI calls, the whole gateway behind it for everything else."""
    from gateway.admission.auth import hash_key

    folder = tmp_path_factory.mktemp("e2e-gateway")
    env = {
        "GATEWAY_SCORING_TARGET": scoring_server.target,
        "GATEWAY_EXPLAIN_TARGET": explain_server.target,
        "GATEWAY_API_KEYS": json.dumps({hash_key(API_KEY): {"name": "ui", "roles": ["advisor"]}}),
        "GATEWAY_PREDICTION_LOG_DIR": str(folder / "predictions"),
        # The browser waits on every answer: a loaded CI box must not drop the explanation.
        "GATEWAY_EXPLAIN_TIMEOUT": "5",
        "GATEWAY_SCORE_TIMEOUT": "5",
    }
    whole = start_service(
        "gateway", folder / "whole", port_env="GATEWAY_PORT", env=env | {"GATEWAY_RATE_LIMITS": "false"}
    )
    whole.wait_ready("/v1/health")
    server = start_service(
        "gateway",
        folder / "public",
        port_env="GATEWAY_PORT",
        env=env | {"GATEWAY_CLIENT_FILE_URL": whole.url},
    )
    server.wait_ready("/v1/health")
    yield server
    server.stop()
    whole.stop()


def start_ui(folder: Path, gateway_url: str) -> Service:
    """`python -m ui` on a free port against `gateway_url`, with one advisor login."""
    from ui.auth import hash_password

    server = start_service(
        "ui",
        folder,
        port_env="UI_PORT",
        env={
            "UI_GATEWAY_URL": gateway_url,
            "UI_API_KEY": API_KEY,
            "UI_USERS": json.dumps({ADVISOR: hash_password(PASSWORD)}),
            "UI_TIMEOUT": "20",
            "GRADIO_ANALYTICS_ENABLED": "False",
        },
    )
    server.wait_ready("/")
    return server


@pytest.fixture(scope="session")
def ui_server(e2e_gateway: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    server = start_ui(tmp_path_factory.mktemp("e2e-ui"), e2e_gateway.url)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gateway_api(e2e_gateway: Service) -> Iterator[httpx.Client]:
    """The gateway seen by the tests themselves (to pick clients worth showing)."""
    with httpx.Client(base_url=e2e_gateway.url, headers={"X-API-Key": API_KEY}, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def client_to_show(gateway_api: httpx.Client) -> tuple[int, float]:
    """A client whose score moves visibly when the credit is tripled (and a credit amount that does it)."""
    candidates = gateway_api.get("/v1/clients", params={"search": "1", "limit": 40}).json()
    assert candidates, "the session platform should have clients"
    best: tuple[float, int, float] | None = None
    for row in candidates:
        amount = (row["credit_amount"] or 500_000) * 3
        before = gateway_api.get(f"/v1/clients/{row['client_id']}/score").json()["probability"]
        after = gateway_api.post(
            f"/v1/clients/{row['client_id']}/simulation", json={"credit_amount": amount}
        ).json()["probability"]
        change = abs(after - before)
        if best is None or change > best[0]:
            best = (change, row["client_id"], amount)
    assert best is not None
    # The app shows probabilities to 0.1 point: a change under 0.2 point may round to the same text.
    assert best[0] > 0.002, f"no client's score moves visibly with a tripled credit (best change {best[0]})"
    return best[1], best[2]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's `chromium` package (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)  # a client's first opening renders four charts
    # Gradio words its login page in the browser's language: fix it so the test can find its fields.
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: E2E_SCREENSHOT_DIR if set, else the session's temporary folder."""
    chosen = os.environ.get("E2E_SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser script, at the version tests/e2e/axe/package-lock.json pins."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        pytest.fail(f"{script} is missing: run scripts/ensure_browser.sh (make test does)")
    return script.read_text()


def serious_violations(page, axe_source: str) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page as it is now shown."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                     resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }""",
        WCAG_TAGS,
    )
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]
