"""What a new application may hold: realistic data passes whole, absurd values are refused by name."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from credit_features.application import application_row
from credit_features.application_levels import RARE_LEVELS, accepted_levels
from credit_features.field_bounds import field_bounds
from credit_features.tables import columns
from gateway.api.schemas import ApplicationIn
from training.data.datagen import generate


@pytest.fixture(scope="module")
def generated_applications(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out: Path = tmp_path_factory.mktemp("raw")
    generate(out, scale=0.002, seed=3)
    frames = [pd.read_csv(out / f"application_{part}.csv") for part in ("train", "test")]
    return pd.concat(frames).drop(columns="TARGET")


def _json_like(row: pd.Series) -> dict[str, object]:
    """A row as a client would post it: missing fields left out, whole numbers as integers."""
    dtypes = {c.name: c.dtype for c in columns("application_test")}
    record: dict[str, object] = {}
    for name, value in row.items():
        if isinstance(value, float) and math.isnan(value):
            continue
        record[name] = int(value) if dtypes[name] == "int64" else value
    return record


def test_every_numeric_application_field_has_a_range() -> None:
    numeric = {c.name for c in columns("application_test") if c.dtype != "string"} - {"SK_ID_CURR"}
    assert set(field_bounds()) == numeric, "no numeric field goes unchecked"


def test_the_profile_of_the_real_data_lies_within_the_ranges() -> None:
    profiled = [c for c in columns("application_test") if c.name in field_bounds() and c.quantiles]
    # every ranged field the real data's profile describes is checked (all but a handful)
    assert len(profiled) >= 0.9 * len(field_bounds()), f"{len(profiled)} of {len(field_bounds())} profiled"
    for column in profiled:
        bounds = field_bounds()[column.name]
        for value in column.quantiles.values():
            inside = bounds.low <= value <= bounds.high or value in bounds.codes
            assert inside, f"{column.name}: the real value {value} is outside [{bounds.low}, {bounds.high}]"


def test_realistic_applications_are_accepted_whole(generated_applications: pd.DataFrame) -> None:
    refused = []
    for _, row in generated_applications.iterrows():
        try:
            ApplicationIn.model_validate(_json_like(row))
        except ValidationError as error:
            refused.append([e["loc"] for e in error.errors()])
    assert not refused, f"{len(refused)} of {len(generated_applications)} refused, e.g. {refused[:3]}"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("DAYS_BIRTH", 2**62),
        ("AMT_CREDIT", 0.0),
        ("AMT_INCOME_TOTAL", 1e308),
        ("AMT_ANNUITY", math.inf),
        ("AMT_ANNUITY", math.nan),
        ("DAYS_EMPLOYED", 12),
        ("CNT_CHILDREN", 2.5),
        ("CNT_CHILDREN", "2"),
        ("FLAG_OWN_CAR", "x" * 65),
        ("SK_ID_CURR", "100002"),
        ("SK_ID_CURR", 10**12),
        ("SK_ID_CURR", 900_000_000_000),  # the server's own range
    ],
)
def test_an_absurd_value_is_refused_naming_its_field(field: str, value: object) -> None:
    base = {
        "AMT_INCOME_TOTAL": 1e5,
        "AMT_CREDIT": 4e5,
        "AMT_ANNUITY": 2e4,
        "DAYS_BIRTH": -12_000,
        "NAME_CONTRACT_TYPE": "Cash loans",
    }
    with pytest.raises(ValidationError) as refused:
        ApplicationIn.model_validate({**base, field: value})
    assert {error["loc"][0] for error in refused.value.errors()} == {field}


@pytest.mark.parametrize("value", ["", "<script>alert(1)</script>", "' OR 1=1 --", "💳", "Cash loans\u0000"])
def test_a_text_field_takes_only_the_real_levels_and_says_which(value: str) -> None:
    base = {"AMT_INCOME_TOTAL": 1e5, "AMT_CREDIT": 4e5, "AMT_ANNUITY": 2e4, "DAYS_BIRTH": -12_000}
    with pytest.raises(ValidationError) as refused:
        ApplicationIn.model_validate({**base, "NAME_CONTRACT_TYPE": value})
    (error,) = refused.value.errors()
    assert error["loc"] == ("NAME_CONTRACT_TYPE",)
    assert "'Cash loans' or 'Revolving loans'" in error["msg"], "the levels it takes"


def test_rare_levels_of_the_full_data_are_accepted_and_score_as_unknown_codes() -> None:
    # given the rare levels the profile's sample misses (a student, a businessman, a gender not stated)
    base = {"AMT_INCOME_TOTAL": 1e5, "AMT_CREDIT": 4e5, "AMT_ANNUITY": 2e4, "DAYS_BIRTH": -12_000}
    for field, levels in RARE_LEVELS.items():
        for level in levels:
            accepted = ApplicationIn.model_validate(
                {**base, "NAME_CONTRACT_TYPE": "Cash loans", field: level}
            )
            assert getattr(accepted, field) == level
    # and the feature SQL, which codes the profile's levels, codes them as missing
    row = application_row({**base, "NAME_CONTRACT_TYPE": "Cash loans", "NAME_INCOME_TYPE": "Student"})
    assert math.isnan(row["APP_NAME_INCOME_TYPE_CODE"])
    assert set(accepted_levels()["NAME_INCOME_TYPE"]) >= {
        "Working",
        "Pensioner",
        "Student",
        "Maternity leave",
    }


def test_integral_json_numbers_are_the_integers_they_write_and_text_is_not() -> None:
    base = {
        "AMT_INCOME_TOTAL": 1e5,
        "AMT_CREDIT": 4e5,
        "AMT_ANNUITY": 2e4,
        "NAME_CONTRACT_TYPE": "Cash loans",
    }
    accepted = ApplicationIn.model_validate({**base, "DAYS_BIRTH": -12_000.0, "SK_ID_CURR": 880_000_001.0})
    assert (accepted.DAYS_BIRTH, accepted.SK_ID_CURR) == (-12_000, 880_000_001)
    for field, value in (("SK_ID_CURR", 880_000_001.5), ("SK_ID_CURR", "880000001"), ("DAYS_BIRTH", True)):
        with pytest.raises(ValidationError) as refused:
            ApplicationIn.model_validate({**base, "DAYS_BIRTH": -12_000, field: value})
        assert {error["loc"][0] for error in refused.value.errors()} == {field}
