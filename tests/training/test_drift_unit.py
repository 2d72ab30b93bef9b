"""Drift job on hand-made data: source detection and validation, prediction-log window, alert rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from credit_model.decision_log import log_files
from credit_model.journal_records import Decision
from gateway.decisions.prediction_log import PredictionLog
from training.cli import app
from training.monitoring.drift import EXIT_ALERT, EXIT_INPUT, EXIT_OK, is_alert
from training.monitoring.drift_sources import (
    SCORE,
    DriftInputError,
    parse_instant,
    read_parquet,
    read_prediction_log,
    source_kind,
)
from training.monitoring.drift_stats import SIGNIFICANCE, compare, material_shift_test

pytestmark = pytest.mark.unit

_ALL = {"max_rows": 0, "seed": 0, "option": "--current"}


def _decision(day: str, client: int, values: list[float], version: str = "3") -> Decision:
    return Decision(
        request_id=f"r{client}",
        time=datetime.fromisoformat(f"{day}T10:00:00+00:00"),
        client_id=client,
        model_version=version,
        probability=0.1 + client / 1000,
        outcome="granted",
        threshold=0.5,
        features=("A", "B"),
        values=np.array(values, dtype=np.float64),
    )


@pytest.fixture
def prediction_log(tmp_path: Path) -> Iterator[Path]:
    """Two days of decisions: 3 on 2025-03-01 (one with a missing feature), compacted to a part by a
    closed writer; 2 on 2025-03-02 in the journal of a writer still open."""
    folder = tmp_path / "predictions"
    closed = PredictionLog(folder, sync_seconds=60)
    for client, value in ((1, 1.0), (2, np.nan), (3, 3.0)):
        closed.append(_decision("2025-03-01", client, [value, 2.0 * client]))
    closed.close()
    live = PredictionLog(folder, sync_seconds=60)
    for client in (4, 5):
        live.append(_decision("2025-03-02", client, [9.0, 1.0], version="4"))
    assert [f.suffix for f in log_files(folder)] == [".parquet", ".journal"], "a part and a live journal"
    yield folder
    live.close()


# --- sources -------------------------------------------------------------------------------------------


def test_source_kind_follows_the_path(tmp_path: Path, prediction_log: Path) -> None:
    # given a parquet file, a log folder, an empty folder, a missing path and a CSV file
    parquet = tmp_path / "x.parquet"
    pd.DataFrame({"A": [1.0]}).to_parquet(parquet)
    (tmp_path / "empty").mkdir()
    (tmp_path / "x.csv").write_text("A\n1\n")
    # then each is recognised or refused with the option named
    assert source_kind(parquet, "--current") == "parquet", "a .parquet file is a features table"
    assert source_kind(prediction_log, "--current") == "prediction_log", "the log's folder"
    part, journal = log_files(prediction_log)
    assert source_kind(part, "--current") == "prediction_log", "one compacted part of the log"
    assert source_kind(journal, "--current") == "prediction_log", "one journal of the log"
    for path, words in (
        (tmp_path / "empty", "no prediction log"),
        (tmp_path / "missing", "does not exist"),
        (tmp_path / "x.csv", "neither"),
    ):
        with pytest.raises(DriftInputError, match=f"--current.*{words}"):
            source_kind(path, "--current")


def test_read_parquet_samples_with_a_seed_and_refuses_missing_features(tmp_path: Path) -> None:
    # given a 20-row parquet with features A and B
    path = tmp_path / "ref.parquet"
    pd.DataFrame({"A": np.arange(20.0), "B": np.ones(20)}).to_parquet(path)
    # when sampling 5 rows twice with the same seed
    first = read_parquet(path, ["A", "B"], max_rows=5, seed=1, option="--reference")
    again = read_parquet(path, ["A", "B"], max_rows=5, seed=1, option="--reference")
    # then the sample is sized, repeatable, and knows the source's size
    assert len(first.frame) == 5, "max_rows caps the sample"
    assert first.available == 20, "rows of the source"
    assert first.frame.equals(again.frame), "same seed, same rows"
    with pytest.raises(DriftInputError, match=r"--reference.*lacks 1 .*C"):
        read_parquet(path, ["A", "C"], max_rows=0, seed=1, option="--reference")
    empty = tmp_path / "empty.parquet"
    pd.DataFrame({"A": pd.Series([], dtype=float)}).to_parquet(empty)
    with pytest.raises(DriftInputError, match=r"--current.*no rows"):
        read_parquet(empty, ["A"], max_rows=0, seed=1, option="--current")


def test_read_prediction_log_keeps_the_window_and_the_nulls(prediction_log: Path) -> None:
    # when reading the first day only ([since, until) in UTC)
    rows = read_prediction_log(
        prediction_log,
        ["A", "B"],
        since=parse_instant("2025-03-01", "--since"),
        until=parse_instant("2025-03-02", "--until"),
        max_rows=0,
        seed=0,
        option="--current",
    )
    # then the day's 3 decisions come back, the null as NaN, the probability as the score
    assert rows.kind == "prediction_log"
    assert len(rows.frame) == 3, "the second day is outside the window"
    assert rows.available == 3, "rows of the window, before sampling"
    assert rows.frame["A"].isna().sum() == 1, "a logged null stays missing"
    assert sorted(rows.frame["B"]) == [2.0, 4.0, 6.0], "feature values read from the compacted part"
    assert rows.frame[SCORE].between(0, 1).all(), "score = the logged probability"
    assert rows.model_versions == ("3",), "the versions that decided in the window"
    everything = read_prediction_log(
        prediction_log, ["A"], since=None, until=None, max_rows=2, seed=0, option="--current"
    )
    assert (len(everything.frame), everything.available) == (2, 5), "sampled from the 5 decisions"
    assert everything.model_versions == ("3", "4"), "the part's and the live journal's"
    live = read_prediction_log(
        prediction_log, ["A", "B"], since=parse_instant("2025-03-02", "--since"), until=None, **_ALL
    )
    assert live.frame["A"].tolist() == [9.0, 9.0], "the open journal's decisions are read"


def test_read_prediction_log_refuses_empty_windows_and_unknown_features(prediction_log: Path) -> None:
    later = parse_instant("2025-04-01", "--since")
    with pytest.raises(DriftInputError, match=r"--current.*no prediction log file"):
        read_prediction_log(prediction_log, ["A"], since=later, until=None, **_ALL)
    noon = parse_instant("2025-03-02T12:00", "--since")
    with pytest.raises(DriftInputError, match=r"--current.*no usable decision"):
        read_prediction_log(prediction_log, ["A"], since=noon, until=None, **_ALL)
    with pytest.raises(DriftInputError, match=r"--current.*lack 1 monitored feature.*APP_X"):
        read_prediction_log(prediction_log, ["A", "APP_X"], since=None, until=None, **_ALL)


def test_parse_instant_reads_dates_as_utc_and_names_the_option() -> None:
    assert parse_instant("2025-03-01", "--since").isoformat() == "2025-03-01T00:00:00+00:00"
    assert parse_instant("2025-03-01T02:00+02:00", "--since").hour == 0, "converted to UTC"
    assert parse_instant(None, "--since") is None
    with pytest.raises(DriftInputError, match="--until"):
        parse_instant("last week", "--until")


# --- decision rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drifted", "checked", "share", "expected"),
    [(3, 10, 0.3, True), (2, 10, 0.3, False), (10, 10, 1.0, True), (0, 0, 0.3, False)],
)
def test_alert_when_the_drifted_share_reaches_the_threshold(
    drifted: int, checked: int, share: float, expected: bool
) -> None:
    assert is_alert(drifted, checked, share) is expected, f"{drifted}/{checked} against {share}"


def test_material_shift_needs_both_a_big_and_a_significant_shift() -> None:
    # given a test registered with Evidently and three comparisons with the same reference
    test = material_shift_test()
    rng = np.random.default_rng(0)
    reference = pd.Series(rng.normal(size=5000))
    # deciles of the reference moved by 0.35 std: big, but 9 rows cannot show it is not chance
    tiny_but_shifted = pd.Series(np.quantile(reference, np.linspace(0.1, 0.9, 9)) + 0.35)
    large_but_trivial = pd.Series(rng.normal(0.03, 1, size=200_000))
    shifted = pd.Series(rng.normal(0.5, 1, size=500))
    verdicts = {
        name: test(reference, current, feature_type=None, threshold=None)  # type: ignore[arg-type]
        for name, current in (("tiny", tiny_but_shifted), ("trivial", large_but_trivial), ("real", shifted))
    }
    # then only the real shift is drift: the others miss significance or size
    assert not verdicts["tiny"].drifted, f"8 rows are no evidence at {SIGNIFICANCE}: {verdicts['tiny']}"
    assert not verdicts["trivial"].drifted, f"0.03 std is not material: {verdicts['trivial']}"
    assert verdicts["real"].drifted, f"0.5 std on 500 rows is drift: {verdicts['real']}"


def test_compare_flags_the_shifted_column_and_skips_empty_ones() -> None:
    # given a shifted column S, a stable column K, a column E empty in the current set, and a score
    rng = np.random.default_rng(1)
    reference = pd.DataFrame(
        {"S": rng.normal(size=3000), "K": rng.normal(size=3000), "E": rng.normal(size=3000)}
    )
    reference[SCORE] = rng.uniform(size=3000)
    stable = np.quantile(reference["K"], np.linspace(0.001, 0.999, 400))  # K's own quantiles
    current = pd.DataFrame({"S": rng.normal(1.0, 1, 400), "K": stable, "E": np.nan})
    current[SCORE] = rng.uniform(size=400)
    # when comparing
    _, comparison = compare(reference, current, ["S", "K", "E"], importance={"S": 2.0, "K": 1.0})
    # then
    verdicts = {c.column: c for c in comparison.features}
    assert verdicts["S"].drifted, f"a 1-std shift is drift: {verdicts['S']}"
    assert not verdicts["K"].drifted, f"the same distribution is not: {verdicts['K']}"
    assert verdicts["S"].importance == 2.0, "importance carried to the JSON"
    assert verdicts["S"].method.startswith("Wasserstein distance (normed), KS"), "the job's default test"
    assert verdicts["S"].score_kind == "distance", verdicts["S"]
    assert comparison.skipped == ["E"], "a column without current values is skipped, not counted"
    assert comparison.share == 0.5, "1 of the 2 checked features"
    assert comparison.score is not None, "the score is compared when both sides have it"
    assert not comparison.score.drifted, "same score distribution"


# --- command line --------------------------------------------------------------------------------------


def test_a_p_value_test_is_reported_as_such() -> None:
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"S": rng.normal(size=2000)})
    current = pd.DataFrame({"S": rng.normal(1.0, 1, 300)})
    _, comparison = compare(reference, current, ["S"], method="ks")
    verdict = comparison.features[0]
    assert verdict.score_kind == "p_value", verdict
    assert verdict.drifted, f"a 1-std shift has a tiny p-value: {verdict}"
    assert verdict.drift_score < verdict.threshold, "p-value tests drift below their threshold"


def test_exit_codes_are_distinct() -> None:
    assert (EXIT_OK, EXIT_ALERT, EXIT_INPUT) == (0, 1, 2), "documented in docs/drift.md"


def test_unusable_input_exits_2_naming_the_option(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["drift", "--reference", str(tmp_path / "nope.parquet")])
    assert missing.exit_code == EXIT_INPUT, missing.output
    assert "--reference" in missing.output, missing.output
    reference = tmp_path / "ref.parquet"
    pd.DataFrame({"A": [1.0]}).to_parquet(reference)
    bad = runner.invoke(
        app, ["drift", "--reference", str(reference), "--current", str(reference), "--method", "nope"]
    )
    assert bad.exit_code == EXIT_INPUT, bad.output
    assert "--method" in bad.output, bad.output
