"""Labels of the client's file: the day counts are named as the durations the advisors' app shows."""

from __future__ import annotations

import re

import pytest

from gateway.decisions.labels import feature_labels, field_labels
from gateway.decisions.reasons import display

pytestmark = pytest.mark.unit

DAYS = ("DAYS_BIRTH", "DAYS_EMPLOYED", "DAYS_REGISTRATION", "DAYS_ID_PUBLISH", "DAYS_LAST_PHONE_CHANGE")


def test_day_counts_are_labelled_as_durations_in_both_languages() -> None:
    english, french = field_labels("en"), field_labels("fr")
    assert (french["DAYS_BIRTH"], english["DAYS_BIRTH"]) == ("Âge", "Age")
    assert (french["DAYS_EMPLOYED"], english["DAYS_EMPLOYED"]) == (
        "Ancienneté dans l'emploi actuel",
        "Time in current job",
    )
    assert french["DAYS_ID_PUBLISH"] == "Depuis le dernier changement de pièce d'identité"
    for name in DAYS:
        assert "jour" not in french[name].lower(), french[name]
        assert "day" not in english[name].lower(), english[name]
    assert english["AMT_CREDIT"] == "Credit amount of the loan", "other fields keep the data's documentation"


def test_english_labels_carry_no_value_codes_the_app_shows_as_words() -> None:
    english = field_labels("en")
    assert not [label for label in english.values() if "=" in label], "a label quotes value codes"
    assert english["FLAG_EMAIL"] == "Did client provide email"
    assert (
        english["LIVE_CITY_NOT_WORK_CITY"]
        == "Client's contact address differs from work address (city level)"
    )


@pytest.mark.parametrize(
    ("days", "french", "english"),
    [(-11_279, "30,9 ans", "30.9 years"), (-482, "1,3 an", "1.3 years"), (-35, "1 mois", "1 month"),
     (-70, "2 mois", "2 months"), (-12, "12 jours", "12 days"), (-1, "1 jour", "1 day")],
)  # fmt: skip
def test_a_day_count_feature_reads_as_a_duration_under_a_label_of_time(days, french, english) -> None:
    assert (display("APP_DAYS_ID_PUBLISH", days, "fr"), display("APP_DAYS_ID_PUBLISH", days, "en")) == (
        french,
        english,
    )
    labels = feature_labels("fr"), feature_labels("en")
    day_counts = [n for n in labels[0] if "DAYS" in n and not n.endswith("_VAR")]
    in_days = re.compile(r"\b(jours|days)\b", re.IGNORECASE)  # not "mise à jour", an update
    assert not [n for n in day_counts if in_days.search(labels[0][n]) or in_days.search(labels[1][n])]
    assert labels[0]["APP_DAYS_ID_PUBLISH"].startswith("Temps depuis le dernier changement de pièce")
    assert display("BURO_DAYS_CREDIT_VAR", 4_000.0, "en") == "4,000", "a variance of days is no duration"


def test_an_amount_feature_reads_in_euros_as_each_language_writes_them() -> None:
    assert display("PREV_AMT_ANNUITY_MIN", 3_029.4, "fr") == "3\u202f029\u00a0€"
    assert display("PREV_AMT_ANNUITY_MIN", 3_029.4, "en") == "€3,029"
    assert display("CC_AMT_BALANCE_MEAN", -120.0, "en") == "-€120"
    assert display("CC_AMT_BALANCE_VAR", 4e6, "en") == "4,000,000", "a variance of amounts is no amount"
