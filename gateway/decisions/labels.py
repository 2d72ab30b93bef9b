"""Readable names of application fields and model features, in English or French.

Features come from the one catalog (the feature SQL, both languages); application fields from the
real data's documentation (English) and the French below, which a test keeps complete.
"""

from __future__ import annotations

import re
from functools import cache

from credit_features.catalog import Language, feature_catalog
from credit_features.tables import columns

#: Application fields grouped as an advisor reads a file; anything else falls in "Other".
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "Loan": ("NAME_CONTRACT_TYPE", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "NAME_TYPE_SUITE"),
    "Identity and family": (
        "CODE_GENDER",
        "DAYS_BIRTH",
        "NAME_FAMILY_STATUS",
        "CNT_CHILDREN",
        "CNT_FAM_MEMBERS",
        "NAME_EDUCATION_TYPE",
    ),
    "Income and work": (
        "AMT_INCOME_TOTAL",
        "NAME_INCOME_TYPE",
        "DAYS_EMPLOYED",
        "OCCUPATION_TYPE",
        "ORGANIZATION_TYPE",
    ),
    "Housing and assets": (
        "FLAG_OWN_CAR",
        "OWN_CAR_AGE",
        "FLAG_OWN_REALTY",
        "NAME_HOUSING_TYPE",
        "REGION_RATING_CLIENT",
        "REGION_POPULATION_RELATIVE",
    ),
    "External scores": ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"),
}
OTHER_GROUP = "Other"
#: Each group's French name.
GROUPS_FR: dict[str, str] = {
    "Loan": "Prêt",
    "Identity and family": "Identité et famille",
    "Income and work": "Revenus et emploi",
    "Housing and assets": "Logement et biens",
    "External scores": "Scores externes",
    OTHER_GROUP: "Autres",
}

