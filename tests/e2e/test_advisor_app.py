"""An advisor's session in a real browser: login, client, decision, reasons by family, history, letter,
language, what-if, comparison."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from credit_common.processes import Service
from tests.e2e.conftest import ADVISOR, PASSWORD, start_ui

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PERCENT = re.compile(r"(\d+[,.]\d+)\s?%")


def login(page: Page, url: str, password: str = PASSWORD) -> None:
    page.goto(url)
    page.get_by_label("username").fill(ADVISOR)
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="Login").click()


def open_client(page: Page, client_id: int | str, label: str = "Identifiant client") -> None:
    box = page.get_by_label(label)
    box.fill(str(client_id))
    box.press("Enter")


#: How long nothing may be pending before the app counts as settled. An opening is a chain of
#: events (relabel, model, file, offer) with short gaps between links where nothing is pending.
QUIET_MS = 400

#: True once no Gradio output has carried .pending or .generating for QUIET_MS.
_QUIET_FOR = """quiet => {
    const now = performance.now();
    if (document.querySelectorAll('.pending, .generating').length > 0) window.__lastBusy = now;
    return now - window.__lastBusy >= quiet;
}"""


def settled(page: Page) -> None:
    """Wait until Gradio has had no event in flight for QUIET_MS: a single idle frame can fall
    between two links of a chain, and an Enter pressed there is dropped by the next link."""
    page.evaluate("() => { window.__lastBusy = performance.now(); }")
    page.wait_for_function(_QUIET_FOR, arg=QUIET_MS)


def fill_until_it_holds(page: Page, label: str, value: str) -> None:
    """Fill a field until the value stays. Gradio's chained events (relabel, model, re-open) leave a
    moment with nothing pending between two links, and a re-open landing after the fill puts the
    client's own value back."""
    field = page.get_by_label(label)
    for _ in range(5):
        field.fill(value)
        page.wait_for_timeout(500)
        settled(page)
        if field.input_value() == value:
            break
    expect(field).to_have_value(value)


def shot(page: Page, folder: Path, name: str) -> None:
    page.wait_for_timeout(300)  # let images decode before the capture
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


#: The letter's buttons and file name in each language.
LETTER = {
    "fr": ("Préparer la lettre (PDF)", "Télécharger la lettre (PDF)", "lettre-client-{}-fr.pdf"),
    "en": ("Prepare the letter (PDF)", "Download the letter (PDF)", "letter-client-{}-en.pdf"),
}


def check_letter(page: Page, client_id: int, lang: str) -> None:
    """Prepare the open client's letter, download it as the browser does: a PDF named in `lang`."""
    prepare, download, name = LETTER[lang]
    page.get_by_role("button", name=prepare).click()
    button = page.get_by_role("button", name=download)
    expect(button).to_be_visible()
    with page.expect_download() as started:
        button.click()
    assert started.value.suggested_filename == name.format(client_id), started.value.suggested_filename
    content = Path(started.value.path()).read_bytes()
    assert content.startswith(b"%PDF"), f"the letter is not a PDF: {content[:20]!r}"


def check_score_tab(page: Page, client_id: int) -> None:
    """The decision against the threshold, the reasons by family, their waterfall and drill-down."""
    decision = page.locator("#decision")
    expect(decision).to_contain_text(re.compile("Crédit accordé|Crédit refusé"))
    expect(decision).to_contain_text("seuil")
    expect(page.locator("#reasons")).to_contain_text("risque de défaut")
    expect(page.locator("#gauge img")).to_have_attribute("alt", re.compile("probabilité de défaut"))
    expect(page.locator("#reasons")).to_contain_text("Les raisons, par famille")
    expect(page.locator("#waterfall figcaption")).to_contain_text("les familles de facteurs")
    # The drill-down shows the features of the family picked.
    family = page.get_by_label("Famille à détailler")
    strongest = family.input_value()
    family.click()
    page.get_by_role("option").nth(1).click()
    expect(family).not_to_have_value(strongest)
    expect(page.locator("#family-chart figcaption")).to_contain_text(family.input_value().split(" (")[0])
    check_letter(page, client_id, "fr")


