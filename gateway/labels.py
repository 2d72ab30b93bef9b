"""Readable names of application fields and model features, from the profile and the feature SQL."""

from __future__ import annotations

from functools import cache

from credit_features.catalog import feature_catalog
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


@cache
def feature_labels() -> dict[str, str]:
    """Feature name -> one-line description an advisor can read."""
    return {spec.name: spec.description for specs in feature_catalog().values() for spec in specs}


@cache
def field_labels() -> dict[str, str]:
    """Raw application field -> its description in the real data's documentation."""
    return {column.name: column.description or column.name for column in columns("application_test")}


@cache
def field_group(name: str) -> str:
    """The group an application field is shown under."""
    for group, names in FIELD_GROUPS.items():
        if name in names:
            return group
    return "Other"
