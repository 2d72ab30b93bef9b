"""The offer beside the decision, in the advisor's language."""

from __future__ import annotations

import pytest

from ui.api_models import Offer, Score
from ui.views import decision_html, offer_line

pytestmark = pytest.mark.unit

SCORE = Score(
    request_id="019af4c2a1b07c3e9d2f41a6b8c0d1e2", client_id=1, probability=0.4, decision="refused",
    threshold=0.3, margin=-0.1, model_name="credit-default",
    model_version="3", explanation_available=False,
)  # fmt: skip


def test_the_offer_is_said_beside_the_decision_in_french() -> None:
    offer = Offer(term_years=20.0, max_amount=250_000.0, max_amount_annuity=12_500.0)
    html = decision_html(SCORE, "fr", offer=offer)
    assert "Référence de la décision : 019af4c2a1b07c3e9d2f41a6b8c0d1e2 (modèle version 3)." in html, (
        "the id an advisor can quote, the model named once (the page's header names it)"
    )
    assert "Modèle credit-default" not in html
    assert "Montant le plus élevé que nous accorderions sur 20 ans : 250\u202f000" in html.replace(
        "&#x27;", "'"
    )


def test_no_amount_is_said_too_and_an_unknown_offer_says_nothing() -> None:
    assert offer_line(Offer(term_years=12.5), "en") == "No amount would be granted over this term."
    assert offer_line(None, "en") is None
    assert "grant over" not in decision_html(SCORE, "en")
