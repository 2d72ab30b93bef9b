"""Families of features: the groups a decision is explained by before its single features.

Four hundred features, most of them aggregates of one history table, cannot each be a reason: their
contributions are first summed by family (SHAP is additive, so the sums are exact), and a family's
strongest features are its drill-down. A feature of a history table belongs to that table's family;
the application's features are split by what they say about the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from credit_features.catalog import feature_catalog


@dataclass(frozen=True)
class Family:
    """A stable key (in API answers and gRPC) and its name in each language."""

    key: str
    en: str
    fr: str

    def label(self, language: str) -> str:
        """The family's name in `language` (en or fr)."""
        return self.fr if language == "fr" else self.en


#: Every family, in the order a client's file reads.
FAMILIES: tuple[Family, ...] = (
    Family("external_scores", "External credit scores", "Scores de crédit externes"),
    Family("loan", "The loan applied for", "Le prêt demandé"),
    Family("income_work", "Income and work", "Revenus et emploi"),
    Family("identity_family", "Identity and family", "Identité et famille"),
    Family("housing", "Housing and assets", "Logement et biens"),
    Family("region", "Region and addresses", "Région et adresses"),
    Family("documents_contact", "Documents and contact details", "Documents et coordonnées"),
    Family("bureau", "History with other lenders", "Historique auprès d'autres établissements"),
    Family("previous_applications", "Previous applications with us", "Demandes précédentes chez nous"),
    Family("installments", "Repayment of past instalments", "Remboursement des échéances passées"),
    Family("credit_cards", "Credit cards with us", "Cartes de crédit chez nous"),
    Family("pos_cash", "Shop and cash loans with us", "Prêts en magasin et prêts personnels chez nous"),
)
#: The family of a feature the catalog does not define (a model trained outside it, in tests).
OTHER = Family("other", "Other factors", "Autres facteurs")
FAMILY_BY_KEY: dict[str, Family] = {family.key: family for family in (*FAMILIES, OTHER)}

#: The family of every feature of a history table's view.
VIEW_FAMILIES: dict[str, str] = {
    "bureau": "bureau",
    "previous": "previous_applications",
    "installments": "installments",
    "credit_card": "credit_cards",
    "pos_cash": "pos_cash",
}

#: The application's features by family (names without the APP_ prefix); a test keeps it in
#: lock-step with the SQL: every application feature in exactly one family, no name unknown.
APPLICATION_FAMILIES: dict[str, tuple[str, ...]] = {
    "external_scores": (
        "EXT_SOURCE_1",
        "EXT_SOURCE_2",
        "EXT_SOURCE_3",
        "EXT_SOURCE_MEAN",
        "EXT_SOURCE_MIN",
        "EXT_SOURCE_MAX",
        "EXT_SOURCE_STD",
    ),
    "loan": (
        "REVOLVING_LOAN",
        "AMT_CREDIT",
        "AMT_ANNUITY",
        "AMT_GOODS_PRICE",
        "CREDIT_INCOME_RATIO",
        "ANNUITY_INCOME_RATIO",
        "PAYMENT_RATE",
        "CREDIT_GOODS_RATIO",
        "NAME_TYPE_SUITE_CODE",
        "WEEKDAY_APPR_PROCESS_START_CODE",
        "HOUR_APPR_PROCESS_START",
    ),
    "income_work": (
        "AMT_INCOME_TOTAL",
        "INCOME_PER_FAMILY_MEMBER",
        "NAME_INCOME_TYPE_CODE",
        "OCCUPATION_TYPE_CODE",
        "ORGANIZATION_TYPE_CODE",
        "EMPLOYED_BIRTH_RATIO",
        "YEARS_EMPLOYED",
        "DAYS_EMPLOYED",
        "FLAG_EMP_PHONE",
    ),
    "identity_family": (
        "GENDER_MALE",
        "AGE_YEARS",
        "DAYS_BIRTH",
        "NAME_EDUCATION_TYPE_CODE",
        "NAME_FAMILY_STATUS_CODE",
        "CNT_CHILDREN",
        "CNT_FAM_MEMBERS",
        "DAYS_REGISTRATION",
        "DAYS_ID_PUBLISH",
        "OBS_30_CNT_SOCIAL_CIRCLE",
        "DEF_30_CNT_SOCIAL_CIRCLE",
        "OBS_60_CNT_SOCIAL_CIRCLE",
        "DEF_60_CNT_SOCIAL_CIRCLE",
    ),
    "housing": (
        "OWNS_CAR",
        "OWN_CAR_AGE",
        "OWNS_REALTY",
        "NAME_HOUSING_TYPE_CODE",
        "BUILDING_EMERGENCY_STATE",
        "FONDKAPREMONT_MODE_CODE",
        "HOUSETYPE_MODE_CODE",
        "WALLSMATERIAL_MODE_CODE",
        "APARTMENTS_MEDI",
        "BASEMENTAREA_MEDI",
        "YEARS_BEGINEXPLUATATION_MEDI",
        "YEARS_BUILD_MEDI",
        "ELEVATORS_MEDI",
        "ENTRANCES_MEDI",
        "FLOORSMAX_MEDI",
        "LIVINGAREA_MEDI",
        "LANDAREA_MEDI",
        "TOTALAREA_MODE",
    ),
    "region": (
        "REGION_POPULATION_RELATIVE",
        "REGION_RATING_CLIENT",
        "REGION_RATING_CLIENT_W_CITY",
        "REG_REGION_NOT_LIVE_REGION",
        "REG_REGION_NOT_WORK_REGION",
        "LIVE_REGION_NOT_WORK_REGION",
        "REG_CITY_NOT_LIVE_CITY",
        "REG_CITY_NOT_WORK_CITY",
        "LIVE_CITY_NOT_WORK_CITY",
    ),
    "documents_contact": (
        "FLAG_DOCUMENT_3",
        "DOCUMENT_COUNT",
        "FLAG_WORK_PHONE",
        "FLAG_CONT_MOBILE",
        "FLAG_PHONE",
        "FLAG_EMAIL",
        "DAYS_LAST_PHONE_CHANGE",
    ),
    # Enquiries the credit bureau recorded: part of the client's history with other lenders.
    "bureau": (
        "AMT_REQ_CREDIT_BUREAU_HOUR",
        "AMT_REQ_CREDIT_BUREAU_DAY",
        "AMT_REQ_CREDIT_BUREAU_WEEK",
        "AMT_REQ_CREDIT_BUREAU_MON",
        "AMT_REQ_CREDIT_BUREAU_QRT",
        "AMT_REQ_CREDIT_BUREAU_YEAR",
    ),
}


@cache
def feature_families() -> dict[str, str]:
    """Every feature of the catalog -> its family key (KeyError naming an application feature that no
    family lists)."""
    listed = {f"APP_{name}": key for key, names in APPLICATION_FAMILIES.items() for name in names}
    families: dict[str, str] = {}
    for view, specs in feature_catalog().items():
        for spec in specs:
            if view == "application":
                if spec.name not in listed:
                    raise KeyError(f"application feature {spec.name!r} belongs to no family")
                families[spec.name] = listed[spec.name]
            else:
                families[spec.name] = VIEW_FAMILIES[view]
    return families


def family_key(feature: str) -> str:
    """The family key of a feature; OTHER's for a name the catalog does not define."""
    return feature_families().get(feature, OTHER.key)


def family(key: str) -> Family:
    """The family of a key (OTHER for a key this code does not know, e.g. from a newer service)."""
    return FAMILY_BY_KEY.get(key, OTHER)
