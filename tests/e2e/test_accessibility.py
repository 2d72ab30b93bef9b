"""Accessibility measured in the real browser: axe-core on every tab in both languages, a keyboard-only
walk from the login to every tab, and the screenshots of every tab (tab-lang.png)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from credit_common.processes import Service
from tests.e2e.conftest import ADVISOR, PASSWORD, serious_violations
from tests.e2e.test_advisor_app import login, open_client, settled, shot
from ui.texts import TEXTS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: Each tab's id and what shows that its content is there once the tab is chosen.
TABS = {
    "score": "#decision .ui-verdict",
    "data": "#client-data table",
    "history": "#history table",
    "compare": "#histogram img",
    "whatif": "#credit-amount input",
    "review": "#client-view textarea",
}


def tab_name(tab: str, lang: str) -> str:
    return TEXTS[f"tab_{tab}"][lang]


@pytest.fixture(scope="module")
def client_with_history(gateway_api: httpx.Client) -> int:
    """A client with bureau credits, previous applications and repayments (every history part shows)."""
    for row in gateway_api.get("/v1/clients", params={"search": "1", "limit": 60}).json():
        history = gateway_api.get(f"/v1/clients/{row['client_id']}/history").json()
        if history["bureau"] and history["previous"] and history["installments"]["by_year"]:
            return row["client_id"]
    pytest.fail("no client of the session platform has a full history")


def test_every_tab_in_both_languages_has_no_serious_wcag_violation(
    page: Page, ui_server: Service, client_with_history: int, axe_source: str, screenshots: Path
) -> None:
    # given a logged-in advisor who opened a client with a full history
    login(page, ui_server.url)
    open_client(page, client_with_history)
    expect(page.locator("#decision .ui-verdict")).to_be_visible()
    found: dict[str, list[str]] = {}
    for lang in ("fr", "en"):
        if lang == "en":
            page.get_by_label("English").check()
            expect(page.get_by_role("tab", name=tab_name("score", "en"))).to_be_visible()
            expect(page.locator("#decision")).to_contain_text("Credit")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        for tab, content in TABS.items():
            # when each tab is chosen
            page.get_by_role("tab", name=tab_name(tab, lang)).click()
            expect(page.locator(content).first).to_be_visible()
            settled(page)
            shot(page, screenshots, f"{tab}-{lang}")
            # then axe-core finds no serious or critical WCAG 2.1 A/AA violation
            violations = serious_violations(page, axe_source)
            if violations:
                found[f"{tab}-{lang}"] = [
                    f"{v['id']} ({v['impact']}: {', '.join(v['nodes'])})" for v in violations
                ]
    assert not found, f"axe-core violations by tab: {found}"


#: Whether the focused element matches a CSS selector, or is the tab of that name.
MATCHES = "(s) => document.activeElement?.matches(s) ?? false"
IS_TAB = (
    "(n) => document.activeElement?.getAttribute('role') === 'tab'"
    " && document.activeElement.textContent.trim() === n"
)


def _focus_on(page: Page, target: str, test: str = MATCHES, limit: int = 120) -> None:
    """Press Tab until the focused element is `target` (the keyboard's only way around the page)."""
    for _ in range(limit):
        if page.evaluate(test, target):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def test_a_keyboard_only_walk_reaches_every_tab(
    page: Page, ui_server: Service, client_with_history: int
) -> None:
    # given the login page, used with the keyboard only
    page.goto(ui_server.url)
    _focus_on(page, "input[type=text], input:not([type])")
    page.keyboard.type(ADVISOR)
    _focus_on(page, "input[type=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    # when the advisor reaches the client field and opens a client
    expect(page.locator("#client-id textarea, #client-id input")).to_be_visible()
    _focus_on(page, "#client-id textarea, #client-id input")
    page.keyboard.type(str(client_with_history))
    page.keyboard.press("Enter")
    expect(page.locator("#decision .ui-verdict")).to_be_visible()
    # then the tab list is reached by Tab, each tab chosen by the arrow keys, and its content shows
    tabs = list(TABS.items())
    _focus_on(page, tab_name(tabs[0][0], "fr"), IS_TAB)
    page.keyboard.press("Enter")
    for index, (tab, content) in enumerate(tabs):
        if index:
            page.keyboard.press("ArrowRight")
        expect(page.get_by_role("tab", name=tab_name(tab, "fr"))).to_have_attribute("aria-selected", "true")
        expect(page.get_by_role("tab", name=tab_name(tab, "fr"))).to_be_focused()
        expect(page.locator(content).first).to_be_visible()
    page.keyboard.press("Home")
    expect(page.get_by_role("tab", name=tab_name(tabs[0][0], "fr"))).to_have_attribute(
        "aria-selected", "true"
    )
    # and each tab is also reached by Tab and chosen by Enter
    for tab, content in reversed(tabs):
        _focus_on(page, tab_name(tab, "fr"), IS_TAB)
        page.keyboard.press("Enter")
        expect(page.get_by_role("tab", name=tab_name(tab, "fr"))).to_have_attribute("aria-selected", "true")
        expect(page.locator(content).first).to_be_visible()
    # and the language is switched with the arrow keys
    _focus_on(page, "#language input[type=radio]")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("tab", name=tab_name("score", "en"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#decision")).to_contain_text(re.compile("Credit granted|Credit refused"))
