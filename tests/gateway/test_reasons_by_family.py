"""Reasons by family: exact sums, strongest first, every text in the language asked for."""

from __future__ import annotations

from dataclasses import replace

import pytest

from explain_service.client import Contribution, Explanation, FamilyImpact
from gateway.decisions.families import by_family
from gateway.decisions.labels import feature_labels, field_group, field_labels
from gateway.decisions.reasons import display, family_reasons, top_reasons


def explanation() -> Explanation:
    """Six features listed of three families; the bureau family also holds features not listed."""
    contributions = (
        Contribution("APP_EXT_SOURCE_MEAN", 0.21, 0.9, "external_scores"),
        Contribution("BURO_DAYS_CREDIT_MEAN", -800.0, 0.4, "bureau"),
        Contribution("APP_AMT_CREDIT", 600000.0, -0.3, "loan"),
        Contribution("BURO_COUNT", 4.0, -0.2, "bureau"),
        Contribution("APP_EXT_SOURCE_1", None, 0.1, "external_scores"),
        Contribution("APP_PAYMENT_RATE", 0.05, -0.05, "loan"),
    )
    families = (
        FamilyImpact("external_scores", 1.0, 7),
        FamilyImpact("bureau", 0.25, 121),  # 0.4 - 0.2 listed + 0.05 among the features not listed
        FamilyImpact("loan", -0.35, 11),
    )
    return Explanation(
        request_id="r",
        client_id=1,
        probability=0.3,
        outcome="granted",
        threshold=0.5,
        base_value=-1.75,
        raw_score=-0.85,
        model_name="m",
        model_version="1",
        contributions=contributions,
        omitted_shap=0.05,
        omitted=417,
        families=families,
    )


def test_families_keep_the_exact_sums_strongest_first_with_their_listed_features() -> None:
    groups = by_family(explanation())
    assert [g.family for g in groups] == ["external_scores", "loan", "bureau"], "by |impact|"
    assert sum(g.impact for g in groups) == pytest.approx(-0.85 - -1.75, abs=1e-12), "families add up"
    bureau = groups[2]
    assert bureau.impact == 0.25, "the service's exact sum, not the sum of the listed features"
    assert [c.feature for c in bureau.contributions] == ["BURO_DAYS_CREDIT_MEAN", "BURO_COUNT"]
    assert (groups[0].direction, groups[1].direction) == ("raises", "lowers")


def test_family_reasons_in_french_carry_no_english() -> None:
    reasons = family_reasons(explanation(), "fr")
    first = reasons[0]
    assert first.label == "Scores de crédit externes"
    assert first.sentence == "Scores de crédit externes : augmente le risque de défaut."
    assert [r.feature for r in first.top] == ["APP_EXT_SOURCE_MEAN", "APP_EXT_SOURCE_1"]
    assert first.top[0].label == "Moyenne des scores de crédit externes disponibles"
    assert first.top[1].display_value == "inconnu (information manquante)", "a missing value says so"
    assert reasons[1].sentence == "Le prêt demandé : diminue le risque de défaut."
    english = family_reasons(explanation(), "en")
    assert english[2].sentence == "History with other lenders: raises the risk of default."


def test_a_family_that_weighs_nothing_is_no_reason() -> None:
    weightless = replace(
        explanation(), families=(*explanation().families, FamilyImpact("documents_contact", 0.0, 7))
    )
    assert [f.family for f in by_family(weightless)][-1] == "documents_contact", "still in the sums"
    assert "documents_contact" not in [r.family for r in family_reasons(weightless, "en")]


def test_top_reasons_each_way_carry_their_family() -> None:
    raising, lowering = top_reasons(explanation(), top=2, language="en")
    assert [(r.feature, r.family) for r in raising] == [
        ("APP_EXT_SOURCE_MEAN", "external_scores"),
        ("BURO_DAYS_CREDIT_MEAN", "bureau"),
    ]
    assert [r.feature for r in lowering] == ["APP_AMT_CREDIT", "BURO_COUNT"]


def test_values_read_the_french_way() -> None:
    assert display("APP_AMT_CREDIT", 600000.0, "fr") == "600\u202f000\u00a0€"
    assert display("BURO_DAYS_CREDIT_MEAN", -800.0, "fr") == "2,2 ans"
    assert display("BURO_DAYS_CREDIT_MEAN", -800.0, "en") == "2.2 years"
    assert display("APP_EXT_SOURCE_MEAN", 0.213, "fr") == "0,213"
    assert display("INST_LATE_SHARE", 0.42, "fr") == "42\u202f%", "a space before %, as 8,1 % beside it"
    assert display("INST_LATE_SHARE", 0.42, "en") == "42%"


def test_labels_follow_the_language() -> None:
    assert feature_labels("en")["APP_NAME_FAMILY_STATUS_CODE"] == "Family status"
    assert feature_labels("fr")["APP_NAME_FAMILY_STATUS_CODE"] == "Situation familiale"
    english, french = field_labels("en"), field_labels("fr")
    assert english.keys() == french.keys()
    assert all(french[name] != english[name] for name in english), "every application field in French"
    assert french["APARTMENTS_AVG"] == "Immeuble : taille des appartements (moyenne, normalisée)"
    assert (field_group("AMT_CREDIT", "fr"), field_group("FLAG_MOBIL", "fr")) == ("Prêt", "Autres")


def test_family_points_add_up_from_the_base_probability_to_the_clients_probability() -> None:
    from gateway.decisions.points import sigmoid

    given = explanation()
    reasons = family_reasons(given, "en")
    total = sum(reason.points for reason in reasons)
    impacts = sum(reason.impact for reason in reasons)
    assert impacts == pytest.approx(given.raw_score - given.base_value), "SHAP adds up in log-odds"
    expected = 100 * (sigmoid(given.raw_score) - sigmoid(given.base_value))
    assert total == pytest.approx(expected, abs=1e-9), "the waterfall ends on the client's probability"
    assert all((r.points > 0) == (r.impact > 0) for r in reasons), "the directions are the log-odds'"
