"""Tests of training.data.ingest: raw CSV folder -> checked Parquet, refused whole if anything is wrong."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from credit_features.tables import TABLE_NAMES, TRUTH_FILE, columns, file_name
from training.cli import app
from training.data import timestamps
from training.data.ingest import IngestError, IngestResult, ingest_folder

pytestmark = pytest.mark.unit

ARROW_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}

Rows = list[list[str]]


def read_csv(path: Path) -> Rows:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path: Path, rows: Rows) -> None:
    """Write rows the way the real files are written: minimal quoting, `\\n` line ends."""
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def rewrite(path: Path, change: Callable[[Rows], Rows]) -> None:
    """Rewrite a CSV file through `change` (header included)."""
    write_csv(path, change(read_csv(path)))


def set_field(path: Path, row: int, column: str, value: str) -> None:
    """Set one field; `row` counts data rows from 0 (file line row + 2)."""

    def change(rows: Rows) -> Rows:
        rows[row + 1][rows[0].index(column)] = value
        return rows

    rewrite(path, change)


def ingest_error(raw: Path, out: Path) -> str:
    with pytest.raises(IngestError) as caught:
        ingest_folder(raw=raw, out=out)
    return str(caught.value)


def leftovers(out: Path) -> list[str]:
    return [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


def test_happy_path_writes_typed_parquet_with_quirks_and_nulls_kept(tiny_raw_folder: Path, tmp_path: Path):
    # Given a valid raw folder; When it is ingested
    out = tmp_path / "parquet"
    result = ingest_folder(raw=tiny_raw_folder, out=out)

    # Then every table has its real columns, dtypes and row count
    assert isinstance(result, IngestResult), "ingest_folder must return its typed result"
    for table in TABLE_NAMES:
        data = pq.read_table(out / f"{table}.parquet")
        expected = [(c.name, ARROW_TYPES[c.dtype]) for c in columns(table)]
        assert [(f.name, f.type) for f in data.schema] == expected, f"{table}: names, order or dtypes differ"
        written = len(read_csv(tiny_raw_folder / file_name(table))) - 1
        assert data.num_rows == written == result.rows[table], f"{table}: row count differs from the CSV"
    # And the real quirks are kept as they are (cleaning is the feature step's job)
    train = pq.read_table(out / "application_train.parquet").to_pylist()
    assert train[0]["DAYS_EMPLOYED"] == 365243, "the DAYS_EMPLOYED sentinel must be kept"
    assert train[0]["ORGANIZATION_TYPE"] == "XNA", "'XNA' levels must be kept"
    assert train[2]["NAME_TYPE_SUITE"] == "Spouse, partner", "a quoted value with a comma must survive"
    assert train[0]["DAYS_BIRTH"] < 0, "negative DAYS must stay negative"
    assert train[0]["CNT_FAM_MEMBERS"] == 2, "an int64 column written '2.0' must become the integer 2"
    assert train[1]["EXT_SOURCE_1"] is None, "an empty float field must be a null"
    assert train[1]["OCCUPATION_TYPE"] is None, "an empty string field must be a null"
    # And the real data's orphans are warnings, not errors
    assert result.warnings == {"bureau_balance rows whose SK_ID_BUREAU is not in bureau": 1}, (
        "the one orphan bureau_balance row must be counted as a warning"
    )
    assert result.out == out.resolve(), "the result must name the published folder"
    assert leftovers(out) == [], "no temporary folder may be left beside out"


def test_rank_rule_timestamps_are_deterministic_and_train_precedes_test(
    tiny_raw_folder: Path, tmp_path: Path
):
    # Given the same real-format folder (no truth file) ingested twice
    first = ingest_folder(raw=tiny_raw_folder, out=tmp_path / "a")
    ingest_folder(raw=tiny_raw_folder, out=tmp_path / "b")

    # Then the timestamps are identical, UTC microseconds, and every train one precedes every test one
    times_a = pq.read_table(tmp_path / "a" / timestamps.OUTPUT_FILE)
    times_b = pq.read_table(tmp_path / "b" / timestamps.OUTPUT_FILE)
    assert times_a.equals(times_b), "the rank rule must give the same times for the same files"
    assert first.timestamp_rule == timestamps.RANK_RULE, "the result must say which rule was used"
    assert times_a.schema.field("APPLICATION_TIME").type == pa.timestamp("us", tz="UTC"), "UTC microseconds"
    rows = times_a.to_pylist()
    train = [r["APPLICATION_TIME"] for r in rows if r["SPLIT"] == "train"]
    test = [r["APPLICATION_TIME"] for r in rows if r["SPLIT"] == "test"]
    assert (len(train), len(test)) == (4, 2), "every application gets exactly one timestamp"
    assert max(train) < min(test), "train applications must precede test ones"
    assert min(train) == timestamps.TRAIN_START, "rank 0 of train is the train window's start"
    assert min(test) == timestamps.TEST_START, "rank 0 of test is the test window's start"
    assert max(test) < timestamps.ANCHOR, "test times end before the anchor"


def test_truth_file_times_are_used_and_planted_probability_never_written(
    tiny_raw_folder: Path, tmp_path: Path
):
    # Given a synthetic folder with its truth file
    ids = {"train": (100002, 100003, 100004, 100006), "test": (100001, 100005)}
    truth = [["SK_ID_CURR", "SPLIT", "APPLICATION_TIME", "PLANTED_PROBABILITY"]]
    for split, hour in (("train", 1), ("test", 9)):
        truth += [
            [str(i), split, f"2024-03-0{n + 1}T0{hour}:30:00Z", "0.123456"] for n, i in enumerate(ids[split])
        ]
    write_csv(tiny_raw_folder / TRUTH_FILE, truth)

    # When it is ingested
    out = tmp_path / "parquet"
    result = ingest_folder(raw=tiny_raw_folder, out=out)

    # Then its times are used as they are, and nothing written holds the planted probability
    times = {r["SK_ID_CURR"]: r for r in pq.read_table(out / timestamps.OUTPUT_FILE).to_pylist()}
    assert result.timestamp_rule == timestamps.TRUTH_RULE, "the result must say the truth file was used"
    assert times[100005]["SPLIT"] == "test", "the split comes from the truth file"
    assert times[100005]["APPLICATION_TIME"].isoformat() == "2024-03-02T09:30:00+00:00", "truth time kept"
    for path in out.iterdir():
        names = pq.read_schema(path).names
        assert "PLANTED_PROBABILITY" not in names, f"{path.name} must not hold the planted probability"
        assert b"0.123456" not in path.read_bytes(), f"{path.name} must not hold a planted value"


def test_truth_file_that_misses_an_application_is_refused(tiny_raw_folder: Path, tmp_path: Path):
    truth = [
        ["SK_ID_CURR", "SPLIT", "APPLICATION_TIME", "PLANTED_PROBABILITY"],
        ["100002", "train", "x", "0.1"],
    ]
    write_csv(tiny_raw_folder / TRUTH_FILE, truth)

    message = ingest_error(tiny_raw_folder, tmp_path / "parquet")

    assert f"{TRUTH_FILE}: column APPLICATION_TIME (ISO timestamp): 1 bad value(s)" in message, (
        f"bad time not named: {message}"
    )
    assert "6 application(s) missing" in message, f"applications absent from the truth not counted: {message}"


def test_every_header_problem_is_reported_at_once(tiny_raw_folder: Path, tmp_path: Path):
    # Given a missing file, a missing column and a repeated column in 3 files
    (tiny_raw_folder / "bureau.csv").unlink()
    rewrite(tiny_raw_folder / "POS_CASH_balance.csv", lambda rows: [r[:-1] for r in rows])
    rewrite(tiny_raw_folder / "bureau_balance.csv", lambda rows: [[*r, r[-1]] for r in rows])

    # When it is ingested
    message = ingest_error(tiny_raw_folder, tmp_path / "parquet")

    # Then one error names every file, table and column at fault
    expected = [
        "bureau.csv: missing file (table bureau is required)",
        "POS_CASH_balance.csv: missing column(s) SK_DPD_DEF",
        "bureau_balance.csv: repeated column(s) STATUS",
    ]
    for part in expected:
        assert part in message, f"{part!r} missing from the error: {message}"
    assert "3 problem(s)" in message, f"exactly these 3 problems expected: {message}"


def test_columns_in_another_order_and_unknown_columns_are_accepted_by_name(
    tiny_raw_folder: Path, tmp_path: Path
):
    # Given the same folder ingested as written, and with reversed columns plus an unknown column
    plain = ingest_folder(raw=tiny_raw_folder, out=tmp_path / "plain")
    rewrite(tiny_raw_folder / "installments_payments.csv", lambda rows: [r[::-1] for r in rows])
    rewrite(
        tiny_raw_folder / "bureau_balance.csv",
        lambda rows: [[*r, "MY_NOTE" if i == 0 else "note"] for i, r in enumerate(rows)],
    )

    # When it is ingested
    moved = ingest_folder(raw=tiny_raw_folder, out=tmp_path / "moved")

    # Then the tables are the same, in the real column order, and the unknown column is a warning
    for table in ("installments_payments", "bureau_balance"):
        before = pq.read_table(tmp_path / "plain" / f"{table}.parquet")
        after = pq.read_table(tmp_path / "moved" / f"{table}.parquet")
        assert after.equals(before), f"{table}: columns matched by name must give the same table"
    ignored = "bureau_balance.csv: unknown column(s) ignored: MY_NOTE"
    assert moved.warnings == {**plain.warnings, ignored: 1}, (
        f"the ignored column must be a warning: {moved.warnings}"
    )


def test_utf8_bom_and_crlf_line_ends_give_the_same_tables(tiny_raw_folder: Path, tmp_path: Path):
    # Given every file rewritten as Windows tools write CSV: a UTF-8 BOM and CRLF line ends
    ingest_folder(raw=tiny_raw_folder, out=tmp_path / "plain")
    for table in TABLE_NAMES:
        path = tiny_raw_folder / file_name(table)
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))

    # When it is ingested
    ingest_folder(raw=tiny_raw_folder, out=tmp_path / "windows")

    # Then every table is exactly the one of the plain files (no BOM in a name, no \r in a value)
    for table in TABLE_NAMES:
        before = pq.read_table(tmp_path / "plain" / f"{table}.parquet")
        after = pq.read_table(tmp_path / "windows" / f"{table}.parquet")
        assert after.equals(before), f"{table}: a BOM or CRLF line ends changed the table"


def test_text_in_a_numeric_column_names_file_column_row_and_value(tiny_raw_folder: Path, tmp_path: Path):
    set_field(tiny_raw_folder / "application_train.csv", 2, "AMT_INCOME_TOTAL", "abc")
    set_field(tiny_raw_folder / "bureau.csv", 0, "DAYS_CREDIT", "XNA")

    message = ingest_error(tiny_raw_folder, tmp_path / "parquet")

    assert "application_train.csv: column AMT_INCOME_TOTAL (float64)" in message, f"not named: {message}"
    assert "line 4 (SK_ID_CURR 100004): 'abc'" in message, f"row and bad value not shown: {message}"
    assert "bureau.csv: column DAYS_CREDIT (int64)" in message, (
        f"second table's error not reported: {message}"
    )
    assert "line 2 (SK_ID_CURR 100002, SK_ID_BUREAU 5714462): 'XNA'" in message, (
        f"a child row is identified by its keys: {message}"
    )


def test_non_integer_value_in_an_int64_column_is_refused(tiny_raw_folder: Path, tmp_path: Path):
    set_field(tiny_raw_folder / "application_test.csv", 1, "CNT_CHILDREN", "2.5")

    message = ingest_error(tiny_raw_folder, tmp_path / "parquet")

    assert "application_test.csv: column CNT_CHILDREN (int64)" in message, f"column not named: {message}"
    assert "2.5" in message, f"bad value not shown: {message}"


def test_empty_value_in_an_int64_column_is_kept_as_null_with_a_warning(tiny_raw_folder: Path, tmp_path: Path):
    set_field(tiny_raw_folder / "application_train.csv", 3, "CNT_FAM_MEMBERS", "")

    result = ingest_folder(raw=tiny_raw_folder, out=tmp_path / "parquet")

    rows = pq.read_table(tmp_path / "parquet" / "application_train.parquet").to_pylist()
    assert rows[3]["CNT_FAM_MEMBERS"] is None, "an empty int64 field must be a null, not 0"
    assert result.warnings.get("empty values in int64 column application_train.CNT_FAM_MEMBERS") == 1, (
        f"the null must be counted as a warning: {result.warnings}"
    )


def test_duplicate_application_id_is_refused(tiny_raw_folder: Path, tmp_path: Path):
    set_field(tiny_raw_folder / "application_test.csv", 0, "SK_ID_CURR", "100002")  # also a train id

    message = ingest_error(tiny_raw_folder, tmp_path / "parquet")

    assert "SK_ID_CURR must be present and unique" in message, f"duplicate not refused: {message}"
    assert "e.g. 100002" in message, f"the repeated id is not shown: {message}"


def test_failed_ingest_leaves_existing_out_untouched_and_no_temp_folder(
    tiny_raw_folder: Path, tmp_path: Path
):
    # Given a previous ingest's output
    out = tmp_path / "parquet"
    out.mkdir()
    (out / "previous.txt").write_text("kept")
    # And a folder whose error only shows in the last table converted
    set_field(tiny_raw_folder / "credit_card_balance.csv", 0, "SK_DPD", "oops")

    ingest_error(tiny_raw_folder, out)

    assert [p.name for p in out.iterdir()] == ["previous.txt"], "the previous output must stay as it was"
    assert (out / "previous.txt").read_text() == "kept", "the previous output's content must be intact"
    assert leftovers(out) == [], "no temporary folder may be left beside out"


def test_successful_ingest_replaces_existing_out(tiny_raw_folder: Path, tmp_path: Path):
    out = tmp_path / "parquet"
    out.mkdir()
    (out / "stale.parquet").write_text("old")

    ingest_folder(raw=tiny_raw_folder, out=out)

    assert not (out / "stale.parquet").exists(), "a successful ingest replaces the whole folder"
    assert (out / "bureau.parquet").exists(), "the new tables must be in place"
    assert leftovers(out) == [], "neither the temporary nor the old folder may be left over"


def test_out_that_would_replace_raw_is_refused(tiny_raw_folder: Path):
    message = ingest_error(tiny_raw_folder, tiny_raw_folder.parent)

    assert "would replace the raw folder" in message, message
    assert (tiny_raw_folder / "bureau.csv").exists(), "the raw files must be untouched"


def test_cli_reports_refusal_with_exit_code_2(tiny_raw_folder: Path, tmp_path: Path):
    (tiny_raw_folder / "bureau.csv").unlink()

    outcome = CliRunner().invoke(app, ["ingest", "--raw", str(tiny_raw_folder), "--out", str(tmp_path / "o")])

    assert outcome.exit_code == 2, f"a refused ingest must exit with 2, got {outcome.exit_code}"
