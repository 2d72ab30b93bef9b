"""bench.ingest counts a changed row against the faster version and reports each version's best round."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.ingest import differing_rows, record
from bench.stamp import BenchRun
from credit_features.tables import TABLE_NAMES

pytestmark = pytest.mark.unit


def write_tables(folder: Path, changed: str | None = None) -> Path:
    """One tiny Parquet file per ingested table; `changed` gets one value different."""
    folder.mkdir()
    for table in (*TABLE_NAMES, "application_time"):
        values = [1.0, 2.0, float("nan")] if table != changed else [1.0, 2.5, float("nan")]
        pq.write_table(pa.table({"SK_ID_CURR": [1, 2, 3], "X": values}), folder / f"{table}.parquet")
    return folder


def test_identical_folders_differ_nowhere_and_one_changed_value_is_counted_both_ways(tmp_path: Path) -> None:
    same = differing_rows(write_tables(tmp_path / "a"), write_tables(tmp_path / "b"))
    changed = differing_rows(tmp_path / "a", write_tables(tmp_path / "c", changed="bureau"))

    assert set(same.values()) == {0}, f"equal tables (NaN included) must not differ: {same}"
    assert changed["bureau"] == 2, "the changed row is missing from one side and extra on the other"
    assert sum(changed.values()) == 2, f"only bureau changed: {changed}"


def steps(ingest: float, features: float, peak: float) -> dict[str, dict[str, float]]:
    return {
        "ingest": {"seconds": ingest, "peak_rss_mb": peak},
        "features": {"seconds": features, "peak_rss_mb": peak / 2},
    }


def test_each_step_is_reported_by_its_fastest_round_with_the_speedup() -> None:
    run = BenchRun("ingest", {})
    rounds = [
        {"baseline": steps(60, 30, 800), "current": steps(40, 29, 700)},
        {"baseline": steps(58, 31, 900), "current": steps(31, 33, 730)},
    ]

    record(run, rounds, "663637d")
    figures = {key: figure.value for key, figure in run.figures.items()}

    assert figures["baseline_seconds"] == 88, figures
    assert figures["current_seconds"] == 60, figures
    assert figures["current_ingest_seconds"] == 31, "each step comes from its fastest round"
    assert figures["current_features_seconds"] == 29, "each step comes from its fastest round"
    assert figures["baseline_peak_mb"] == 900, "a version's peak is its higher step's"
    assert figures["current_peak_mb"] == 730, figures
    assert figures["speedup"] == pytest.approx(88 / 60, abs=0.01)
    assert run.figures["current_seconds"].goal == "<= 30", "the issue's goal is on this commit's figure"
    assert run.details["rounds"] == rounds, "every round is kept in the details"
