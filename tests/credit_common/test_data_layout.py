"""One data layout for every step, service and default: CREDIT_DATA_DIR moves all of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from credit_common.data_layout import DataLayout
from credit_common.paths import default_data_dir

pytestmark = pytest.mark.unit


def test_the_layout_follows_credit_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CREDIT_DATA_DIR", raising=False)
    assert DataLayout.from_environment().root == default_data_dir()
    monkeypatch.setenv("CREDIT_DATA_DIR", str(tmp_path))
    layout = DataLayout.from_environment()
    assert layout.train_set == tmp_path / "dataset" / "train.parquet"
    assert layout.applications_cache == tmp_path / "cache" / "applications.arrow"


def test_a_step_run_alone_writes_where_serving_reads(tmp_path: Path) -> None:
    # given CREDIT_DATA_DIR set and a working directory elsewhere
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "CREDIT_DATA_DIR": str(tmp_path / "data")}
    # when datagen runs from the command line without --out
    subprocess.run(
        [sys.executable, "-m", "training", "datagen", "--scale", "0.0005"],
        cwd=elsewhere, env=env, check=True, capture_output=True,
    )  # fmt: skip
    # then the raw tables are in the data folder the services read, not under the working directory
    assert (DataLayout(tmp_path / "data").raw / "application_train.csv").is_file()
    assert not (elsewhere / "data").exists()