#: French labels of the application fields (building statistics and documents are composed below).
FIELDS_FR: dict[str, str] = {
    "SK_ID_CURR": "Identifiant du client",
    "NAME_CONTRACT_TYPE": "Type de crédit (espèces ou renouvelable)",
    "CODE_GENDER": "Sexe du client",
    "FLAG_OWN_CAR": "Possède une voiture",
    "FLAG_OWN_REALTY": "Possède une maison ou un appartement",
    "CNT_CHILDREN": "Nombre d'enfants",
    "AMT_INCOME_TOTAL": "Revenu du client",
    "AMT_CREDIT": "Montant du crédit",
    "AMT_ANNUITY": "Annuité du crédit",
    "AMT_GOODS_PRICE": "Prix du bien financé",
    "NAME_TYPE_SUITE": "Accompagnant lors de la demande",
    "NAME_INCOME_TYPE": "Type de revenus",
    "NAME_EDUCATION_TYPE": "Niveau d'études le plus élevé",
    "NAME_FAMILY_STATUS": "Situation familiale",
    "NAME_HOUSING_TYPE": "Situation de logement",
    "REGION_POPULATION_RELATIVE": "Densité de population de la région (normalisée)",
    "DAYS_BIRTH": "Âge",
    "DAYS_EMPLOYED": "Ancienneté dans l'emploi actuel",
    "DAYS_REGISTRATION": "Depuis le dernier changement d'enregistrement",
    "DAYS_ID_PUBLISH": "Depuis le dernier changement de pièce d'identité",
    "OWN_CAR_AGE": "Âge de la voiture du client",
    "FLAG_MOBIL": "A donné un téléphone portable",
    "FLAG_EMP_PHONE": "A donné un téléphone professionnel",
    "FLAG_WORK_PHONE": "A donné un téléphone fixe personnel",
    "FLAG_CONT_MOBILE": "Téléphone portable joignable",
    "FLAG_PHONE": "A donné une ligne fixe",
    "FLAG_EMAIL": "A donné une adresse électronique",
    "OCCUPATION_TYPE": "Profession",
    "CNT_FAM_MEMBERS": "Nombre de membres de la famille",
    "REGION_RATING_CLIENT": "Note de la région du client (1, 2, 3)",
    "REGION_RATING_CLIENT_W_CITY": "Note de la région et de la ville du client (1, 2, 3)",
    "WEEKDAY_APPR_PROCESS_START": "Jour de la semaine de la demande",
    "HOUR_APPR_PROCESS_START": "Heure approximative de la demande",
    "REG_REGION_NOT_LIVE_REGION": "Adresse permanente et adresse de contact dans des régions différentes",
    "REG_REGION_NOT_WORK_REGION": "Adresse permanente et adresse de travail dans des régions différentes",
    "LIVE_REGION_NOT_WORK_REGION": "Adresse de contact et adresse de travail dans des régions différentes",
    "REG_CITY_NOT_LIVE_CITY": "Adresse permanente et adresse de contact dans des villes différentes",
    "REG_CITY_NOT_WORK_CITY": "Adresse permanente et adresse professionnelle dans des villes différentes",
    "LIVE_CITY_NOT_WORK_CITY": "Adresse de contact et adresse professionnelle dans des villes différentes",
    "ORGANIZATION_TYPE": "Type d'organisation employant le client",
    "EXT_SOURCE_1": "Score externe 1 (normalisé)",
    "EXT_SOURCE_2": "Score externe 2 (normalisé)",
    "EXT_SOURCE_3": "Score externe 3 (normalisé)",
    "FONDKAPREMONT_MODE": "Type de fonds de travaux de l'immeuble",
    "HOUSETYPE_MODE": "Type d'immeuble",
    "WALLSMATERIAL_MODE": "Matériau des murs de l'immeuble",
    "EMERGENCYSTATE_MODE": "Immeuble en état d'urgence",
    "OBS_30_CNT_SOCIAL_CIRCLE": "Entourage observé avec 30 jours de retard",
    "DEF_30_CNT_SOCIAL_CIRCLE": "Entourage en défaut à 30 jours de retard",
    "OBS_60_CNT_SOCIAL_CIRCLE": "Entourage observé avec 60 jours de retard",
    "DEF_60_CNT_SOCIAL_CIRCLE": "Entourage en défaut à 60 jours de retard",
    "DAYS_LAST_PHONE_CHANGE": "Depuis le dernier changement de téléphone",
    "AMT_REQ_CREDIT_BUREAU_HOUR": "Consultations du bureau de crédit dans l'heure avant la demande",
    "AMT_REQ_CREDIT_BUREAU_DAY": "Consultations du bureau de crédit dans la journée avant la demande",
    "AMT_REQ_CREDIT_BUREAU_WEEK": "Consultations du bureau de crédit dans la semaine avant la demande",
    "AMT_REQ_CREDIT_BUREAU_MON": "Consultations du bureau de crédit dans le mois avant la demande",
    "AMT_REQ_CREDIT_BUREAU_QRT": "Consultations du bureau de crédit dans les 3 mois avant la demande",
    "AMT_REQ_CREDIT_BUREAU_YEAR": "Consultations du bureau de crédit dans l'année avant la demande",
}
#: English labels replacing the data's documentation where it counts in days: the value is a number of
#: days before the application, which the advisors' app shows as a duration (years, months), the age for
#: DAYS_BIRTH (the API's value stays the data's day count).
FIELDS_EN: dict[str, str] = {
    "DAYS_BIRTH": "Age",
    "DAYS_EMPLOYED": "Time in current job",
    "DAYS_REGISTRATION": "Since the last change of registration",
    "DAYS_ID_PUBLISH": "Since the last change of identity document",
    "DAYS_LAST_PHONE_CHANGE": "Since the last change of phone",
}
#: Building statistics (APARTMENTS_AVG, ...): the measure and the statistic, each in French.
_BUILDING_MEASURES_FR = {
    "APARTMENTS": "taille des appartements",
    "BASEMENTAREA": "surface du sous-sol",
    "YEARS_BEGINEXPLUATATION": "ancienneté de mise en service",
    "YEARS_BUILD": "âge du bâtiment",
    "COMMONAREA": "surface des parties communes",
    "ELEVATORS": "ascenseurs",
    "ENTRANCES": "entrées",
    "FLOORSMAX": "étages (maximum)",
    "FLOORSMIN": "étages (minimum)",
    "LANDAREA": "surface du terrain",
    "LIVINGAPARTMENTS": "appartements habités",
    "LIVINGAREA": "surface habitable",
    "NONLIVINGAPARTMENTS": "appartements non habités",
    "NONLIVINGAREA": "surface non habitable",
    "TOTALAREA": "surface totale",
}
_STATISTICS_FR = {"AVG": "moyenne", "MODE": "mode", "MEDI": "médiane"}
_BUILDING = re.compile(rf"({'|'.join(_BUILDING_MEASURES_FR)})_(AVG|MODE|MEDI)")
_DOCUMENT = re.compile(r"FLAG_DOCUMENT_(\d+)")


