"""The client's file as a table: fields grouped and filtered, in the language the gateway labelled them,
values in the advisor's units (durations, yes/no, euros), building statistics left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ui import views
from ui.api_models import ClientData, ClientSummary
from ui.texts import duration, money

pytestmark = pytest.mark.unit

FRENCH = ClientData.model_validate(
    {
        "client_id": 100002,
        "fields": [
            {
                "name": "DAYS_BIRTH",
                "label": "Âge",
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
        ["Prêt", "Montant du crédit", "406\u202f597,50\u00a0€"],
        ["Prêt", "Annuité du prêt", "24\u202f700,50\u00a0€"],
        ["Identité et famille", "Âge", "25,9 ans"],  # -9461 days before the application
        ["Logement et biens", "Possède une voiture", "Non"],
    ]
    assert count == "4 champs affichés sur 4."


def test_a_group_left_out_and_a_word_typed_narrow_the_table():
    frame, count = views.data_frame(FRENCH, ["Loan"], "crédit", "en")
    assert frame.values.tolist() == [["Loan", "Montant du crédit", "€406,597.50"]]
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


#: The data's documentation of REG_CITY_NOT_WORK_CITY, the gateway's English label.
CITY_MISMATCH = (
    "Flag if client's permanent address does not match work address (1=different, 0=same, at city level)"
)
#: A client's file as the gateway sends it: raw values, labels and groups in each language.
FILE = [
    # name, value, French label, English label
    ("DAYS_BIRTH", -11300, "Âge", "Age"),
    ("DAYS_EMPLOYED", 365243, "Ancienneté dans l'emploi actuel", "Time in current job"),
    (
        "DAYS_ID_PUBLISH",
        -150,
        "Depuis le dernier changement de pièce d'identité",
        "Since the last change of identity document",
    ),
    (
        "DAYS_REGISTRATION",
        -365.0,
        "Depuis le dernier changement d'enregistrement",
        "Since the last change of registration",
    ),
    (
        "DAYS_LAST_PHONE_CHANGE",
        -31.0,
        "Depuis le dernier changement de téléphone",
        "Since the last change of phone",
    ),
    ("FLAG_DOCUMENT_3", 1, "A fourni le document 3", "Did client provide document 3"),
    ("FLAG_DOCUMENT_2", 0, "A fourni le document 2", "Did client provide document 2"),
    ("FLAG_OWN_CAR", "Y", "Possède une voiture", "Flag if the client owns a car"),
    (
        "REG_CITY_NOT_WORK_CITY",
        1,
        "Adresse permanente et adresse professionnelle dans des villes différentes",
        CITY_MISMATCH,
    ),
    ("AMT_INCOME_TOTAL", 1234.56, "Revenu du client", "Income of the client"),
    (
        "AMT_REQ_CREDIT_BUREAU_YEAR",
        2.0,
        "Consultations du bureau de crédit dans l'année",
        "Enquiries in the year",
    ),
    (
        "APARTMENTS_AVG",
        0.0825,
        "Immeuble : taille des appartements (moyenne, normalisée)",
        "Normalized building",
    ),
    ("FLOORSMAX_MEDI", 0.1667, "Immeuble : étages (maximum) (médiane, normalisée)", "Normalized building"),
    ("HOUSETYPE_MODE", "block of flats", "Type d'immeuble", "Normalized building"),
    ("EMERGENCYSTATE_MODE", "No", "Immeuble en état d'urgence", "Normalized building"),
]
FRENCH_VALUES = {"FLAG_OWN_CAR": "Oui", "HOUSETYPE_MODE": "immeuble", "EMERGENCYSTATE_MODE": "Non"}


def client_file(lang: str) -> ClientData:
    """The file above as the gateway answers in `lang` (the data's text levels translated in French)."""
    return ClientData.model_validate(
        {
            "client_id": 100003,
            "fields": [
                {
                    "name": name,
                    "label": french if lang == "fr" else english,
                    "group": "Autres" if lang == "fr" else "Other",
                    "value": value,
                    "value_label": (FRENCH_VALUES.get(name, value) if lang == "fr" else value)
                    if isinstance(value, str)
                    else None,
                }
                for name, value, french, english in FILE
            ],
        }
    )


def shown(lang: str) -> dict[str, str]:
    """Field label -> the value the advisor reads, every group shown."""
    frame, _ = views.data_frame(client_file(lang), ["Other"], "", lang)  # type: ignore[arg-type]
    return dict(zip(frame.iloc[:, 1], frame.iloc[:, 2], strict=True))


def test_french_file_reads_in_years_months_words_and_euros():
    assert shown("fr") == {
        "Âge": "30,9 ans",  # -11300 days: the age
        "Ancienneté dans l'emploi actuel": "Sans emploi ou retraité",  # 365243: the data's code
        "Depuis le dernier changement de pièce d'identité": "5 mois",  # under a year: in months
        "Depuis le dernier changement d'enregistrement": "1 an",  # singular
        "Depuis le dernier changement de téléphone": "1 mois",
        "A fourni le document 3": "Oui",
        "A fourni le document 2": "Non",
        "Possède une voiture": "Oui",
        "Adresse permanente et adresse professionnelle dans des villes différentes": "Oui",
        "Revenu du client": "1\u202f234,56\u00a0€",
        "Consultations du bureau de crédit dans l'année": "2",  # AMT_REQ_*: a count, not an amount
    }


def test_english_file_reads_in_years_months_words_and_euros():
    assert shown("en") == {
        "Age": "30.9 years",
        "Time in current job": "Not employed or pensioner",
        "Since the last change of identity document": "5 months",
        "Since the last change of registration": "1 year",
        "Since the last change of phone": "1 month",
        "Did client provide document 3": "Yes",
        "Did client provide document 2": "No",
        "Flag if the client owns a car": "Yes",  # the data's "Y", which the gateway leaves in English
        CITY_MISMATCH: "Yes",
        "Income of the client": "€1,234.56",
        "Enquiries in the year": "2",
    }


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_building_statistics_are_left_out_of_the_advisors_view_and_count(lang):
    frame, count = views.data_frame(client_file(lang), ["Other"], "", lang)  # type: ignore[arg-type]
    building = {
        fr if lang == "fr" else en for name, _, fr, en in FILE if name.endswith(("AVG", "MODE", "MEDI"))
    }
    assert len(building) == (4 if lang == "fr" else 1)
    assert not building & set(frame.iloc[:, 1])
    assert count == ("11 champs affichés sur 11." if lang == "fr" else "11 of 11 fields shown.")
    # a search by the field's name does not bring them back
    assert views.data_frame(client_file(lang), ["Other"], "APARTMENTS", lang)[0].empty  # type: ignore[arg-type]


def test_the_building_statistics_left_out_are_exactly_the_profiles_building_information():
    profile = Path(__file__).parents[2] / "credit_features" / "reference" / "home_credit_profile.json"
    tables = json.loads(profile.read_text())["tables"]
    described = tables["application_train"]["columns"]
    names = tables["application_test"]["columns"]
    building = {
        n for n in names if "normalized information about building" in described[n]["description"].lower()
    }
    assert len(building) == 47
    assert {n for n in names if not views.shown_in_file(n)} == building


def test_durations_and_amounts_in_each_language():
    assert (duration(-10, "fr"), duration(-10, "en")) == ("moins d'un mois", "less than a month")
    assert (duration(-364, "fr"), duration(-364, "en")) == ("1 an", "1 year"), "12 months read as a year"
    assert (duration(-548, "fr"), duration(-548, "en")) == ("1,5 an", "1.5 years")  # French: 1,5 an
    assert (duration(-800, "fr"), duration(None, "en")) == ("2,2 ans", "—")
    assert (money(406597.5, "fr", cents=True), money(406597.5, "en", cents=True)) == (
        "406\u202f597,50\u00a0€",
        "€406,597.50",
    )
    assert money(406597.5, "fr") == "406\u202f598\u00a0€", "without cents: whole euros as before"
