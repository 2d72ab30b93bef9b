"""Data-quality tests of the synthetic generator: schema, marginals, coherence, keys, planted risk, seeds."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from credit_features.tables import (
    TABLE_NAMES,
    TRUTH_FILE,
    Column,
    column_names,
    columns,
    file_name,
    row_count,
)
from training.data.datagen import generate

pytestmark = pytest.mark.unit

PANDAS_DTYPES = {"int64": "int64", "float64": "float64", "string": "object"}
SENTINEL = 365243


@cache
def _read(folder: Path, table: str) -> pd.DataFrame:
    dtypes = {c.name: ("string" if c.dtype == "string" else c.dtype) for c in columns(table)}
    return pd.read_csv(folder / file_name(table), dtype=dtypes, keep_default_na=False, na_values=[""])


def _levels_tvd(col: Column, values: pd.Series) -> float:
    """Total variation distance between observed and profiled level frequencies (non-null rows)."""
    assert col.levels is not None
    observed = values.dropna()
    if col.dtype != "string":
        observed = observed.astype(float)
        expected = pd.Series({float(k): v for k, v in col.levels.items()})
    else:
        expected = pd.Series(col.levels)
    expected = expected / expected.sum()
    freq = observed.value_counts(normalize=True)
    return 0.5 * float(freq.sub(expected, fill_value=0).abs().sum())


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_writes_the_eight_files_and_the_truth_file(synthetic_raw: Path) -> None:
    names = sorted(p.name for p in synthetic_raw.glob("*.csv"))
    expected = sorted([*(file_name(t) for t in TABLE_NAMES), TRUTH_FILE])
    assert names == expected, f"files written: {names}, expected {expected}"


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_columns_in_the_real_order(synthetic_raw: Path, table: str) -> None:
    header = (synthetic_raw / file_name(table)).open().readline().strip().split(",")
    assert header == column_names(table), f"{table}: header differs from the real column order"


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_dtypes_read_back_as_profiled(synthetic_raw: Path, table: str) -> None:
    inferred = pd.read_csv(synthetic_raw / file_name(table))
    for col in columns(table):
        got = str(inferred[col.name].dtype)
        assert got == PANDAS_DTYPES[col.dtype], (
            f"{table}.{col.name}: pandas infers {got}, profile {col.dtype}"
        )
    typed = _read(synthetic_raw, table)
    for col in columns(table):
        if col.integral:
            values = typed[col.name].dropna()
            assert (values == values.round()).all(), f"{table}.{col.name} must hold integer-valued floats"


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_row_counts_follow_the_scale(synthetic_raw: Path, table: str) -> None:
    rows = len(_read(synthetic_raw, table))
    expected = round(row_count(table) * 0.01)
    assert rows == expected, f"{table}: {rows} rows, expected {expected} (real count x 0.01)"


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_null_rates_close_to_profile(synthetic_raw: Path, table: str) -> None:
    df = _read(synthetic_raw, table)
    for col in columns(table):
        rate = float(df[col.name].isna().mean())
        assert abs(rate - col.null_rate) <= 0.03, (
            f"{table}.{col.name}: null rate {rate:.3f} vs {col.null_rate}"
        )


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_level_frequencies_close_to_profile(synthetic_raw: Path, table: str) -> None:
    df = _read(synthetic_raw, table)
    checked = [c for c in columns(table) if c.levels and (c.dtype != "float64" or c.integral)]
    for col in checked:
        if col.name == "TARGET":
            continue  # planted, tested by its own rate
        tvd = _levels_tvd(col, df[col.name])
        assert tvd < 0.1, f"{table}.{col.name}: total variation distance {tvd:.3f} from the profile"


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_numeric_medians_close_to_profile(synthetic_raw: Path, table: str) -> None:
    df = _read(synthetic_raw, table)
    for col in columns(table):
        if col.dtype == "string" or not col.quantiles or col.name.startswith("SK_ID") or col.name == "TARGET":
            continue
        q = col.quantiles
        spread = max(q[0.75] - q[0.25], (q[0.95] - q[0.05]) / 4, 1e-6)
        median = float(df[col.name].median())
        assert abs(median - q[0.5]) <= 0.3 * spread + 1e-9, (
            f"{table}.{col.name}: median {median:.4g} vs profile {q[0.5]:.4g} (spread {spread:.4g})"
        )


def test_keys_link_children_to_parents(synthetic_raw: Path) -> None:
    train, test = _read(synthetic_raw, "application_train"), _read(synthetic_raw, "application_test")
    clients = set(train.SK_ID_CURR) | set(test.SK_ID_CURR)
    assert train.SK_ID_CURR.is_unique, "SK_ID_CURR must be unique in the train file"
    assert test.SK_ID_CURR.is_unique, "SK_ID_CURR must be unique in the test file"
    assert not set(train.SK_ID_CURR) & set(test.SK_ID_CURR), "train and test SK_ID_CURR must be disjoint"
    bureau = _read(synthetic_raw, "bureau")
    assert bureau.SK_ID_BUREAU.is_unique, "SK_ID_BUREAU must be unique"
    assert set(bureau.SK_ID_CURR) <= clients, "every bureau SK_ID_CURR must be an application"
    balance = _read(synthetic_raw, "bureau_balance")
    assert set(balance.SK_ID_BUREAU) <= set(bureau.SK_ID_BUREAU), "bureau_balance keys must exist in bureau"
    previous = _read(synthetic_raw, "previous_application")
    assert previous.SK_ID_PREV.is_unique, "SK_ID_PREV must be unique"
    assert set(previous.SK_ID_CURR) <= clients, "every previous SK_ID_CURR must be an application"
    pairs = set(zip(previous.SK_ID_PREV, previous.SK_ID_CURR, strict=True))
    for child in ("POS_CASH_balance", "installments_payments", "credit_card_balance"):
        df = _read(synthetic_raw, child)
        assert set(zip(df.SK_ID_PREV, df.SK_ID_CURR, strict=True)) <= pairs, (
            f"{child} keys must match previous"
        )


def test_realistic_id_ranges_and_history_coverage(synthetic_raw: Path) -> None:
    train, test = _read(synthetic_raw, "application_train"), _read(synthetic_raw, "application_test")
    ids = pd.concat([train.SK_ID_CURR, test.SK_ID_CURR])
    assert ids.between(100002, 456256).all(), "SK_ID_CURR must stay in the real range"
    assert _read(synthetic_raw, "bureau").SK_ID_BUREAU.between(5000000, 6843458).all(), "SK_ID_BUREAU range"
    previous = _read(synthetic_raw, "previous_application")
    assert previous.SK_ID_PREV.between(1000001, 2845382).all(), "SK_ID_PREV range"
    no_bureau = 1 - ids.isin(_read(synthetic_raw, "bureau").SK_ID_CURR).mean()
    no_previous = 1 - ids.isin(previous.SK_ID_CURR).mean()
    assert 0.08 <= no_bureau <= 0.22, f"share of clients without bureau records {no_bureau:.3f}, real ~0.14"
    assert 0.02 <= no_previous <= 0.10, f"share of clients without previous applications {no_previous:.3f}"


def test_pensioners_carry_the_employment_sentinel(synthetic_raw: Path) -> None:
    train = _read(synthetic_raw, "application_train")
    retired = train.NAME_INCOME_TYPE.isin(["Pensioner", "Unemployed"])
    sentinel = train.DAYS_EMPLOYED == SENTINEL
    assert (retired == sentinel).all(), "DAYS_EMPLOYED = 365243 exactly for pensioners and unemployed"
    assert 0.15 <= retired.mean() <= 0.22, f"pensioner share {retired.mean():.3f}, real ~0.185"
    assert (train.ORGANIZATION_TYPE[sentinel] == "XNA").all(), "pensioners have ORGANIZATION_TYPE 'XNA'"
    working = train[~sentinel]
    assert (working.DAYS_BIRTH < working.DAYS_EMPLOYED).all(), "birth must precede employment"
    assert (working.DAYS_EMPLOYED <= 0).all(), "DAYS_EMPLOYED of workers must be negative days"


def test_application_amounts_hang_together(synthetic_raw: Path) -> None:
    train = _read(synthetic_raw, "application_train")
    ratio = train.AMT_ANNUITY / train.AMT_CREDIT
    assert ratio.between(0.015, 0.12).mean() > 0.97, "annuity must be credit / term (ratio 1.5%-12%)"
    goods_ok = (train.AMT_GOODS_PRICE <= train.AMT_CREDIT)[train.AMT_GOODS_PRICE.notna()]
    assert goods_ok.mean() > 0.95, "goods price must mostly stay under the credit"
    assert (train.CNT_FAM_MEMBERS >= train.CNT_CHILDREN + 1).all(), "a family counts the client and children"


def test_history_tables_hang_together(synthetic_raw: Path) -> None:
    bureau = _read(synthetic_raw, "bureau")
    active = bureau.CREDIT_ACTIVE == "Active"
    assert (active == bureau.DAYS_ENDDATE_FACT.isna()).all(), "only active credits lack DAYS_ENDDATE_FACT"
    assert (bureau.DAYS_ENDDATE_FACT.fillna(0) >= bureau.DAYS_CREDIT).all(), "credits end after they open"
    balance = _read(synthetic_raw, "bureau_balance").merge(bureau[["SK_ID_BUREAU", "CREDIT_ACTIVE"]])
    closed_status = balance.STATUS[balance.CREDIT_ACTIVE == "Active"]
    assert not (closed_status == "C").any(), "active credits have no 'C' (closed) months"
    previous = _read(synthetic_raw, "previous_application")
    both = previous[(previous.AMT_APPLICATION > 0)]
    ratio = both.AMT_CREDIT / both.AMT_APPLICATION
    assert ratio.between(0.8, 1.2).mean() > 0.98, "previous credit must stay close to the amount applied for"
    refused = previous.NAME_CONTRACT_STATUS == "Refused"
    assert (previous.CODE_REJECT_REASON[~refused] != "HC").all(), "only refusals carry a refusal reason"
    pay = _read(synthetic_raw, "installments_payments")
    late = pay.DAYS_ENTRY_PAYMENT > pay.DAYS_INSTALMENT
    assert 0.02 < late.mean() < 0.2, f"share of late payments {late.mean():.3f}"
    assert (pay.DAYS_INSTALMENT < 0).all(), "instalments fall due before the application"
    assert (pay.DAYS_ENTRY_PAYMENT.dropna() < 0).all(), "payments happen before the application"


def test_planted_target_rate_and_oracle(synthetic_raw: Path) -> None:
    train = _read(synthetic_raw, "application_train")
    truth = pd.read_csv(synthetic_raw / TRUTH_FILE)
    rate = train.TARGET.mean()
    assert abs(rate - 0.08) <= 0.015, f"train target rate {rate:.4f}, expected 0.08 +- 0.015"
    planted = train.merge(truth, on="SK_ID_CURR")
    assert len(planted) == len(train), "every train application has a planted probability"
    auc = roc_auc_score(planted.TARGET, planted.PLANTED_PROBABILITY)
    assert 0.78 <= auc <= 0.87, f"oracle AUC {auc:.3f} outside 0.78-0.87"


def test_truth_file_is_separate_and_times_are_ordered(synthetic_raw: Path) -> None:
    truth = pd.read_csv(synthetic_raw / TRUTH_FILE)
    assert list(truth.columns) == ["SK_ID_CURR", "SPLIT", "APPLICATION_TIME", "PLANTED_PROBABILITY"], (
        "truth cols"
    )
    test_ids = set(_read(synthetic_raw, "application_test").SK_ID_CURR)
    assert set(truth.SK_ID_CURR[truth.SPLIT == "test"]) == test_ids, "SPLIT must match the test file"
    times = pd.to_datetime(truth.APPLICATION_TIME, utc=True)
    train_times, test_times = times[truth.SPLIT == "train"], times[truth.SPLIT == "test"]
    assert train_times.max() < test_times.min(), "test ('production') applications follow train ones"
    months = (train_times.max() - train_times.min()).days / 30.4
    assert 15 <= months <= 19, f"train applications span {months:.1f} months, expected ~18"
    assert test_times.max() <= pd.Timestamp("2026-06-01", tz="UTC"), "times come from a fixed anchor"
    train = _read(synthetic_raw, "application_train").merge(truth[["SK_ID_CURR", "PLANTED_PROBABILITY"]])
    for name in train.select_dtypes("number").columns.drop(["SK_ID_CURR", "TARGET", "PLANTED_PROBABILITY"]):
        corr = abs(train[name].corr(train.PLANTED_PROBABILITY))
        assert not corr > 0.9, f"application column {name} leaks the planted probability (|r| = {corr:.2f})"


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = _hashes(_generated(tmp_path / "a", seed=3))
    again = _hashes(_generated(tmp_path / "b", seed=3))
    other = _hashes(_generated(tmp_path / "c", seed=4))
    assert first == again, "the same seed must give the same bytes"
    differing = [name for name in first if first[name] != other[name]]
    assert len(differing) == len(first), (
        f"another seed must change every file, same: {set(first) - set(differing)}"
    )


def test_drift_shifts_test_incomes_only(tmp_path: Path) -> None:
    plain, drifted = (
        _generated(tmp_path / "plain", seed=5),
        _generated(tmp_path / "drift", seed=5, drift=True),
    )
    same = _hashes(plain)["application_train.csv"] == _hashes(drifted)["application_train.csv"]
    assert same, "drift must leave the train applications untouched"
    before = _read(plain, "application_test").AMT_INCOME_TOTAL.median()
    after = _read(drifted, "application_test").AMT_INCOME_TOTAL.median()
    assert after > 1.2 * before, f"drift must raise test incomes (median {before:.0f} -> {after:.0f})"
    revolving = (_read(drifted, "application_test").NAME_CONTRACT_TYPE == "Revolving loans").mean()
    assert revolving > 0.2, f"drift must shift test contracts towards revolving loans ({revolving:.2f})"


def _generated(folder: Path, seed: int, drift: bool = False) -> Path:
    generate(out=folder, scale=0.003, seed=seed, drift=drift)
    return folder
