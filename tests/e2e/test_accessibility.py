"""Accessibility measured in the real browser: axe-core on the login page and on every tab in both
languages, a keyboard-only walk from the login to every tab (with a visible focus and no option list left
open), the decision on a phone, and the screenshots of every tab (tab-lang.png)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from credit_common.processes import Service
from tests.e2e.conftest import ADVISOR, PASSWORD, serious_violations
from tests.e2e.test_advisor_app import login, open_client, settled, shot
from ui import charts
from ui.texts import TEXTS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: Each tab's id and what shows that its content is there once the tab is chosen.
TABS = {
    "score": "#decision .ui-verdict",
    "data": "#client-data table",
    "history": "#history table",
    "compare": "#histogram img",
    "whatif": "#credit-amount input, #credit-amount textarea",
    "review": "#client-view textarea",
}


#: The phone the advisors' app must fit: an iPhone 12-14's viewport.
PHONE = {"width": 390, "height": 844}


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


@pytest.mark.parametrize(("locale", "lang"), [("fr-FR", "fr"), ("en-US", "en")])
def test_the_login_page_in_both_languages_has_no_serious_wcag_violation(
    browser, ui_server: Service, axe_source: str, screenshots: Path, locale: str, lang: str
) -> None:
    # given Gradio's own login page, which it words in the browser's language
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
    try:
        page = context.new_page()
        page.goto(ui_server.url)
        expect(page.locator("input[type=password]")).to_be_visible()
        settled(page)
        shot(page, screenshots, f"login-{lang}")
        # then it says its language and has a title, and axe-core finds no serious or critical violation
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert "Prêt à dépenser" in page.title()
        violations = serious_violations(page, axe_source)
        assert not violations, f"axe-core on the login page ({locale}): {violations}"
    finally:
        context.close()


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


#: The focused element's outline style ('none': no focus ring), and how many option lists show.
OUTLINE = "() => getComputedStyle(document.activeElement).outlineStyle"
OPEN_LISTS = """() => [...document.querySelectorAll('[role=listbox]')].filter((list) => {
  const box = list.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(list).visibility !== 'hidden';
}).length"""


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
    # and the language is switched with the arrow keys, on a radio whose focus is seen
    _focus_on(page, "#language input[type=radio]")
    assert page.evaluate(OUTLINE) != "none", "a focused radio shows a focus ring"
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("tab", name=tab_name("score", "en"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#decision")).to_contain_text(re.compile("Credit granted|Credit refused"))
    # and the comparison's filters are tabbed through: each dropdown's focus seen, none left open
    _focus_on(page, tab_name("compare", "en"), IS_TAB)
    page.keyboard.press("Enter")
    expect(page.locator(TABS["compare"]).first).to_be_visible()
    _focus_on(page, "#group input[type=radio]")
    assert page.evaluate(OUTLINE) != "none", "a focused radio of the comparison shows a focus ring"
    _focus_on(page, "input[role=combobox]")
    for _ in range(4):  # the four filters, one after the other
        assert page.evaluate(OUTLINE) != "none", "a focused dropdown shows a focus ring"
        page.keyboard.press("Tab")
        page.wait_for_timeout(200)
        assert page.evaluate(OPEN_LISTS) <= 1, "only the focused dropdown may show its options"
    _focus_on(page, "#compare")
    assert page.evaluate(OPEN_LISTS) == 0, "no option list is left open after tabbing past the filters"


#: Each word of the element's text and the lines it is set on (a word split across lines has two tops).
WORD_LINES = """(selector) => {
  const element = document.querySelector(selector);
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const words = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
      words.push([match[0], tops.size]);
    }
  }
  return words;
}"""
#: The bottom of the first element a selector finds, in CSS pixels from the top of the page.
BOTTOM = "(s) => document.querySelector(s).getBoundingClientRect().bottom + window.scrollY"


def test_on_a_phone_the_decision_and_its_first_reason_show_without_scrolling_under_an_unbroken_title(
    browser, ui_server: Service, client_with_history: int, screenshots: Path
) -> None:
    # given an advisor on a phone
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        login(page, ui_server.url)
        # when a client is opened
        open_client(page, client_with_history)
        expect(page.locator("#decision .ui-verdict")).to_be_visible()
        expect(page.locator("#reasons li").first).to_be_visible()
        settled(page)
        shot(page, screenshots, "phone-score-fr")
        # then the decision and its first reason are above the fold
        assert page.evaluate("() => window.scrollY") == 0
        for part in ("#decision .ui-decision", "#reasons li"):
            bottom = page.evaluate(BOTTOM, part)
            assert bottom <= PHONE["height"], (
                f"{part} ends at {bottom:.0f} px, below the {PHONE['height']} px fold"
            )
        # and the title breaks between words only, without hyphens, on at most two lines
        words = page.evaluate(WORD_LINES, "#header h1")
        assert words, "the title has words"
        split = [word for word, lines in words if lines != 1]
        assert not split, f"title words split across lines: {split}"
        assert page.evaluate("() => getComputedStyle(document.querySelector('#header h1')).hyphens") != "auto"
        # and the explanation's chart keeps a size its text reads at, panning sideways within its figure
        scale = page.eval_on_selector("#waterfall img", "(i) => i.clientWidth / i.naturalWidth")
        assert scale >= charts.MIN_SHOWN_SCALE, f"the waterfall is shrunk to {scale:.2f} on a phone"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], "no page pan"
        title = page.locator("#header h1").bounding_box()
        line = float(
            page.evaluate(
                "() => parseFloat(getComputedStyle(document.querySelector('#header h1')).lineHeight)"
            )
        )
        assert title is not None
        assert title["height"] <= 2 * line + 1, "the title fits on two lines"
    finally:
        context.close()
