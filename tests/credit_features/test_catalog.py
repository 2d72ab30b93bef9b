"""The feature catalog in both languages, and every feature's family."""

from __future__ import annotations

import re

import pytest

from credit_features.catalog import FeatureSpec, feature_catalog, parse_features
from credit_features.families import APPLICATION_FAMILIES, FAMILIES, OTHER, family, family_key

ALL = [spec for specs in feature_catalog().values() for spec in specs]
#: Words that give an English text away (none of them is French).
ENGLISH = re.compile(r"\b(the|of|client's|over|number|average|share|with|and)\b", re.IGNORECASE)


def test_every_feature_has_english_and_french_label_description_and_family() -> None:
    assert len(ALL) > 400, "the whole catalog is read"
    for spec in ALL:
        for language in ("en", "fr"):
            assert spec.text(language).strip(), f"{spec.name}: no {language} description"
            assert spec.label(language).strip(), f"{spec.name}: no {language} label"
            assert "(" not in spec.label(language), f"{spec.name}: a label has no parenthesised details"
        assert family_key(spec.name) != OTHER.key, f"{spec.name}: no family"


def test_french_texts_are_french() -> None:
    same = [s.name for s in ALL if s.description_fr == s.description]
    assert len(same) <= len(ALL) // 20, f"French differs from English for nearly every feature: {same}"
    english = [s.name for s in ALL if ENGLISH.search(s.description_fr)]
    assert not english, f"English words in French descriptions: {english}"
    accented = [s for s in ALL if re.search(r"[éèêàâùûôîç]", s.description_fr)]
    assert len(accented) > len(ALL) // 2, "French carries its accents"


def test_a_feature_line_without_french_is_refused_by_name() -> None:
    sql = "SELECT\n    count(*) AS BURO_COUNT, -- Number of credits\nFROM bureau"
    with pytest.raises(ValueError, match="BURO_COUNT"):
        parse_features("bureau", sql)
    parsed = parse_features("bureau", sql.replace("credits\n", "credits | fr: Nombre de crédits\n"))
    assert parsed == [FeatureSpec("BURO_COUNT", "Number of credits", "bureau", "Nombre de crédits")]


def test_application_families_list_each_application_feature_once() -> None:
    application = {spec.name.removeprefix("APP_") for spec in feature_catalog()["application"]}
    listed = [name for names in APPLICATION_FAMILIES.values() for name in names]
    assert len(listed) == len(set(listed)), "no feature in two families"
    assert set(listed) == application, (
        f"unknown: {sorted(set(listed) - application)}, missing: {sorted(application - set(listed))}"
    )
    assert set(APPLICATION_FAMILIES) <= {f.key for f in FAMILIES}


def test_families_have_both_names_and_history_views_their_own() -> None:
    assert all(f.en and f.fr and f.en != f.fr for f in FAMILIES), "every family named in both languages"
    assert family_key("BURO_DAYS_CREDIT_MEAN") == "bureau"
    assert family_key("INST_LATE_SHARE") == "installments"
    assert family_key("APP_EXT_SOURCE_MEAN") == "external_scores"
    assert family_key("NOT_A_FEATURE") == OTHER.key, "a name outside the catalog is 'other'"
    assert family("bureau").label("fr") == "Historique auprès d'autres établissements"
