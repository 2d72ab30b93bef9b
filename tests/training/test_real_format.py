"""Real-file quirks from CSV to features: sentinels, 'XNA', orphans and clients without any history.

The feature SQL's own tests start from Parquet fixtures; these start from files in the real format,
so they also prove that ingest keeps each quirk for the SQL to clean as it expects.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from credit_features.catalog import VIEWS, feature_names
from training.data.ingest import ingest_folder
from training.features.build import build_features

pytestmark = pytest.mark.unit

WITH_HISTORY, WITHOUT_HISTORY = 100002, 100004  # see tests/training/conftest.py, TINY_KEYS


def _set(path: Path, key: str, key_value: str, column: str, value: str) -> None:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        if row[rows[0].index(key)] == key_value:
            row[rows[0].index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.fixture
def built(tiny_raw_folder: Path, tmp_path: Path) -> tuple[dict[str, int], dict[str, pd.DataFrame]]:
    """Ingest warnings and feature tables (indexed by client) of the tiny real-format folder."""
    _set(tiny_raw_folder / "previous_application.csv", "SK_ID_PREV", "1000001", "DAYS_TERMINATION", "365243")
    result = ingest_folder(raw=tiny_raw_folder, out=tmp_path / "parquet")
    build_features(tmp_path / "parquet", tmp_path / "features", progress=False)
    frames = {
        v: pd.read_parquet(tmp_path / "features" / f"{v}.parquet").set_index("SK_ID_CURR") for v in VIEWS
    }
    return result.warnings, frames


def test_sentinels_and_xna_become_nulls_in_the_features(built) -> None:
    _, frames = built
    application = frames["application"].loc[WITH_HISTORY]
    assert pd.isna(application["APP_DAYS_EMPLOYED"]), "DAYS_EMPLOYED = 365243 must be a null feature"
    assert pd.isna(application["APP_ORGANIZATION_TYPE_CODE"]), "ORGANIZATION_TYPE 'XNA' must be a null code"
    assert pd.isna(frames["previous"].loc[WITH_HISTORY, "PREV_DAYS_TERMINATION_MAX"]), (
        "DAYS_TERMINATION = 365243 in the client's only previous application must give a null maximum"
    )


def test_a_client_without_any_history_has_one_row_of_nulls_per_view(built) -> None:
    _, frames = built
    for view in VIEWS:
        assert WITHOUT_HISTORY in frames[view].index, f"{view}: the client without history must have a row"
    for view in VIEWS[1:]:
        row = frames[view].loc[WITHOUT_HISTORY, feature_names(view)]
        assert row.isna().all(), f"{view}: a client without history has null features, counts included"
    assert frames["application"].loc[WITHOUT_HISTORY, feature_names("application")].notna().any(), (
        "the application's own features are still there"
    )


def test_orphan_child_rows_are_counted_and_the_build_goes_on(built) -> None:
    warnings, frames = built
    assert warnings == {"bureau_balance rows whose SK_ID_BUREAU is not in bureau": 1}, (
        f"the one orphan row must be counted: {warnings}"
    )
    assert len(frames["bureau"]) == 6, "every application still gets its bureau row"