#: Day counts are shown as durations (gateway.decisions.reasons.display): their labels speak of time,
#: not days.
_DAYS_AS_TIME: dict[Language, tuple[tuple[re.Pattern[str], str], ...]] = {
    "fr": (
        (re.compile(r" en jours$"), ""),
        (re.compile(r"^Jours depuis"), "Temps depuis"),
        (re.compile(r"^(Minimum|Maximum|Moyenne|Total) des jours"), r"\1 du temps"),
    ),
    "en": (
        (re.compile(r" in days$"), ""),
        (re.compile(r"^Days since"), "Time since"),
        (re.compile(r"^Lowest days"), "Shortest time"),
        (re.compile(r"^Highest days"), "Longest time"),
        (re.compile(r"^(Average|Total) days"), r"\1 time"),
    ),
}


@cache
def feature_labels(language: Language = "en") -> dict[str, str]:
    """Feature name -> its short name in `language` (the catalog's description without details); a day
    count is named as the duration it is shown as."""
    labels = {spec.name: spec.label(language) for specs in feature_catalog().values() for spec in specs}
    for name in [name for name in labels if "DAYS" in name and not name.endswith("_VAR")]:
        for pattern, replacement in _DAYS_AS_TIME[language]:
            labels[name] = pattern.sub(replacement, labels[name])
    return labels


def _field_fr(name: str) -> str | None:
    if name in FIELDS_FR:
        return FIELDS_FR[name]
    if building := _BUILDING.fullmatch(name):
        measure, statistic = building.groups()
        return f"Immeuble : {_BUILDING_MEASURES_FR[measure]} ({_STATISTICS_FR[statistic]}, normalisée)"
    if document := _DOCUMENT.fullmatch(name):
        return f"A fourni le document {document.group(1)}"
    return None


#: The data documentation's value codes, which the app shows as words (Yes/No) instead.
_CODES = (
    (re.compile(r"\s*\(1=YES, 0=NO\)"), ""),
    (re.compile(r"Flag if client's (.*) does not match (.*) \(1=different, 0=same, at (\w+) level\)"),
     r"Client's \1 differs from \2 (\3 level)"),
)  # fmt: skip


def _without_codes(description: str | None) -> str | None:
    """A documented description without the value codes the shown value replaces."""
    for pattern, replacement in _CODES:
        description = pattern.sub(replacement, description) if description else description
    return description


@cache
def field_labels(language: Language = "en") -> dict[str, str]:
    """Raw application field -> its description in `language` (English: the real data's documentation,
    but FIELDS_EN for the day counts)."""
    labels = {}
    for column in columns("application_test"):
        english = FIELDS_EN.get(column.name) or _without_codes(column.description) or column.name
        labels[column.name] = (_field_fr(column.name) or english) if language == "fr" else english
    return labels


@cache
def field_group(name: str, language: Language = "en") -> str:
    """The group an application field is shown under, named in `language`."""
    group = next((group for group, names in FIELD_GROUPS.items() if name in names), OTHER_GROUP)
    return GROUPS_FR[group] if language == "fr" else group
