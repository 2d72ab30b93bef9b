"""The History tab built from the gateway's history answer, without a browser."""

from __future__ import annotations

import html
import re

import pytest

from ui import history_views
from ui.api_models import History

pytestmark = pytest.mark.unit

NNBSP = "\u202f"  # French thousands separator

HISTORY = History.model_validate(
    {
        "client_id": 100002,
        "lang": "fr",
        "bureau": [
            {"credit_active": "Closed", "credit_active_label": "Clôturé", "credit_type": "Consumer credit",
             "credit_type_label": "Crédit à la consommation", "years_ago": 4.0, "amount": 1234567.0,
             "debt": 0.0, "overdue_days": 0, "months_late": None},
            {"credit_active": "Active", "credit_active_label": "En cours", "credit_type": "Credit card",
             "credit_type_label": "Carte de crédit", "years_ago": 0.5, "amount": 45000.0,
             "debt": 12500.5, "overdue_days": 12, "months_late": 2},
        ],
        "bureau_total": 3,
        "previous": [
            {"contract_type": "Cash loans", "contract_type_label": "Prêt en espèces", "status": "Refused",
             "status_label": "Refusée", "years_ago": 1.25, "amount_asked": 90000.0, "amount_granted": 9e4},
        ],
        "previous_total": 1,
        "installments": {"payments": 40, "late_share": 0.125, "underpaid_share": 0.05,
                         "mean_days_late": 6.5, "by_year": [{"years_ago": 0, "payments": 12, "late": 1},
                                                             {"years_ago": 1, "payments": 28, "late": 4}]},
        "credit_card": {"months": 18, "mean_balance": 3500.0, "mean_utilisation": 0.42, "months_overdue": 1},
        "pos_cash": {"months": 10, "active_loans": 1, "months_overdue": 0},
    }
)  # fmt: skip
EMPTY = History.model_validate(
    {
        "client_id": 100003, "lang": "en", "bureau": [], "bureau_total": 0, "previous": [],
        "previous_total": 0,
        "installments": {"payments": 0, "late_share": None, "underpaid_share": None, "mean_days_late": None,
                         "by_year": []},
        "credit_card": {"months": 0, "mean_balance": None, "mean_utilisation": None, "months_overdue": 0},
        "pos_cash": {"months": 0, "active_loans": 0, "months_overdue": 0},
    }
)  # fmt: skip


def _cells(page: str, tag: str) -> list[str]:
    return [html.unescape(cell) for cell in re.findall(rf"<{tag}[^>]*>([^<]*)</{tag}>", page)]


def test_bureau_credits_are_a_french_table_most_recent_first():
    # when the bureau credits are shown in French
    page = history_views.bureau_html(HISTORY, "fr")
    # then headers, caption, labels and numbers are French, the latest credit first
    assert _cells(page, "th") == [
        "Statut", "Type de crédit", "Quand", "Montant", "Reste dû", "Jours de retard", "Mois en retard",
    ]  # fmt: skip
    assert _cells(page, "caption") == ["2 sur 3, du plus récent au plus ancien"]
    assert 'aria-label="Crédits connus du bureau de crédit"' in page, "the scrolled region is named"
    cells = _cells(page, "td")
    assert cells[:7] == ["En cours", "Carte de crédit", "il y a 0,5 an", f"45{NNBSP}000\u00a0€",
                         f"12{NNBSP}500\u00a0€", "12", "2"], cells  # fmt: skip
    assert cells[7:10] == ["Clôturé", "Crédit à la consommation", "il y a 4 ans"], cells
    assert cells[10] == f"1{NNBSP}234{NNBSP}567\u00a0€", "thousands separated by a narrow no-break space"
    assert cells[13] == "—", "an unknown count is a dash, not 'None'"
    assert 'role="region" tabindex="0"' in page, "a scrolled table must be reachable by keyboard"


def test_previous_applications_use_the_labels_in_the_chosen_language():
    page = history_views.previous_html(HISTORY, "en")
    assert _cells(page, "th") == ["Contract type", "Decision", "When", "Amount asked", "Amount granted"]
    assert _cells(page, "td") == ["Prêt en espèces", "Refusée", "1.2 years ago", "€90,000", "—"], (
        "a refused application granted nothing, whatever amount the data keeps for it"
    )


def test_repayments_are_a_sentence_and_a_chart_described_year_by_year():
    page = history_views.installments_html(HISTORY.installments, "fr")
    sentence = html.unescape(re.search(r"<p>([^<]*)</p>", page).group(1))
    assert sentence == (
        "40 paiements d'échéance : 12,5\u202f% en retard, 5,00\u202f% payés en partie ; "
        "retard moyen 6,5 jours."
    ), sentence
    alt = html.unescape(re.search(r'alt="([^"]*)"', page).group(1))
    assert alt == (
        "Paiements par année — de 0 à 1 an avant : 12 paiements dont 1 en retard; "
        "de 1 à 2 ans avant : 28 paiements dont 4 en retard."
    ), alt


def test_card_and_point_of_sale_summaries():
    assert history_views.card_text(HISTORY, "en") == (
        "18 months of history; mean balance €3,500; mean use of the limit 42.0%; 1 month overdue."
    )
    assert (
        history_views.pos_text(HISTORY, "fr") == "10 mois d'historique ; 1 prêt en cours ; 0 mois en retard."
    )


@pytest.mark.parametrize(
    ("lang", "sentences"),
    [
        ("en", ["The credit bureau knows no credit of this client.",
                "No previous credit application with us.",
                "No instalment repayment is known for this client.", "No credit card with us.",
                "No point-of-sale or cash loan with us."]),
        ("fr", ["Aucun crédit connu du bureau de crédit pour ce client.",
                "Aucune demande de crédit précédente chez nous.",
                "Aucun remboursement d'échéance connu pour ce client.", "Pas de carte de crédit chez nous.",
                "Aucun prêt en magasin ou en espèces chez nous."]),
    ],
)  # fmt: skip
def test_an_empty_history_is_worded_plainly(lang, sentences):
    page = html.unescape(history_views.history_html(EMPTY, lang))
    for sentence in sentences:
        assert sentence in page, f"{sentence!r} missing from {page}"
    assert "<table" not in page, "no empty table"
    assert "<img" not in page, "no empty chart"
