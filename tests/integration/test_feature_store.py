"""The Feast feature store on real DuckDB and Redis: point-in-time joins, skew, materialization."""

from __future__ import annotations

import math
import shutil
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_features import store
from credit_features.application import application_row
from credit_features.backend import FEATURE_SERVICE, online_backend
from credit_features.catalog import feature_names
from credit_features.settings import FeatureSettings
from tests.feature_equality import compare
from training.features.materialize import materialize_online

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _same(a: object, b: object) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return b is not None and math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def test_a_feature_row_stamped_after_the_application_is_never_joined(features_platform: Path) -> None:
    # given a client whose application features get a later row with another income
    table = features_platform / "features" / "application.parquet"
    backup = table.with_suffix(".bak")
    shutil.copy(table, backup)
    frame = pd.read_parquet(table)
    client = frame.iloc[0]
    later = client.copy()
    later["event_timestamp"] = client["event_timestamp"] + timedelta(days=30)
    later["APP_AMT_INCOME_TOTAL"] = client["APP_AMT_INCOME_TOTAL"] * 10 + 1
    pd.concat([frame, later.to_frame().T.astype(frame.dtypes)]).to_parquet(table, index=False)
    try:
        when = pd.DataFrame(
            {
                "SK_ID_CURR": [client["SK_ID_CURR"]] * 3,
                "event_timestamp": [
                    client["event_timestamp"] - timedelta(days=1),
                    client["event_timestamp"],
                    client["event_timestamp"] + timedelta(days=31),
                ],
            }
        )
        # when joining at, before and after the application time
        joined = store.historical_features(when).sort_values("event_timestamp")
    finally:
        backup.replace(table)
    incomes = joined["APP_AMT_INCOME_TOTAL"].tolist()
    # then nothing is known before, the original value at the time, the later value only after it
    assert pd.isna(incomes[0]), "no feature may be joined before it existed"
    assert incomes[1] == pytest.approx(client["APP_AMT_INCOME_TOTAL"]), "the value as of the application"
    assert incomes[2] == pytest.approx(later["APP_AMT_INCOME_TOTAL"]), "the later row only after its time"


def test_online_application_features_equal_the_batch_build(features_platform: Path) -> None:
    # given every application of the platform's synthetic data, raw, and its batch features
    raw = pd.concat(
        [
            pd.read_parquet(features_platform / "parquet" / "application_train.parquet"),
            pd.read_parquet(features_platform / "parquet" / "application_test.parquet"),
        ]
    )
    batch = pd.read_parquet(features_platform / "features" / "application.parquet").set_index("SK_ID_CURR")
    names = feature_names("application")
    expected = batch.loc[raw["SK_ID_CURR"], names].to_dict(orient="records")
    # when computing each one alone, as the gateway does for a new application
    online = [application_row(record) for record in raw.to_dict(orient="records")]
    # then every value is the batch value, bit for bit
    comparison = compare(zip(online, expected, strict=True))
    assert comparison.values == len(raw) * len(names) > 100_000, "every application, every feature"
    assert not comparison.differing, f"online/offline skew: {comparison.differing}"


def test_materialized_redis_values_equal_the_offline_tables(features_platform: Path) -> None:
    # given the latest offline values of 50 clients in every view
    materialize_online(FeatureSettings())
    views = {
        p.stem: pd.read_parquet(p).set_index("SK_ID_CURR")
        for p in (features_platform / "features").glob("*.parquet")
    }
    ids = views["application"].sample(n=50, random_state=5).index.tolist()
    # when reading them back from Redis through the feature service
    feature_store = store.get_store()
    online = (
        feature_store.get_online_features(
            features=feature_store.get_feature_service(FEATURE_SERVICE),
            entity_rows=[{"SK_ID_CURR": int(i)} for i in ids],
        )
        .to_df()
        .set_index("SK_ID_CURR")
    )
    # then every feature of every client equals its offline value
    assert online_backend(FeatureSettings()) == "redis", "this test must exercise the Redis online store"
    mismatches = [
        (client, name)
        for view in views.values()
        for client in ids
        for name in view.columns.drop(["event_timestamp", "created_timestamp"])
        if not _same(online.loc[client, name], view.loc[client, name])
    ]
    checked = sum(len(v.columns) - 2 for v in views.values()) * len(ids)
    assert checked > 10_000, "the comparison must cover every feature"
    assert not mismatches, f"{len(mismatches)} of {checked} online values differ, e.g. {mismatches[:5]}"


def test_an_unknown_client_has_no_online_features(features_platform: Path) -> None:
    feature_store = store.get_store()
    row = feature_store.get_online_features(
        features=feature_store.get_feature_service(FEATURE_SERVICE), entity_rows=[{"SK_ID_CURR": 1}]
    ).to_dict()
    values = [v[0] for k, v in row.items() if k != "SK_ID_CURR"]
    assert all(v is None for v in values), "an id never materialized must come back empty"


def test_the_feature_tables_never_hold_the_target_or_the_planted_probability(features_platform: Path) -> None:
    truth = pd.read_csv(features_platform / "raw" / "synthetic_truth.csv")
    planted = set(np.round(truth["PLANTED_PROBABILITY"].to_numpy(), 9))
    for table in (features_platform / "features").glob("*.parquet"):
        frame = pd.read_parquet(table)
        assert "TARGET" not in frame.columns, f"{table.name} holds TARGET"
        assert "PLANTED_PROBABILITY" not in frame.columns, f"{table.name} holds the planted probability"
        numeric = frame.select_dtypes("number").to_numpy().ravel()
        hits = len(planted.intersection(np.round(numeric[~np.isnan(numeric)], 9)))
        assert hits < 5, f"{table.name} holds {hits} planted probabilities among its values"


def test_the_fast_redis_reader_returns_exactly_what_feast_returns(features_platform: Path) -> None:
    from credit_features.online import RedisFeatureReader

    # given clients known and unknown, and Feast's own answer for them
    feature_store = store.get_store()
    known = pd.read_parquet(features_platform / "features" / "application.parquet")["SK_ID_CURR"]
    ids = [*known.sample(n=100, random_state=11).tolist(), 1]
    expected = feature_store.get_online_features(
        features=feature_store.get_feature_service(FEATURE_SERVICE),
        entity_rows=[{"SK_ID_CURR": int(i)} for i in ids],
    ).to_dict()
    names = [name for name in expected if name != "SK_ID_CURR"]
    # when reading them with the services' Redis reader (Feast's layout decoded by the shared codec)
    matrix = RedisFeatureReader(FeatureSettings()).matrix(ids, names)
    # then every value is identical, and the unknown client has no value at all
    assert np.isnan(matrix[-1]).all(), "an unknown client reads as all missing"
    mismatches = [
        (client, name)
        for position, client in enumerate(ids[:-1])
        for column, name in enumerate(names)
        if not _same(
            None if np.isnan(matrix[position, column]) else matrix[position, column], expected[name][position]
        )
    ]
    assert len(names) == 423, "every feature of the service is read"
    assert not mismatches, f"{len(mismatches)} values differ from Feast's, e.g. {mismatches[:5]}"
