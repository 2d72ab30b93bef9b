"""Applications (train and test): one row per client, with a latent risk factor behind the columns.

The latent factors only make observable values correlate (external scores, employment, education);
the planted default probability is computed later from the observed values, never from the latents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from credit_features.tables import column_names, row_count
from training.data.synthetic.layout import stream, unique_ids
from training.data.synthetic.marginals import (
    SENTINEL_DAYS,
    Categorical,
    Table,
    categorical,
    copula_uniform,
    fill,
    numeric,
    quantile_values,
    rank_uniform,
    sample,
    spec,
    stratified,
    with_nulls,
)

TRAIN_START = datetime(2024, 9, 1, tzinfo=UTC)
#: Fixed anchor: train applications end here, test ("production") ones follow for three months.
ANCHOR = datetime(2026, 3, 1, tzinfo=UTC)
TEST_END = datetime(2026, 6, 1, tzinfo=UTC)
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
NO_EMPLOYMENT = ("Pensioner", "Unemployed")
EDUCATION_BEST_FIRST = (
    "Academic degree",
    "Higher education",
    "Incomplete higher",
    "Secondary / secondary special",
    "Lower secondary",
)
_TERMS = np.array([12, 18, 24, 30, 36, 48, 60])
_TERM_PROBS = np.array([0.2, 0.15, 0.2, 0.15, 0.12, 0.1, 0.08])
_BUILDING_SUFFIXES = ("_AVG", "_MODE", "_MEDI")
_BUILDING_STRINGS = ("FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "WALLSMATERIAL_MODE", "EMERGENCYSTATE_MODE")


@dataclass(frozen=True)
class Clients:
    """All applications, sorted by SK_ID_CURR; `risk` is latent and never written."""

    ids: np.ndarray
    is_test: np.ndarray
    risk: np.ndarray
    wealth: np.ndarray
    table: Table
    times: np.ndarray

    @property
    def size(self) -> int:
        return int(self.ids.size)


def _groups() -> tuple[dict[str, str], dict[str, str]]:
    """Shared uniforms: the building block (nested nulls), AVG/MODE/MEDI twins, bureau enquiries."""
    value: dict[str, str] = {}
    null: dict[str, str] = {}
    for name in column_names("application_train"):
        stem = next((name[: -len(s)] for s in _BUILDING_SUFFIXES if name.endswith(s)), None)
        if stem is not None or name in _BUILDING_STRINGS:
            null[name] = "building"
            if stem is not None and name not in _BUILDING_STRINGS:
                value[name] = stem
        elif name.startswith("AMT_REQ_CREDIT_BUREAU"):
            null[name] = "bureau_enquiries"
        elif name.endswith("_CNT_SOCIAL_CIRCLE"):
            null[name] = "social_circle"
            value[name] = "social_circle"
        elif name.startswith("REGION_RATING_CLIENT"):
            value[name] = "region_rating"
    return value, null


def _amounts(n: int, rng: np.random.Generator, wealth: np.ndarray, revolving: np.ndarray) -> Table:
    """Income, goods price, credit and annuity that hang together (annuity = credit x term factor)."""
    income = quantile_values(spec("application_train", "AMT_INCOME_TOTAL"), copula_uniform(wealth, 0.8, rng))
    goods = quantile_values(spec("application_train", "AMT_GOODS_PRICE"), copula_uniform(wealth, 0.45, rng))
    goods = np.maximum(np.rint(goods / 4500) * 4500, 22500.0)
    insurance = np.where(rng.random(n) < 0.25, 1.0, 1.0 + rng.uniform(0.0, 0.3, n))
    credit = np.rint(goods * insurance * 2) / 2
    # Larger credits run longer, which keeps annuities in the real range.
    term_u = rank_uniform(np.log(credit) + 0.5 * rng.standard_normal(n))
    months = _TERMS[np.searchsorted(np.cumsum(_TERM_PROBS)[:-1], term_u)]
    rate = rng.uniform(0.008, 0.02, n)
    factor = np.where(revolving, 0.05, rate / (1 - (1 + rate) ** -months))
    annuity = np.rint(credit * factor * 2) / 2
    goods = np.where(revolving & (rng.random(n) < 0.003), np.nan, goods)
    return {
        "AMT_INCOME_TOTAL": np.maximum(np.rint(income / 450) * 450, 25650.0),
        "AMT_CREDIT": credit,
        "AMT_ANNUITY": annuity,
        "AMT_GOODS_PRICE": goods,
    }


def _times(
    rng: np.random.Generator, is_test: np.ndarray, weekday: Categorical, hour: np.ndarray
) -> np.ndarray:
    """Application timestamps agreeing with WEEKDAY_ and HOUR_APPR_PROCESS_START."""
    n = is_test.size
    start = np.where(is_test, (ANCHOR - TRAIN_START).days, 0)
    length = np.where(is_test, (TEST_END - ANCHOR).days, (ANCHOR - TRAIN_START).days)
    day = start + rng.integers(0, length)
    wanted = np.array([WEEKDAYS.index(w) for w in weekday.categories])[weekday.codes]
    day = day + (wanted - (TRAIN_START.weekday() + day)) % 7
    day = np.where(day >= start + length, day - 7, day)
    seconds = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
    return np.datetime64(TRAIN_START.replace(tzinfo=None)) + seconds.astype("timedelta64[s]")


def _drift(table: Table, test: np.ndarray, rng: np.random.Generator) -> None:
    """Production drift: richer and more dispersed incomes, more revolving loans, older applicants."""
    income = table["AMT_INCOME_TOTAL"]
    spread = np.exp(rng.normal(0.0, 0.35, test.sum()))
    income[test] = np.rint(income[test] * 1.4 * spread / 450) * 450
    contract = table["NAME_CONTRACT_TYPE"]
    assert isinstance(contract, Categorical)
    to_revolving = test & (rng.random(test.size) < 0.25)
    contract.codes[to_revolving] = contract.categories.index("Revolving loans")
    birth = table["DAYS_BIRTH"]
    employed = table["DAYS_EMPLOYED"]
    older = np.rint(birth[test] - rng.uniform(0, 8 * 365, test.sum())).astype(np.int64)
    birth[test] = np.maximum(older, -25229)
    working = employed != SENTINEL_DAYS
    employed[working] = np.maximum(employed[working], birth[working] + 18 * 365)


def _days_employed(u: np.ndarray) -> np.ndarray:
    """Employment days of the employed: the profile's quantile function below its 365243 mass
    (which starts at the share of non-employed, 0.8146), ending a day before the application."""
    col = spec("application_train", "DAYS_EMPLOYED")
    assert col.quantiles is not None
    knots = {q: v for q, v in col.quantiles.items() if v < 0} | {0.8146: -1.0}
    return np.rint(np.interp(0.8146 * u, list(knots), list(knots.values()))).astype(np.int64)


def make_clients(scale: float, seed: int, drift: bool) -> Clients:
    """All train and test applications (TARGET is added later from the planted probability)."""
    rng = stream(seed, "clients")
    n_train = max(round(row_count("application_train") * scale), 50)
    n_test = max(round(row_count("application_test") * scale), 10)
    n = n_train + n_test
    ids = unique_ids(stream(seed, "ids"), n, 100002, 356255)
    is_test = np.zeros(n, dtype=bool)
    is_test[rng.choice(n, n_test, replace=False)] = True
    risk, wealth = rng.standard_normal(n), rng.standard_normal(n)
    split = is_test.astype(np.int8)
    uniform = lambda: stratified(rng, n, split)  # noqa: E731
    col = lambda name: spec("application_train", name)  # noqa: E731

    contract = categorical(col("NAME_CONTRACT_TYPE"), uniform())
    income_type = categorical(col("NAME_INCOME_TYPE"), rank_uniform(copula_uniform(wealth, 0.2, rng), split))
    retired = np.isin(np.array(income_type.categories)[income_type.codes], NO_EMPLOYMENT)
    birth = numeric(
        col("DAYS_BIRTH"), rank_uniform(rng.standard_normal(n) - 2.2 * retired + 0.3 * risk, split)
    )
    employed = np.maximum(_days_employed(copula_uniform(risk, 0.3, rng)), birth + 18 * 365)
    employed = np.where(retired, SENTINEL_DAYS, employed)
    organization = categorical(col("ORGANIZATION_TYPE"), uniform(), exclude=("XNA",))
    organization = Categorical(
        np.where(retired, len(organization.categories), organization.codes).astype(np.int16),
        (*organization.categories, "XNA"),
    )
    occupation = with_nulls(categorical(col("OCCUPATION_TYPE"), uniform()), retired | (uniform() < 0.152))
    own_car = categorical(col("FLAG_OWN_CAR"), uniform())
    car_age = with_nulls(numeric(col("OWN_CAR_AGE"), uniform()), own_car.equals("N"))
    family = categorical(col("NAME_FAMILY_STATUS"), uniform())
    children = numeric(col("CNT_CHILDREN"), uniform())
    couple = family.equals("Married") | family.equals("Civil marriage")
    days = {
        name: np.maximum(numeric(col(name), uniform()), birth + 14 * 365)
        for name in ("DAYS_REGISTRATION", "DAYS_ID_PUBLISH")
    }
    weekday = categorical(col("WEEKDAY_APPR_PROCESS_START"), uniform())
    hour = numeric(col("HOUR_APPR_PROCESS_START"), uniform())
    ext = {
        f"EXT_SOURCE_{k}": sample(col(f"EXT_SOURCE_{k}"), copula_uniform(-risk, rho, rng), uniform())
        for k, rho in ((1, 0.55), (2, 0.6), (3, 0.6))
    }
    given = {
        "SK_ID_CURR": ids,
        "TARGET": np.zeros(n, dtype=np.int64),
        "NAME_CONTRACT_TYPE": contract,
        "CODE_GENDER": categorical(col("CODE_GENDER"), copula_uniform(risk, 0.2, rng)),
        "FLAG_OWN_CAR": own_car,
        "OWN_CAR_AGE": car_age,
        "CNT_CHILDREN": children,
        "CNT_FAM_MEMBERS": children + 1 + couple,
        "NAME_FAMILY_STATUS": family,
        "NAME_INCOME_TYPE": income_type,
        "NAME_EDUCATION_TYPE": categorical(
            col("NAME_EDUCATION_TYPE"),
            copula_uniform(0.6 * risk - 0.5 * wealth, 0.7, rng),
            EDUCATION_BEST_FIRST,
        ),
        "DAYS_BIRTH": birth,
        "DAYS_EMPLOYED": employed,
        "FLAG_EMP_PHONE": (~retired).astype(np.int64),
        "ORGANIZATION_TYPE": organization,
        "OCCUPATION_TYPE": occupation,
        "WEEKDAY_APPR_PROCESS_START": weekday,
        "HOUR_APPR_PROCESS_START": hour,
        **days,
        **ext,
        **_amounts(n, rng, wealth, contract.equals("Revolving loans")),
    }
    value_groups, null_groups = _groups()
    table = fill(
        "application_train", n, rng, given, value_groups=value_groups, null_groups=null_groups, strata=split
    )
    for kind in ("30", "60"):
        defaults, observed = table[f"DEF_{kind}_CNT_SOCIAL_CIRCLE"], table[f"OBS_{kind}_CNT_SOCIAL_CIRCLE"]
        assert isinstance(defaults, np.ndarray)
        assert isinstance(observed, np.ndarray)
        table[f"DEF_{kind}_CNT_SOCIAL_CIRCLE"] = np.fmin(defaults, observed)
    if drift:
        _drift(table, is_test, stream(seed, "clients", chunk=1))
    times = _times(rng, is_test, weekday, hour)
    return Clients(ids=ids, is_test=is_test, risk=risk, wealth=wealth, table=table, times=times)


def iso_times(times: np.ndarray) -> np.ndarray:
    """ISO 8601 UTC strings ('2025-01-31T09:12:45Z')."""
    return np.char.add(np.datetime_as_string(times, unit="s"), "Z")
