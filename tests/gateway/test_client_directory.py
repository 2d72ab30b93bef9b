"""Known clients' application fields: looked up in the memory-mapped copy of both tables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from credit_common.data_layout import DataLayout
from gateway.client_file.directory import FIELDS, ClientDirectory
from gateway.client_file.tables import FolderTables
from tests.training.test_features import FULL, MESSY, NO_HISTORY_TEST, ROWS, write_tiny_parquet

pytestmark = pytest.mark.unit


def test_a_known_client_has_its_fields_and_an_unknown_one_none(tmp_path: Path) -> None:
    write_tiny_parquet(tmp_path / "parquet")
    directory = ClientDirectory(FolderTables(DataLayout(tmp_path)).applications(), None)
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
    ClientDirectory(FolderTables(DataLayout(tmp_path)).applications(), None)
    train = [r for r in ROWS["application_train"] if r["SK_ID_CURR"] != MESSY]
    write_tiny_parquet(tmp_path / "parquet", {**ROWS, "application_train": train})
    cache = DataLayout(tmp_path).applications_cache
    os.utime(cache, ns=(0, 0))  # older than the rewritten tables
    assert ClientDirectory(FolderTables(DataLayout(tmp_path)).applications(), None).known(MESSY) is None, (
        "a client gone from the tables is gone"
    )


def test_a_copy_that_cannot_be_written_leaves_the_tables_in_memory(tmp_path: Path) -> None:
    write_tiny_parquet(tmp_path / "parquet")
    (tmp_path / "cache").write_text("a file where the folder would be")
    assert ClientDirectory(FolderTables(DataLayout(tmp_path)).applications(), None).known(FULL) is not None


def test_the_search_lists_known_clients_whose_id_starts_with_the_prefix_in_id_order(tmp_path: Path) -> None:
    write_tiny_parquet(tmp_path / "parquet")
    directory = ClientDirectory(FolderTables(DataLayout(tmp_path)).applications(), None)
    applications = sorted(
        [*ROWS["application_train"], *ROWS["application_test"]], key=lambda r: r["SK_ID_CURR"]
    )
    every = directory.known_search("1000", 100)
    assert [r["SK_ID_CURR"] for r in every] == [
        r["SK_ID_CURR"] for r in applications if str(r["SK_ID_CURR"]).startswith("1000")
    ]
    assert len(every) >= 3, "the tiny tables' clients all start with 1000"
    assert list(every[0]) == ["SK_ID_CURR", "NAME_CONTRACT_TYPE", "NAME_INCOME_TYPE", "AMT_CREDIT"]
    first = next(r for r in applications if r["SK_ID_CURR"] == every[0]["SK_ID_CURR"])
    assert every[0]["AMT_CREDIT"] == first["AMT_CREDIT"]
    assert directory.known_search("1000", 2) == every[:2], "the limit keeps the first ids"
    assert directory.known_search(str(FULL), 10)[0]["SK_ID_CURR"] == FULL
    assert directory.known_search("9", 10) == []
    assert directory.known_search("1000", 0) == []
