"""Tests of the feature SQL and build: hand-checked aggregates on tiny tables, cleaning, NULL rules,
one row per application, the catalog, online/offline equality, and that no feature reads TARGET."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credit_features.application import ApplicationVariants, application_row
from credit_features.catalog import VIEW_PREFIXES, VIEWS, feature_catalog, feature_names, sql_path
from credit_features.tables import Column, columns
from tests.feature_equality import compare
from training.data.ingest import ingest_folder
from training.features.build import FeatureBuildResult, build_features

pytestmark = pytest.mark.unit

ARROW_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}

FULL, MESSY, NO_HISTORY_TEST, SOME_HISTORY_TEST = 100001, 100002, 100003, 100004
TRAIN_IDS = (FULL, MESSY)
TEST_IDS = (NO_HISTORY_TEST, SOME_HISTORY_TEST)

#: Rows of each table: only the fields that matter; every other field gets a plausible default.
ROWS: dict[str, list[dict[str, Any]]] = {
    "application_train": [
        {
            "SK_ID_CURR": FULL,
            "TARGET": 1,
            "DAYS_EMPLOYED": -1000,
            "DAYS_BIRTH": -10000,
            "AMT_CREDIT": 200_000.0,
            "AMT_INCOME_TOTAL": 100_000.0,
            "AMT_ANNUITY": 20_000.0,
            "CODE_GENDER": "M",
            "ORGANIZATION_TYPE": "Self-employed",
            "EXT_SOURCE_1": 0.2,
            "EXT_SOURCE_2": 0.4,
            "EXT_SOURCE_3": None,
        },
        {
            "SK_ID_CURR": MESSY,
            "TARGET": 0,
            "DAYS_EMPLOYED": 365243,
            "CODE_GENDER": "XNA",
            "ORGANIZATION_TYPE": "XNA",
            "NAME_INCOME_TYPE": "Student",
            "AMT_INCOME_TOTAL": 0.0,
        },
    ],
    "application_test": [{"SK_ID_CURR": NO_HISTORY_TEST}, {"SK_ID_CURR": SOME_HISTORY_TEST}],
    "bureau": [
        {
            "SK_ID_CURR": FULL,
            "SK_ID_BUREAU": 1,
            "CREDIT_ACTIVE": "Active",
            "AMT_CREDIT_SUM": 1000.0,
            "AMT_CREDIT_SUM_DEBT": 400.0,
        },
        {
            "SK_ID_CURR": FULL,
            "SK_ID_BUREAU": 2,
            "CREDIT_ACTIVE": "Closed",
            "AMT_CREDIT_SUM": 3000.0,
            "AMT_CREDIT_SUM_DEBT": 0.0,
        },
        {"SK_ID_CURR": SOME_HISTORY_TEST, "SK_ID_BUREAU": 3, "CREDIT_ACTIVE": "Closed"},
    ],
    "bureau_balance": [
        {"SK_ID_BUREAU": 1, "MONTHS_BALANCE": -m, "STATUS": s} for m, s in enumerate("01CX", start=1)
    ],
    "previous_application": [
        {
            "SK_ID_PREV": 10,
            "SK_ID_CURR": FULL,
            "NAME_CONTRACT_STATUS": "Approved",
            "AMT_APPLICATION": 900.0,
            "AMT_CREDIT": 1000.0,
            "DAYS_TERMINATION": 365243.0,
        },
        {
            "SK_ID_PREV": 11,
            "SK_ID_CURR": FULL,
            "NAME_CONTRACT_STATUS": "Refused",
            "AMT_APPLICATION": 500.0,
            "AMT_CREDIT": 0.0,
            "DAYS_TERMINATION": None,
        },
    ],
    "POS_CASH_balance": [
        {
            "SK_ID_PREV": 10,
            "SK_ID_CURR": FULL,
            "MONTHS_BALANCE": m,
            "SK_DPD": dpd,
            "CNT_INSTALMENT_FUTURE": left,
            "NAME_CONTRACT_STATUS": status,
        }
        for m, dpd, left, status in (
            (-3, 0, 2.0, "Active"),
            (-2, 0, 1.0, "Active"),
            (-1, 4, 0.0, "Completed"),
        )
    ],
    "installments_payments": [
        # due day -100, paid day -95: 5 days late, paid in full
        {
            "SK_ID_PREV": 10,
            "SK_ID_CURR": FULL,
            "NUM_INSTALMENT_VERSION": 1,
            "DAYS_INSTALMENT": -100,
            "DAYS_ENTRY_PAYMENT": -95.0,
            "AMT_INSTALMENT": 1000.0,
            "AMT_PAYMENT": 1000.0,
        },
        # due day -70, paid day -72: 2 days early, half paid
        {
            "SK_ID_PREV": 10,
            "SK_ID_CURR": FULL,
            "NUM_INSTALMENT_VERSION": 1,
            "DAYS_INSTALMENT": -70,
            "DAYS_ENTRY_PAYMENT": -72.0,
            "AMT_INSTALMENT": 1000.0,
            "AMT_PAYMENT": 500.0,
        },
        # never paid: no DPD, counted as missing
        {
            "SK_ID_PREV": 12,
            "SK_ID_CURR": SOME_HISTORY_TEST,
            "NUM_INSTALMENT_VERSION": 0,
            "DAYS_INSTALMENT": -30,
            "DAYS_ENTRY_PAYMENT": None,
            "AMT_INSTALMENT": 100.0,
            "AMT_PAYMENT": None,
        },
    ],
    "credit_card_balance": [
        {
            "SK_ID_PREV": 13,
            "SK_ID_CURR": FULL,
            "MONTHS_BALANCE": -2,
            "AMT_BALANCE": 500.0,
            "AMT_CREDIT_LIMIT_ACTUAL": 1000,
        },
        {
            "SK_ID_PREV": 13,
            "SK_ID_CURR": FULL,
            "MONTHS_BALANCE": -1,
            "AMT_BALANCE": 1000.0,
            "AMT_CREDIT_LIMIT_ACTUAL": 0,
        },
    ],
}


def default_value(column: Column) -> Any:
    """A plausible value from the profile (first level, or median) so that unset fields are realistic."""
    if column.levels:
        level = next(iter(column.levels))
        return (
            level if column.dtype == "string" else ARROW_TYPES[column.dtype].to_pandas_dtype()(float(level))
        )
    median = column.quantiles[0.5] if column.quantiles else 1.0
    return int(median) if column.dtype == "int64" else float(median)


def write_table(folder: Path, table: str, rows: list[dict[str, Any]]) -> None:
    cols = columns(table)
    data = {c.name: [row.get(c.name, default_value(c)) for row in rows] for c in cols}
    schema = pa.schema([(c.name, ARROW_TYPES[c.dtype]) for c in cols])
    pq.write_table(pa.table(data, schema=schema), folder / f"{table}.parquet")


def write_application_time(folder: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    train = [r["SK_ID_CURR"] for r in rows["application_train"]]
    test = [r["SK_ID_CURR"] for r in rows["application_test"]]
    ids = train + test
    pq.write_table(
        pa.table(
            {
                "SK_ID_CURR": pa.array(ids, pa.int64()),
                "SPLIT": ["train"] * len(train) + ["test"] * len(test),
                "APPLICATION_TIME": pa.array(
                    [start + timedelta(days=i) for i in range(len(ids))], pa.timestamp("us", tz="UTC")
                ),
            }
        ),
        folder / "application_time.parquet",
    )


def write_tiny_parquet(folder: Path, rows: dict[str, list[dict[str, Any]]] = ROWS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, table_rows in rows.items():
        write_table(folder, table, table_rows)
    write_application_time(folder, rows)
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[FeatureBuildResult, dict[str, pd.DataFrame]]:
    """The feature build of the tiny tables, and every view read back indexed by SK_ID_CURR."""
    root = tmp_path_factory.mktemp("features")
    result = build_features(write_tiny_parquet(root / "parquet"), root / "features", progress=False)
    return result, {view: read_view(result.out, view) for view in VIEWS}


def read_view(folder: Path, view: str) -> pd.DataFrame:
    """A built view indexed by SK_ID_CURR, in client order (the build writes rows in no set order)."""
    return pd.read_parquet(folder / f"{view}.parquet").set_index("SK_ID_CURR").sort_index()


def value(frames: dict[str, pd.DataFrame], view: str, client: int, feature: str) -> float:
    return frames[view].loc[client, feature]


# --- hand-checked aggregates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "client", "feature", "expected"),
    [
        ("installments", FULL, "INST_DPD_MAX", 5.0),
        ("installments", FULL, "INST_DPD_MEAN", 2.5),
        ("installments", FULL, "INST_DBD_MAX", 2.0),
        ("installments", FULL, "INST_LATE_SHARE", 0.5),
        ("installments", FULL, "INST_UNDERPAID_SHARE", 0.5),
        ("installments", FULL, "INST_PAYMENT_PERC_MEAN", 0.75),
        ("installments", FULL, "INST_PAYMENT_DIFF_SUM", 500.0),
        ("installments", FULL, "INST_COUNT", 2.0),
        ("installments", FULL, "INST_MISSING_PAYMENT_COUNT", 0.0),
        ("installments", SOME_HISTORY_TEST, "INST_MISSING_PAYMENT_COUNT", 1.0),
        ("bureau", FULL, "BURO_COUNT", 2.0),
        ("bureau", FULL, "BURO_ACTIVE_COUNT", 1.0),
        ("bureau", FULL, "BURO_ACTIVE_AMT_CREDIT_SUM_SUM", 1000.0),
        ("bureau", FULL, "BURO_CLOSED_AMT_CREDIT_SUM_SUM", 3000.0),
        ("bureau", FULL, "BURO_DEBT_CREDIT_RATIO", 0.1),
        ("bureau", FULL, "BURO_BB_MONTHS_SUM", 4.0),
        ("bureau", FULL, "BURO_BB_LATE_SHARE_MEAN", 0.25),
        ("bureau", FULL, "BURO_BB_WORST_STATUS_MAX", 1.0),
        ("bureau", SOME_HISTORY_TEST, "BURO_ACTIVE_COUNT", 0.0),
        ("previous", FULL, "PREV_COUNT", 2.0),
        ("previous", FULL, "PREV_REFUSED_SHARE", 0.5),
        ("previous", FULL, "PREV_APP_CREDIT_PERC_MEAN", 0.9),
        ("previous", FULL, "PREV_APPROVED_AMT_CREDIT_MAX", 1000.0),
        ("pos_cash", FULL, "POS_MONTHS_COUNT", 3.0),
        ("pos_cash", FULL, "POS_COMPLETED_COUNT", 1.0),
        ("pos_cash", FULL, "POS_SK_DPD_MAX", 4.0),
        ("pos_cash", FULL, "POS_DPD_MONTH_SHARE", 1 / 3),
        ("pos_cash", FULL, "POS_INSTALMENTS_LEFT_SUM", 0.0),
        ("credit_card", FULL, "CC_UTILISATION_MEAN", 0.5),
        ("credit_card", FULL, "CC_UTILISATION_MAX", 0.5),
        ("credit_card", FULL, "CC_AMT_BALANCE_SUM", 1500.0),
        ("application", FULL, "APP_CREDIT_INCOME_RATIO", 2.0),
        ("application", FULL, "APP_ANNUITY_INCOME_RATIO", 0.2),
        ("application", FULL, "APP_PAYMENT_RATE", 0.1),
        ("application", FULL, "APP_EMPLOYED_BIRTH_RATIO", 0.1),
        ("application", FULL, "APP_DAYS_EMPLOYED", -1000.0),
        ("application", FULL, "APP_GENDER_MALE", 1.0),
        ("application", FULL, "APP_ORGANIZATION_TYPE_CODE", 1.0),
        ("application", FULL, "APP_EXT_SOURCE_MEAN", 0.3),
        ("application", FULL, "APP_EXT_SOURCE_MIN", 0.2),
        ("application", FULL, "APP_EXT_SOURCE_STD", math.sqrt(0.02)),
    ],
)
def test_hand_checked_aggregates(built, view: str, client: int, feature: str, expected: float) -> None:
    _, frames = built
    got = value(frames, view, client, feature)
    assert got == pytest.approx(expected), (
        f"{view}.{feature} of client {client}: expected {expected}, got {got}"
    )


@pytest.mark.parametrize(
    ("view", "client", "feature"),
    [
        ("application", MESSY, "APP_DAYS_EMPLOYED"),  # 365243 sentinel
        ("application", MESSY, "APP_YEARS_EMPLOYED"),
        ("application", MESSY, "APP_EMPLOYED_BIRTH_RATIO"),
        ("application", MESSY, "APP_GENDER_MALE"),  # 'XNA'
        ("application", MESSY, "APP_ORGANIZATION_TYPE_CODE"),  # 'XNA'
        ("application", MESSY, "APP_NAME_INCOME_TYPE_CODE"),  # 'Student': not in the fixed level list
        ("application", MESSY, "APP_CREDIT_INCOME_RATIO"),  # income 0: no infinity
        ("previous", FULL, "PREV_DAYS_TERMINATION_MAX"),  # 365243 sentinel
        ("previous", FULL, "PREV_REFUSED_APP_CREDIT_PERC_MEAN"),  # credit 0: no infinity
        ("bureau", SOME_HISTORY_TEST, "BURO_ACTIVE_AMT_CREDIT_SUM_MEAN"),  # no active credit
        ("installments", SOME_HISTORY_TEST, "INST_DPD_MAX"),  # unpaid is not "0 days late"
    ],
)
def test_sentinels_unknown_levels_and_empty_groups_are_null(
    built, view: str, client: int, feature: str
) -> None:
    _, frames = built
    got = value(frames, view, client, feature)
    assert pd.isna(got), f"{view}.{feature} of client {client} must be NULL, got {got}"


def test_clients_without_history_get_a_row_of_nulls(built) -> None:
    _, frames = built
    for view in VIEWS[1:]:
        row = frames[view].loc[[MESSY, NO_HISTORY_TEST], feature_names(view)]
        assert row.isna().all().all(), f"{view}: clients without history must have NULL features, counts too"


def test_one_row_per_application_with_timestamps_and_doubles(built) -> None:
    result, frames = built
    applications = sorted((*TRAIN_IDS, *TEST_IDS))
    for view, frame in frames.items():
        assert sorted(frame.index) == applications, f"{view}: one row per application, train and test"
        assert result.rows[view] == len(applications), f"{view}: result rows must match the file"
        assert str(frame["event_timestamp"].dtype) == "datetime64[us, UTC]", f"{view}: event_timestamp tz"
        assert frame["created_timestamp"].nunique() == 1, f"{view}: one created_timestamp per build"
        features = frame[feature_names(view)]
        assert (features.dtypes == "float64").all(), f"{view}: every feature must be float64"
    times = pd.read_parquet(result.out.parent / "parquet" / "application_time.parquet").set_index(
        "SK_ID_CURR"
    )
    event = frames["bureau"]["event_timestamp"]
    assert (event == times.loc[event.index, "APPLICATION_TIME"]).all(), "event_timestamp = application time"


# --- catalog -----------------------------------------------------------------------------------------


def test_catalog_matches_produced_columns(built) -> None:
    result, frames = built
    for view, specs in feature_catalog().items():
        produced = [c for c in frames[view].columns if c not in ("event_timestamp", "created_timestamp")]
        assert [s.name for s in specs] == produced, f"{view}: catalog names must equal the file's columns"
        assert result.features[view] == len(specs), f"{view}: result feature count"
        empty = [s.name for s in specs if not s.description.strip()]
        assert not empty, f"{view}: features without a description: {empty}"


def test_feature_names_unique_prefixed_upper_snake() -> None:
    names = [spec.name for specs in feature_catalog().values() for spec in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"feature names must be unique across views: {duplicates}"
    for view, specs in feature_catalog().items():
        bad = [s.name for s in specs if not re.fullmatch(rf"{VIEW_PREFIXES[view]}_[A-Z0-9_]+", s.name)]
        assert not bad, f"{view}: names must be {VIEW_PREFIXES[view]}_UPPER_SNAKE: {bad}"


# --- online / offline --------------------------------------------------------------------------------


#: New applications at the edges of application.sql: zero denominators, missing or equal external
#: scores, unknown levels, sentinels, unknown flags, signed zeros and huge amounts. None is NULL.
EDGE_APPLICATIONS: list[dict[str, Any]] = [
    {"AMT_CREDIT": 0.0, "AMT_GOODS_PRICE": 0.0, "CNT_FAM_MEMBERS": 0.0, "DAYS_BIRTH": 0, "DAYS_EMPLOYED": 0},
    {"EXT_SOURCE_1": None, "EXT_SOURCE_2": None, "EXT_SOURCE_3": None, "AMT_INCOME_TOTAL": None},
    {"EXT_SOURCE_1": 0.5, "EXT_SOURCE_2": 0.5, "EXT_SOURCE_3": 0.5, "AMT_ANNUITY": None},
    {"EXT_SOURCE_1": None, "EXT_SOURCE_2": 0.123456789, "EXT_SOURCE_3": 0.987654321},
    {"EXT_SOURCE_1": 0.1, "EXT_SOURCE_2": 0.2, "EXT_SOURCE_3": 0.7, "AMT_CREDIT": -0.0},
    {
        "NAME_CONTRACT_TYPE": "Balloon",
        "CODE_GENDER": "XNA",
        "ORGANIZATION_TYPE": "XNA",
        "FLAG_DOCUMENT_7": None,
    },
    {"NAME_CONTRACT_TYPE": None, "OCCUPATION_TYPE": "HR staff", "NAME_INCOME_TYPE": "Unemployed"},
    {"DAYS_EMPLOYED": 365243, "AMT_CREDIT": 1e15, "AMT_INCOME_TOTAL": 3.0, "AMT_ANNUITY": 7e-3},
    {"DAYS_EMPLOYED": -1, "DAYS_BIRTH": -25_000, "CNT_FAM_MEMBERS": 3.0, "AMT_INCOME_TOTAL": 1e-300},
]
EDGE_IDS = tuple(range(200_001, 200_001 + len(EDGE_APPLICATIONS)))


def online_rows(raw: pd.DataFrame) -> list[dict[str, float]]:
    return [application_row(record) for record in raw.to_dict(orient="records")]


def test_application_row_equals_the_batch_rows_bit_for_bit(built, tmp_path: Path) -> None:
    # given the batch build of the tiny tables plus edge applications, TARGET included in the input
    rows = {
        **ROWS,
        "application_test": ROWS["application_test"]
        + [{"SK_ID_CURR": i, **edge} for i, edge in zip(EDGE_IDS, EDGE_APPLICATIONS, strict=True)],
    }
    folder = write_tiny_parquet(tmp_path / "parquet", rows)
    batch = read_view(build_features(folder, tmp_path / "features", progress=False).out, "application")
    raw = pd.concat(
        [pd.read_parquet(folder / f"{t}.parquet") for t in ("application_train", "application_test")],
        ignore_index=True,
    )
    # when each application's features are computed alone, as the gateway computes them
    online = dict(zip(raw["SK_ID_CURR"], online_rows(raw), strict=True))
    # then every value is the batch value, bit for bit
    names = feature_names("application")
    assert sorted(online) == sorted(batch.index), "one online row per raw application"
    assert set(EDGE_IDS) <= set(online), "the edge applications are compared"
    comparison = compare((online[i], batch.loc[i, names].to_dict()) for i in batch.index)
    assert comparison.values == len(batch) * len(names)
    assert not comparison.differing, f"features differing from the batch build: {comparison.differing}"


def test_application_row_from_a_mapping_with_missing_fields() -> None:
    row = application_row({"SK_ID_CURR": 1, "AMT_CREDIT": 300.0, "AMT_INCOME_TOTAL": 100})
    assert list(row) == feature_names("application"), "every feature of the view, in the catalog's order"
    assert row["APP_CREDIT_INCOME_RATIO"] == 3.0, "ratio from the given fields"
    assert math.isnan(row["APP_EXT_SOURCE_1"]), "a missing raw field is NaN"


def test_application_variants_equal_the_whole_row_of_the_changed_application() -> None:
    # given every tiny and edge application, and amounts moved as the offer moves them
    records = [*ROWS["application_train"], *ROWS["application_test"], *EDGE_APPLICATIONS]
    for record in records:
        variants = ApplicationVariants(record, ("AMT_CREDIT", "AMT_ANNUITY"))
        base = application_row(record)
        for credit, annuity in ((1_000.0, 50.0), (2.5e6, 1.1e5), (0.0, 0.0), (None, 3_000.0)):
            whole = application_row({**record, "AMT_CREDIT": credit, "AMT_ANNUITY": annuity})
            part = variants({"AMT_CREDIT": credit, "AMT_ANNUITY": annuity})
            # then the recomputed features are the whole row's, bit for bit
            assert not compare([(part, {name: whole[name] for name in part})]).differing
            # and no other feature of the whole row moved: the dependencies are complete
            others = [name for name in whole if name not in part]
            assert not compare([({n: whole[n] for n in others}, {n: base[n] for n in others})]).differing
    assert "APP_CREDIT_INCOME_RATIO" in variants.features
    assert "APP_AGE_YEARS" not in variants.features


def test_application_variants_refuse_a_field_that_does_not_move_or_a_wrong_type() -> None:
    variants = ApplicationVariants({"AMT_INCOME_TOTAL": 100.0}, ("AMT_CREDIT",))
    with pytest.raises(ValueError, match="DAYS_BIRTH"):
        variants({"DAYS_BIRTH": -10_000})
    with pytest.raises(ValueError, match="AMT_CREDIT"):
        variants({"AMT_CREDIT": "a lot"})
    with pytest.raises(ValueError, match="NOT_A_FIELD"):
        ApplicationVariants({}, ("NOT_A_FIELD",))


@pytest.mark.parametrize(
    ("field", "bad"),
    [("AMT_CREDIT", "1000"), ("CODE_GENDER", 1), ("DAYS_BIRTH", 1.5), ("FLAG_OWN_CAR", True)],
)
def test_application_row_wrong_type_names_the_field(field: str, bad: Any) -> None:
    with pytest.raises(ValueError, match=field):
        application_row({"SK_ID_CURR": 1, field: bad})


# --- TARGET is never read --------------------------------------------------------------------------


def test_sql_never_mentions_the_target_or_the_truth() -> None:
    for view in VIEWS:
        text = sql_path(view).read_text().upper()
        for forbidden in ("TARGET", "PLANTED_PROBABILITY"):
            assert forbidden not in text, f"{view}.sql mentions {forbidden}"


def test_features_do_not_change_when_target_is_removed(built, tmp_path: Path) -> None:
    _, frames = built
    rows = dict(ROWS)
    rows["application_train"] = [{**r, "TARGET": 1 - r["TARGET"]} for r in ROWS["application_train"]]
    flipped = write_tiny_parquet(tmp_path / "flipped", rows)
    without = tmp_path / "without"
    write_tiny_parquet(without)
    train = pq.read_table(without / "application_train.parquet")
    pq.write_table(train.drop(["TARGET"]), without / "application_train.parquet")
    for folder in (flipped, without):
        result = build_features(folder, folder.parent / f"{folder.name}-features", progress=False)
        for view in VIEWS:
            again = read_view(result.out, view)
            pd.testing.assert_frame_equal(
                again.drop(columns="created_timestamp"),
                frames[view].drop(columns="created_timestamp"),
                obj=f"{view} after changing TARGET ({folder.name})",
            )


def test_build_reads_the_ingest_output(tiny_raw_folder: Path, tmp_path: Path) -> None:
    """The build runs on what the real ingest writes (dtypes, application_time), not only on our fixture."""
    parquet = tmp_path / "parquet"
    ingest_folder(raw=tiny_raw_folder, out=parquet)
    result = build_features(parquet, tmp_path / "features", progress=False)
    applications = pq.read_table(parquet / "application_time.parquet").num_rows
    assert result.rows == dict.fromkeys(VIEWS, applications), "one row per ingested application per view"
