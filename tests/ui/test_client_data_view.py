"""The client's file as a table: fields grouped and filtered, in the language the gateway labelled them."""

from __future__ import annotations

import pytest

from ui import views
from ui.api_models import ClientData, ClientSummary

pytestmark = pytest.mark.unit

FRENCH = ClientData.model_validate(
    {
        "client_id": 100002,
        "fields": [
            {
                "name": "DAYS_BIRTH",
                "label": "Âge du client (jours)",
                "group": "Identité et famille",
                "value": -9461,
            },
            {"name": "AMT_CREDIT", "label": "Montant du crédit", "group": "Prêt", "value": 406597.5},
            {
                "name": "FLAG_OWN_CAR",
                "label": "Possède une voiture",
                "group": "Logement et biens",
                "value": "N",
                "value_label": "Non",
            },
            {"name": "AMT_ANNUITY", "label": "Annuité du prêt", "group": "Prêt", "value": 24700.5},
        ],
    }
)


def test_french_groups_are_ordered_filtered_and_shown_in_french():
    # when every group is asked for in French
    frame, count = views.data_frame(FRENCH, ["Loan", "Identity and family", "Housing and assets"], "", "fr")
    # then fields come group by group in the file's order, with French headers and numbers
    assert list(frame.columns) == ["Groupe", "Champ", "Valeur"]
    assert frame.values.tolist() == [
        ["Prêt", "Montant du crédit", "406\u202f598"],
        ["Prêt", "Annuité du prêt", "24\u202f700"],  # whole amounts: rounded half to even
        ["Identité et famille", "Âge du client (jours)", "-9\u202f461"],
        ["Logement et biens", "Possède une voiture", "Non"],  # the gateway's French words for "N"
    ]
    assert count == "4 champs affichés sur 4."


def test_a_group_left_out_and_a_word_typed_narrow_the_table():
    frame, count = views.data_frame(FRENCH, ["Loan"], "crédit", "en")
    assert frame.values.tolist() == [["Loan", "Montant du crédit", "406,598"]]
    assert count == "1 of 4 fields shown."


def test_search_suggestions_word_the_types_in_the_pages_language():
    client = ClientSummary(
        client_id=100002,
        contract_type="Cash loans",
        income_type="Working",
        contract_type_label="Prêts personnels",
        income_type_label="Salarié",
    )
    assert views.suggestion(client) == "100002 · Prêts personnels · Salarié"
    assert views.suggestion(ClientSummary(client_id=7)) == "7 · — · —", "unknown types are a dash"