def test_advisor_session(page: Page, ui_server: Service, client_to_show: tuple[int, float]) -> None:
    """Given a logged-in advisor, when they open a client and use each screen, then each one answers."""
    client_id, amount = client_to_show
    login(page, ui_server.url)
    expect(page.get_by_label("Identifiant client")).to_be_visible()
    expect(page.locator("#model-line")).to_contain_text("credit-default")

    # The suggestions list offers clients whose id starts with the digits typed.
    page.get_by_label("Identifiant client").press_sequentially(str(client_id)[:4], delay=30)
    page.get_by_label("Clients correspondants").click()
    expect(page.get_by_role("option").first).to_contain_text(str(client_id)[:4])
    page.keyboard.press("Escape")

    open_client(page, client_id)
    check_score_tab(page, client_id)

    page.get_by_role("tab", name="Données du client").click()
    expect(page.locator("#data-count")).to_contain_text(re.compile(r"champs? affichés? sur"))
    page.get_by_label("Filtrer les champs (mot du libellé)").fill("crédit")
    expect(page.locator("#client-data")).to_contain_text("Montant du crédit")

    page.get_by_role("tab", name="Historique").click()
    expect(page.locator("#history")).to_contain_text("Remboursements des échéances")
    expect(page.locator("#history")).to_contain_text(
        re.compile("Crédits connus du bureau|Aucun crédit connu")
    )

    page.get_by_role("tab", name="Comparaison").click()
    expect(page.locator("#histogram figcaption")).to_contain_text("Tous les clients")
    page.get_by_label("Clients similaires").check()
    page.get_by_role("button", name="Comparer").click()
    expect(page.locator("#histogram figcaption")).to_contain_text("Clients similaires")
    page.get_by_role("button", name="Afficher le nuage de points").click()
    expect(page.locator("#scatter figcaption")).to_contain_text("le client est l'étoile")
    expect(page.locator("#scatter img")).to_be_visible()

    # The language switch relabels the page and shows the open client again, in English.
    page.get_by_label("English").check()
    expect(page.locator("#decision")).to_contain_text(re.compile("Credit granted|Credit refused"))
    expect(page.locator("#reasons")).to_contain_text("risk of default")
    expect(page.get_by_role("tab", name="What-if")).to_be_visible()
    page.get_by_role("tab", name="Score and decision").click()
    settled(page)
    check_letter(page, client_id, "en")

    page.get_by_role("tab", name="What-if").click()
    settled(page)  # the language switch's chain of events (relabel, model, re-open) has finished
    before = PERCENT.search(page.locator("#decision").inner_text()).group(1)
    fill_until_it_holds(page, "Credit amount", str(int(amount)))
    page.get_by_role("button", name="Simulate").click()
    result = page.locator("#whatif-result")
    expect(result).to_contain_text("With a credit of")
    expect(result).to_contain_text(re.compile("Credit granted|Credit refused"))
    text = result.inner_text()
    assert f"currently {before}%" in text, f"the what-if should recall the current probability: {text}"
    after = PERCENT.search(text).group(1)
    assert after != before, f"tripling the credit should move the probability ({before}% -> {after}%)"


def test_an_advisor_records_a_review_and_sees_it_listed(
    page: Page, ui_server: Service, client_to_show: tuple[int, float]
) -> None:
    """Given an open client, when the advisor records a review with the client's view, then it is
    listed under the advisor's login, with the decision it reviewed."""
    client_id, _ = client_to_show
    login(page, ui_server.url)
    open_client(page, client_id)
    check_score_tab(page, client_id)
    page.get_by_role("tab", name="Réexamen").click()
    settled(page)
    page.get_by_label("Point de vue du client").fill("Je conteste : mes revenus ont augmenté.")
    page.get_by_role("button", name="Enregistrer le réexamen").click()
    expect(page.locator("#message")).to_contain_text("Choisissez un motif")
    page.get_by_label("Motif").click()
    page.get_by_role("option", name="Revenus ou charges justifiés").click()
    page.get_by_role("button", name="Enregistrer le réexamen").click()
    expect(page.locator("#message")).to_contain_text("Réexamen enregistré")
    listed = page.locator("#review-list")
    expect(listed).to_contain_text(f"{ADVISOR} : Décision confirmée")
    expect(listed).to_contain_text("Motif : Revenus ou charges justifiés")
    expect(page.get_by_label("Point de vue du client")).to_have_value("")


