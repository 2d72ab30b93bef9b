"""Known clients' application fields: looked up in the memory-mapped copy of both tables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from credit_common.data_layout import DataLayout
from gateway.client_file.directory import FIELDS, ClientDirectory
from tests.training.test_features import FULL, MESSY, NO_HISTORY_TEST, ROWS, write_tiny_parquet

pytestmark = pytest.mark.unit


def test_a_known_client_has_its_fields_and_an_unknown_one_none(tmp_path: Path) -> None:
    write_tiny_parquet(tmp_path / "parquet")
    directory = ClientDirectory(DataLayout(tmp_path), None)
    record = directory.known(FULL)
    assert record is not None
    assert list(record) == list(FIELDS), "the application fields, TARGET never among them"
    expected = next(row for row in ROWS["application_train"] if row["SK_ID_CURR"] == FULL)
    assert record["AMT_CREDIT"] == expected["AMT_CREDIT"]
    assert directory.known(NO_HISTORY_TEST) is not None, "test applications are known too"
    assert directory.known(1) is None
    assert directory.known(10**12) is None
    applications = [*ROWS["application_train"], *ROWS["application_test"]]
    assert directory.max_id() == max(r["SK_ID_CURR"] for r in applications)
    assert DataLayout(tmp_path).applications_cache.is_file(), "the copy is written in the data folder"


def test_a_newer_table_rewrites_the_copy(tmp_path: Path) -> None:
    write_tiny_parquet(tmp_path / "parquet")
    ClientDirectory(DataLayout(tmp_path), None)
    train = [r for r in ROWS["application_train"] if r["SK_ID_CURR"] != MESSY]
    write_tiny_parquet(tmp_path / "parquet", {**ROWS, "application_train": train})
    cache = DataLayout(tmp_path).applications_cache
    os.utime(cache, ns=(0, 0))  # older than the rewritten tables
    assert ClientDirectory(DataLayout(tmp_path), None).known(MESSY) is None, (
        "a client gone from the tables is gone"
    )


def test_a_copy_that_cannot_be_written_leaves_the_tables_in_memory(tmp_path: Path) -> None:
    write_tiny_parquet(tmp_path / "parquet")
    (tmp_path / "cache").write_text("a file where the folder would be")
    assert ClientDirectory(DataLayout(tmp_path), None).known(FULL) is not None
