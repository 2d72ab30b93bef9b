"""Fixtures of the training tests: small raw folders in the real Kaggle format."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from credit_features.tables import TABLE_NAMES, Column, columns, file_name

# --- tiny_raw_folder: a hand-made valid raw folder with the real files' quirks -------------------------

#: Key columns of each table's rows; the rest of every row is filled from the column's dtype and profile.
#: Train and test ids interleave as in Kaggle; bureau_balance has one orphan SK_ID_BUREAU as the real data.
TINY_KEYS: dict[str, list[dict[str, int]]] = {
    "application_train": [{"SK_ID_CURR": i} for i in (100002, 100003, 100004, 100006)],
    "application_test": [{"SK_ID_CURR": i} for i in (100001, 100005)],
    "bureau": [
        {"SK_ID_CURR": 100002, "SK_ID_BUREAU": 5714462},
        {"SK_ID_CURR": 100002, "SK_ID_BUREAU": 5714463},
        {"SK_ID_CURR": 100001, "SK_ID_BUREAU": 5714464},
    ],
    "bureau_balance": [{"SK_ID_BUREAU": i} for i in (5714462, 5714462, 5714464, 6000000)],
    "previous_application": [
        {"SK_ID_PREV": 1000001, "SK_ID_CURR": 100002},
        {"SK_ID_PREV": 1000002, "SK_ID_CURR": 100003},
        {"SK_ID_PREV": 1000003, "SK_ID_CURR": 100005},
    ],
}
for _child in ("POS_CASH_balance", "installments_payments", "credit_card_balance"):
    TINY_KEYS[_child] = [*TINY_KEYS["previous_application"], {"SK_ID_PREV": 1000001, "SK_ID_CURR": 100002}]

TINY_EMPTY_ROW = 1  # every nullable column is empty in this row of every table


def _tiny_int(column: Column, row: int) -> str:
    median = int(column.quantiles[0.5]) if column.quantiles else 1
    if column.name == "DAYS_EMPLOYED" and row == 0:
        return "365243"  # the real sentinel for "not employed"
    if column.name == "CNT_FAM_MEMBERS":
        return f"{median}.0"  # the real file writes this integer column as a float
    return str(median + (row if median >= 0 else -row))  # DAYS stay negative


def _tiny_float(column: Column, row: int) -> str:
    median = column.quantiles[0.5] if column.quantiles else 1.0
    if row == TINY_EMPTY_ROW:
        return ""
    return f"{float(int(median)) if column.integral else median + row / 8}"


def _tiny_string(column: Column, row: int) -> str:
    levels = list(column.levels or {"A": 1.0})
    with_comma = [level for level in levels if "," in level]
    if row == TINY_EMPTY_ROW and column.null_rate > 0:
        value = ""
    elif row == 0 and "XNA" in levels:
        value = "XNA"
    elif row == 2 and with_comma:
        value = with_comma[0]  # quoted in the file, as "Spouse, partner" is in the real one
    else:
        value = levels[row % len(levels)]
    return value


_TINY_VALUES = {"int64": _tiny_int, "float64": _tiny_float, "string": _tiny_string}


def tiny_value(column: Column, row: int) -> str:
    """A plausible CSV field for `column` in `row`, written the way the real files write it."""
    return _TINY_VALUES[column.dtype](column, row)


def write_tiny_raw(folder: Path) -> Path:
    """Write the 8 CSV files (no truth file) into `folder`, as `\\n`-terminated, minimally quoted CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLE_NAMES:
        cols = columns(table)
        with (folder / file_name(table)).open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([c.name for c in cols])
            for row, keys in enumerate(TINY_KEYS[table]):
                writer.writerow([str(keys[c.name]) if c.name in keys else tiny_value(c, row) for c in cols])
    return folder


@pytest.fixture
def tiny_raw_folder(tmp_path: Path) -> Path:
    """A minimal valid raw folder (a few rows per table) in the real format with the real quirks."""
    return write_tiny_raw(tmp_path / "raw")


# --- synthetic_raw: the generator's output at scale 0.01, built once per test session ---------------

SYNTHETIC_SCALE = 0.01
SYNTHETIC_SEED = 7


@pytest.fixture(scope="session")
def synthetic_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 8 synthetic tables and the truth file at scale 0.01 (about 3,500 applications), seed 7."""
    from training.data.datagen import generate

    folder = tmp_path_factory.mktemp("synthetic_raw")
    generate(out=folder, scale=SYNTHETIC_SCALE, seed=SYNTHETIC_SEED, drift=False)
    return folder


def noisy_threshold_data(rows: int, columns: int, *, noise: float, cut: float, seed: int) -> tuple[Any, Any]:
    """Gaussian features and a label that crosses `cut` on the first feature plus noise: a small problem
    a model can learn but not perfectly, for the validation and search tests."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(rows, columns)), columns=[f"f{i}" for i in range(columns)])
    y = (x["f0"] + rng.normal(scale=noise, size=len(x)) > cut).to_numpy(dtype=int)
    return x, y