def test_markup_stored_in_a_review_shows_as_text(
    page: Page, ui_server: Service, gateway_api: httpx.Client, client_to_show: tuple[int, float]
) -> None:
    """Given a review whose free text is markup (posted through REST by another system), when an advisor
    lists the client's reviews, then the markup reads as text: no element is made, no script runs."""
    client_id, _ = client_to_show
    markup = (
        "<script>window.__stored_markup_ran = 1</script><b>Evil</b><img src=x onerror=window.__img_ran=1>"
    )
    posted = gateway_api.post(
        f"/v1/clients/{client_id}/reviews",
        json={"reviewer": markup, "client_view": markup, "outcome": "confirmed", "reason": "as_assessed"},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["reviewer"] == markup, "stored as plain text, exactly"
    login(page, ui_server.url)
    open_client(page, client_id)
    check_score_tab(page, client_id)
    page.get_by_role("tab", name="Réexamen").click()
    settled(page)
    listed = page.locator("#review-list")
    expect(listed).to_contain_text(markup)
    assert listed.locator("script, b, img").count() == 0, "no element made of the stored text"
    assert page.evaluate("[window.__stored_markup_ran, window.__img_ran]") == [None, None], "nothing ran"


def test_a_mistyped_id_does_not_break_the_next_search(
    page: Page, ui_server: Service, client_to_show: tuple[int, float]
) -> None:
    """Given an open client, when the advisor mistypes an id and then opens a client again, then the
    client opens with no error toast or badge, and the unknown-client message is gone (it once
    broke every later search until a reload, 3 times in 3)."""
    client_id, _ = client_to_show
    login(page, ui_server.url)
    open_client(page, client_id)
    check_score_tab(page, client_id)
    for _ in range(2):
        open_client(page, 99999999)
        expect(page.locator("#message [role=alert]")).to_contain_text("Client inconnu")
        settled(page)
        open_client(page, client_id)
        expect(page.locator("#decision")).to_contain_text(str(client_id))
        settled(page)
        expect(page.locator("#message")).not_to_contain_text("Client inconnu")
        assert page.locator(".toast-body").count() == 0, "an error toast"
        assert page.get_by_text(re.compile(r"^(Erreur|Error)$")).count() == 0, "an error badge"


def test_wrong_password_is_refused(page: Page, ui_server: Service) -> None:
    """Given a wrong password, the login page stays and nothing of the app is shown."""
    login(page, ui_server.url, password="not the password")
    expect(page.get_by_text(re.compile("incorrect", re.IGNORECASE))).to_be_visible()
    expect(page.get_by_label("Identifiant client")).to_have_count(0)


def test_unknown_client_is_worded(page: Page, ui_server: Service, screenshots: Path) -> None:
    """Given an id nobody has, the advisor reads that the client is unknown (no error trace)."""
    login(page, ui_server.url)
    open_client(page, 99999999)
    message = page.locator("#message [role=alert]")
    expect(message).to_contain_text("Client inconnu")
    expect(message).to_contain_text("99999999")
    expect(page.locator("#decision")).not_to_contain_text("Crédit")
    open_client(page, "12ab")
    expect(message).to_contain_text("chiffres")


def test_gateway_down_is_worded(page: Page, browser, tmp_path: Path, screenshots: Path) -> None:
    """Given a UI whose gateway does not answer, the advisor reads that the service is unavailable."""
    from credit_common.processes import free_port

    ui = start_ui(tmp_path, f"http://127.0.0.1:{free_port()}")
    try:
        login(page, ui.url)
        message = page.locator("#message [role=alert]")
        expect(message).to_contain_text("momentanément indisponible")
        open_client(page, 100002)
        expect(message).to_contain_text("momentanément indisponible")
        shot(page, screenshots, "gateway-down-fr")
    finally:
        ui.stop()
