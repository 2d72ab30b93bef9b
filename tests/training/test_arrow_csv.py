"""Tests of training.data.arrow_csv: the fast path writes DuckDB's tables, or refuses and leaves nothing."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from credit_features.tables import TABLE_NAMES, file_name
from training.data import arrow_csv
from training.data.duck import connect
from training.data.ingest import IngestError, check_headers, convert_table, ingest_folder

from .test_ingest import rewrite, set_field

pytestmark = pytest.mark.unit


def both_paths(raw: Path, tmp_path: Path, table: str) -> tuple[Path, Path]:
    """`table` converted by pyarrow and by DuckDB: (fast.parquet, duckdb.parquet)."""
    fast, slow = tmp_path / "fast", tmp_path / "slow"
    fast.mkdir(exist_ok=True)
    slow.mkdir(exist_ok=True)
    arrow_csv.convert(raw / file_name(table), fast / f"{table}.parquet", table)
    with connect(tmp_path) as con:
        header = check_headers(raw).columns[table]
        _, problems = convert_table(con, raw, slow, table, index=0, header=header)
    assert problems == [], f"{table}: the DuckDB path must accept the file too"
    return fast / f"{table}.parquet", slow / f"{table}.parquet"


def differing_rows(left: Path, right: Path) -> tuple[int, int, list, list]:
    """Rows only in left, rows only in right (NaN-safe, duplicates counted) and both schemas."""
    con = duckdb.connect()
    only_left, only_right = (
        con.execute(f"SELECT count(*) FROM (FROM '{a}' EXCEPT ALL FROM '{b}')").fetchone()[0]
        for a, b in ((left, right), (right, left))
    )
    schemas = [con.execute(f"DESCRIBE FROM '{path}'").fetchall() for path in (left, right)]
    return only_left, only_right, [s[:2] for s in schemas[0]], [s[:2] for s in schemas[1]]


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_fast_path_writes_the_same_table_as_duckdb(synthetic_raw: Path, tmp_path: Path, table: str):
    # Given a generated table (real quirks: 365243, XNA, "2.0" integers, empty fields); When both convert it
    fast, slow = both_paths(synthetic_raw, tmp_path, table)

    # Then the two Parquet files hold the same typed rows
    only_fast, only_slow, fast_schema, slow_schema = differing_rows(fast, slow)
    assert fast_schema == slow_schema, f"{table}: column names, order or types differ"
    assert (only_fast, only_slow) == (0, 0), f"{table}: the fast path changed {only_fast} row(s)"


def test_bom_crlf_reordered_and_unknown_columns_give_the_same_table(tiny_raw_folder: Path, tmp_path: Path):
    # Given a file with a UTF-8 BOM, CRLF line ends, its columns reversed and a column of the user's own
    path = tiny_raw_folder / file_name("bureau")
    rewrite(path, lambda rows: [[*row[::-1], "extra"] for row in rows])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))

    # When both paths convert it; Then they agree, in the real column order
    fast, slow = both_paths(tiny_raw_folder, tmp_path, "bureau")
    only_fast, only_slow, fast_schema, slow_schema = differing_rows(fast, slow)
    assert fast_schema == slow_schema, "BOM/CRLF/order changed the columns"
    assert (only_fast, only_slow) == (0, 0), "BOM/CRLF/order changed the rows"


@pytest.mark.parametrize("lines", ["every line", "the last line only"])
def test_integers_written_as_doubles_are_taken_by_the_fast_path_as_int64(
    tiny_raw_folder: Path, tmp_path: Path, lines: str
):
    # Given an application file writing CNT_FAM_MEMBERS as "2.0", as the real files do: on every line,
    # or on its last line only (after integers the first parse took)
    written = []

    def as_doubles(rows: list[list[str]]) -> list[list[str]]:
        column = rows[0].index("CNT_FAM_MEMBERS")
        for number, row in enumerate(rows[1:], start=1):
            if row[column]:
                as_double = lines == "every line" or number == len(rows) - 1
                row[column] = f"{int(float(row[column]))}" + (".0" if as_double else "")
                if as_double:
                    written.append(row[column])
        return rows

    rewrite(tiny_raw_folder / file_name("application_train"), as_doubles)
    assert written, "the file must hold integers written as doubles"

    # When both paths convert it (the fast path raises RefusedError if it does not take the file)
    fast, slow = both_paths(tiny_raw_folder, tmp_path, "application_train")

    # Then the fast path wrote the column as int64, with DuckDB's values
    only_fast, only_slow, fast_schema, slow_schema = differing_rows(fast, slow)
    assert ("CNT_FAM_MEMBERS", "BIGINT") in fast_schema, "an int64 column must stay int64"
    assert fast_schema == slow_schema
    assert (only_fast, only_slow) == (0, 0), f"{lines}: the retry changed rows"


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("AMT_CREDIT", "12k", "invalid value '12k'"),
        ("CNT_FAM_MEMBERS", "2.5", "CNT_FAM_MEMBERS (int64) holds a non-integer value"),
        ("CNT_FAM_MEMBERS", "inf", "CNT_FAM_MEMBERS (int64) holds a non-integer value"),
        ("CNT_FAM_MEMBERS", "1e30", "truncated converting to int64"),
    ],
)
def test_a_value_pyarrow_cannot_type_is_refused_and_nothing_is_left(
    tiny_raw_folder: Path, tmp_path: Path, column: str, value: str, reason: str
):
    # Given an application file with one value the column's type cannot hold
    set_field(tiny_raw_folder / "application_train.csv", 1, column, value)
    target = tmp_path / "application_train.parquet"

    # When the fast path converts it; Then it refuses, says why, and leaves no half-written file
    with pytest.raises(arrow_csv.RefusedError) as refused:
        arrow_csv.convert(tiny_raw_folder / "application_train.csv", target, "application_train")
    assert reason in str(refused.value), f"the refusal must say why: {refused.value}"
    assert not target.exists(), "a refused conversion must remove its partial output"


def test_ingest_hands_a_refused_file_to_duckdb_and_keeps_the_fast_path_for_the_others(
    tiny_raw_folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    # Given a folder whose only faulty file is bureau ("1,5" where a number belongs)
    set_field(tiny_raw_folder / "bureau.csv", 0, "AMT_CREDIT_SUM", "1,5")
    caplog.set_level(logging.INFO, logger="training.data.ingest")

    # When it is ingested; Then DuckDB's report names the file, column, line and value
    with pytest.raises(IngestError, match=r"bureau\.csv: .*AMT_CREDIT_SUM.*line 2.*'1,5'"):
        ingest_folder(raw=tiny_raw_folder, out=tmp_path / "parquet")
    parsers = {r.table: r.parser for r in caplog.records if r.getMessage() == "table converted"}
    refused = [r.table for r in caplog.records if r.getMessage() == "table refused by the fast path"]
    # And only that file went the slow way
    assert refused == ["bureau"], "only the faulty file may leave the fast path"
    expected = {table: "duckdb" if table == "bureau" else "pyarrow" for table in TABLE_NAMES}
    assert parsers == expected, f"every clean file must take the fast path: {parsers}"
